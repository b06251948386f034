//! The text log's lines: time since the start, socket, and what happened.

use std::io::{self, Write};

use crate::log::format::{self, EVICTED_NOTE};
use crate::log::row::{Direction, Row};

/// The row as one line of the text log, without a newline.
pub fn line(row: &Row) -> String {
    format!("{:>11.6} {:<6} {}", row.t, row.label(), what(row))
}

/// Writes the row's line and the lines under it (a `status`'s sockets, indented).
pub fn write(w: &mut dyn Write, row: &Row) -> io::Result<()> {
    writeln!(w, "{}", line(row))?;
    for d in &row.details {
        writeln!(w, "    {d}")?;
    }
    Ok(())
}

/// What the line says: the command, the summary, else (a row read back without one) the
/// payload, the error or the event's name.
fn what(row: &Row) -> String {
    if let Some(c) = &row.command {
        return format!("> {c}");
    }
    if let Some(s) = &row.summary {
        return s.clone();
    }
    if let Some(n) = row.len {
        let dir = if row.direction == Direction::Sent {
            "to"
        } else {
            "from"
        };
        let shown = match &row.payload {
            Some(p) => format::show_bytes(p, usize::MAX),
            None => EVICTED_NOTE.to_string(),
        };
        let peer = row.peer.as_deref().unwrap_or("?");
        return format!(
            "{} {} {dir} {peer}: {shown}",
            row.event,
            format::plural(n as u64, "byte")
        );
    }
    match &row.error {
        Some(e) => format!("error: {e}"),
        None => row.event.clone(),
    }
}
