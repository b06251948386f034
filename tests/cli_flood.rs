//! `sockscope run` floods a slow Python reader: every byte the counters report arrives, and
//! `status` reports what was written.

mod common;

use common::proc::{run_script, sockscope, succeeded};
use common::slow_peer::SlowPeer;

#[test]
fn a_run_script_floods_ten_million_bytes_to_a_slow_reader_exactly() {
    let peer = SlowPeer::start(10_000_000);
    let script = format!(
        "socket tcp as c\nconnect c {}\nflood c 1000 max 10000\nexpect c \"total \" 120s\nstatus\n",
        peer.addr
    );
    let out = run_script(&mut sockscope(), &[], &script);
    let stdout = succeeded(&out, "the flood script");
    assert!(
        stdout.contains("total 10000000\\n"),
        "the reader had all of it when it answered:\n{stdout}"
    );
    let status = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("s1 ") && l.contains("peer "))
        .unwrap_or_else(|| panic!("a status line for c:\n{stdout}"));
    assert!(status.contains(" out 10000000 B"), "{status}");
    assert_eq!(peer.total(), 10_000_000, "the bytes on the wire");
}
