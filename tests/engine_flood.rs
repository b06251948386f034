//! Engine tests for the traffic generator and sink: every datagram the kernel delivers is
//! counted, a TCP flood's bytes all arrive, and `stats` reports counters and rates.

mod common;

use std::time::{Duration, Instant};

use common::Rig;
use sockscope::engine::{Command, EventKind, FloodLimit, Payload, SockId};

/// Two bound UDP sockets, a sink and a source, and a flood of 64-byte datagrams from the
/// source to the sink at `rate` until `limit`, started: (sink, source).
fn udp_flood(rig: &mut Rig, rate: Option<u64>, limit: FloodLimit) -> (SockId, SockId) {
    let [(sink, sink_addr), (src, _)] = rig.bound_udps();
    rig.ok(Command::Flood {
        sock: src.into(),
        size: 64,
        rate,
        limit,
        to: Some(sink_addr.into()),
    });
    (sink, src)
}

#[test]
fn a_paced_udp_flood_is_counted_exactly_by_the_sink() {
    let mut rig = Rig::new();
    let (sink, src) = udp_flood(&mut rig, Some(10_000), FloodLimit::Count(3_000));
    let waits = (Duration::from_secs(20), Duration::from_secs(2));
    let seen = rig.watch_flood((src, sink), (64, 3_000), waits);
    assert_eq!(seen.done, Some(3_000), "the flood ended");
    assert_eq!(seen.flooded, 3_000, "progress reports add up to the sends");
    assert_eq!(
        seen.received, 3_000,
        "every datagram sent at a rate the kernel keeps up with is counted"
    );
}

/// An unpaced flood re-arms its timer for "now"; a UDP flood never blocks on loopback, so
/// the engine once spun on that timer for ever: the time limit never came (its clock was
/// frozen), the sink was never read and no command was answered.
#[test]
fn an_unpaced_udp_flood_for_a_time_ends_and_the_engine_keeps_serving() {
    let mut rig = Rig::new();
    let limit = FloodLimit::Time(Duration::from_millis(300));
    let (sink, src) = udp_flood(&mut rig, None, limit);
    let (mut received, mut done) = (0u64, false);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done && Instant::now() < deadline {
        let Ok(ev) = rig.rx.recv_timeout(Duration::from_millis(500)) else {
            continue;
        };
        match ev.kind {
            EventKind::Received { .. } if ev.socket == Some(sink) => received += 1,
            EventKind::RepeatDone { .. } if ev.socket == Some(src) => done = true,
            EventKind::Failed(e) => panic!("{e}"),
            _ => {}
        }
    }
    assert!(done, "a 300 ms flood ends (20 s allowed)");
    assert!(received > 0, "the sink was read while the flood ran");
    // The engine still answers a command.
    rig.bound_udp();
}

#[test]
fn a_tcp_flood_arrives_whole_and_stats_report_rates() {
    let (mut rig, c, srv) = Rig::pair();
    rig.ok(Command::Flood {
        sock: c.into(),
        size: 16_384,
        rate: None,
        limit: FloodLimit::Time(Duration::from_millis(300)),
        to: None,
    });
    let mut sent_bytes = 0u64;
    let mut got = 0u64;
    let mut done = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let Ok(ev) = rig.rx.recv_timeout(Duration::from_secs(2)) else {
            break;
        };
        match ev.kind {
            EventKind::Received { data, .. } if ev.socket == Some(srv) => got += data.len() as u64,
            EventKind::Flooded { bytes, .. } => sent_bytes += bytes,
            EventKind::RepeatDone { .. } => done = true,
            EventKind::Failed(e) => panic!("{e}"),
            _ => {}
        }
        if done && got == sent_bytes {
            break;
        }
    }
    assert!(done);
    assert!(
        sent_bytes > 1 << 20,
        "a loopback flood moves more than a MiB in 300 ms ({sent_bytes})"
    );
    assert_eq!(got, sent_bytes, "every byte sent arrived and was counted");
    let ev = rig.ok(Command::Stats { sock: srv.into() });
    let EventKind::Stats(st) = ev.kind else {
        panic!("{:?}", ev.kind)
    };
    assert_eq!(st.counters.bytes_in, got);
    assert!(st.rate_in > 0.0 && st.secs > 0.0);
    let ev = rig.ok(Command::Stats { sock: srv.into() });
    let EventKind::Stats(st) = ev.kind else {
        panic!()
    };
    assert_eq!(
        st.rate_in, 0.0,
        "rates cover the time since the previous stats"
    );
}

#[test]
fn flood_input_is_checked() {
    // One datagram or message of `size` bytes, to the socket's peer.
    let flood = |sock: SockId, size| Command::Flood {
        sock: sock.into(),
        size,
        rate: None,
        limit: FloodLimit::Count(1),
        to: None,
    };
    let mut rig = Rig::new();
    let u = rig.udp();
    rig.refused("no fixed peer", flood(u, 10));
    let (_l, c, _s) = rig.tcp_pair();
    rig.refused("1 to 65536", flood(c, 0));
}

#[test]
fn flood_and_repeat_bind_an_unbound_udp_socket_first_as_sendto_does() {
    let mut rig = Rig::new();
    let (sink, sink_addr) = rig.bound_udp();
    for n in 0..2 {
        let u = rig.udp();
        let cmd = if n == 0 {
            Command::Flood {
                sock: u.into(),
                size: 8,
                rate: None,
                limit: FloodLimit::Count(3),
                to: Some(sink_addr.into()),
            }
        } else {
            Command::Repeat {
                sock: u.into(),
                count: Some(3),
                every: Duration::from_millis(1),
                payload: Payload::bytes(&b"repeated"[..]),
                to: Some(sink_addr.into()),
            }
        };
        rig.ok(cmd);
        let port = rig
            .seen
            .iter()
            .find_map(|e| match &e.kind {
                EventKind::Bound {
                    local,
                    implicit: true,
                } if e.socket == Some(u) => local.ip().map(|a| a.port()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("case {n}: {u} reported no implicit bind"));
        assert_ne!(port, 0);
        for got in 0..3 {
            let ev = rig
                .wait(|e| e.socket == Some(sink) && matches!(e.kind, EventKind::Received { .. }))
                .unwrap_or_else(|| panic!("case {n}: the sink got {got} of 3 datagrams"));
            if let EventKind::Received { peer, .. } = ev.kind {
                let from = peer.and_then(|p| p.ip()).map(|a| a.port());
                assert_eq!(from, Some(port), "case {n}: from the port reported");
            }
        }
    }
}

#[test]
fn flood_and_chunked_errors_name_their_own_command() {
    let (mut rig, c, _s) = Rig::pair();
    let e = rig.err(Command::Flood {
        sock: c.into(),
        size: 0,
        rate: None,
        limit: FloodLimit::Count(1),
        to: None,
    });
    assert!(e.to_string().starts_with("flood"), "{e}");
    let e = rig.err(Command::Chunked {
        sock: c.into(),
        size: 0,
        delay: Duration::from_millis(1),
        payload: Payload::bytes(&b"x"[..]),
    });
    assert!(e.to_string().starts_with("chunked"), "{e}");
    let u = rig.udp();
    let e = rig.err(Command::Flood {
        sock: u.into(),
        size: 10,
        rate: None,
        limit: FloodLimit::Count(1),
        to: None,
    });
    assert!(e.to_string().starts_with("flood"), "{e}");
}
