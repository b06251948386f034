//! Unit tests of [`super::AppState`]: events folded into rows, pending commands, refreshes.

use super::*;
use crate::engine::{Cause, Counters, How, OpError};
use std::net::SocketAddr;
use std::time::SystemTime;

fn ev(sock: u32, cmd: Option<u64>, kind: EventKind) -> Event {
    Event {
        at: SystemTime::now(),
        socket: Some(SockId(sock)),
        cmd: cmd.map(CmdId::from_raw),
        kind,
    }
}

fn addr(s: &str) -> Addr {
    Addr::Ip(s.parse::<SocketAddr>().expect("test address"))
}

fn created(sock: u32, proto: Proto) -> Event {
    ev(
        sock,
        None,
        EventKind::Created {
            proto,
            family: Family::V4,
            name: None,
        },
    )
}

/// A connection from `local` to `peer`, as the engine reports it.
fn connected(local: &str, peer: &str) -> EventKind {
    EventKind::Connected {
        local: addr(local),
        peer: addr(peer),
    }
}

/// A state with one socket, 1, of `proto`, connected from 127.0.0.1:1 to 127.0.0.1:2.
fn connected_one(proto: Proto) -> AppState {
    let mut st = AppState::new();
    st.apply(&created(1, proto));
    st.apply(&ev(1, None, connected("127.0.0.1:1", "127.0.0.1:2")));
    st
}

/// A state with one TCP socket, 1, in step mode.
fn stepped_tcp() -> AppState {
    let mut st = AppState::new();
    st.apply(&created(1, Proto::Tcp));
    st.apply(&ev(
        1,
        None,
        EventKind::Set(crate::engine::Setting::Manual(true)),
    ));
    st
}

/// A `status` line of TCP/IPv4 socket 1 in `state`, its counters zero.
fn tcp_info(state: SockState, local: &str, peer: Option<&str>, tcp: &'static str) -> SocketInfo {
    SocketInfo {
        id: SockId(1),
        name: None,
        proto: Proto::Tcp,
        family: Family::V4,
        state,
        parent: None,
        local: Some(addr(local)),
        peer: peer.map(addr),
        counters: Counters::default(),
        on_close: None,
        tcp_state: Some(tcp),
        accept_queue: None,
        tls: None,
    }
}

/// The engine's answer to a `status` command (`cmd`), or an unasked snapshot.
fn status(cmd: Option<u64>, infos: Vec<SocketInfo>) -> Event {
    Event {
        at: SystemTime::now(),
        socket: None,
        cmd: cmd.map(CmdId::from_raw),
        kind: EventKind::Status(infos),
    }
}

#[test]
fn tcp_lifecycle_folds_into_rows() {
    let mut st = AppState::new();
    st.apply(&created(1, Proto::Tcp));
    assert_eq!(st.get(SockId(1)).map(|r| r.state), Some(SockState::Created));
    st.apply(&ev(
        1,
        None,
        EventKind::Bound {
            local: addr("127.0.0.1:4000"),
            implicit: false,
        },
    ));
    st.apply(&ev(
        1,
        None,
        EventKind::Listening {
            local: addr("127.0.0.1:4000"),
            backlog: 128,
        },
    ));
    st.apply(&ev(
        2,
        None,
        EventKind::Accepted {
            listener: SockId(1),
            local: addr("127.0.0.1:4000"),
            peer: addr("127.0.0.1:5000"),
            name: Some(Box::new("conn".into())),
        },
    ));
    let l = st.get(SockId(1)).expect("listener");
    assert_eq!(l.state, SockState::Listening);
    assert_eq!(l.children, vec![SockId(2)]);
    let c = st.get(SockId(2)).expect("connection");
    assert_eq!(c.state, SockState::Connected);
    assert_eq!(c.parent, Some(SockId(1)));
    assert_eq!(c.label(), "conn");
    assert_eq!(
        st.roots().map(|r| r.id).collect::<Vec<_>>(),
        vec![SockId(1)]
    );

    st.apply(&ev(
        2,
        None,
        EventKind::Received {
            peer: None,
            data: b"hello"[..].into(),
            truncated_from: None,
        },
    ));
    st.apply(&ev(
        2,
        None,
        EventKind::Sent {
            peer: None,
            data: b"hi"[..].into(),
            reply: false,
        },
    ));
    let c = st.get(SockId(2)).expect("connection");
    assert_eq!(
        (
            c.counters.bytes_in,
            c.counters.bytes_out,
            c.counters.msgs_in,
            c.counters.msgs_out
        ),
        (5, 2, 1, 1)
    );

    st.apply(&ev(2, None, EventKind::Shut { how: How::Write }));
    let c = st.get(SockId(2)).expect("connection");
    assert_eq!(c.state, SockState::HalfClosed);
    assert!(c.halves.write_done && !c.halves.read_done);
    st.apply(&ev(2, None, EventKind::Closed));
    assert_eq!(st.get(SockId(2)).map(|r| r.state), Some(SockState::Closed));
    assert_eq!(st.open_count(), 1);
}

#[test]
fn failed_connect_reverts_and_outcome_is_reported() {
    let mut st = AppState::new();
    st.apply(&created(1, Proto::Tcp));
    let cmd = Command::Connect {
        sock: SockRef::Id(SockId(1)),
        addr: addr("127.0.0.1:9").into_spec(),
        timeout: None,
    };
    st.submitted(CmdId::from_raw(7), &cmd, "connect s1 127.0.0.1:9".into());
    assert!(st.is_pending(SockId(1), Op::Connect));
    st.apply(&ev(
        1,
        None,
        EventKind::Connecting {
            peer: addr("127.0.0.1:9"),
        },
    ));
    assert_eq!(
        st.get(SockId(1)).map(|r| r.state),
        Some(SockState::Connecting)
    );
    let out = st.apply(&ev(
        1,
        Some(7),
        EventKind::Failed(OpError::at(
            Op::Connect,
            &addr("127.0.0.1:9"),
            Cause::Refused,
        )),
    ));
    let row = st.get(SockId(1)).expect("row");
    assert_eq!(row.state, SockState::Created);
    assert_eq!(row.peer, None);
    assert!(
        row.last_error
            .as_ref()
            .is_some_and(|e| e.to_string().contains("refused"))
    );
    let out = out.expect("outcome");
    assert_eq!(out.line, "connect s1 127.0.0.1:9");
    assert!(out.result.is_err());
    assert!(!st.is_pending(SockId(1), Op::Connect));
}

#[test]
fn a_reset_is_a_state_of_its_own_not_a_half_close() {
    let mut st = connected_one(Proto::Tcp);
    st.apply(&ev(1, None, EventKind::Reset));
    let row = st.get(SockId(1)).expect("row");
    assert_eq!(row.state, SockState::Reset);
    assert_eq!(row.state.to_string(), "reset");
    assert!(!row.is_connected() && !row.is_closed());
    assert_eq!(row.tcp_state, None);
    // Closing it afterwards forgets it as usual.
    st.apply(&ev(1, None, EventKind::Closed));
    assert_eq!(st.get(SockId(1)).map(|r| r.state), Some(SockState::Closed));
}

#[test]
fn peer_close_half_closes_and_unknown_sockets_are_ignored() {
    let mut st = connected_one(Proto::Udp);
    st.apply(&ev(1, None, EventKind::PeerClosed));
    assert_eq!(
        st.get(SockId(1)).map(|r| r.state),
        Some(SockState::HalfClosed)
    );
    let before = st.clone();
    st.apply(&ev(9, None, EventKind::Closed));
    assert_eq!(st, before);
}

#[test]
fn status_snapshot_overrides_rows() {
    let mut st = AppState::new();
    st.apply(&created(1, Proto::Tcp));
    let info = SocketInfo {
        counters: Counters {
            bytes_in: 3,
            bytes_out: 4,
            msgs_in: 1,
            msgs_out: 1,
        },
        on_close: Some(None),
        ..tcp_info(SockState::Listening, "0.0.0.0:80", None, "LISTEN")
    };
    st.apply(&status(None, vec![info]));
    let row = st.get(SockId(1)).expect("row");
    assert_eq!(row.state, SockState::Listening);
    assert_eq!((row.counters.bytes_in, row.counters.bytes_out), (3, 4));
}

#[test]
fn tcp_transitions_ask_for_one_quiet_status_at_a_time() {
    let mut st = AppState::new();
    st.apply(&created(1, Proto::Tcp));
    assert!(
        st.take_refresh().is_empty(),
        "creating is no TCP transition"
    );
    let connected = connected("127.0.0.1:1", "127.0.0.1:2");
    st.apply(&ev(1, None, connected.clone()));
    let refresh = st.take_refresh();
    assert_eq!(refresh, vec![Command::Status]);
    st.quiet_submitted(CmdId::from_raw(7), &Command::Status);
    st.apply(&ev(1, None, EventKind::PeerClosed));
    assert!(
        st.take_refresh().is_empty(),
        "one status at a time: the next waits for the answer"
    );
    let info = tcp_info(
        SockState::HalfClosed,
        "127.0.0.1:1",
        Some("127.0.0.1:2"),
        "CLOSE_WAIT",
    );
    let answer = status(Some(7), vec![info]);
    assert!(st.is_quiet(&answer));
    assert_eq!(
        st.apply(&answer),
        None,
        "a quiet answer is no console outcome"
    );
    assert!(st.quiet.is_empty());
    assert_eq!(
        st.get(SockId(1)).and_then(|r| r.tcp_state),
        Some("CLOSE_WAIT")
    );
    assert_eq!(
        st.take_refresh(),
        vec![Command::Status],
        "the transition seen meanwhile is refreshed now"
    );

    // Past AUTO_STATUS_MAX open sockets, only the Refresh button asks.
    st.quiet_submitted(CmdId::from_raw(8), &Command::Status);
    st.apply(&status(Some(8), Vec::new()));
    let mut many = st.clone();
    for n in 10..(10 + AUTO_STATUS_MAX as u32) {
        many.apply(&created(n, Proto::Tcp));
    }
    many.apply(&ev(1, None, EventKind::PeerClosed));
    assert!(many.take_refresh().is_empty());

    // UDP sockets have no TCP state to refresh.
    st.apply(&created(2, Proto::Udp));
    st.apply(&ev(2, None, connected));
    assert!(st.take_refresh().is_empty());
}

#[test]
fn step_mode_reads_ask_for_readiness_again() {
    let mut st = stepped_tcp();
    st.apply(&ev(
        1,
        None,
        EventKind::Readiness {
            readable: true,
            writable: true,
            pending: 8,
        },
    ));
    assert!(st.take_refresh().is_empty());
    st.apply(&ev(
        1,
        None,
        EventKind::Received {
            peer: None,
            data: b"abcd"[..].into(),
            truncated_from: None,
        },
    ));
    assert_eq!(
        st.take_refresh(),
        vec![Command::Ready {
            sock: SockRef::Id(SockId(1))
        }]
    );
}

#[test]
fn how_the_address_came_about() {
    let mut st = AppState::new();
    for n in 1..=4 {
        st.apply(&created(n, Proto::Tcp));
    }
    let bind = Command::Bind {
        sock: SockRef::Id(SockId(1)),
        addr: AddrSpec::Any(0),
    };
    st.submitted(CmdId::from_raw(1), &bind, bind.to_string());
    let bound = |implicit| EventKind::Bound {
        local: addr("127.0.0.1:4000"),
        implicit,
    };
    st.apply(&ev(1, Some(1), bound(false)));
    let listen = Command::Listen {
        sock: SockRef::Id(SockId(2)),
        backlog: None,
    };
    st.submitted(CmdId::from_raw(2), &listen, listen.to_string());
    st.apply(&ev(2, None, bound(true)));
    st.apply(&ev(3, None, bound(true)));
    st.apply(&ev(4, None, connected("127.0.0.1:5", "127.0.0.1:4000")));
    let by = |n| st.get(SockId(n)).and_then(|r| r.bound_by);
    assert_eq!(
        by(1),
        Some(BoundBy::Bind {
            os_chose_port: true
        })
    );
    assert_eq!(by(2), Some(BoundBy::Listen));
    assert_eq!(by(3), Some(BoundBy::FirstSend));
    assert_eq!(by(4), Some(BoundBy::Connect));
}

#[test]
fn the_suggested_peer_is_the_newest_listener() {
    let mut st = AppState::new();
    st.apply(&created(1, Proto::Tcp));
    st.apply(&created(2, Proto::Tcp));
    st.apply(&created(3, Proto::Tcp));
    let client = st.get(SockId(3)).cloned().expect("client");
    assert_eq!(st.suggested_peer(&client), None);
    for (n, a) in [(1, "0.0.0.0:4001"), (2, "127.0.0.1:4002")] {
        st.apply(&ev(
            n,
            None,
            EventKind::Listening {
                local: addr(a),
                backlog: 1,
            },
        ));
    }
    assert_eq!(st.suggested_peer(&client), Some(addr("127.0.0.1:4002")));
    st.apply(&ev(2, None, EventKind::Closed));
    assert_eq!(
        st.suggested_peer(&client),
        Some(addr("127.0.0.1:4001")),
        "0.0.0.0 is reached on loopback"
    );
}

#[test]
fn accepted_connections_inherit_framing_and_step_mode() {
    let mut st = stepped_tcp();
    st.apply(&ev(
        2,
        None,
        EventKind::Accepted {
            listener: SockId(1),
            local: addr("127.0.0.1:1"),
            peer: addr("127.0.0.1:2"),
            name: None,
        },
    ));
    let c = st.get(SockId(2)).expect("conn");
    assert!(c.config.manual);
    assert_eq!(c.bound_by, Some(BoundBy::Accepted));
}

trait IntoSpec {
    fn into_spec(self) -> crate::engine::AddrSpec;
}
impl IntoSpec for Addr {
    fn into_spec(self) -> crate::engine::AddrSpec {
        crate::engine::AddrSpec::Exact(self)
    }
}
