//! Engine tests for refusals as data: a refused command fails with a `Refusal` the caller
//! can match (not just a sentence), and the sentences name what the socket is.

mod common;

use std::time::Duration;

use common::{Rig, WAIT, spec};
use sockscope::engine::{Command, EventKind, Family, Payload, Proto, Refusal};

#[test]
fn a_refused_command_carries_its_refusal_as_data() {
    let mut rig = Rig::new();
    let s = rig.socket(Proto::Tcp, Family::V4);
    let e = rig.refused_as(
        &format!("send: {s} is not connected: connect first"),
        Command::Send {
            sock: s.into(),
            payload: Payload::Bytes(b"x"[..].into()),
        },
    );
    let label = s.to_string();
    assert_eq!(e.refusal(), Some(&Refusal::ConnectFirst { label }));
    assert_eq!(
        e.cause.errno(),
        None,
        "a refusal is sockscope's, not the OS's"
    );
}

#[test]
fn abort_and_join_on_unix_sockets_say_what_the_socket_is() {
    let mut rig = Rig::new();
    let stream = rig.socket(Proto::UnixStream, Family::Unix);
    rig.refused_as(
        &format!(
            "abort: {stream} is a unix stream socket: abort resets TCP connections; use close"
        ),
        Command::Abort {
            sock: stream.into(),
        },
    );
    let dgram = rig.socket(Proto::UnixDgram, Family::Unix);
    rig.refused_as(
        &format!("join: {dgram} is a unix datagram socket: multicast is for UDP sockets"),
        Command::Join {
            sock: dgram.into(),
            group: "239.1.2.3".parse().expect("group"),
            iface: None,
        },
    );
}

#[test]
fn chunked_on_a_udp_socket_without_a_peer_asks_for_a_connection_not_an_address() {
    let mut rig = Rig::new();
    let (s, _) = rig.bound_udp();
    let e = rig.err(Command::Chunked {
        sock: s.into(),
        size: 2,
        delay: Duration::from_millis(1),
        payload: Payload::Bytes(b"abcd"[..].into()),
    });
    // `chunked` takes no `to ADDR`: the advice must be one the command can follow.
    assert!(!e.to_string().contains("to ADDR"), "{e}");
    assert_eq!(
        e.refusal(),
        Some(&Refusal::NoPeerForPieces {
            label: s.to_string()
        })
    );
}

#[test]
fn bind_while_a_connect_is_under_way_says_bind_comes_first() {
    // A listener whose accept queue is full drops the next SYN: the connect stays under way.
    let listener =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");
    listener.bind(&any.into()).expect("bind");
    listener.listen(0).expect("listen");
    let to = listener
        .local_addr()
        .expect("local")
        .as_socket()
        .expect("ip");
    let _queued = std::net::TcpStream::connect_timeout(&to, WAIT).expect("fills the queue");
    let mut rig = Rig::new();
    let c = rig.socket(Proto::Tcp, Family::V4);
    rig.engine.submit(Command::Connect {
        sock: c.into(),
        addr: to.into(),
        timeout: Some(Duration::from_secs(60)),
    });
    rig.wait_on(c, "the connect is under way", |k| {
        matches!(k, EventKind::Connecting { .. })
    });
    rig.refused_as(
        &format!("bind: {c} is connecting; bind comes before connect"),
        Command::Bind {
            sock: c.into(),
            addr: spec("127.0.0.1:0"),
        },
    );
}

#[test]
fn a_refusal_spilled_to_disk_reads_back_with_every_field() {
    use sockscope::engine::{CmdId, Event, Op, OpError, SockId};
    use sockscope::log::{CHUNK, SessionLog};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = SessionLog::new();
    log.set_spill_dir(dir.path());
    log.set_record_window(CHUNK);
    let refusal = Refusal::FileTooBig {
        path: "/tmp/big".into(),
        len: 70_000,
        limit: 65_507,
        datagram: true,
    };
    let failed = |i: u64| Event {
        at: std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + i),
        socket: Some(SockId(1)),
        cmd: Some(CmdId::from_raw(i + 1)),
        kind: EventKind::Failed(OpError::state(Op::SendTo, refusal.clone())),
    };
    let want = format!("{:?}", failed(0));
    for i in 0..3 * CHUNK as u64 {
        log.push_event(failed(i));
    }
    assert!(log.spill().records > 0, "the first records spilled");
    let got = log.get(0).map(|r| format!("{:?}", &*r)).unwrap_or_default();
    assert!(got.contains(&want), "{got}\nwant {want}");
}
