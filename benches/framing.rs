//! Receive framing under floods and hostile peers: cutting a stream of short lines into
//! messages, and holding a stream that never sends its delimiter, against the least work
//! the same cut can take (`<[u8]>::split` over the whole input, copying each line out).
//!
//! Also measured: the splitter design it replaced (drain the buffer after every message,
//! search the whole buffer again for every chunk), on a smaller input, for the ratio.

mod common;

use std::hint::black_box;
use std::time::Instant;

use common::Section;
use sockscope::engine::{FrameSplitter, Framed, Framing, MAX_FRAME};

/// Bytes per `recv`, as the engine reads a bulk stream.
const CHUNK: usize = 64 << 10;

/// `n` bytes of 16-byte lines (`line 0000001234\n`).
fn lines(n: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(n + 16);
    let mut i = 0u64;
    while v.len() < n {
        v.extend_from_slice(format!("line {i:010}\n").as_bytes());
        i += 1;
    }
    v.truncate(n - n % 16);
    v
}

/// Seconds to feed `input` in `CHUNK`s; returns (seconds, messages).
fn ours(input: &[u8], framing: Framing) -> (f64, usize) {
    let mut d = FrameSplitter::new(framing);
    let t = Instant::now();
    let mut n = 0;
    for c in input.chunks(CHUNK) {
        n += d
            .feed(c)
            .into_iter()
            .filter(|f| matches!(f, Framed::Message(_)))
            .count();
    }
    black_box(d.pending());
    (t.elapsed().as_secs_f64(), n)
}

/// The least work: split the whole input at once and copy each line out.
fn reference(input: &[u8]) -> (f64, usize) {
    let t = Instant::now();
    let v: Vec<Vec<u8>> = input.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let n = v.len().saturating_sub(1);
    black_box(v);
    (t.elapsed().as_secs_f64(), n)
}

/// The splitter design that was replaced: rest of the buffer moved after every message,
/// whole buffer searched again for every chunk.
fn naive(input: &[u8]) -> (f64, usize) {
    let t = Instant::now();
    let mut buf: Vec<u8> = Vec::new();
    let mut n = 0;
    for c in input.chunks(CHUNK) {
        buf.extend_from_slice(c);
        while let Some(at) = buf.iter().position(|&b| b == b'\n') {
            black_box(buf[..at].to_vec());
            buf.drain(..=at);
            n += 1;
        }
    }
    (t.elapsed().as_secs_f64(), n)
}

fn best(runs: usize, mut f: impl FnMut() -> (f64, usize)) -> (f64, usize) {
    (0..runs)
        .map(|_| f())
        .fold((f64::MAX, 0), |a, b| if b.0 < a.0 { b } else { a })
}

fn mib_s(bytes: usize, secs: f64) -> String {
    format!("{:.0} MiB/s", bytes as f64 / secs / (1 << 20) as f64)
}

fn main() {
    let bench = common::bench_mode();
    let size: usize = if bench { 64 << 20 } else { 4 << 20 };
    let naive_size: usize = if bench { 4 << 20 } else { 256 << 10 };
    let runs = common::reps(5);
    let input = lines(size);
    let small = lines(naive_size);
    let delim = || Framing::Delimited(b"\n".to_vec());

    let (t_ours, n_ours) = best(runs, || ours(&input, delim()));
    let (t_ref, n_ref) = best(runs, || reference(&input));
    assert_eq!(n_ours, n_ref, "every line comes out");
    let (t_small, n_small) = best(runs, || ours(&small, delim()));
    let (t_naive, n_naive) = best(runs.min(3), || naive(&small));
    assert_eq!(n_small, n_naive);
    // A peer that never sends the delimiter: MAX_FRAME bytes held, then the stream breaks.
    let hostile = vec![b'x'; MAX_FRAME + CHUNK];
    let (t_hostile, _) = best(runs, || ours(&hostile, delim()));
    let (t_hostile_ref, _) = best(runs, || {
        let t = Instant::now();
        black_box(hostile.iter().position(|&b| b == b'\n'));
        (t.elapsed().as_secs_f64(), 0)
    });

    let mut s = Section::new(
        "framing",
        "7. Receive framing: floods of short lines, hostile peers",
    );
    s.row(
        format!(
            "{} MiB of 16-byte lines in 64 KiB chunks, `frame ID delim \"\\n\"`",
            size >> 20
        ),
        mib_s(size, t_ours),
        format!(
            "{} (`split` over the whole input, lines copied out)",
            mib_s(size, t_ref)
        ),
        Some(t_ours / t_ref),
        "–",
        None,
    );
    s.row(
        format!(
            "{} MiB of 16-byte lines: the replaced design (drain after each message)",
            naive_size >> 20
        ),
        mib_s(naive_size, t_naive),
        format!("{} (this splitter, same input)", mib_s(naive_size, t_small)),
        Some(t_naive / t_small),
        "–",
        None,
    );
    s.row(
        format!(
            "no delimiter from the peer: {} MiB held, then the stream is declared broken",
            MAX_FRAME >> 20
        ),
        mib_s(hostile.len(), t_hostile),
        format!(
            "{} (one scan of the same bytes for the delimiter)",
            mib_s(hostile.len(), t_hostile_ref)
        ),
        Some(t_hostile / t_hostile_ref),
        format!("memory ≤ {} MiB", MAX_FRAME >> 20),
        Some(true),
    );
    s.note(format!(
        "best of {runs} runs each (the replaced design: best of {}); one thread, no sockets: `FrameSplitter::feed` as the engine calls it for each `recv`",
        runs.min(3)
    ));
    s.note("the replaced design's cost grows with the square of the lines a chunk holds: it moved the rest of its buffer after every message and searched the whole buffer again for every chunk");
    s.finish();
}
