//! Engine tests for servers that answer, framing, step mode and the sending tools, on
//! real loopback sockets.

mod common;

use std::time::Duration;

use common::{Rig, WAIT, received_data, sent_data};
use sockscope::engine::{
    Command, EventKind, Framing, Match, Payload, Responder, Rule, SockId, length_prefixed,
};

fn rule(on: Match, reply: &str, close: bool) -> Rule {
    Rule {
        on,
        reply: reply.as_bytes().to_vec(),
        close,
    }
}

fn messages(rig: &Rig, sock: SockId) -> Vec<Vec<u8>> {
    rig.chunks(sock, |k| match k {
        EventKind::Message { data, .. } => Some(data),
        _ => None,
    })
}

#[test]
fn each_responder_kind_answers() {
    let mut rig = Rig::new();
    for (responder, sent, want) in [
        (Responder::Echo, "ping", "ping"),
        (Responder::Upper, "ping", "PING"),
        (
            Responder::Fixed(Payload::from("fixed")),
            "anything",
            "fixed",
        ),
    ] {
        let (_, addr) = rig.server(responder.clone());
        let c = rig.client(addr);
        rig.send(c, sent.as_bytes());
        assert_eq!(
            rig.recv_until(c, want.as_bytes()),
            want.as_bytes(),
            "{responder:?}"
        );
    }
}

#[test]
fn greeting_on_accept_then_close_like_the_seed() {
    let mut rig = Rig::new();
    let (l, addr) = rig.listener();
    rig.ok(Command::Greet {
        sock: l.into(),
        greeting: Some("Hey there!!!".into()),
        close: true,
    });
    rig.ok(Command::AcceptAuto {
        sock: l.into(),
        on: true,
    });
    let c = rig.client(addr);
    assert_eq!(rig.recv_until(c, b"Hey there!!!"), b"Hey there!!!");
    rig.wait_on(c, "closed after greeting", |k| {
        matches!(k, EventKind::PeerClosed)
    });
}

#[test]
fn rule_table_answers_ok_err_and_bye_then_closes() {
    let mut rig = Rig::new();
    let (l, addr) = rig.auto_listener();
    rig.ok(Command::Frame {
        sock: l.into(),
        framing: Framing::Delimited(b"\n".to_vec()),
    });
    rig.ok(Command::RuleAdd {
        sock: l.into(),
        rule: rule(Match::Exact(b"close".to_vec()), "bye\n", true),
    });
    rig.ok(Command::RuleAdd {
        sock: l.into(),
        rule: rule(
            Match::Regex("(?s-u)^(..)*$".into()),
            "OK {counter}\n",
            false,
        ),
    });
    rig.ok(Command::RuleAdd {
        sock: l.into(),
        rule: rule(Match::Any, "Err {len}\n", false),
    });
    let c = rig.client(addr);
    rig.send(c, b"four\nthree\nclose\n");
    let got = rig.recv_until(c, b"bye\n");
    assert_eq!(got, b"OK 1\nErr 5\nbye\n");
    rig.wait_on(c, "rule closes", |k| matches!(k, EventKind::PeerClosed));
}

#[test]
fn regex_rule_with_captures() {
    let mut rig = Rig::new();
    let (srv, srv_addr) = rig.bound_udp();
    rig.ok(Command::RuleAdd {
        sock: srv.into(),
        rule: rule(
            Match::Regex(r"^GET (\S+) (\w+)$".into()),
            "got {1} as {2} from {peer}",
            false,
        ),
    });
    let (c, c_addr) = rig.bound_udp();
    rig.send_to(c, srv_addr, b"GET /x json");
    let want = format!("got /x as json from {c_addr}");
    assert_eq!(rig.recv_until(c, want.as_bytes()), want.as_bytes());
}

#[test]
fn an_invalid_regex_is_refused_clearly() {
    let mut rig = Rig::new();
    let unclosed = rule(Match::Regex("(oops".into()), "x", false);
    let s = rig.udp();
    rig.refused(
        "invalid regex",
        Command::RuleAdd {
            sock: s.into(),
            rule: unclosed,
        },
    );
}

#[test]
fn length_prefixed_message_split_across_sends_is_reassembled() {
    let (mut rig, c, srv) = Rig::pair();
    rig.ok(Command::Frame {
        sock: srv.into(),
        framing: Framing::LengthPrefixed {
            width: 2,
            big_endian: true,
        },
    });
    let framed = length_prefixed(b"Hey there!!!", 2, true).expect("fits");
    for piece in framed.chunks(4) {
        rig.send(c, piece);
        std::thread::sleep(Duration::from_millis(20));
    }
    rig.recv_until(srv, &framed);
    if messages(&rig, srv).is_empty() {
        rig.wait_on(srv, "the message is reassembled", |k| {
            matches!(k, EventKind::Message { .. })
        });
    }
    assert_eq!(messages(&rig, srv), vec![b"Hey there!!!".to_vec()]);
    let chunks = rig
        .seen
        .iter()
        .filter(|e| e.socket == Some(srv) && matches!(e.kind, EventKind::Received { .. }))
        .count();
    assert!(
        chunks >= 2,
        "the raw chunks stay visible underneath ({chunks})"
    );
}

#[test]
fn recv_size_8_splits_the_greeting_as_in_the_seed() {
    let (mut rig, c, srv) = Rig::pair();
    rig.ok(Command::RecvSize {
        sock: c.into(),
        size: 8,
    });
    rig.send(srv, b"Hey there!!!");
    rig.recv_until(c, b"Hey there!!!");
    let chunks = rig.chunks(c, received_data);
    assert_eq!(chunks, vec![b"Hey ther".to_vec(), b"e!!!".to_vec()]);
}

#[test]
fn step_mode_reads_exactly_n_bytes_and_shows_readiness() {
    let (mut rig, c, srv) = Rig::pair();
    rig.ok(Command::RecvMode {
        sock: c.into(),
        manual: true,
    });
    let ev = rig.ok(Command::Ready { sock: c.into() });
    assert!(
        matches!(
            ev.kind,
            EventKind::Readiness {
                readable: false,
                writable: true,
                pending: 0
            }
        ),
        "{:?}",
        ev.kind
    );
    let ev = rig.ok(Command::Recv {
        sock: c.into(),
        max: Some(4),
    });
    assert!(matches!(ev.kind, EventKind::WouldBlock), "{:?}", ev.kind);

    rig.send(srv, b"0123456789");
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let ev = rig.ok(Command::Ready { sock: c.into() });
        if let EventKind::Readiness {
            readable: true,
            pending,
            ..
        } = ev.kind
        {
            assert_eq!(pending, 10);
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never readable");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        rig.received(c).is_empty(),
        "nothing was read in the background"
    );
    let ev = rig.ok(Command::Recv {
        sock: c.into(),
        max: Some(4),
    });
    let EventKind::Received { data, .. } = ev.kind else {
        panic!("{:?}", ev.kind)
    };
    assert_eq!(&data[..], b"0123");
    let ev = rig.ok(Command::Ready { sock: c.into() });
    assert!(
        matches!(ev.kind, EventKind::Readiness { pending: 6, .. }),
        "{:?}",
        ev.kind
    );
    // Back to the background: the rest arrives on its own.
    rig.ok(Command::RecvMode {
        sock: c.into(),
        manual: false,
    });
    assert_eq!(rig.recv_until(c, b"456789"), b"0123456789");
    // recv refuses outside step mode.
    rig.refused(
        "recvmode",
        Command::Recv {
            sock: c.into(),
            max: None,
        },
    );
}

#[test]
fn repeat_sends_exactly_k_times_with_placeholders() {
    let mut rig = Rig::new();
    let [(a, _), (b, b_addr)] = rig.bound_udps();
    rig.ok(Command::Repeat {
        sock: a.into(),
        count: Some(5),
        every: Duration::from_millis(10),
        payload: "n={counter};".into(),
        to: Some(b_addr.into()),
    });
    rig.wait_on(a, "repeat ends after 5", |k| {
        matches!(k, EventKind::RepeatDone { sent: 5 })
    });
    let got = rig.recv_until(b, b"n=5;");
    assert_eq!(got, b"n=1;n=2;n=3;n=4;n=5;");
    std::thread::sleep(Duration::from_millis(50));
    while let Ok(ev) = rig.rx.try_recv() {
        rig.seen.push(ev);
    }
    let datagrams = rig
        .seen
        .iter()
        .filter(|e| e.socket == Some(b) && matches!(e.kind, EventKind::Received { .. }))
        .count();
    assert_eq!(datagrams, 5, "exactly K sends");
}

#[test]
fn repeat_forever_until_stopped() {
    let (mut rig, c, srv) = Rig::pair();
    rig.ok(Command::Repeat {
        sock: c.into(),
        count: None,
        every: Duration::from_millis(5),
        payload: "x".into(),
        to: None,
    });
    rig.recv_until(srv, b"xxx");
    let ev = rig.ok(Command::RepeatStop { sock: c.into() });
    let EventKind::RepeatDone { sent } = ev.kind else {
        panic!("{:?}", ev.kind)
    };
    assert!(sent >= 3);
    rig.refused("not repeating", Command::RepeatStop { sock: c.into() });
}

#[test]
fn chunked_send_arrives_in_pieces_and_whole() {
    let (mut rig, c, srv) = Rig::pair();
    rig.ok(Command::Chunked {
        sock: c.into(),
        size: 3,
        delay: Duration::from_millis(15),
        payload: "abcdefgh".into(),
    });
    rig.wait_on(c, "3 pieces", |k| {
        matches!(k, EventKind::RepeatDone { sent: 3 })
    });
    assert_eq!(rig.recv_until(srv, b"abcdefgh"), b"abcdefgh");
    let sent = rig.chunks(c, sent_data);
    assert_eq!(sent, vec![b"abc".to_vec(), b"def".to_vec(), b"gh".to_vec()]);
}
