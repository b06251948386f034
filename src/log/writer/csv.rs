//! The CSV table (RFC 4180, CRLF line ends), written with the `csv` crate: a header of
//! [`CSV_COLUMNS`] and one record a row.

use std::io::{self, Write};

use crate::log::format;
use crate::log::read::CSV_COLUMNS;
use crate::log::row::Row;

/// A CSV table being written: `,` between fields, `"` quotes where a field needs them,
/// CRLF after each record.
pub struct Table<W: Write>(::csv::Writer<W>);

impl<W: Write> Table<W> {
    /// A table written to `w` (buffered; [`Table::finish`] flushes it).
    pub fn new(w: W) -> Table<W> {
        Table(
            ::csv::WriterBuilder::new()
                .terminator(::csv::Terminator::CRLF)
                .from_writer(w),
        )
    }

    /// Writes the header record ([`CSV_COLUMNS`]).
    pub fn header(&mut self) -> io::Result<()> {
        self.0.write_record(CSV_COLUMNS).map_err(io::Error::from)
    }

    /// Writes the row as one record.
    pub fn row(&mut self, row: &Row) -> io::Result<()> {
        self.0.write_record(fields(row)).map_err(io::Error::from)
    }

    /// Flushes what is buffered into the underlying writer.
    pub fn finish(mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Writes the header record to `w`.
pub fn write_header(w: &mut dyn Write) -> io::Result<()> {
    let mut t = Table::new(w);
    t.header()?;
    t.finish()
}

/// Writes one row as a record to `w` (for a log written as it goes).
pub fn write(w: &mut dyn Write, row: &Row) -> io::Result<()> {
    let mut t = Table::new(w);
    t.row(row)?;
    t.finish()
}

/// The row's fields: `time` (RFC 3339 UTC, microseconds), `t` (seconds since the start),
/// `socket` (its id), `direction`, `event`, `local`, `peer`, `length` (payload records
/// only), `text` (the payload when it is valid UTF-8; the command line for commands; the
/// summary for other events) and `hex` (the payload).
///
/// Payloads are written exactly, even when a spreadsheet could read them as a formula.
pub fn fields(row: &Row) -> [String; 10] {
    let text = match (&row.command, &row.payload, row.len) {
        (Some(c), _, _) => c.clone(),
        (_, Some(p), _) => std::str::from_utf8(p).unwrap_or_default().to_string(),
        (_, None, Some(_)) => String::new(),
        _ => row
            .summary
            .clone()
            .or_else(|| row.error.as_ref().map(|e| format!("error: {e}")))
            .unwrap_or_default(),
    };
    [
        row.ts.clone(),
        format!("{:.6}", row.t),
        row.socket.clone().unwrap_or_default(),
        row.direction.name().to_string(),
        row.event.clone(),
        row.local.clone().unwrap_or_default(),
        row.peer.clone().unwrap_or_default(),
        row.len.map(|n| n.to_string()).unwrap_or_default(),
        text,
        row.payload.as_deref().map(format::hex).unwrap_or_default(),
    ]
}
