//! Buffered standard output for `sockscope run`: event lines are gathered in a 64 KiB
//! buffer and written in large pieces (one `write` for hundreds of lines under a flood),
//! flushed whenever the event pump has nothing more to take in, and as the run ends.

use std::io::{BufWriter, Stdout, Write};
use std::sync::{Mutex, MutexGuard};

/// The buffer's size.
const BUFFER: usize = 64 << 10;

static OUT: Mutex<Option<BufWriter<Stdout>>> = Mutex::new(None);

fn out() -> MutexGuard<'static, Option<BufWriter<Stdout>>> {
    OUT.lock().unwrap_or_else(|p| p.into_inner())
}

/// Adds a line to the buffer (ignoring a closed pipe).
pub(crate) fn buffered_line(line: &str) {
    let mut guard = out();
    let w = guard.get_or_insert_with(|| BufWriter::with_capacity(BUFFER, std::io::stdout()));
    let _ = writeln!(w, "{line}");
}

/// Writes out what the buffer holds.
pub(crate) fn flush_out() {
    if let Some(w) = out().as_mut() {
        let _ = w.flush();
    }
}
