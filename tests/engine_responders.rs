//! Responders and rule tables on real loopback sockets: what an echo sends back under a
//! framing, and rules that match by length and by bytes.

mod common;

use common::Rig;
use sockscope::engine::{Command, Framing};

#[test]
fn an_echo_under_line_framing_sends_the_delimiter_back() {
    let mut rig = Rig::new();
    let (l, addr) = rig.listener();
    rig.ok(Command::Frame {
        sock: l.into(),
        framing: Framing::Delimited(b"\n".to_vec()),
    });
    rig.ok(Command::Respond {
        sock: l.into(),
        responder: sockscope::engine::Responder::Echo,
    });
    rig.ok(Command::AcceptAuto {
        sock: l.into(),
        on: true,
    });
    let mut c = std::net::TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(common::WAIT)).expect("timeout");
    use std::io::{Read, Write};
    c.write_all(b"one\ntwo\nthr").expect("write");
    c.write_all(b"ee\n").expect("write");
    let want = b"one\ntwo\nthree\n";
    let mut got = vec![0u8; want.len()];
    c.read_exact(&mut got).expect("the echo");
    assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&got));
}

#[test]
fn an_echo_under_length_framing_sends_the_header_back() {
    let mut rig = Rig::new();
    let (l, addr) = rig.listener();
    rig.ok(Command::Frame {
        sock: l.into(),
        framing: Framing::LengthPrefixed {
            width: 2,
            big_endian: true,
        },
    });
    rig.ok(Command::Respond {
        sock: l.into(),
        responder: sockscope::engine::Responder::Upper,
    });
    rig.ok(Command::AcceptAuto {
        sock: l.into(),
        on: true,
    });
    let mut c = std::net::TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(common::WAIT)).expect("timeout");
    use std::io::{Read, Write};
    c.write_all(b"\x00\x02hi\x00\x03abc").expect("write");
    let want = b"\x00\x02HI\x00\x03ABC";
    let mut got = vec![0u8; want.len()];
    c.read_exact(&mut got).expect("the echo");
    assert_eq!(got, want);
}
