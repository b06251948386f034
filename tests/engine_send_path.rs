//! The write path against a slow reader: whatever the counters say was sent is exactly what
//! the peer reads, for `flood`, `repeat`, `chunked` and `file:` sends alike (short writes
//! carry the rest of a message, they never drop it).

mod common;

use std::time::{Duration, Instant};

use common::Rig;
use common::slow_peer::SlowPeer;
use sockscope::engine::{
    Command, EventKind, Family, FloodLimit, OptValue, Payload, Proto, SockId, SockOpt,
};

/// Connects a TCP socket to a fresh slow reader.
fn to_slow_peer(rig: &mut Rig) -> (SockId, SlowPeer) {
    let peer = SlowPeer::start(0);
    let c = rig.socket(Proto::Tcp, Family::V4);
    rig.ok(common::connect(c, peer.addr));
    (c, peer)
}

/// Waits (up to `limit`) for the event `pred` picks on `sock`.
fn wait_for(rig: &mut Rig, sock: SockId, limit: Duration, pred: impl Fn(&EventKind) -> bool) {
    let what = format!("{sock}: the awaited event did not come");
    rig.follow(limit, &what, |ev| ev.socket == Some(sock) && pred(&ev.kind));
}

/// Closes `c` once its queue is written, and checks its counters against the peer's count.
fn counters_match_the_wire(rig: &mut Rig, c: SockId, peer: SlowPeer, want: u64) {
    let ev = rig.ok(Command::Stats { sock: c.into() });
    let EventKind::Stats(st) = ev.kind else {
        panic!("{:?}", ev.kind)
    };
    rig.ok(Command::Close { sock: c.into() });
    let got = peer.total();
    assert_eq!(st.counters.bytes_out, want, "the counters");
    assert_eq!(got, want, "the bytes on the wire");
}

/// Floods `count` messages of `size` bytes from a socket with a small send buffer (short
/// writes are then the rule, not the exception) to a slow reader.
fn flood_a_slow_reader(size: usize, count: u64) {
    let mut rig = Rig::new();
    let (c, peer) = to_slow_peer(&mut rig);
    rig.ok(Command::SetOption {
        sock: c.into(),
        opt: SockOpt::SndBuf,
        value: Some(OptValue::Num(4096)),
    });
    rig.ok(Command::Flood {
        sock: c.into(),
        size,
        rate: None,
        limit: FloodLimit::Count(count),
        to: None,
    });
    let mut flooded = 0u64;
    let limit = Duration::from_secs(120);
    rig.follow(limit, "the flood did not finish", |ev| match ev.kind {
        EventKind::Flooded { bytes, .. } => {
            flooded += bytes;
            false
        }
        EventKind::RepeatDone { sent } => {
            assert_eq!(sent, count);
            true
        }
        _ => false,
    });
    let want = size as u64 * count;
    assert_eq!(flooded, want, "the progress reports");
    counters_match_the_wire(&mut rig, c, peer, want);
}

#[test]
fn a_tcp_flood_of_small_sends_to_a_slow_reader_delivers_every_counted_byte() {
    flood_a_slow_reader(1000, 2000);
}

#[test]
fn a_tcp_flood_of_large_sends_to_a_slow_reader_delivers_every_counted_byte() {
    flood_a_slow_reader(65_000, 40);
}

#[test]
fn repeat_chunked_and_file_sends_to_a_slow_reader_arrive_whole() {
    let mut rig = Rig::new();
    let (c, peer) = to_slow_peer(&mut rig);
    let block: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    rig.ok(Command::Repeat {
        sock: c.into(),
        count: Some(20),
        every: Duration::from_millis(1),
        payload: Payload::bytes(block.clone()),
        to: None,
    });
    wait_for(&mut rig, c, Duration::from_secs(60), |k| {
        matches!(k, EventKind::RepeatDone { .. })
    });
    rig.ok(Command::Chunked {
        sock: c.into(),
        size: 70_000,
        delay: Duration::from_millis(1),
        payload: Payload::bytes(vec![7u8; 700_000]),
    });
    wait_for(&mut rig, c, Duration::from_secs(60), |k| {
        matches!(k, EventKind::RepeatDone { .. })
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.bin");
    std::fs::write(&path, vec![9u8; 3_000_000]).expect("write the file");
    let id = rig.engine.submit(Command::Send {
        sock: c.into(),
        payload: Payload::File(path),
    });
    let ev = rig.outcome(id);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut ev = ev;
    while ev.is_none() && Instant::now() < deadline {
        ev = rig.outcome(id);
    }
    match ev.map(|e| e.kind) {
        // A file goes out in chunks; the last one's Sent answers the command.
        Some(EventKind::Sent { data, .. }) => assert!(data.len() <= 3_000_000),
        other => panic!("{other:?}"),
    }
    counters_match_the_wire(&mut rig, c, peer, 20 * 50_000 + 700_000 + 3_000_000);
}
