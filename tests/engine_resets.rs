//! Engine tests of how connections end: a reset is a state of its own (not a half-close),
//! a peer that resets in the backlog keeps the address accept(2) gave, and a listener's
//! policy closes (or keeps) the connections whose peer has closed.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::{Rig, WAIT};
use sockscope::engine::{Addr, Command, Event, EventKind, OnClose, SockId, SockState, SocketInfo};

/// A client that connects, sends `data` and closes with SO_LINGER 0 (a reset).
fn connect_send_reset(to: SocketAddr, data: &[u8]) -> SocketAddr {
    let mut c = TcpStream::connect(to).expect("connect");
    c.write_all(data).expect("send");
    let local = c.local_addr().expect("local address");
    socket2::SockRef::from(&c)
        .set_linger(Some(Duration::ZERO))
        .expect("linger 0");
    drop(c);
    local
}

fn status(rig: &mut Rig) -> Vec<SocketInfo> {
    match rig.ok(Command::Status).kind {
        EventKind::Status(list) => list,
        other => panic!("expected status, got {other:?}"),
    }
}

fn info(rig: &mut Rig, id: SockId) -> SocketInfo {
    status(rig)
        .into_iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("{id} in status"))
}

/// Polls `status` until `done` holds for socket `id`, or fails after the rig's wait.
fn wait_state(rig: &mut Rig, id: SockId, done: impl Fn(&SocketInfo) -> bool) -> SocketInfo {
    let deadline = Instant::now() + WAIT;
    loop {
        let s = info(rig, id);
        if done(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "{id} never got there: {s:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn is_reset(e: &Event, id: SockId) -> bool {
    e.socket == Some(id) && matches!(e.kind, EventKind::Reset)
}

#[test]
fn a_peer_that_resets_in_the_backlog_keeps_its_address() {
    let mut rig = Rig::new();
    let (l, addr) = rig.listener();
    let client = connect_send_reset(addr, b"x");
    // The reset reached the connection while it waited in the backlog.
    let acc = rig.ok(Command::Accept {
        sock: l.into(),
        name: Some("conn".into()),
        timeout: Some(WAIT),
    });
    let conn = acc.socket.expect("accepted id");
    let EventKind::Accepted { peer, .. } = &acc.kind else {
        panic!("expected accepted, got {acc:?}");
    };
    assert_eq!(
        *peer,
        Addr::Ip(client),
        "accepted from the client's address"
    );
    let got = rig.recv_until(conn, b"x");
    assert_eq!(got, b"x");
    let received = rig
        .seen
        .iter()
        .find(|e| e.socket == Some(conn) && matches!(e.kind, EventKind::Received { .. }))
        .cloned()
        .expect("received event");
    let EventKind::Received { peer, .. } = received.kind else {
        unreachable!()
    };
    assert_eq!(peer, Some(Addr::Ip(client)), "received from the client");
    if !rig.seen.iter().any(|e| is_reset(e, conn)) {
        rig.wait(|e| is_reset(e, conn))
            .expect("the reset is reported");
    }
    let s = info(&mut rig, conn);
    assert_eq!(s.peer, Some(Addr::Ip(client)), "status keeps the peer");
    assert_eq!(s.state, SockState::Reset);
    // `$conn`'s peer and name still resolve after the reset: `status conn` answers.
    let ev = rig.ok(Command::StatusOf {
        sock: sockscope::engine::SockRef::Name("conn".into()),
    });
    assert!(matches!(ev.kind, EventKind::Status(ref l) if !l.is_empty()));
}

#[test]
fn a_reset_is_its_own_state_and_event_not_a_half_close() {
    let (mut rig, c, srv) = Rig::pair();
    rig.ok(Command::Abort { sock: srv.into() });
    let ev = rig
        .wait(|e| {
            e.socket == Some(c)
                && matches!(
                    e.kind,
                    EventKind::Reset | EventKind::PeerClosed | EventKind::Failed(_)
                )
        })
        .expect("the client notices");
    assert!(matches!(ev.kind, EventKind::Reset), "got {:?}", ev.kind);
    assert_eq!(ev.kind.name(), "reset");
    let s = info(&mut rig, c);
    assert_eq!(s.state, SockState::Reset, "{s:?}");
    assert_eq!(s.state.to_string(), "reset");
    assert_eq!(s.tcp_state, None, "its descriptor is released");
    // Commands say why they cannot run; close still works and forgets it.
    let err = rig.err(Command::Send {
        sock: c.into(),
        payload: sockscope::engine::Payload::bytes(&b"late"[..]),
    });
    assert!(err.to_string().contains("reset by its peer"), "{err}");
    rig.ok(Command::Close { sock: c.into() });
    assert_eq!(info(&mut rig, c).state, SockState::Closed);
}

#[test]
fn an_orderly_close_is_still_a_half_close() {
    let (mut rig, c, srv) = Rig::pair();
    rig.ok(Command::Close { sock: srv.into() });
    rig.wait_on(c, "peer closed", |k| matches!(k, EventKind::PeerClosed));
    let s = info(&mut rig, c);
    assert_eq!(s.state, SockState::HalfClosed);
    assert!(!rig.seen.iter().any(|e| is_reset(e, c)));
}

/// Runs `n` short HTTP-like exchanges against `addr`: connect, send, read the reply, close.
fn short_clients(addr: SocketAddr, n: usize) {
    for i in 0..n {
        let mut c = TcpStream::connect(addr).expect("connect");
        c.set_read_timeout(Some(WAIT)).expect("timeout");
        let req = format!("GET /{i} HTTP/1.0\r\n\r\n");
        c.write_all(req.as_bytes()).expect("request");
        let mut buf = [0u8; 64];
        let n = c.read(&mut buf).expect("a reply");
        assert!(n > 0, "reply {i}");
    }
}

fn accepted_from(list: &[SocketInfo], l: SockId) -> Vec<&SocketInfo> {
    list.iter().filter(|s| s.parent == Some(l)).collect()
}

/// Polls the connections `l` accepted until `check` finds them done (`Ok`); past `limit`
/// fails with what `check` said of them last (`Err`). Returns them as they were then.
fn poll_conns(
    rig: &mut Rig,
    l: SockId,
    limit: Duration,
    check: impl Fn(&[&SocketInfo]) -> Result<(), String>,
) -> Vec<SocketInfo> {
    let deadline = Instant::now() + limit;
    loop {
        let list = status(rig);
        let conns = accepted_from(&list, l);
        match check(&conns) {
            Ok(()) => return conns.into_iter().cloned().collect(),
            Err(why) => assert!(Instant::now() < deadline, "{why}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A listener that auto-accepts and answers every message with `reply`.
fn auto_server(rig: &mut Rig, reply: &'static [u8]) -> (SockId, SocketAddr) {
    let (l, addr) = rig.server(sockscope::engine::Responder::Fixed(
        sockscope::engine::Payload::bytes(reply),
    ));
    (l, addr)
}

#[test]
fn auto_accepted_connections_close_when_their_peer_closes() {
    let mut rig = Rig::new();
    let (l, addr) = auto_server(&mut rig, b"HTTP/1.0 200 OK\r\n\r\nok");
    let s = info(&mut rig, l);
    assert_eq!(s.on_close, Some(None), "status shows the default policy");
    short_clients(addr, 50);
    let conns = poll_conns(&mut rig, l, WAIT, |conns| {
        let closed = conns.iter().filter(|s| s.state == SockState::Closed);
        if conns.len() == 50 && closed.count() == 50 {
            return Ok(());
        }
        let waiting: Vec<_> = conns.iter().filter_map(|s| s.tcp_state).collect();
        Err(format!(
            "{} of {} closed; kernel states {waiting:?}",
            conns
                .iter()
                .filter(|s| s.state == SockState::Closed)
                .count(),
            conns.len()
        ))
    });
    assert!(conns.iter().all(|s| s.tcp_state.is_none()));
}

#[test]
fn onclose_keep_leaves_them_half_open_for_study_and_close_closes_them() {
    let mut rig = Rig::new();
    let (l, addr) = rig.listener();
    rig.ok(Command::Respond {
        sock: l.into(),
        responder: sockscope::engine::Responder::Echo,
    });
    let set = rig.ok(Command::OnClose {
        sock: l.into(),
        policy: OnClose::Keep,
    });
    assert!(set.kind_text_contains("onclose keep"));
    rig.ok(Command::AcceptAuto {
        sock: l.into(),
        on: true,
    });
    assert_eq!(info(&mut rig, l).on_close, Some(Some(OnClose::Keep)));
    short_clients(addr, 5);
    poll_conns(&mut rig, l, WAIT, |conns| {
        let kept = conns
            .iter()
            .filter(|s| s.state == SockState::HalfClosed && s.tcp_state == Some("CLOSE_WAIT"));
        match kept.count() {
            5 => Ok(()),
            _ => Err(format!("{conns:?}")),
        }
    });
    // Switching to close closes the ones already waiting.
    rig.ok(Command::OnClose {
        sock: l.into(),
        policy: OnClose::Close,
    });
    let list = status(&mut rig);
    let conns = accepted_from(&list, l);
    assert_eq!(conns.len(), 5);
    assert!(
        conns.iter().all(|s| s.state == SockState::Closed),
        "{conns:?}"
    );
}

#[test]
fn a_connection_accepted_by_hand_is_kept_half_open_by_default() {
    let mut rig = Rig::new();
    let (l, c, srv) = rig.tcp_pair();
    rig.ok(Command::Close { sock: c.into() });
    let s = wait_state(&mut rig, srv, |s| s.state != SockState::Connected);
    assert_eq!(s.state, SockState::HalfClosed, "{s:?}");
    assert_eq!(s.tcp_state, Some("CLOSE_WAIT"));
    // onclose applies only to a listener.
    let err = rig.err(Command::OnClose {
        sock: srv.into(),
        policy: OnClose::Close,
    });
    assert!(err.to_string().contains("listening"), "{err}");
    rig.ok(Command::OnClose {
        sock: l.into(),
        policy: OnClose::Close,
    });
    assert_eq!(info(&mut rig, srv).state, SockState::Closed);
}

trait KindText {
    fn kind_text_contains(&self, what: &str) -> bool;
}

impl KindText for Event {
    fn kind_text_contains(&self, what: &str) -> bool {
        match &self.kind {
            EventKind::Set(s) => s.to_string().contains(what),
            _ => false,
        }
    }
}

/// A server under churn keeps the records of the newest `ENDED_KEPT` ended connections and
/// forgets older ones, so its memory stays bounded however long it runs.
#[test]
fn only_the_newest_ended_connections_keep_their_record() {
    let mut rig = Rig::new();
    let (l, addr) = auto_server(&mut rig, b"ok");
    let total = sockscope::engine::ENDED_KEPT + 150;
    // The clients run on a thread while this one drains the events, as the app does (a
    // subscriber left undrained past its bound stops the engine's reads).
    let clients = std::thread::spawn(move || short_clients(addr, total));
    while !clients.is_finished() {
        while rig.rx.try_recv().is_ok() {}
        std::thread::sleep(Duration::from_millis(5));
    }
    clients.join().expect("every client got its reply");
    let conns = poll_conns(&mut rig, l, Duration::from_secs(60), |conns| {
        let closed = conns.iter().filter(|s| s.state == SockState::Closed);
        assert!(
            conns.len() <= sockscope::engine::ENDED_KEPT + 100,
            "{} records kept of {total} connections",
            conns.len()
        );
        match closed.count() {
            n if n == sockscope::engine::ENDED_KEPT => Ok(()),
            n => Err(format!("{n} closed of {} kept", conns.len())),
        }
    });
    let oldest = conns.iter().map(|s| s.id.0).min().unwrap_or(0);
    assert!(
        oldest > l.0 + 150,
        "the oldest records went first (oldest kept: s{oldest})"
    );
    // The listener itself is still there and serving.
    short_clients(addr, 1);
}
