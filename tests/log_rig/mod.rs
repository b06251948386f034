//! Shared rig of the log tests: a session of real loopback traffic ([`loopback_session`])
//! and the checks that compare a saved file with it; a session built from events with
//! fixed times ([`golden::golden_session`]).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub mod files;
pub mod golden;
pub mod memory;

#[allow(unused_imports)] // each test file uses part of it
pub use files::*;

/// What the log tests use, in one import.
#[allow(unused_imports)] // each test file uses part of it
pub mod prelude {
    pub use std::collections::BTreeSet;
    pub use std::time::{Duration, Instant};

    pub use sockscope::engine::{Command, EventKind, Payload, SockRef};
    pub use sockscope::log::read;
    pub use sockscope::log::save::{self, Format};
    pub use sockscope::log::{Record, SessionLog, format};

    pub use super::*;
}

use crossbeam_channel::Receiver;
use sockscope::engine::{
    Addr, AddrSpec, Command, Engine, Event, EventKind, Family, How, Payload, Proto, SockId, SockRef,
};
use sockscope::log::read::{Packet, Row};
use sockscope::log::{Record, SessionLog, format};

pub const CHILD_ENV: &str = "SOCKSCOPE_LOG_TEST_JOURNAL";

pub const TEXT: &[u8] = b"hello, world\n";
pub const BIN: &[u8] = &[0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a, b'"', b',', 0x01];
pub const NON_UTF8: &[u8] = &[0xc3, 0x28, 0xa0, 0xa1, b'x', 0x00];
pub const UNICODE: &str = "héllo \"wörld\", ok\r\n=1+1";

pub fn big() -> Vec<u8> {
    (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

/// An engine and the log of everything it reported.
pub struct Lab {
    pub engine: Engine,
    pub events: Receiver<Event>,
    pub log: SessionLog,
}

impl Lab {
    pub fn new() -> Lab {
        let engine = Engine::start().expect("engine starts");
        Lab {
            events: engine.subscribe(),
            engine,
            log: SessionLog::new(),
        }
    }

    /// Logs the command line, runs the command and logs events until its final one.
    pub fn run(&mut self, line: &str, cmd: Command) -> Event {
        self.log.push_command(line);
        let id = self.engine.submit(cmd);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ev = self
                .events
                .recv_deadline(deadline)
                .unwrap_or_else(|_| panic!("no answer to `{line}`"));
            let done = ev.cmd == Some(id);
            self.log.push_event(ev.clone());
            if done {
                return ev;
            }
        }
    }

    pub fn ok(&mut self, line: &str, cmd: Command) -> Event {
        let ev = self.run(line, cmd);
        if let EventKind::Failed(e) = &ev.kind {
            panic!("`{line}` failed: {e}");
        }
        ev
    }

    pub fn socket(
        &mut self,
        line: &str,
        proto: Proto,
        family: Family,
        name: Option<&str>,
    ) -> SockId {
        let ev = self.ok(
            line,
            Command::Socket {
                proto,
                family,
                name: name.map(String::from),
            },
        );
        ev.socket.expect("a created socket has an id")
    }

    /// A UDP socket named `name` (`socket udp as NAME`), bound to 127.0.0.1 on a port the
    /// OS picks (`bind NAME 127.0.0.1:0`).
    pub fn bound_udp(&mut self, name: &str) -> SockId {
        let line = format!("socket udp as {name}");
        let s = self.socket(&line, Proto::Udp, Family::V4, Some(name));
        self.bind(s, name, "127.0.0.1:0");
        s
    }

    /// Binds `sock` to `at`, logged as `bind LABEL AT`.
    pub fn bind(&mut self, sock: SockId, label: &str, at: &str) -> Event {
        self.ok(
            &format!("bind {label} {at}"),
            Command::Bind {
                sock: id(sock),
                addr: addr(at),
            },
        )
    }

    pub fn wait_until(&mut self, what: &str, cond: impl Fn(&SessionLog) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !cond(&self.log) {
            match self.events.recv_deadline(deadline) {
                Ok(ev) => self.log.push_event(ev),
                Err(_) => panic!("timed out waiting for {what}"),
            }
        }
    }
}

pub fn id(s: SockId) -> SockRef {
    SockRef::Id(s)
}

pub fn addr(s: &str) -> AddrSpec {
    s.parse::<SocketAddr>().expect("address").into()
}

pub fn bytes(b: &[u8]) -> Payload {
    Payload::bytes(b)
}

/// The payload of a record as the engine reported it (not through `format`).
pub fn raw_payload(rec: &Record) -> Option<&[u8]> {
    match rec {
        Record::Event(ev) => match &ev.event().kind {
            EventKind::Sent { data, .. } | EventKind::Received { data, .. } => Some(data),
            _ => None,
        },
        Record::Command { .. } => None,
    }
}

/// Every record of `log`, owned (paged back from the spill file where it spilled).
pub fn records(log: &SessionLog) -> Vec<Record> {
    log.iter().map(std::borrow::Cow::into_owned).collect()
}

/// What a socket received, all of it, in order.
pub fn received(log: &SessionLog, sock: SockId) -> Vec<u8> {
    records(log)
        .iter()
        .filter(|r| r.socket() == Some(sock))
        .filter_map(|r| match r {
            Record::Event(ev) => match &ev.kind {
                EventKind::Received { data, .. } => Some(data.to_vec()),
                _ => None,
            },
            _ => None,
        })
        .flatten()
        .collect()
}

pub fn payloads_of(log: &SessionLog, sock: SockId, sent: bool) -> Vec<Vec<u8>> {
    records(log)
        .iter()
        .filter(|r| r.socket() == Some(sock))
        .filter_map(|r| match r {
            Record::Event(ev) => match &ev.kind {
                EventKind::Sent { data, .. } if sent => Some(data.to_vec()),
                EventKind::Received { data, .. } if !sent => Some(data.to_vec()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

pub fn local_of(log: &SessionLog, sock: SockId) -> SocketAddr {
    records(log)
        .iter()
        .rev()
        .filter(|r| r.socket() == Some(sock))
        .find_map(|r| match r {
            Record::Event(ev) => match &ev.kind {
                EventKind::Bound { local, .. }
                | EventKind::Connected { local, .. }
                | EventKind::Accepted { local, .. } => local.ip(),
                _ => None,
            },
            _ => None,
        })
        .expect("socket has a local address")
}

/// The sockets of the loopback session.
pub struct Session {
    pub log: SessionLog,
    pub srv: SockId,
    pub client: SockId,
    pub conn: SockId,
    pub u1: SockId,
    pub u2: SockId,
    pub v6a: SockId,
    pub v6b: SockId,
}

/// Real traffic on loopback: a TCP listener, client and accepted connection; two UDP
/// sockets on IPv4 and two on IPv6; text, binary, non-UTF-8 and large payloads; a
/// half-close, closes, a status and a failed command.
pub fn loopback_session() -> Session {
    let mut lab = Lab::new();
    let srv = lab.socket("socket tcp as srv", Proto::Tcp, Family::V4, Some("srv"));
    lab.bind(srv, "srv", "127.0.0.1:0");
    lab.ok(
        "listen srv",
        Command::Listen {
            sock: id(srv),
            backlog: None,
        },
    );
    let client = lab.socket("socket tcp", Proto::Tcp, Family::V4, None);
    lab.ok(
        "connect s2 $srv",
        Command::Connect {
            sock: id(client),
            addr: AddrSpec::LocalOf(id(srv)),
            timeout: None,
        },
    );
    let acc = lab.ok(
        "accept srv as conn 5s",
        Command::Accept {
            sock: id(srv),
            name: Some("conn".into()),
            timeout: Some(Duration::from_secs(5)),
        },
    );
    let conn = acc.socket.expect("accepted connection id");
    let big = big();
    for (sock, data) in [
        (client, TEXT.to_vec()),
        (client, BIN.to_vec()),
        (conn, UNICODE.as_bytes().to_vec()),
        (client, big.clone()),
        (conn, NON_UTF8.to_vec()),
    ] {
        lab.ok(
            &format!("send {sock} hex:{}", format::hex(&data)),
            Command::Send {
                sock: id(sock),
                payload: Payload::from(data),
            },
        );
    }
    let want_conn: Vec<u8> = [TEXT, BIN, &big].concat();
    let want_client: Vec<u8> = [UNICODE.as_bytes(), NON_UTF8].concat();
    lab.wait_until("TCP data", |log| {
        received(log, conn) == want_conn && received(log, client) == want_client
    });

    let u1 = lab.socket("socket udp as u1", Proto::Udp, Family::V4, Some("u1"));
    lab.bind(u1, "u1", "127.0.0.1:0");
    let u2 = lab.socket("socket udp", Proto::Udp, Family::V4, None);
    lab.bind(u2, "s5", "127.0.0.1:0");
    for (from, to, data) in [(u1, u2, &b"ping"[..]), (u2, u1, BIN), (u1, u2, NON_UTF8)] {
        lab.ok(
            &format!("sendto {from} ${to} hex:{}", format::hex(data)),
            Command::SendTo {
                sock: id(from),
                addr: AddrSpec::LocalOf(id(to)),
                payload: bytes(data),
            },
        );
    }
    let v6a = lab.socket("socket udp v6", Proto::Udp, Family::V6, None);
    let v6b = lab.socket("socket udp v6", Proto::Udp, Family::V6, None);
    for s in [v6a, v6b] {
        lab.bind(s, &s.to_string(), "[::1]:0");
    }
    lab.ok(
        "sendto s6 $s7 \"v6 hello\"",
        Command::SendTo {
            sock: id(v6a),
            addr: AddrSpec::LocalOf(id(v6b)),
            payload: bytes(b"v6 hello"),
        },
    );
    lab.wait_until("datagrams", |log| {
        payloads_of(log, u2, false) == [b"ping".to_vec(), NON_UTF8.to_vec()]
            && payloads_of(log, u1, false) == [BIN.to_vec()]
            && payloads_of(log, v6b, false) == [b"v6 hello".to_vec()]
    });

    lab.ok(
        "shutdown s2 write",
        Command::Shutdown {
            sock: id(client),
            how: How::Write,
        },
    );
    lab.wait_until("peer closed", |log| {
        records(log).iter().any(|r| match r {
            Record::Event(ev) => {
                ev.socket == Some(conn) && matches!(ev.kind, EventKind::PeerClosed)
            }
            _ => false,
        })
    });
    lab.ok("close conn", Command::Close { sock: id(conn) });
    lab.ok("close s2", Command::Close { sock: id(client) });
    lab.ok("status", Command::Status);
    let failed = lab.run(
        "send nosuch \"x\"",
        Command::Send {
            sock: SockRef::Name("nosuch".into()),
            payload: bytes(b"x"),
        },
    );
    assert!(matches!(failed.kind, EventKind::Failed(_)));
    lab.engine.shutdown();
    Session {
        log: lab.log,
        srv,
        client,
        conn,
        u1,
        u2,
        v6a,
        v6b,
    }
}

pub fn event_name(rec: &Record) -> &'static str {
    match rec {
        Record::Command { .. } => "command",
        Record::Event(ev) => ev.kind.name(),
    }
}

pub fn direction_name(rec: &Record) -> &'static str {
    match rec {
        Record::Command { .. } => "command",
        Record::Event(ev) => match ev.kind {
            EventKind::Sent { .. } => "sent",
            EventKind::Received { .. } => "received",
            EventKind::Failed(_) => "error",
            _ => "event",
        },
    }
}

/// Compares rows read back from a file with the log they were saved from. `full` is the log
/// before any eviction (its payloads are the truth).
pub fn check_rows(rows: &[Row], log: &SessionLog, full: &SessionLog, what: &str) {
    assert_eq!(rows.len(), log.len(), "{what}: one row a record");
    for (i, ((row, rec), orig)) in rows
        .iter()
        .zip(records(log).iter())
        .zip(records(full).iter())
        .enumerate()
    {
        let ctx = format!("{what}, record {i}: {row:?}");
        assert_eq!(row.socket, rec.socket().map(|s| s.to_string()), "{ctx}");
        assert_eq!(row.event, event_name(rec), "{ctx}");
        assert_eq!(row.direction.name(), direction_name(rec), "{ctx}");
        let truth = raw_payload(orig);
        assert_eq!(row.len, truth.map(<[u8]>::len), "{ctx}");
        let evicted = matches!(rec, Record::Event(ev) if ev.evicted().is_some());
        assert_eq!(row.evicted, evicted, "{ctx}");
        if evicted {
            assert_eq!(row.payload, None, "{ctx}");
        } else {
            assert_eq!(row.payload.as_deref(), truth, "{ctx}");
            let text = truth
                .and_then(|d| std::str::from_utf8(d).ok())
                .filter(|s| !s.is_empty());
            assert_eq!(row.text.as_deref(), text, "{ctx}");
        }
        let ts = chrono::DateTime::parse_from_rfc3339(&row.ts).expect("ts is RFC 3339");
        assert!(
            row.ts.ends_with('Z') && row.ts.len() == 27,
            "{ctx}: UTC with microseconds"
        );
        let at = chrono::DateTime::<chrono::Utc>::from(rec.at());
        assert_eq!(ts.timestamp_micros(), at.timestamp_micros(), "{ctx}");
        let t = rec
            .at()
            .duration_since(log.started())
            .expect("after start")
            .as_secs_f64();
        assert!((row.t - t).abs() < 2e-6, "{ctx}: t {} vs {t}", row.t);
        if let Record::Command { line, .. } = rec {
            assert_eq!(row.command.as_deref(), Some(line.as_str()), "{ctx}");
        }
        let (local, peer) = format::addresses_in(rec, log);
        assert_eq!(row.local, local.map(Addr::to_string), "{ctx}");
        assert_eq!(row.peer, peer.map(Addr::to_string), "{ctx}");
    }
}

pub fn tcp_flow(packets: &[Packet], src: SocketAddr, dst: SocketAddr) -> Vec<&Packet> {
    packets
        .iter()
        .filter(|p| p.proto == Proto::Tcp && p.src == src && p.dst == dst)
        .collect()
}

/// The bytes of a TCP direction, checking that sequence numbers follow on from the SYN.
pub fn tcp_stream(flow: &[&Packet], what: &str) -> Vec<u8> {
    let syn = flow
        .iter()
        .find(|p| p.flags & 0x02 != 0)
        .unwrap_or_else(|| panic!("{what}: no SYN"));
    let mut next = syn.seq.wrapping_add(1);
    let mut out = Vec::new();
    let mut fin = false;
    for p in flow.iter().filter(|p| p.flags & 0x02 == 0) {
        assert!(!fin, "{what}: nothing after the FIN");
        if p.len == 0 && p.flags & 0x01 == 0 {
            continue; // the handshake's last ACK
        }
        assert_eq!(p.seq, next, "{what}: sequence numbers follow on");
        next = next.wrapping_add(p.len as u32);
        out.extend_from_slice(&p.payload);
        if p.flags & 0x01 != 0 {
            fin = true;
            next = next.wrapping_add(1);
        }
    }
    out
}

pub fn udp_payloads(packets: &[Packet], src: SocketAddr, dst: SocketAddr) -> Vec<Vec<u8>> {
    packets
        .iter()
        .filter(|p| p.proto == Proto::Udp && p.src == src && p.dst == dst)
        .map(|p| p.payload.clone())
        .collect()
}

pub fn raw_payload_len(full: &SessionLog, rec: &Record) -> Option<usize> {
    let same = full
        .iter()
        .find(|r| {
            r.at() == rec.at() && r.socket() == rec.socket() && event_name(r) == event_name(rec)
        })
        .expect("same record");
    raw_payload(&same).map(<[u8]>::len)
}
