//! Tests of the log's memory bounds: records spilled past the window and paged back intact,
//! the payload budget against one large payload, and saving a session larger than memory.

use std::net::{Ipv6Addr, SocketAddr, SocketAddrV6};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::filter::LogFilter;
use super::*;
use crate::engine::{Addr, Cause, Counters, Op, OpError, Proto, SockStats, SocketInfo};

fn at(i: usize) -> SystemTime {
    SystemTime::UNIX_EPOCH
        + Duration::from_secs(1_700_000_000)
        + Duration::from_micros(i as u64 * 7)
}

fn v4(port: u16) -> Addr {
    Addr::Ip(SocketAddr::from(([127, 0, 0, 1], port)))
}

fn ev(i: usize, kind: EventKind) -> Event {
    Event {
        at: at(i),
        socket: Some(SockId((i % 5) as u32 + 1)),
        cmd: i
            .is_multiple_of(3)
            .then(|| crate::engine::CmdId::from_raw(i as u64 + 1)),
        kind,
    }
}

/// A `status` of one listener, its bytes in counting `i`.
fn status(i: usize) -> EventKind {
    EventKind::Status(vec![SocketInfo {
        id: SockId(1),
        name: None,
        proto: Proto::Tcp,
        family: crate::engine::Family::V4,
        state: crate::engine::SockState::Listening,
        parent: None,
        local: Some(v4(80)),
        peer: None,
        counters: Counters {
            bytes_in: i as u64,
            ..Counters::default()
        },
        tcp_state: Some("LISTEN"),
        on_close: None,
        accept_queue: None,
        tls: None,
    }])
}

/// Counters of every kind.
fn stats() -> EventKind {
    EventKind::Stats(SockStats {
        counters: Counters {
            bytes_in: 1,
            bytes_out: 2,
            msgs_in: 3,
            msgs_out: 4,
        },
        secs: 0.5,
        rate_in: 2.0,
        rate_out: 4.5,
    })
}

/// A record of every shape the log meets (traffic, lifecycle, errors, a pinned `status`).
fn mixed(log: &mut SessionLog, i: usize) {
    let v6 = Addr::Ip(SocketAddr::V6(SocketAddrV6::new(
        Ipv6Addr::LOCALHOST,
        9,
        3,
        2,
    )));
    let data: Arc<[u8]> = format!("datagram {i}").into_bytes().into();
    let kind = match i % 16 {
        0 => {
            log.push_command_at(at(i), format!("send s1 \"{i}\""));
            return;
        }
        1 => EventKind::Sent {
            peer: Some(v6),
            data,
            reply: i % 2 == 1,
        },
        2 => EventKind::Message { peer: None, data },
        3 => EventKind::Accepted {
            listener: SockId(1),
            local: v4(80),
            peer: v4(40000),
            name: Some(Box::new(format!("conn{i}"))),
        },
        4 => EventKind::Failed(OpError::at(Op::Recv, &v4(1), Cause::Reset)),
        5 => EventKind::Failed(OpError::new(
            Op::Connect,
            Cause::Os {
                errno: 5,
                text: "weird".into(),
            },
        )),
        6 => EventKind::Closed,
        7 => EventKind::PeerClosed,
        8 => status(i),
        9 => stats(),
        10 => EventKind::Created {
            proto: Proto::Udp,
            family: crate::engine::Family::V6,
            name: Some("sink".into()),
        },
        11 => EventKind::Flooded {
            msgs: 10,
            bytes: 640,
        },
        12 => EventKind::Connected {
            local: Addr::Abstract("lab".into()),
            peer: Addr::Path("/tmp/x.sock".into()),
        },
        13 => EventKind::Failed(OpError::new(
            Op::Send,
            Cause::TimedOut(Duration::from_millis(5)),
        )),
        _ => EventKind::Received {
            peer: Some(v4(5000)),
            data,
            truncated_from: i.is_multiple_of(2).then_some(65536),
        },
    };
    log.push_event(ev(i, kind));
}

fn spilling_log(dir: &std::path::Path) -> SessionLog {
    let mut log = SessionLog::new();
    log.set_spill_dir(dir);
    log.set_record_window(CHUNK);
    log
}

#[test]
fn log_spills_past_its_window_and_pages_every_record_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = spilling_log(dir.path());
    let mut want = Vec::new();
    let n = 4 * CHUNK + 123;
    for i in 0..n {
        mixed(&mut log, i);
        want.push(format!("{:?}", log.last().expect("just pushed")));
    }
    assert_eq!(log.len(), n);
    // The window, and at most one chunk more, stays in memory.
    assert_eq!(log.in_memory(), CHUNK + 123);
    assert_eq!(log.spill().records, 3 * CHUNK as u64);
    assert!(log.spill().file_bytes > 0);
    assert_eq!((log.spill().lost, log.spill().error.clone()), (0, None));
    // Every record reads back the same, one by one (the view) and in order (filter, save).
    for (i, w) in want.iter().enumerate() {
        let got = log.get(i).map(|r| format!("{:?}", &*r));
        assert_eq!(got.as_deref(), Some(w.as_str()), "record {i}");
    }
    let all: Vec<String> = log.iter().map(|r| format!("{:?}", &*r)).collect();
    assert_eq!(all, want);
    let tail: Vec<String> = log
        .iter_range(CHUNK - 2..CHUNK + 2)
        .map(|r| format!("{:?}", &*r))
        .collect();
    assert_eq!(tail, want[CHUNK - 2..CHUNK + 2]);
    assert!(log.get(n).is_none());
    // A snapshot made after the spill still reads the spilled part.
    let snap = log.clone();
    for i in n..n + 2 * CHUNK {
        mixed(&mut log, i);
    }
    assert_eq!(log.spill().records, 5 * CHUNK as u64);
    let again: Vec<String> = snap.iter().map(|r| format!("{:?}", &*r)).collect();
    assert_eq!(
        again, want,
        "the snapshot reads its records while the log spills on"
    );
}

#[test]
fn log_filter_and_totals_see_spilled_records() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = spilling_log(dir.path());
    for i in 0..3 * CHUNK {
        mixed(&mut log, i);
    }
    assert!(log.spill().records > 0);
    let f = LogFilter {
        text: "datagram 17".into(),
        ..LogFilter::default()
    };
    // Record 17 spilled long ago; 170, 171, …, 1700+ share the prefix too.
    let hits = f.indices(&log);
    assert!(
        log.get(17).is_some_and(|r| matches!(r, Cow::Owned(_))),
        "17 spilled"
    );
    assert!(
        log.get(17010)
            .is_some_and(|r| matches!(r, Cow::Borrowed(_))),
        "17010 in memory"
    );
    assert!(hits.contains(&17) && hits.contains(&17010), "{hits:?}");
    let received = (0..3 * CHUNK).filter(|i| i % 16 >= 14).count() as u64;
    assert_eq!(log.totals().traffic.msgs_in, received);
}

#[test]
fn log_one_large_payload_is_the_one_left_out() {
    let mut log = SessionLog::new();
    log.set_payload_budget(1000);
    let sent = |n: usize| {
        ev(
            0,
            EventKind::Sent {
                peer: None,
                data: vec![1u8; n].into(),
                reply: false,
            },
        )
    };
    for _ in 0..5 {
        log.push_event(sent(100));
    }
    log.push_event(sent(2000)); // larger than the whole budget
    log.push_event(sent(600)); // larger than half of it
    log.push_event(sent(100));
    let kept: Vec<Option<usize>> = log
        .iter()
        .map(|r| match &*r {
            Record::Event(e) => e.payload().map(<[u8]>::len),
            Record::Command { .. } => None,
        })
        .collect();
    assert_eq!(
        kept,
        [
            Some(100),
            Some(100),
            Some(100),
            Some(100),
            Some(100),
            None,
            None,
            Some(100)
        ]
    );
    assert_eq!(
        log.evicted(),
        Eviction {
            records: 2,
            bytes: 2600
        }
    );
    assert_eq!(log.payload_bytes_held(), 600);
    let lens: Vec<Option<usize>> = log
        .iter()
        .map(|r| match &*r {
            Record::Event(e) => e.payload_len(),
            Record::Command { .. } => None,
        })
        .collect();
    assert_eq!(lens[5..7], [Some(2000), Some(600)]);
    assert_eq!(log.totals().traffic.bytes_out, 3200);
}

#[test]
fn log_spill_keeps_payloads_to_its_budget_then_lengths() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = spilling_log(dir.path());
    log.set_spill_payload_budget(16 * CHUNK as u64);
    for i in 0..4 * CHUNK {
        log.push_event(ev(
            i,
            EventKind::Received {
                peer: None,
                data: format!("{i:016}").into_bytes().into(),
                truncated_from: None,
            },
        ));
    }
    assert_eq!(log.spill().records, 2 * CHUNK as u64);
    assert_eq!(log.spill().payload_bytes, 16 * CHUNK as u64);
    assert_eq!(log.spill().payloads_left_out, CHUNK as u64);
    assert_eq!(
        log.evicted(),
        Eviction {
            records: CHUNK as u64,
            bytes: 16 * CHUNK as u64
        }
    );
    let payload_of = |i: usize| match log.get(i).as_deref() {
        Some(Record::Event(e)) => (e.payload().map(<[u8]>::to_vec), e.payload_len()),
        _ => (None, None),
    };
    assert_eq!(
        payload_of(3),
        (Some(b"0000000000000003".to_vec()), Some(16))
    );
    assert_eq!(payload_of(CHUNK + 3), (None, Some(16)));
    assert_eq!(
        payload_of(3 * CHUNK),
        (Some(format!("{:016}", 3 * CHUNK).into_bytes()), Some(16))
    );
    assert_eq!(log.payload_bytes_held(), 16 * (log.in_memory()));
}

#[test]
fn log_save_of_a_session_larger_than_memory_holds_every_record() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log = spilling_log(dir.path());
    let n = 3 * CHUNK + 7;
    for i in 0..n {
        mixed(&mut log, i);
    }
    assert!(log.in_memory() < n);
    for ext in ["jsonl", "csv", "txt"] {
        let path = dir.path().join(format!("all.{ext}"));
        let info = save::save(&log, &path).expect("saved");
        assert_eq!(info.records, n, "{ext}");
        if ext == "jsonl" {
            let rows = read::read_jsonl(&path).expect("read back");
            assert_eq!(rows.len(), n);
            assert_eq!(rows[14].payload.as_deref(), Some(&b"datagram 14"[..]));
            assert_eq!(rows[0].command.as_deref(), Some("send s1 \"0\""));
            assert_eq!(rows[3].event, "accepted");
        }
    }
}
