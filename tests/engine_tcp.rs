//! Engine tests: the TCP lifecycle on real loopback sockets.

mod common;

use common::{Rig, WAIT, connect};
use sockscope::engine::{Cause, Command, EventKind, Family, How, Proto, SockState};

#[test]
fn tcp_server_and_client_through_the_whole_lifecycle() {
    let mut rig = Rig::new();
    let (l, addr) = rig.listener();
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    assert_ne!(
        addr.port(),
        0,
        "port 0 must resolve to the port the OS chose"
    );

    let c = rig.socket(Proto::Tcp, Family::V4);
    let connected = rig.ok(connect(c, addr));
    let EventKind::Connected { local, peer } = connected.kind else {
        panic!("expected connected, got {:?}", connected.kind);
    };
    assert_eq!(peer.ip(), Some(addr));
    let client_addr = local.ip().expect("client has an IP address");

    let acc = rig.ok(Command::Accept {
        sock: l.into(),
        name: Some("conn".into()),
        timeout: Some(WAIT),
    });
    let EventKind::Accepted { listener, peer, .. } = &acc.kind else {
        panic!("expected accepted, got {:?}", acc.kind);
    };
    assert_eq!(*listener, l);
    assert_eq!(
        peer.ip(),
        Some(client_addr),
        "the server sees the client's address"
    );
    let srv = acc.socket.expect("accepted id");
    assert_ne!(srv, l);
    assert_ne!(srv, c);

    rig.send(c, b"hello server");
    assert_eq!(rig.recv_until(srv, b"hello server"), b"hello server");
    rig.send(srv, b"hello client");
    assert_eq!(rig.recv_until(c, b"hello client"), b"hello client");

    // The accepted connection can be named and used by that name.
    rig.ok(Command::Send {
        sock: sockscope::engine::SockRef::Name("conn".into()),
        payload: "by name".into(),
    });
    rig.recv_until(c, b"by name");

    let status = rig.ok(Command::Status);
    let EventKind::Status(list) = status.kind else {
        panic!("expected status")
    };
    let srv_info = list
        .iter()
        .find(|s| s.id == srv)
        .expect("server side listed");
    assert_eq!(srv_info.state, SockState::Connected);
    assert_eq!(srv_info.counters.bytes_in, 12);
    assert_eq!(srv_info.counters.bytes_out, 12 + 7);
    assert_eq!(srv_info.parent, Some(l));

    rig.ok(Command::Close { sock: c.into() });
    rig.wait_on(srv, "the server sees the client close", |k| {
        matches!(k, EventKind::PeerClosed)
    });
    rig.ok(Command::Close { sock: srv.into() });
    rig.ok(Command::Close { sock: l.into() });
    let again = rig.err(Command::Close { sock: l.into() });
    assert!(again.to_string().contains("already closed"), "{again}");
}

#[test]
fn several_clients_to_one_auto_accepting_listener() {
    let mut rig = Rig::new();
    let (l, addr) = rig.server(sockscope::engine::Responder::Upper);
    let clients: Vec<_> = (0..5).map(|_| rig.socket(Proto::Tcp, Family::V4)).collect();
    for &c in &clients {
        rig.ok(connect(c, addr));
    }
    for (i, &c) in clients.iter().enumerate() {
        let msg = format!("client {i}");
        rig.send(c, msg.as_bytes());
        let got = rig.recv_until(c, msg.to_uppercase().as_bytes());
        assert_eq!(got, msg.to_uppercase().as_bytes());
    }
    let accepted = rig
        .seen
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Accepted { listener, .. } if listener == l))
        .count();
    assert_eq!(accepted, 5);
}

#[test]
fn half_close_the_server_sees_eof_and_still_answers() {
    let (mut rig, c, srv) = Rig::pair();
    rig.send(c, b"last words");
    rig.ok(Command::Shutdown {
        sock: c.into(),
        how: How::Write,
    });
    rig.wait_on(srv, "server sees end of stream", |k| {
        matches!(k, EventKind::PeerClosed)
    });
    assert_eq!(rig.received(srv), b"last words");
    rig.send(srv, b"reply after your FIN");
    rig.recv_until(c, b"reply after your FIN");
    let err = rig.err(Command::Send {
        sock: c.into(),
        payload: "more".into(),
    });
    assert!(err.to_string().contains("write side is shut down"), "{err}");
    let status = rig.ok(Command::Status);
    let EventKind::Status(list) = status.kind else {
        panic!()
    };
    let state = |id| list.iter().find(|s| s.id == id).map(|s| s.state);
    assert_eq!(state(c), Some(SockState::HalfClosed));
    assert_eq!(state(srv), Some(SockState::HalfClosed));
}

#[test]
fn second_bind_to_a_used_port_is_address_in_use() {
    let mut rig = Rig::new();
    let (_l, addr) = rig.listener();
    let other = rig.socket(Proto::Tcp, Family::V4);
    let err = rig.err(Command::Bind {
        sock: other.into(),
        addr: addr.into(),
    });
    assert_eq!(err.cause, Cause::AddrInUse);
    let text = err.to_string();
    assert!(
        text.contains(&addr.to_string()),
        "names the address: {text}"
    );
    assert!(text.contains("port 0"), "hints at port 0: {text}");
}

#[test]
fn connect_to_a_closed_port_is_refused() {
    let mut rig = Rig::new();
    // Take a free port, then close its socket so nothing listens there.
    let probe = rig.socket(Proto::Tcp, Family::V4);
    let addr = rig.bind(probe, "127.0.0.1:0");
    rig.ok(Command::Close { sock: probe.into() });
    let c = rig.socket(Proto::Tcp, Family::V4);
    let err = rig.err(connect(c, addr));
    assert_eq!(err.cause, Cause::Refused);
    assert!(err.to_string().contains("refused"), "{err}");
    // The errno's name and number, for a user to search for.
    assert!(
        err.to_string().ends_with("(ECONNREFUSED, errno 111)"),
        "{err}"
    );
    assert_eq!(err.cause.errno(), Some(libc::ECONNREFUSED));
}

#[test]
fn commands_invalid_in_the_state_are_refused_with_a_reason() {
    let mut rig = Rig::new();
    let u = rig.udp();
    let e = rig.err(Command::Listen {
        sock: u.into(),
        backlog: None,
    });
    assert!(
        e.to_string()
            .contains("only stream sockets (TCP, unix stream) listen"),
        "{e}"
    );

    let t = rig.socket(Proto::Tcp, Family::V4);
    rig.refused(
        "not connected",
        Command::Send {
            sock: t.into(),
            payload: "x".into(),
        },
    );
    rig.refused(
        "not listening",
        Command::Accept {
            sock: t.into(),
            name: None,
            timeout: None,
        },
    );

    rig.bind(t, "127.0.0.1:0");
    rig.refused(
        "already bound",
        Command::Bind {
            sock: t.into(),
            addr: common::spec("127.0.0.1:0"),
        },
    );

    let e = rig.err(Command::Close {
        sock: sockscope::engine::SockRef::Name("nobody".into()),
    });
    assert!(matches!(e.cause, Cause::NoSuchSocket(_)), "{e}");
}

#[test]
fn accept_with_a_timeout_fails_when_nobody_connects() {
    let mut rig = Rig::new();
    let (l, _) = rig.listener();
    let e = rig.err(Command::Accept {
        sock: l.into(),
        name: None,
        timeout: Some(std::time::Duration::from_millis(100)),
    });
    assert!(matches!(e.cause, Cause::TimedOut(_)), "{e}");
    assert!(e.to_string().contains("100ms"), "{e}");
}

#[test]
fn a_pending_accept_completes_when_a_client_arrives_later() {
    let mut rig = Rig::new();
    let (l, addr) = rig.listener();
    let accept = rig.engine.submit(Command::Accept {
        sock: l.into(),
        name: None,
        timeout: None,
    });
    rig.client(addr);
    let ev = rig.outcome(accept).expect("accept completes");
    assert!(
        matches!(ev.kind, EventKind::Accepted { .. }),
        "{:?}",
        ev.kind
    );
}

#[test]
fn large_send_arrives_whole_with_progress() {
    let (rig, c, srv) = Rig::pair();
    let big: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let id = rig.engine.submit(Command::Send {
        sock: c.into(),
        payload: sockscope::engine::Payload::bytes(big.clone()),
    });
    let mut got = 0usize;
    let mut sent_done = false;
    let mut progress = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while (!sent_done || got < big.len()) && std::time::Instant::now() < deadline {
        let Ok(ev) = rig.rx.recv_timeout(std::time::Duration::from_secs(5)) else {
            break;
        };
        match &ev.kind {
            EventKind::Received { data, .. } if ev.socket == Some(srv) => {
                assert_eq!(
                    &big[got..got + data.len()],
                    &data[..],
                    "bytes arrive in order"
                );
                got += data.len();
            }
            EventKind::SendProgress { .. } => progress += 1,
            EventKind::Sent { data, .. } if ev.cmd == Some(id) => {
                assert_eq!(data.len(), big.len());
                sent_done = true;
            }
            EventKind::Failed(e) => panic!("{e}"),
            _ => {}
        }
    }
    assert!(sent_done, "the send completed");
    assert_eq!(got, big.len(), "every byte arrived");
    assert!(progress >= 1, "a large send reports progress");
}

#[test]
fn status_of_a_listener_lists_it_and_its_connections_only() {
    let mut rig = Rig::new();
    let (l, c, srv) = rig.tcp_pair();
    let ev = rig.ok(Command::StatusOf { sock: l.into() });
    assert_eq!(ev.socket, Some(l));
    let EventKind::Status(list) = ev.kind else {
        panic!("a status answer, got {:?}", ev.kind)
    };
    let ids: Vec<_> = list.iter().map(|s| s.id).collect();
    assert_eq!(ids, vec![l, srv], "not the client {c}");
    let ev = rig.ok(Command::StatusOf { sock: c.into() });
    let EventKind::Status(list) = ev.kind else {
        panic!("a status answer")
    };
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].tcp_state, Some("ESTABLISHED"));
    rig.refused(
        "no socket nobody",
        Command::StatusOf {
            sock: sockscope::engine::SockRef::Name("nobody".into()),
        },
    );
}

/// The local address an accepted connection reports: its listener's when that is bound to
/// one address, and the address the client came to when the listener's is a wildcard.
#[test]
fn an_accepted_connection_knows_the_address_it_came_to() {
    let mut rig = Rig::new();
    for (bind, expect_ip) in [("127.0.0.1:0", "127.0.0.1"), ("0.0.0.0:0", "127.0.0.1")] {
        let l = rig.socket(Proto::Tcp, Family::V4);
        let bound = rig.bind(l, bind);
        rig.ok(Command::Listen {
            sock: l.into(),
            backlog: None,
        });
        let to: std::net::SocketAddr = format!("127.0.0.1:{}", bound.port())
            .parse()
            .expect("an address");
        let c = rig.socket(Proto::Tcp, Family::V4);
        rig.ok(connect(c, to));
        let acc = rig.ok(Command::Accept {
            sock: l.into(),
            name: None,
            timeout: Some(WAIT),
        });
        let EventKind::Accepted { local, .. } = &acc.kind else {
            panic!("expected accepted, got {:?}", acc.kind);
        };
        let local = local.ip().expect("an IP address");
        assert_eq!(
            local.ip().to_string(),
            expect_ip,
            "listener bound to {bind}"
        );
        assert_eq!(local.port(), bound.port(), "listener bound to {bind}");
    }
}
