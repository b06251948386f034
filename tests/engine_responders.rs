//! Responders and rule tables on real loopback sockets: what an echo sends back under a
//! framing, and rules that match by length and by bytes.

mod common;

use common::Rig;
use sockscope::engine::{Command, Family, Framing, Proto};
use sockscope::lang::Statement;

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

/// The tutorial's UDP server, OK for an even length and Err for an odd one, answers a
/// client by `rules` (script lines), counting bytes, not characters.
fn even_odd_server_answers(rules: &[&str]) {
    let mut rig = Rig::new();
    let server = rig.socket(Proto::Udp, Family::V4);
    let at = rig.bind(server, "127.0.0.1:0");
    for line in rules {
        let line = line.replace("SERVER", &server.to_string());
        match sockscope::lang::parse_line(&line) {
            Ok(Some(Statement::Engine(cmd))) => {
                rig.ok(cmd);
            }
            other => panic!("{line}: {other:?}"),
        }
    }
    let client = std::net::UdpSocket::bind("127.0.0.1:0").expect("client");
    client
        .set_read_timeout(Some(common::WAIT))
        .expect("timeout");
    for (msg, want) in [
        ("è".as_bytes(), &b"OK"[..]),
        (b"a\n", b"OK"),
        (b"four", b"OK"),
        (b"three", b"Err"),
        ("é!".as_bytes(), b"Err"),
    ] {
        client.send_to(msg, at).expect("send");
        let mut buf = [0u8; 64];
        let (n, _) = client.recv_from(&mut buf).expect("an answer");
        assert_eq!(&buf[..n], want, "{:?}", String::from_utf8_lossy(msg));
    }
}

#[test]
fn a_len_even_rule_is_the_tutorials_udp_server() {
    even_odd_server_answers(&[
        "rule SERVER add len even reply \"OK\"",
        "rule SERVER add any reply \"Err\"",
    ]);
}

#[test]
fn a_regex_rule_sees_bytes_without_flags() {
    even_odd_server_answers(&[
        "rule SERVER add regex \"^(..)*$\" reply \"OK\"",
        "rule SERVER add any reply \"Err\"",
    ]);
}
