//! `sockscope run` floods a slow Python reader: every byte the counters report arrives, and
//! `status` reports what was written.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::slow_peer::SlowPeer;

#[test]
fn a_run_script_floods_ten_million_bytes_to_a_slow_reader_exactly() {
    let peer = SlowPeer::start(10_000_000);
    let script = format!(
        "socket tcp as c\nconnect c {}\nflood c 1000 max 10000\nexpect c \"total \" 120s\nstatus\n",
        peer.addr
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(mut input) = child.stdin.take() {
        input.write_all(script.as_bytes()).expect("the script");
    }
    let out = child.wait_with_output().expect("the binary finishes");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
