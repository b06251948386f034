//! Engine tests for the datagram sink at the kernel's limit: a new datagram socket gets a
//! large receive buffer (and says so in its options), a burst the engine could not read at
//! once survives in it and is counted whole, and a flood with `sendmmsg` stops at its count.

mod common;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::Rig;
use sockscope::engine::{Command, EventKind, FloodLimit, Setting, SockOpt};

/// What the kernel sets for a 4 MiB request: twice the request, capped at `rmem_max`.
fn expected_rcvbuf() -> u64 {
    let max: u64 = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(u64::MAX);
    2 * (4u64 << 20).min(max)
}

#[test]
fn a_new_udp_socket_shows_the_sinks_receive_buffer_in_its_options() {
    let mut rig = Rig::new();
    let sink = rig.udp();
    let ev = rig
        .wait(|e| {
            e.socket == Some(sink)
                && matches!(
                    &e.kind,
                    EventKind::Set(Setting::Option {
                        opt: SockOpt::RcvBuf,
                        ..
                    })
                )
        })
        .expect("the socket's rcvbuf is reported");
    let EventKind::Set(Setting::Option { value, .. }) = ev.kind else {
        unreachable!()
    };
    assert_eq!(value.parse::<u64>().ok(), Some(expected_rcvbuf()));
    // The user's own choice afterwards wins.
    let set = rig.ok(Command::SetOption {
        sock: sink.into(),
        opt: SockOpt::RcvBuf,
        value: Some(sockscope::engine::OptValue::Num(8192)),
    });
    assert!(
        matches!(&set.kind, EventKind::Set(Setting::Option { value, .. }) if value == "16384"),
        "{set:?}"
    );
}

/// Counts the `Received` events of `sock` until `want` or the deadline.
fn count_received(rig: &mut Rig, sock: sockscope::engine::SockId, want: u64) -> u64 {
    let mut got = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while got < want && Instant::now() < deadline {
        let Ok(ev) = rig.rx.recv_timeout(Duration::from_secs(5)) else {
            break;
        };
        if ev.socket == Some(sock) && matches!(ev.kind, EventKind::Received { .. }) {
            got += 1;
        }
    }
    got
}

#[test]
fn a_burst_the_engine_did_not_read_yet_waits_whole_in_the_sinks_buffer() {
    // Step mode stands for an engine thread that is not scheduled: nothing is read while
    // the burst arrives. 3,000 datagrams of 64 bytes take ~2.3 MiB of receive buffer on
    // loopback (each costs its sk_buff, ~768 bytes); the default 208 KiB holds ~270.
    const BURST: u64 = 3_000;
    let mut rig = Rig::new();
    let (sink, addr) = rig.bound_udp();
    rig.ok(Command::RecvMode {
        sock: sink.into(),
        manual: true,
    });
    let tx = UdpSocket::bind("127.0.0.1:0").expect("bind");
    for _ in 0..BURST {
        tx.send_to(&[0x5a; 64], addr).expect("send");
    }
    rig.ok(Command::RecvMode {
        sock: sink.into(),
        manual: false,
    });
    assert_eq!(count_received(&mut rig, sink, BURST), BURST);
}

#[test]
fn an_unpaced_udp_flood_of_a_count_sends_exactly_that_many() {
    // 1,001 is not a multiple of the 64 copies one sendmmsg sends.
    const COUNT: u64 = 1_001;
    let mut rig = Rig::new();
    let (sink, addr) = rig.bound_udp();
    let src = rig.udp();
    rig.ok(Command::Flood {
        sock: src.into(),
        size: 100,
        rate: None,
        limit: FloodLimit::Count(COUNT),
        to: Some(addr.into()),
    });
    let waits = (Duration::from_secs(60), Duration::from_secs(5));
    let seen = rig.watch_flood((src, sink), (100, COUNT), waits);
    assert_eq!(seen.done, Some(COUNT));
    assert_eq!(seen.received, COUNT);
    let stats = rig.ok(Command::Stats { sock: src.into() });
    let EventKind::Stats(st) = stats.kind else {
        panic!("stats: {stats:?}")
    };
    assert_eq!(
        (st.counters.msgs_out, st.counters.bytes_out),
        (COUNT, COUNT * 100)
    );
}
