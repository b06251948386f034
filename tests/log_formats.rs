//! The session log end to end: a log of real loopback traffic (TCP and UDP, IPv4 and IPv6,
//! text, binary and non-UTF-8 payloads) saved in every format, read back and compared with
//! the engine's events; the memory budget; the journal surviving SIGKILL; saving during a flood.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::Receiver;
use sockscope::engine::{
    Addr, AddrSpec, Command, Engine, Event, EventKind, Family, How, Payload, Proto, SockId, SockRef,
};
use sockscope::log::journal::Journal;
use sockscope::log::read::{self, Packet, Row};
use sockscope::log::save::{self, Format};
use sockscope::log::{Record, SessionLog, format};

const CHILD_ENV: &str = "SOCKSCOPE_LOG_TEST_JOURNAL";

const TEXT: &[u8] = b"hello, world\n";
const BIN: &[u8] = &[0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a, b'"', b',', 0x01];
const NON_UTF8: &[u8] = &[0xc3, 0x28, 0xa0, 0xa1, b'x', 0x00];
const UNICODE: &str = "héllo \"wörld\", ok\r\n=1+1";

fn big() -> Vec<u8> {
    (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect()
}

/// An engine and the log of everything it reported.
struct Lab {
    engine: Engine,
    events: Receiver<Event>,
    log: SessionLog,
}

impl Lab {
    fn new() -> Lab {
        let engine = Engine::start().expect("engine starts");
        let events = engine.subscribe();
        Lab {
            engine,
            events,
            log: SessionLog::new(),
        }
    }

    /// Logs the command line, runs the command and logs events until its final one.
    fn run(&mut self, line: &str, cmd: Command) -> Event {
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

    fn ok(&mut self, line: &str, cmd: Command) -> Event {
        let ev = self.run(line, cmd);
        if let EventKind::Failed(e) = &ev.kind {
            panic!("`{line}` failed: {e}");
        }
        ev
    }

    fn socket(&mut self, line: &str, proto: Proto, family: Family, name: Option<&str>) -> SockId {
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

    fn wait_until(&mut self, what: &str, cond: impl Fn(&SessionLog) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !cond(&self.log) {
            match self.events.recv_deadline(deadline) {
                Ok(ev) => self.log.push_event(ev),
                Err(_) => panic!("timed out waiting for {what}"),
            }
        }
    }
}

fn id(s: SockId) -> SockRef {
    SockRef::Id(s)
}

fn addr(s: &str) -> AddrSpec {
    s.parse::<SocketAddr>().expect("address").into()
}

fn bytes(b: &[u8]) -> Payload {
    Payload::bytes(b)
}

/// The payload of a record as the engine reported it (not through `format`).
fn raw_payload(rec: &Record) -> Option<&[u8]> {
    match rec {
        Record::Event(ev) => match &ev.event().kind {
            EventKind::Sent { data, .. } | EventKind::Received { data, .. } => Some(data),
            _ => None,
        },
        Record::Command { .. } => None,
    }
}

/// Every record of `log`, owned (paged back from the spill file where it spilled).
fn records(log: &SessionLog) -> Vec<Record> {
    log.iter().map(std::borrow::Cow::into_owned).collect()
}

/// What a socket received, all of it, in order.
fn received(log: &SessionLog, sock: SockId) -> Vec<u8> {
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

fn payloads_of(log: &SessionLog, sock: SockId, sent: bool) -> Vec<Vec<u8>> {
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

fn local_of(log: &SessionLog, sock: SockId) -> SocketAddr {
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
struct Session {
    log: SessionLog,
    srv: SockId,
    client: SockId,
    conn: SockId,
    u1: SockId,
    u2: SockId,
    v6a: SockId,
    v6b: SockId,
}

/// Real traffic on loopback: a TCP listener, client and accepted connection; two UDP
/// sockets on IPv4 and two on IPv6; text, binary, non-UTF-8 and large payloads; a
/// half-close, closes, a status and a failed command.
fn loopback_session() -> Session {
    let mut lab = Lab::new();
    let srv = lab.socket("socket tcp as srv", Proto::Tcp, Family::V4, Some("srv"));
    lab.ok(
        "bind srv 127.0.0.1:0",
        Command::Bind {
            sock: id(srv),
            addr: addr("127.0.0.1:0"),
        },
    );
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
    lab.ok(
        "bind u1 127.0.0.1:0",
        Command::Bind {
            sock: id(u1),
            addr: addr("127.0.0.1:0"),
        },
    );
    let u2 = lab.socket("socket udp", Proto::Udp, Family::V4, None);
    lab.ok(
        "bind s5 127.0.0.1:0",
        Command::Bind {
            sock: id(u2),
            addr: addr("127.0.0.1:0"),
        },
    );
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
        lab.ok(
            &format!("bind {s} [::1]:0"),
            Command::Bind {
                sock: id(s),
                addr: addr("[::1]:0"),
            },
        );
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

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("saved file")
        .permissions()
        .mode()
        & 0o777
}

fn dir_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

fn event_name(rec: &Record) -> &'static str {
    match rec {
        Record::Command { .. } => "command",
        Record::Event(ev) => ev.kind.name(),
    }
}

fn direction_name(rec: &Record) -> &'static str {
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
fn check_rows(rows: &[Row], log: &SessionLog, full: &SessionLog, what: &str) {
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

fn tcp_flow(packets: &[Packet], src: SocketAddr, dst: SocketAddr) -> Vec<&Packet> {
    packets
        .iter()
        .filter(|p| p.proto == Proto::Tcp && p.src == src && p.dst == dst)
        .collect()
}

/// The bytes of a TCP direction, checking that sequence numbers follow on from the SYN.
fn tcp_stream(flow: &[&Packet], what: &str) -> Vec<u8> {
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

fn udp_payloads(packets: &[Packet], src: SocketAddr, dst: SocketAddr) -> Vec<Vec<u8>> {
    packets
        .iter()
        .filter(|p| p.proto == Proto::Udp && p.src == src && p.dst == dst)
        .map(|p| p.payload.clone())
        .collect()
}

#[test]
fn every_format_round_trips_real_loopback_traffic() {
    let s = loopback_session();
    let log = &s.log;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut expected_files = BTreeSet::new();

    // Counters are exact and match the payloads.
    let t = log.totals();
    let sent: u64 = [s.client, s.conn, s.u1, s.u2, s.v6a]
        .iter()
        .flat_map(|&k| payloads_of(log, k, true))
        .map(|p| p.len() as u64)
        .sum();
    assert_eq!(t.bytes_out, sent);
    assert_eq!(t.bytes_in, sent, "everything sent on loopback arrived");
    assert_eq!(t.errors, 1);

    // An old file with loose permissions is replaced by a private one.
    let jsonl = dir.path().join("session.jsonl");
    std::fs::write(&jsonl, "old").expect("old file");
    std::fs::set_permissions(&jsonl, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    for f in Format::LOG_FORMATS {
        let path = dir.path().join(format!("session.{}", f.extension()));
        let info = save::save(log, &path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(info.format, f);
        assert_eq!(info.path, path);
        assert_eq!(info.bytes, std::fs::metadata(&path).expect("file").len());
        assert_eq!(mode(&path), 0o600, "{} is private", path.display());
        expected_files.insert(
            path.file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned(),
        );
    }
    assert_eq!(
        dir_names(dir.path()),
        expected_files,
        "no temporary file remains"
    );

    let rows = read::read_jsonl(&dir.path().join("session.jsonl")).expect("jsonl reads back");
    check_rows(&rows, log, log, "jsonl");
    let srv_row = rows
        .iter()
        .find(|r| r.socket.as_deref() == Some("s1"))
        .expect("srv row");
    assert_eq!(srv_row.name.as_deref(), Some("srv"));

    let rows = read::read_csv(&dir.path().join("session.csv")).expect("csv reads back");
    check_rows(&rows, log, log, "csv");
    let err = rows
        .iter()
        .find(|r| r.direction.name() == "error")
        .expect("error row");
    assert!(
        err.error.as_deref().is_some_and(|e| e.contains("nosuch")),
        "{err:?}"
    );

    let txt = std::fs::read_to_string(dir.path().join("session.txt")).expect("txt");
    let lines: Vec<&str> = txt.lines().collect();
    assert!(lines[0].starts_with("# sockscope session log"));
    let mut at = 1;
    for rec in &records(log) {
        assert_eq!(lines[at], format::text_line(rec, log, usize::MAX));
        if let Some(data) = raw_payload(rec) {
            assert!(
                lines[at].contains(&format!(" {} bytes ", data.len())),
                "{}",
                lines[at]
            );
            let shown = if format::is_texty(data) {
                format::quoted(data)
            } else {
                format!("hex:{}", format::hex(data))
            };
            assert!(lines[at].ends_with(&shown), "full payload in {}", lines[at]);
        }
        at += 1;
        if let Record::Event(ev) = rec
            && let EventKind::Status(list) = &ev.kind
        {
            assert!(!list.is_empty());
            at += list.len();
        }
    }
    assert_eq!(at, lines.len());

    // pcap: every payload on the wire once, checksums right, TCP sequence numbers in order.
    let pcap = dir.path().join("session.pcap");
    let info = save::save(log, &pcap).expect("pcap");
    let n_received = records(log)
        .iter()
        .filter(|r| direction_name(r) == "received")
        .count();
    let n_sent = records(log)
        .iter()
        .filter(|r| direction_name(r) == "sent")
        .count();
    assert_eq!(info.deduplicated, n_received, "both ends are ours");
    assert_eq!(info.records, n_sent);
    assert_eq!(info.skipped, 0);
    let packets = read::read_pcap(&pcap).expect("pcap reads back");
    assert_eq!(packets.len(), info.packets);
    assert!(
        packets.iter().all(|p| p.checksums_ok),
        "every checksum verifies"
    );
    assert!(packets.iter().all(|p| p.payload.len() == p.len));
    let (c, k) = (local_of(log, s.client), local_of(log, s.conn));
    let up = tcp_flow(&packets, c, k);
    let down = tcp_flow(&packets, k, c);
    assert_eq!(
        tcp_stream(&up, "client to server"),
        [TEXT, BIN, &big()].concat()
    );
    assert_eq!(
        tcp_stream(&down, "server to client"),
        [UNICODE.as_bytes(), NON_UTF8].concat()
    );
    assert!(
        up.iter().any(|p| p.len == 65_495),
        "a large send is cut into full segments"
    );
    assert!(
        up.iter().any(|p| p.flags & 0x01 != 0),
        "the client's shutdown is a FIN"
    );
    assert!(
        down.iter().any(|p| p.flags & 0x01 != 0),
        "the close is a FIN"
    );
    let synack = down
        .iter()
        .find(|p| p.flags & 0x12 == 0x12)
        .expect("SYN-ACK");
    assert_eq!(synack.ack, up[0].seq.wrapping_add(1));
    let last_down = down.iter().rev().find(|p| p.len > 0).expect("server data");
    let acked = up
        .iter()
        .filter(|p| p.len > 0)
        .fold(0u32, |_, p| p.seq.wrapping_add(p.len as u32));
    assert_eq!(
        last_down.ack, acked,
        "the server acknowledges what the client sent"
    );
    let (a, b) = (local_of(log, s.u1), local_of(log, s.u2));
    assert_eq!(
        udp_payloads(&packets, a, b),
        [b"ping".to_vec(), NON_UTF8.to_vec()]
    );
    assert_eq!(udp_payloads(&packets, b, a), [BIN.to_vec()]);
    let (x, y) = (local_of(log, s.v6a), local_of(log, s.v6b));
    assert!(x.is_ipv6());
    assert_eq!(udp_payloads(&packets, x, y), [b"v6 hello".to_vec()]);
    assert!(packets.iter().all(|p| p.ts.as_secs() > 1_600_000_000));
    let _ = s.srv;
}

#[test]
fn eviction_keeps_counts_and_lengths_exact_in_every_format() {
    let s = loopback_session();
    let full = &s.log;
    let mut log = full.clone();
    log.set_payload_budget(64);
    assert_eq!(log.totals(), full.totals(), "totals stay exact");
    let ev = log.evicted();
    assert!(ev.records >= 8, "{ev:?}");
    assert!(log.payload_bytes_held() <= 64);
    let evicted_bytes: usize = records(&log)
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) => e.evicted(),
            _ => None,
        })
        .sum();
    assert_eq!(ev.bytes, evicted_bytes as u64);
    assert_eq!(
        ev.bytes + log.payload_bytes_held() as u64,
        full.totals().bytes_in + full.totals().bytes_out
    );
    // The oldest went first: no kept payload precedes an evicted one.
    let flags: Vec<bool> = records(&log)
        .iter()
        .filter(|r| raw_payload(r).is_some_and(|d| !d.is_empty()) || format::is_evicted(r))
        .map(format::is_evicted)
        .collect();
    assert!(flags.windows(2).all(|w| w[0] || !w[1]), "{flags:?}");
    assert!(!flags.last().expect("payloads")); // the newest still there

    let dir = tempfile::tempdir().expect("tempdir");
    for f in Format::LOG_FORMATS {
        let path = dir.path().join(format!("evicted.{}", f.extension()));
        let info = save::save(&log, &path).unwrap_or_else(|e| panic!("{e}"));
        // The pcap holds each payload once, as the sender's packet.
        let want = match f {
            Format::Pcap => records(&log)
                .iter()
                .filter(|r| direction_name(r) == "sent" && format::is_evicted(r))
                .count() as u64,
            _ => ev.records,
        };
        assert_eq!(info.evicted as u64, want, "{f:?}");
    }
    check_rows(
        &read::read_jsonl(&dir.path().join("evicted.jsonl")).expect("jsonl"),
        &log,
        full,
        "jsonl after eviction",
    );
    check_rows(
        &read::read_csv(&dir.path().join("evicted.csv")).expect("csv"),
        &log,
        full,
        "csv after eviction",
    );
    let txt = std::fs::read_to_string(dir.path().join("evicted.txt")).expect("txt");
    assert!(
        txt.contains("sent 100000 bytes to "),
        "the big send keeps its length"
    );
    assert!(txt.contains(format::EVICTED_NOTE));
    let packets = read::read_pcap(&dir.path().join("evicted.pcap")).expect("pcap");
    let (c, k) = (local_of(&log, s.client), local_of(&log, s.conn));
    let wire: usize = tcp_flow(&packets, c, k).iter().map(|p| p.len).sum();
    assert_eq!(wire, TEXT.len() + BIN.len() + 100_000);
    assert!(
        packets.iter().any(|p| p.payload.len() < p.len),
        "evicted: cut capture"
    );
    for rec in &records(&log) {
        assert_eq!(format::payload_len(rec), raw_payload_len(full, rec));
    }
}

fn raw_payload_len(full: &SessionLog, rec: &Record) -> Option<usize> {
    let same = full
        .iter()
        .find(|r| {
            r.at() == rec.at() && r.socket() == rec.socket() && event_name(r) == event_name(rec)
        })
        .expect("same record");
    raw_payload(&same).map(<[u8]>::len)
}

#[test]
fn unknown_extension_and_failed_save_leave_nothing() {
    let log = loopback_session().log;
    let dir = tempfile::tempdir().expect("tempdir");
    let e = save::save(&log, &dir.path().join("x.docx")).expect_err("unknown format");
    let msg = e.to_string();
    assert!(
        msg.contains("x.docx") && msg.contains(".pcap") && msg.contains(".jsonl"),
        "{msg}"
    );
    // Renaming over a folder fails: the error names the file, and no temporary file stays.
    let target = dir.path().join("taken.csv");
    std::fs::create_dir(&target).expect("dir");
    std::fs::write(target.join("inside"), "x").expect("file");
    let e = save::save(&log, &target).expect_err("cannot replace a folder");
    assert!(e.to_string().contains("taken.csv"), "{e}");
    assert_eq!(
        dir_names(dir.path()),
        BTreeSet::from(["taken.csv".to_string()])
    );
}

#[test]
fn saved_script_replays_with_sockscope_run() {
    let mut lab = Lab::new();
    let a = lab.socket("socket udp as a", Proto::Udp, Family::V4, Some("a"));
    lab.ok(
        "bind a 127.0.0.1:0",
        Command::Bind {
            sock: id(a),
            addr: addr("127.0.0.1:0"),
        },
    );
    let b = lab.socket("socket udp as b", Proto::Udp, Family::V4, Some("b"));
    lab.ok(
        "bind b 127.0.0.1:0",
        Command::Bind {
            sock: id(b),
            addr: addr("127.0.0.1:0"),
        },
    );
    lab.ok(
        "sendto a $b \"hi\\x00there\"",
        Command::SendTo {
            sock: id(a),
            addr: AddrSpec::LocalOf(id(b)),
            payload: bytes(b"hi\0there"),
        },
    );
    lab.log.push_command("expect b \"there\" 2s");
    lab.engine.shutdown();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("replay.scope");
    let info = save::save_script(&lab.log, &path).expect("script saved");
    assert_eq!(info.records, 6);
    assert_eq!(mode(&path), 0o600);
    let text = std::fs::read_to_string(&path).expect("script");
    let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        body,
        [
            "socket udp as a",
            "bind a 127.0.0.1:0",
            "socket udp as b",
            "bind b 127.0.0.1:0",
            "sendto a $b \"hi\\x00there\"",
            "expect b \"there\" 2s"
        ]
    );
    assert!(text.starts_with('#'));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .env("SOCKSCOPE_DATA_DIR", dir.path())
        .arg("run")
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("sockscope runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "replay failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run as a child process by `journal_survives_sigkill_mid_traffic`: writes real UDP
/// traffic to a journal until it is killed, printing `flushed N` after each flush.
#[test]
#[ignore = "helper run as a child process by journal_survives_sigkill_mid_traffic"]
fn journal_child_writer() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let mut lab = Lab::new();
    lab.log
        .attach_journal(Journal::create_at(Path::new(&path)).expect("journal"));
    let a = lab.socket("socket udp as a", Proto::Udp, Family::V4, Some("a"));
    let b = lab.socket("socket udp as b", Proto::Udp, Family::V4, Some("b"));
    for s in [a, b] {
        lab.ok(
            &format!("bind {s} 127.0.0.1:0"),
            Command::Bind {
                sock: id(s),
                addr: addr("127.0.0.1:0"),
            },
        );
    }
    let start = Instant::now();
    let mut i: u64 = 0;
    while start.elapsed() < Duration::from_secs(60) {
        let mut data = format!("msg {i:08} ").into_bytes();
        data.extend_from_slice(&[0xff, 0x00, i as u8]);
        lab.ok(
            &format!("sendto a $b hex:{}", format::hex(&data)),
            Command::SendTo {
                sock: id(a),
                addr: AddrSpec::LocalOf(id(b)),
                payload: Payload::from(data),
            },
        );
        i += 1;
        if i.is_multiple_of(25) {
            lab.log.journal().expect("journal").flush().expect("flush");
            println!("flushed {}", lab.log.len());
        }
    }
}

#[test]
fn journal_survives_sigkill_mid_traffic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("killed.journal.jsonl");
    let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "journal_child_writer",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_ENV, &path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("child starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = crossbeam_channel::unbounded();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(n) = line
                .strip_prefix("flushed ")
                .and_then(|n| n.parse::<usize>().ok())
            {
                let _ = tx.send(n);
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut flushed = 0;
    while flushed < 800 {
        match rx.recv_deadline(deadline) {
            Ok(n) => flushed = n,
            Err(_) => {
                let _ = child.kill();
                panic!("the child journaled only {flushed} records");
            }
        }
    }
    // Let it run on a little so the kill lands between flushes, mid-traffic.
    std::thread::sleep(Duration::from_millis(37));
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("child ends");
    assert_eq!(status.signal(), Some(9), "killed by SIGKILL");
    reader.join().expect("reader");
    // Every `flushed N` printed before the kill is a promise: records 0..N are in the file.
    let promised = rx.try_iter().fold(flushed, usize::max);

    assert_eq!(
        Journal::leftovers(dir.path()).expect("list"),
        vec![path.clone()]
    );
    assert_eq!(mode(&path), 0o600);
    let rec = Journal::recover_report(&path).expect("recover");
    assert_eq!(rec.bad_lines, 0);
    assert!(
        rec.rows.len() >= promised,
        "{} rows recovered, {promised} were flushed before the kill",
        rec.rows.len()
    );
    let mut next_msg = 0u64;
    for (k, row) in rec.rows.iter().enumerate() {
        assert_eq!(row.seq, Some(k as u64), "no gap, no duplicate");
        if row.event == "sent" {
            let p = row.payload.as_ref().expect("payload in the journal");
            assert_eq!(row.len, Some(p.len()));
            let mut want = format!("msg {next_msg:08} ").into_bytes();
            want.extend_from_slice(&[0xff, 0x00, next_msg as u8]);
            assert_eq!(p, &want, "sends in order");
            next_msg += 1;
        }
    }
    assert!(next_msg >= 300, "{next_msg} sends recovered");
    let bound = rec
        .rows
        .iter()
        .find(|r| r.event == "bound")
        .expect("bound row");
    assert!(
        bound
            .summary
            .as_deref()
            .is_some_and(|s| s.starts_with("bound 127.0.0.1:"))
    );

    // The recovered session saves like a live one (but not as pcap).
    for ext in ["jsonl", "csv", "txt"] {
        let out = dir.path().join(format!("recovered.{ext}"));
        let info = save::save_rows(&rec.rows, &out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(info.records, rec.rows.len());
        assert_eq!(mode(&out), 0o600);
    }
    assert!(save::save_rows(&rec.rows, &dir.path().join("recovered.pcap")).is_err());
    let jsonl = read::read_jsonl(&dir.path().join("recovered.jsonl")).expect("jsonl");
    assert_eq!(jsonl.len(), rec.rows.len());
    for (a, b) in jsonl.iter().zip(&rec.rows) {
        assert_eq!(a, b, "jsonl keeps every field");
    }
    let csv = read::read_csv(&dir.path().join("recovered.csv")).expect("csv");
    assert_eq!(csv.len(), rec.rows.len());
    for (a, b) in csv.iter().zip(&rec.rows) {
        assert_eq!(
            (
                &a.ts,
                &a.socket,
                &a.event,
                &a.direction,
                a.len,
                &a.payload,
                &a.command
            ),
            (
                &b.ts,
                &b.socket,
                &b.event,
                &b.direction,
                b.len,
                &b.payload,
                &b.command
            )
        );
    }
    let txt = std::fs::read_to_string(dir.path().join("recovered.txt")).expect("txt");
    assert_eq!(txt.lines().count(), rec.rows.len());
    assert!(
        txt.contains(" a      sent 16 bytes to 127.0.0.1:"),
        "{}",
        &txt[..txt.len().min(2000)]
    );
}

#[test]
fn saving_during_a_flood_writes_consistent_snapshots() {
    let local: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
    let peer: SocketAddr = "127.0.0.1:40001".parse().expect("addr");
    let mk = |kind| Event {
        at: SystemTime::now(),
        socket: Some(SockId(1)),
        cmd: None,
        kind,
    };
    let shared = Arc::new(Mutex::new(SessionLog::new()));
    {
        let mut log = shared.lock().expect("lock");
        log.push_event(mk(EventKind::Created {
            proto: Proto::Udp,
            family: Family::V4,
            name: None,
        }));
        log.push_event(mk(EventKind::Bound {
            local: Addr::Ip(local),
            implicit: false,
        }));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let pusher = {
        let shared = shared.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) && i < 200_000 {
                {
                    let mut log = shared.lock().expect("lock");
                    for _ in 0..20 {
                        let data = [format!("flood {i:08}").as_bytes(), &[0xfe]].concat();
                        let kind = if i.is_multiple_of(2) {
                            EventKind::Sent {
                                peer: Some(Addr::Ip(peer)),
                                data: data.into(),
                                reply: false,
                            }
                        } else {
                            EventKind::Received {
                                peer: Some(Addr::Ip(peer)),
                                data: data.into(),
                                truncated_from: None,
                            }
                        };
                        log.push_event(Event {
                            at: SystemTime::now(),
                            socket: Some(SockId(1)),
                            cmd: None,
                            kind,
                        });
                        i += 1;
                    }
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            i
        })
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut overlapped = 0;
    std::thread::sleep(Duration::from_millis(50));
    for round in 0..9 {
        let snap = shared.lock().expect("lock").clone();
        let n = snap.len();
        let f = [Format::Jsonl, Format::Csv, Format::Pcap][round % 3];
        let path = dir.path().join(format!("flood.{}", f.extension()));
        let info = save::save(&snap, &path).unwrap_or_else(|e| panic!("{e}"));
        if shared.lock().expect("lock").len() > n {
            overlapped += 1;
        }
        assert_eq!(mode(&path), 0o600);
        let payloads: Vec<Vec<u8>> = match f {
            Format::Pcap => {
                assert_eq!(info.records, n - 2);
                read::read_pcap(&path)
                    .expect("pcap")
                    .into_iter()
                    .map(|p| {
                        assert!(p.checksums_ok);
                        p.payload
                    })
                    .collect()
            }
            _ => {
                let rows = if f == Format::Csv {
                    read::read_csv(&path)
                } else {
                    read::read_jsonl(&path)
                }
                .expect("reads back");
                assert_eq!(rows.len(), n, "the file is exactly the snapshot");
                let out: u64 = rows
                    .iter()
                    .filter(|r| r.event == "sent")
                    .map(|r| r.len.expect("len") as u64)
                    .sum();
                assert_eq!(out, snap.totals().bytes_out);
                rows.into_iter()
                    .filter_map(|r| r.payload.map(|p| p.to_vec()))
                    .collect()
            }
        };
        assert_eq!(payloads.len(), n - 2);
        for (i, p) in payloads.iter().enumerate() {
            let mut want = format!("flood {i:08}").into_bytes();
            want.push(0xfe);
            assert_eq!(p, &want, "round {round}: payload {i}");
        }
    }
    stop.store(true, Ordering::Relaxed);
    let pushed = pusher.join().expect("pusher");
    assert!(pushed > 0);
    assert!(
        overlapped >= 3,
        "traffic went on while saving ({overlapped} of 9 saves)"
    );
    let names = dir_names(dir.path());
    assert_eq!(names.len(), 3, "no temporary files: {names:?}");
}
