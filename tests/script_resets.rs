//! A script sees a peer's reset as it happened: `accept` keeps the address of a peer that
//! reset in the backlog (in the log's text and JSON lines and in the pcap), and
//! `expect ID reset` waits for the reset, which `expect ID closed` does not take for an
//! orderly close.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use common::script::{listening, run, runner};

#[test]
fn a_reset_in_the_backlog_keeps_the_peers_address_in_log_and_pcap() {
    let r = runner();
    let srv = listening(&r, &[]);
    let mut c = TcpStream::connect(srv).expect("connect");
    c.write_all(b"x").expect("send");
    let client = c.local_addr().expect("client address");
    socket2::SockRef::from(&c)
        .set_linger(Some(Duration::ZERO))
        .expect("linger 0");
    drop(c);
    run(&r, "accept srv as conn 5s").expect("accept");
    run(&r, "expect conn \"x\" 5s").expect("the data");
    run(&r, "expect conn reset 5s").expect("the reset");
    run(&r, "status conn").expect("status of a reset connection");
    let session = r.finish();
    let dir = tempfile::tempdir().expect("tempdir");
    let shown = client.to_string();
    for ext in ["txt", "jsonl"] {
        let path = dir.path().join(format!("log.{ext}"));
        sockscope::log::save::save(&session.log, &path).expect("save");
        let text = std::fs::read_to_string(&path).expect("read back");
        assert!(!text.contains("(unnamed)"), "{ext}:\n{text}");
        for what in ["accepted", "received", "reset"] {
            assert!(
                text.lines()
                    .any(|l| l.contains(what) && (l.contains(&shown) || what == "reset")),
                "{ext}: no {what} line with {shown}:\n{text}"
            );
        }
        assert!(
            text.contains("reset"),
            "{ext}: the reset is logged:\n{text}"
        );
    }
    let pcap = dir.path().join("log.pcap");
    sockscope::log::save::save(&session.log, &pcap).expect("save pcap");
    let bytes = std::fs::read(&pcap).expect("read pcap");
    let mut ports = client.port().to_be_bytes().to_vec();
    ports.extend_from_slice(&srv.port().to_be_bytes());
    assert!(
        bytes.windows(4).any(|w| w == ports.as_slice()),
        "the pcap has a segment from {client} to {srv}"
    );
    // The reset is drawn as the peer's RST (flags byte 13 of the TCP header: RST|ACK).
    let rst = bytes
        .windows(14)
        .any(|w| w[..4] == ports[..] && w[13] == 0x14);
    assert!(rst, "the pcap has the client's RST");
}

#[test]
fn expect_reset_waits_for_a_reset_and_not_for_an_orderly_close() {
    let r = runner();
    let srv = listening(&r, &[]);
    let c = TcpStream::connect(srv).expect("connect");
    run(&r, "accept srv as conn 5s").expect("accept");
    drop(c); // an orderly close
    run(&r, "expect conn closed 5s").expect("the close");
    let err = run(&r, "expect conn reset 300ms").expect_err("no reset came");
    assert!(
        err.to_string().contains("did not reset"),
        "the failure says why: {err}"
    );
    let c = TcpStream::connect(srv).expect("connect");
    run(&r, "accept srv as other 5s").expect("accept");
    socket2::SockRef::from(&c)
        .set_linger(Some(Duration::ZERO))
        .expect("linger 0");
    drop(c);
    run(&r, "expect other reset 5s").expect("the reset");
    // A reset is not the peer's orderly close.
    let err = run(&r, "expect other closed 300ms").expect_err("no orderly close");
    assert!(err.to_string().contains("did not close"), "{err}");
}
