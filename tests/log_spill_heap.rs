//! The session log spills without churning the heap (issue 19 item 6, the soak's RSS steps):
//! once it runs at its record window, spilling a chunk and starting the next one reuses the
//! buffers of the chunk before instead of allocating about a megabyte afresh for each. Those
//! large blocks, freed and taken again 12 times a second at 100 k datagrams/s between the
//! small payloads, fragmented glibc's heap and made the soak's RSS rise in steps.
//!
//! A counting global allocator counts the allocations of 64 KiB or more (the records of a
//! chunk take 8,192 × 120 B, its spilled bytes about 300 KiB) made while the log spills.
//!
//! And the pages that spilled payloads leave free are given back: glibc keeps free pages
//! between live allocations resident for ever, so the soak's RSS crept up in steps while
//! the bytes in use stayed flat. A child process fills the log with 2 KiB payloads made on
//! another thread (as the engine's are), keeps one in 256 alive (so the holes cannot join
//! the top of the heap and be trimmed by glibc itself), spills them all with small records,
//! and compares its RSS with the bytes glibc says are in use.

use std::alloc::{GlobalAlloc, Layout, System};
mod common;
mod log_rig;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::proc::rerun_self;
use log_rig::memory::{datagram, figures_after, local_peer, received_at, rss_kib, spilling_log};
use sockscope::engine::Event;
use sockscope::log::CHUNK;

/// Counts allocations (and growths) of at least [`LARGE`] bytes, passing everything to the
/// system allocator.
struct Counting;

const LARGE: usize = 64 * 1024;

static LARGE_ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to `System`.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= LARGE {
            LARGE_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= LARGE {
            LARGE_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn log_spilling_reuses_its_chunk_buffers() {
    let dir = tempfile::tempdir().expect("spill folder");
    let peer = local_peer();
    let mut log = spilling_log(dir.path(), 2 * CHUNK);
    // Warm up: fill the window and spill a few chunks (the first spill opens the file and
    // sizes the reused buffers).
    let mut i = 0;
    while log.spill().records < 4 * CHUNK as u64 {
        log.push_event(datagram(i, &peer));
        i += 1;
    }
    let spilled = log.spill().records;
    let before = LARGE_ALLOCS.load(Ordering::Relaxed);
    for _ in 0..40 * CHUNK {
        log.push_event(datagram(i, &peer));
        i += 1;
    }
    let large = LARGE_ALLOCS.load(Ordering::Relaxed) - before;
    let chunks = (log.spill().records - spilled) / CHUNK as u64;
    assert_eq!(chunks, 40, "{:?}", log.spill());
    assert_eq!(log.spill().lost, 0, "{:?}", log.spill());
    // Before the fix: three a chunk (its records, its spilled bytes and their growth).
    assert!(
        large <= 2,
        "{large} allocations of 64 KiB or more while {chunks} chunks spilled"
    );
    // Every record still reads back, the spilled ones from the file.
    assert_eq!(log.iter().count(), i);
}

const CHILD: &str = "SOCKSCOPE_SPILL_HEAP_CHILD";

/// KiB resident beyond what glibc says live allocations use.
fn excess_kib() -> i64 {
    // SAFETY: mallinfo2 only reads the allocator's statistics.
    let m = unsafe { libc::mallinfo2() };
    rss_kib() as i64 - ((m.uordblks + m.hblkhd) / 1024) as i64
}

/// The child's part: prints `excess BEFORE AFTER` (KiB).
fn spill_big_then_small() {
    let dir = tempfile::tempdir().expect("spill folder");
    let peer = local_peer();
    let mut log = spilling_log(dir.path(), 2 * CHUNK);
    let before = excess_kib();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Event>(1024);
    let producer = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for i in 0..46 * CHUNK {
            let size = if i < 6 * CHUNK { 2048 } else { 16 };
            let data: Arc<[u8]> = Arc::from(vec![(i % 251) as u8; size]);
            if size > 16 && i % 256 == 0 {
                kept.push(data.clone());
            }
            if tx.send(received_at(1, &peer, data)).is_err() {
                break;
            }
        }
        kept
    });
    for ev in rx {
        log.push_event(ev);
    }
    let kept = producer.join().expect("producer");
    assert_eq!(log.spill().lost, 0, "{:?}", log.spill());
    println!("excess {before} {} ({} kept)", excess_kib(), kept.len());
}

#[test]
fn log_spill_gives_freed_payload_pages_back() {
    if std::env::var_os(CHILD).is_some() {
        spill_big_then_small();
        return;
    }
    let text = rerun_self(
        "log_spill_gives_freed_payload_pages_back",
        &[(CHILD, "1".as_ref())],
    );
    let nums = figures_after(&text, "excess ");
    let [before, after] = nums[..] else {
        panic!("no figures in: {text}");
    };
    // About 48 MiB of payloads were freed in holes; without giving them back they stay
    // resident.
    println!("resident beyond the heap in use: {before} KiB before, {after} KiB after");
    assert!(
        after - before < 16 * 1024,
        "{} MiB resident beyond the heap in use after the spill ({before} KiB before)",
        (after - before) / 1024
    );
}
