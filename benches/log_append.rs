//! The session log at a million entries: time to append 1,000,000 events to a `SessionLog`
//! and the heap bytes each entry holds without its payload, against the same events pushed
//! into a plain `Vec<Event>`.
//!
//! Heap bytes are counted by a `#[global_allocator]` wrapper around `System` (bytes asked
//! for, live); the process's RSS delta is shown too, which adds malloc's own overhead.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use common::Section;
use sockscope::engine::{Addr, Event, EventKind, SockId};
use sockscope::log::SessionLog;

/// Counts the bytes currently allocated.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// `n` events as a busy socket produces them: `Received` from one peer, with either one
/// shared empty payload (`payload == 0`: the entry's own cost) or a fresh payload each.
fn events(n: usize, payload: usize) -> Vec<Event> {
    let peer = Addr::Ip(SocketAddr::from((Ipv4Addr::LOCALHOST, 40_000)));
    let empty: Arc<[u8]> = Arc::from(&[][..]);
    let base = SystemTime::now();
    (0..n)
        .map(|i| Event {
            at: base + Duration::from_micros(i as u64),
            socket: Some(SockId(1 + (i % 4) as u32)),
            cmd: None,
            kind: EventKind::Received {
                peer: Some(peer.clone()),
                data: if payload == 0 {
                    empty.clone()
                } else {
                    vec![0x5a; payload].into()
                },
                truncated_from: None,
            },
        })
        .collect()
}

/// One fill of a container: seconds taken and heap bytes held afterwards.
#[derive(Clone, Copy)]
struct Fill {
    secs: f64,
    heap: f64,
    rss_kib: f64,
}

/// Moves `n` prepared events into a container built by `fill`; measures the time of the moves
/// and the heap the container holds (the events' own heap moves with them).
fn measure<C>(n: usize, payload: usize, fill: impl Fn(Vec<Event>) -> C) -> (Fill, C) {
    let before = live();
    let rss_before = common::rss_kib();
    let evs = events(n, payload);
    let start = Instant::now();
    let c = black_box(fill(evs));
    let secs = start.elapsed().as_secs_f64();
    // `fill` consumed the Vec: its buffer is freed, the events' heap now belongs to `c`.
    let heap = (live() - before) as f64;
    let rss = common::rss_kib() as f64 - rss_before as f64;
    (
        Fill {
            secs,
            heap,
            rss_kib: rss,
        },
        c,
    )
}

fn into_log(evs: Vec<Event>) -> SessionLog {
    let mut log = SessionLog::new();
    for ev in evs {
        log.push_event(ev);
    }
    log
}

fn into_vec(evs: Vec<Event>) -> Vec<Event> {
    let mut v = Vec::new();
    for ev in evs {
        v.push(ev);
    }
    v
}

fn main() {
    let bench = common::bench_mode();
    let n = if bench { 1_000_000 } else { 10_000 };
    let reps = common::reps(5);
    let (mut log_t, mut vec_t) = (Vec::new(), Vec::new());
    let (mut log_fill, mut vec_fill) = (None, None);
    for _ in 0..reps {
        let (f, log) = measure(n, 0, into_log);
        assert_eq!(log.len(), n);
        log_t.push(f.secs);
        log_fill = Some(f);
        drop(log);
        let (f, v) = measure(n, 0, into_vec);
        vec_t.push(f.secs);
        vec_fill = Some(f);
        drop(v);
    }
    let (log_p, log) = measure(n, 64, into_log);
    drop(log);
    let (vec_p, v) = measure(n, 64, into_vec);
    drop(v);

    let log_t = common::median(&mut log_t);
    let vec_t = common::median(&mut vec_t);
    let log_fill = log_fill.expect("ran");
    let vec_fill = vec_fill.expect("ran");
    let nf = n as f64;
    let per = |f: &Fill| f.heap / nf;
    let per_payload = |f: &Fill| f.heap / nf - 64.0;

    let mut s = Section::new("log_append", "4. Session log: a million entries");
    s.row(
        format!("append {n} events (moves only)"),
        format!("{:.3} s", log_t),
        format!("{:.3} s (Vec<Event>::push)", vec_t),
        Some(log_t / vec_t),
        "≤ 1 s",
        Some(log_t <= 1.0),
    );
    s.row(
        "heap per entry, no payload (counting allocator)",
        format!("{:.0} B", per(&log_fill)),
        format!("{:.0} B (Vec<Event>)", per(&vec_fill)),
        Some(per(&log_fill) / per(&vec_fill)),
        "≤ 128 B",
        Some(per(&log_fill) <= 128.0),
    );
    s.row(
        "heap per entry with a 64-byte payload, minus the 64 bytes",
        format!("{:.0} B", per_payload(&log_p)),
        format!("{:.0} B (Vec<Event>)", per_payload(&vec_p)),
        Some(per_payload(&log_p) / per_payload(&vec_p)),
        "–",
        None,
    );
    s.row(
        "RSS per entry, no payload (includes malloc overhead)",
        format!("{:.0} B", log_fill.rss_kib * 1024.0 / nf),
        format!("{:.0} B (Vec<Event>)", vec_fill.rss_kib * 1024.0 / nf),
        None,
        "–",
        None,
    );
    s.note(format!(
        "events: `Received` from one peer address, socket ids s1–s4, with one shared empty payload \
         (an `Arc<[u8]>` cloned) or a fresh 64-byte payload each; prepared before the clock starts, \
         then moved in one by one; time = median of {reps} runs"
    ));
    s.note(format!(
        "sizes: `Event` {} B, `sockscope::log::Record` {} B (the log's element, stored inline in its `Vec`), \
         `EventKind` {} B, `Addr` {} B; a `Vec` grown by doubling holds {} slots for {n} entries",
        std::mem::size_of::<Event>(),
        std::mem::size_of::<sockscope::log::Record>(),
        std::mem::size_of::<EventKind>(),
        std::mem::size_of::<Addr>(),
        n.next_power_of_two(),
    ));
    s.finish();
}
