//! Responders and rule tables on real loopback sockets: what an echo sends back under a
//! framing, and rules that match by length and by bytes.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::Rig;
use sockscope::engine::{Command, Framing, Responder};
use sockscope::lang::Statement;

/// Each case: the framing, the responder, what the client writes (in pieces), the answer.
type EchoCase = (
    &'static str,
    Framing,
    Responder,
    &'static [&'static [u8]],
    &'static [u8],
);

#[test]
fn an_echo_under_a_framing_sends_the_framing_back() {
    let length = Framing::LengthPrefixed {
        width: 2,
        big_endian: true,
    };
    let cases: [EchoCase; 2] = [
        (
            "an echo under line framing sends the delimiter back",
            Framing::Delimited(b"\n".to_vec()),
            Responder::Echo,
            &[b"one\ntwo\nthr", b"ee\n"],
            b"one\ntwo\nthree\n",
        ),
        (
            "an upper under length framing sends the header back",
            length,
            Responder::Upper,
            &[b"\x00\x02hi\x00\x03abc"],
            b"\x00\x02HI\x00\x03ABC",
        ),
    ];
    for (case, framing, responder, pieces, want) in cases {
        let mut rig = Rig::new();
        let (l, addr) = rig.listener();
        rig.ok(Command::Frame {
            sock: l.into(),
            framing,
        });
        rig.ok(Command::Respond {
            sock: l.into(),
            responder,
        });
        rig.ok(Command::AcceptAuto {
            sock: l.into(),
            on: true,
        });
        let mut c = TcpStream::connect(addr).expect("connect");
        c.set_read_timeout(Some(common::WAIT)).expect("timeout");
        for piece in pieces {
            c.write_all(piece).expect("write");
        }
        let mut got = vec![0u8; want.len()];
        c.read_exact(&mut got)
            .unwrap_or_else(|e| panic!("{case}: the echo: {e}"));
        assert_eq!(got, want, "{case}: {:?}", String::from_utf8_lossy(&got));
    }
}

/// The tutorial's UDP server, OK for an even length and Err for an odd one, answers a
/// client by `rules` (script lines), counting bytes, not characters.
fn even_odd_server_answers(rules: &[&str]) {
    let mut rig = Rig::new();
    let (server, at) = rig.bound_udp();
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
