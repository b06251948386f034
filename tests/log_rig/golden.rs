//! A session built from events with fixed times, holding every kind of record.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sockscope::engine::{
    Addr, Cause, Counters, Event, EventKind, Family, How, Op, OpError, Proto, Responder, Setting,
    SockId, SockState, SockStats, SocketInfo,
};
use sockscope::log::SessionLog;

/// An IP address and port.
pub fn ip_addr(s: &str) -> Addr {
    s.parse::<SocketAddr>().map(Addr::from).expect("address")
}

/// An event of socket `id` (0: none) at `at`.
pub fn event_at(at: SystemTime, id: u32, kind: EventKind) -> Event {
    Event {
        at,
        socket: (id > 0).then_some(SockId(id)),
        cmd: None,
        kind,
    }
}

/// Bytes as the engine's shared payload.
pub fn data(b: &[u8]) -> Arc<[u8]> {
    Arc::from(b)
}

/// One socket of a `status`.
fn info(id: u32, name: Option<&str>, local: Option<Addr>) -> SocketInfo {
    SocketInfo {
        id: SockId(id),
        name: name.map(str::to_string),
        proto: Proto::Tcp,
        family: Family::V4,
        state: SockState::Listening,
        parent: None,
        local,
        peer: None,
        counters: Counters {
            bytes_in: 12,
            bytes_out: 34,
            msgs_in: 1,
            msgs_out: 2,
        },
        on_close: Some(None),
        tcp_state: Some("LISTEN"),
        accept_queue: None,
        tls: None,
    }
}

/// The connection events of a TCP pair on IPv4 (1 listens as `srv`, 2 connects, 3 is
/// accepted) and a UDP socket on IPv6 (4), then a Unix socket (5).
fn setup(kinds: &mut Vec<(u32, EventKind)>) {
    let (srv, cli) = (ip_addr("127.0.0.1:7000"), ip_addr("127.0.0.1:40000"));
    let tcp = |name: Option<&str>| EventKind::Created {
        proto: Proto::Tcp,
        family: Family::V4,
        name: name.map(str::to_string),
    };
    kinds.extend([
        (1, tcp(Some("srv"))),
        (
            1,
            EventKind::Bound {
                local: srv.clone(),
                implicit: false,
            },
        ),
        (
            1,
            EventKind::Listening {
                local: srv.clone(),
                backlog: 16,
            },
        ),
        (1, EventKind::AutoAccept { on: true }),
        (
            1,
            EventKind::Responding {
                responder: Responder::Echo,
            },
        ),
        (2, tcp(None)),
        (2, EventKind::Connecting { peer: srv.clone() }),
        (
            2,
            EventKind::Connected {
                local: cli.clone(),
                peer: srv.clone(),
            },
        ),
        (
            3,
            EventKind::Accepted {
                listener: SockId(1),
                local: srv,
                peer: cli,
                name: Some(Box::new("conn".into())),
            },
        ),
        (
            4,
            EventKind::Created {
                proto: Proto::Udp,
                family: Family::V6,
                name: Some("u6".into()),
            },
        ),
        (
            4,
            EventKind::Bound {
                local: ip_addr("[::1]:9000"),
                implicit: true,
            },
        ),
        (
            5,
            EventKind::Created {
                proto: Proto::UnixStream,
                family: Family::Unix,
                name: None,
            },
        ),
        (
            5,
            EventKind::Connected {
                local: Addr::Unnamed,
                peer: Addr::Path(PathBuf::from("/tmp/golden.sock")),
            },
        ),
    ]);
}

/// Traffic: text, binary, non-UTF-8, CSV-hostile and large payloads, a reply, a truncated
/// datagram, a framed message, a Unix payload.
fn traffic(kinds: &mut Vec<(u32, EventKind)>) {
    let srv = ip_addr("127.0.0.1:7000");
    let cli = ip_addr("127.0.0.1:40000");
    let big: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    kinds.extend([
        (
            2,
            EventKind::Sent {
                peer: None,
                data: data(b"hello, \"world\"\r\n"),
                reply: false,
            },
        ),
        (
            3,
            EventKind::Received {
                peer: Some(cli.clone()),
                data: data(b"hello, \"world\"\r\n"),
                truncated_from: None,
            },
        ),
        (
            3,
            EventKind::Sent {
                peer: None,
                data: data(&[0xff, 0x00, 0xfe]),
                reply: true,
            },
        ),
        (
            2,
            EventKind::Received {
                peer: Some(srv.clone()),
                data: data(&[0xff, 0x00, 0xfe]),
                truncated_from: None,
            },
        ),
        (
            2,
            EventKind::SendProgress {
                sent: 65_536,
                total: 70_000,
            },
        ),
        (
            2,
            EventKind::Sent {
                peer: None,
                data: data(&big),
                reply: false,
            },
        ),
        (
            3,
            EventKind::Message {
                peer: Some(cli),
                data: data(b"line\n"),
            },
        ),
        (
            4,
            EventKind::Received {
                peer: Some(ip_addr("[::1]:9001")),
                data: data(b"=SUM(A1)"),
                truncated_from: Some(9000),
            },
        ),
        (
            4,
            EventKind::Sent {
                peer: Some(ip_addr("[::1]:9001")),
                data: data("é ü".as_bytes()),
                reply: false,
            },
        ),
        (
            5,
            EventKind::Sent {
                peer: None,
                data: data(b"unix"),
                reply: false,
            },
        ),
        (
            4,
            EventKind::Readiness {
                readable: true,
                writable: false,
                pending: 3,
            },
        ),
        (4, EventKind::WouldBlock),
    ]);
}

/// Settings, counters, failures and the ends of the connections.
fn ends(kinds: &mut Vec<(u32, EventKind)>) {
    let failed = |cause| {
        EventKind::Failed(OpError {
            op: Op::Connect,
            addr: Some(ip_addr("127.0.0.1:1")),
            cause,
        })
    };
    kinds.extend([
        (4, EventKind::Set(Setting::RecvSize(512))),
        (2, EventKind::RepeatDone { sent: 3 }),
        (
            4,
            EventKind::Flooded {
                msgs: 10,
                bytes: 1000,
            },
        ),
        (
            2,
            EventKind::Stats(SockStats {
                counters: Counters {
                    bytes_in: 3,
                    bytes_out: 70_016,
                    msgs_in: 1,
                    msgs_out: 2,
                },
                secs: 1.5,
                rate_in: 2.0,
                rate_out: 46_677.3,
            }),
        ),
        (
            0,
            EventKind::Status(vec![
                info(1, Some("srv"), Some(ip_addr("127.0.0.1:7000"))),
                info(2, None, None),
            ]),
        ),
        (6, failed(Cause::Refused)),
        (
            6,
            failed(Cause::Os {
                errno: 113,
                text: "No route to host".into(),
            }),
        ),
        (2, EventKind::Shut { how: How::Write }),
        (3, EventKind::PeerClosed),
        (3, EventKind::Closed),
        (2, EventKind::Reset),
    ]);
}

/// A session with every kind of record, the records 1 ms apart from `start`; the payload
/// budget has pushed the first sent payload out of memory.
pub fn golden_session(start: SystemTime) -> SessionLog {
    let mut log = SessionLog::starting_at(start);
    let mut kinds = Vec::new();
    setup(&mut kinds);
    traffic(&mut kinds);
    ends(&mut kinds);
    let at = |i: usize| start + Duration::from_millis(1 + i as u64);
    log.push_command_at(at(0), "socket tcp as srv");
    for (i, (id, kind)) in kinds.into_iter().enumerate() {
        log.push_event(event_at(at(i + 1), id, kind));
        if i == 14 {
            log.push_command_at(at(i + 1), "send s2 \"a,b\"");
        }
    }
    log.set_payload_budget(70_100);
    log
}
