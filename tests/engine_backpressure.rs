//! A subscriber that stops taking events holds the engine back by bytes, not only by
//! events: what piles up for it stays near `QUEUED_BYTES_MAX`, the TCP peer is slowed by
//! flow control, and every byte still arrives once the subscriber catches up.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use common::{Rig, WAIT, connect};
use sockscope::engine::{EventKind, Family, Proto, QUEUED_BYTES_MAX, RECV_MAX};

/// What the peer sends: three times what may pile up.
const TOTAL: u64 = 3 * QUEUED_BYTES_MAX;

/// Bytes of `Received` events on `rx` so far (taken without blocking).
fn take(rx: &crossbeam_channel::Receiver<sockscope::engine::Event>) -> u64 {
    rx.try_iter()
        .map(|ev| match &ev.kind {
            EventKind::Received { data, .. } => data.len() as u64,
            _ => 0,
        })
        .sum()
}

#[test]
fn a_stalled_subscriber_holds_reads_back_by_bytes_and_loses_nothing() {
    let mut rig = Rig::new();
    let stalled = rig.engine.subscribe();
    let peer = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = peer.local_addr().expect("addr");
    let c = rig.socket(Proto::Tcp, Family::V4);
    rig.ok(connect(c, addr));
    let writer = thread::spawn(move || {
        let (mut s, _) = peer.accept().expect("accept");
        let chunk = vec![0x42u8; 1 << 20];
        for _ in 0..TOTAL / chunk.len() as u64 {
            s.write_all(&chunk).expect("the peer writes");
        }
    });

    // The rig's own subscription is drained; the other one takes nothing. The engine
    // stops reading once the stalled queue holds a little over the limit: past it, nothing
    // more comes for half a second.
    let mut got = 0u64;
    let mut last_change = Instant::now();
    let deadline = Instant::now() + WAIT * 4;
    while (got <= QUEUED_BYTES_MAX || last_change.elapsed() < Duration::from_millis(500))
        && Instant::now() < deadline
    {
        let n = take(&rig.rx);
        if n > 0 {
            got += n;
            last_change = Instant::now();
        }
        thread::sleep(Duration::from_millis(10));
    }
    assert!(
        got > QUEUED_BYTES_MAX && got <= QUEUED_BYTES_MAX + RECV_MAX as u64,
        "the engine read {got} bytes for a subscriber that took none (limit {QUEUED_BYTES_MAX})"
    );

    // Once the stalled subscriber takes its queue, reading resumes to the last byte.
    let mut stalled_got = 0u64;
    let deadline = Instant::now() + WAIT * 4;
    while (got < TOTAL || stalled_got < TOTAL) && Instant::now() < deadline {
        stalled_got += take(&stalled);
        got += take(&rig.rx);
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(
        (got, stalled_got),
        (TOTAL, TOTAL),
        "every byte reaches both"
    );
    writer.join().expect("writer");
}
