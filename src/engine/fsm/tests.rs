//! The state machine's tables: state × step → allowed or the refusal, and state × event →
//! the next state, for stream and datagram sockets.

use super::{Facts, Halves, Life, Phase, Refusal, Step};
use crate::engine::addr::Addr;
use crate::engine::command::{How, Proto};
use crate::engine::error::{Cause, Op, OpError};
use crate::engine::event::{CmdId, EventKind, SockState as S};

/// The refusal's variant name (`"NotListening"`), or `"ok"`.
fn verdict(r: Result<(), Refusal>) -> String {
    match r {
        Ok(()) => "ok".into(),
        Err(r) => format!("{r:?}")
            .split([' ', '('])
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

fn facts(proto: Proto, state: S) -> Facts<'static> {
    Facts {
        label: "s1".into(),
        proto,
        state,
        read_done: state == S::HalfClosed,
        write_done: state == S::HalfClosed,
        manual: false,
        local: None,
        peer: None,
    }
}

const STATES: [S; 8] = [
    S::Created,
    S::Bound,
    S::Listening,
    S::Connecting,
    S::Connected,
    S::HalfClosed,
    S::Reset,
    S::Closed,
];

/// One row of a table: `step`'s verdict in each of [`STATES`] (half-closed: both sides
/// done) — `usual` in every state but those `except` names, and a reset or closed socket
/// refused as such unless `except` says otherwise.
fn row(proto: Proto, step: Step, usual: &str, except: &[(S, &str)]) {
    for state in STATES {
        let fixed = match state {
            S::Reset => "ResetByPeer",
            S::Closed => "Closed",
            _ => usual,
        };
        let want = except
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(fixed, |(_, w)| *w);
        let got = verdict(facts(proto, state).check(step));
        assert_eq!(got, want, "{proto} {step:?} in {state}");
    }
}

/// `connect` in the states before a connection, for every transport.
const CONNECT: [(S, &str); 4] = [
    (S::Created, "ok"),
    (S::Bound, "ok"),
    (S::Listening, "ListeningCannotConnect"),
    (S::Connecting, "AlreadyConnecting"),
];

#[test]
fn a_tcp_socket_takes_each_step_in_its_states() {
    let tcp = |step, usual, except| row(Proto::Tcp, step, usual, except);
    tcp(
        Step::Bind,
        "AlreadyBound",
        &[(S::Created, "ok"), (S::Connecting, "BindWhileConnecting")],
    );
    let stream = [(S::Created, "ok"), (S::Bound, "ok"), (S::Listening, "ok")];
    tcp(Step::Listen, "ConnectedCannotListen", &stream);
    tcp(Step::Accept, "NotListening", &[(S::Listening, "ok")]);
    tcp(Step::OnClose, "OnCloseNotListener", &[(S::Listening, "ok")]);
    tcp(Step::Connect, "AlreadyConnected", &CONNECT);
    let send = [
        (S::Listening, "SendOnListener"),
        (S::Connecting, "StillConnecting"),
        (S::Connected, "ok"),
        (S::HalfClosed, "WriteShut"),
    ];
    tcp(Step::Send, "ConnectFirst", &send);
    tcp(Step::SendTo, "SendToOnStream", &[]);
    tcp(
        Step::Paced,
        "ConnectFirst",
        &[(S::Connected, "ok"), (S::HalfClosed, "WriteShut")],
    );
    tcp(Step::PacedTo, "ToOnStream", &[]);
    tcp(
        Step::Shutdown,
        "NotConnected",
        &[(S::Connected, "ok"), (S::HalfClosed, "ok")],
    );
    tcp(
        Step::Close,
        "ok",
        &[(S::Reset, "ok"), (S::Closed, "AlreadyClosed")],
    );
    tcp(Step::Abort, "ok", &[(S::Closed, "AlreadyClosed")]);
}

#[test]
fn a_udp_socket_sends_to_addresses_and_never_listens() {
    let udp = |step, usual, except| row(Proto::Udp, step, usual, except);
    udp(Step::Listen, "ListenNotStream", &[]);
    udp(Step::Accept, "AcceptNotStream", &[]);
    udp(Step::Connect, "ok", &CONNECT);
    let send = [
        (S::Connecting, "StillConnecting"),
        (S::Connected, "ok"),
        (S::HalfClosed, "ok"),
    ];
    udp(Step::Send, "NoPeerUseSendTo", &send);
    udp(Step::SendTo, "ok", &[]);
    let peer = [(S::Connected, "ok"), (S::HalfClosed, "ok")];
    udp(Step::Paced, "NoPeerAddTo", &peer);
    udp(Step::Chunked, "NoPeerForPieces", &peer);
    udp(Step::Shutdown, "ShutdownDatagram", &[]);
    udp(Step::Abort, "AbortNotTcp", &[(S::Closed, "AlreadyClosed")]);
    udp(Step::Frame, "FrameDatagram", &[]);
    udp(Step::Multicast, "ok", &[]);
}

#[test]
fn unix_sockets_are_neither_tcp_nor_udp() {
    row(Proto::UnixStream, Step::Multicast, "MulticastNotUdp", &[]);
    let f = facts(Proto::UnixStream, S::Connected);
    let abort = f.check(Step::Abort).err().map(|r| r.to_string());
    assert_eq!(
        abort.as_deref(),
        Some("s1 is a unix stream socket: abort resets TCP connections; use close")
    );
    let f = facts(Proto::UnixDgram, S::Bound);
    let join = f.check(Step::Multicast).err().map(|r| r.to_string());
    assert_eq!(
        join.as_deref(),
        Some("s1 is a unix datagram socket: multicast is for UDP sockets")
    );
}

#[test]
fn recv_needs_step_mode_and_an_open_read_side() {
    let mut f = facts(Proto::Tcp, S::Connected);
    assert_eq!(verdict(f.check(Step::Recv)), "NotStepMode");
    f.manual = true;
    assert_eq!(verdict(f.check(Step::Recv)), "ok");
    f.read_done = true;
    assert_eq!(verdict(f.check(Step::Recv)), "ReadFinished");
    f.state = S::Listening;
    assert_eq!(verdict(f.check(Step::Recv)), "RecvOnListener");
    f.state = S::Created;
    assert_eq!(verdict(f.check(Step::Recv)), "NotConnected");
    f.proto = Proto::Udp;
    f.read_done = false;
    assert_eq!(verdict(f.check(Step::Recv)), "ok");
}

#[test]
fn refusals_read_as_the_words_the_console_always_printed() {
    let a: Addr = "127.0.0.1:9"
        .parse::<std::net::SocketAddr>()
        .map(Addr::Ip)
        .unwrap_or(Addr::Unnamed);
    let said = |r: Result<(), Refusal>| r.err().map(|r| r.to_string()).unwrap_or_default();
    let bound = "s1 is already bound to 127.0.0.1:9; a socket binds once (create a new one)";
    let listen = "s1 is a udp socket; only stream sockets (TCP, unix stream) listen";
    let abort = "s1 is UDP: abort resets TCP connections; use close";
    for (proto, state, step, words) in [
        (Proto::Tcp, S::Bound, Step::Bind, bound),
        (
            Proto::Tcp,
            S::Bound,
            Step::Accept,
            "s1 is not listening: listen first",
        ),
        (Proto::Udp, S::Bound, Step::Listen, listen),
        (Proto::Udp, S::Bound, Step::Abort, abort),
        (
            Proto::Tcp,
            S::Bound,
            Step::Multicast,
            "s1 is TCP: multicast is for UDP sockets",
        ),
        (
            Proto::Tcp,
            S::HalfClosed,
            Step::Send,
            "s1's write side is shut down",
        ),
    ] {
        let mut f = facts(proto, state);
        f.local = Some(&a);
        assert_eq!(said(f.check(step)), words, "{proto} {step:?} in {state}");
    }
    let big = Refusal::FileTooBig {
        path: "/tmp/x".into(),
        len: 70_000,
        limit: 65_507,
        datagram: true,
    };
    assert_eq!(
        big.to_string(),
        "/tmp/x is 70000 bytes; a datagram takes at most 65507 bytes from a file"
    );
    let err = OpError::state(Op::Send, Refusal::Closed { label: "s3".into() });
    assert_eq!(err.to_string(), "send: s3 is closed");
    assert_eq!(err.refusal(), Some(&Refusal::Closed { label: "s3".into() }));
    assert_eq!(err.cause.errno(), None);
}

fn connect_failed() -> EventKind {
    EventKind::Failed(OpError::new(Op::Connect, Cause::Refused))
}

fn after(state: S, halves: Halves, kind: &EventKind, stream: bool, bound: bool) -> Life {
    let mut life = Life { state, halves };
    life.on(kind, stream, bound);
    life
}

#[test]
fn events_move_a_socket_along_one_table() {
    let none = Halves::default();
    let a = Addr::Unnamed;
    let bound = EventKind::Bound {
        local: a.clone(),
        implicit: false,
    };
    let connected = EventKind::Connected {
        local: a.clone(),
        peer: a.clone(),
    };
    let shut = EventKind::Shut { how: How::Write };
    let recv_failed = EventKind::Failed(OpError::new(Op::Recv, Cause::BrokenPipe));
    #[rustfmt::skip]
    let table: [(S, &EventKind, bool, bool, S); 13] = [
        (S::Created, &bound, true, true, S::Bound),
        (S::Listening, &bound, true, true, S::Listening),
        (S::Bound, &EventKind::Listening { local: a.clone(), backlog: 5 }, true, true, S::Listening),
        (S::Created, &EventKind::Connecting { peer: a.clone() }, true, false, S::Connecting),
        (S::Connecting, &connected, true, true, S::Connected),
        (S::Connecting, &connect_failed(), true, true, S::Bound),
        (S::Connecting, &connect_failed(), true, false, S::Created),
        (S::Connected, &connect_failed(), true, true, S::Connected),
        (S::Connected, &shut, true, true, S::HalfClosed),
        (S::Connected, &EventKind::PeerClosed, true, true, S::HalfClosed),
        (S::Connected, &recv_failed, true, true, S::HalfClosed),
        (S::Connected, &recv_failed, false, true, S::Connected),
        (S::HalfClosed, &EventKind::Reset, true, true, S::Reset),
    ];
    for (from, kind, stream, has_local, to) in table {
        let got = after(from, none, kind, stream, has_local).state;
        assert_eq!(got, to, "{from} on {}", kind.name());
    }
    let life = after(S::Connected, none, &EventKind::PeerClosed, true, true);
    assert!(life.halves.read_done && life.halves.peer_closed && !life.halves.write_done);
    let life = after(S::Connected, none, &EventKind::Reset, true, true);
    assert!(life.halves.read_done && life.halves.write_done);
    let life = after(S::HalfClosed, life.halves, &EventKind::Closed, true, true);
    assert_eq!(life.state, S::Closed);
}

#[test]
fn the_engines_phase_carries_its_own_data_and_follows_the_same_table() {
    let cmd = CmdId::from_raw(7);
    let limit = std::time::Duration::from_secs(3);
    let mut phase = Phase::Connecting {
        cmd: Some(cmd),
        deadline: std::time::Instant::now() + limit,
        limit,
    };
    assert_eq!(phase.state(false), S::Connecting);
    phase.on(&connect_failed(), true);
    assert_eq!(phase, Phase::Bound);
    let mut phase = Phase::Listening {
        backlog: 5,
        auto: true,
    };
    assert_eq!(phase.state(false), S::Listening);
    assert!(phase.is_listening());
    phase.on(&EventKind::Closed, true);
    assert_eq!(phase, Phase::Closed);
    assert_eq!(Phase::Connected.state(true), S::HalfClosed);
}
