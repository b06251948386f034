//! One writer per row format: [`text`] (the log as it reads on screen), [`json`] (JSON
//! lines, the schema of `sockscope run --json` and of journals) and [`csv`] (a table). Each
//! takes [`Row`]s, made once from a live record by [`row_for`] or read back from a file.
//! (The pcap writer needs the whole session and lives in `super::pcap`; scripts are written
//! by `super::save::script`.)

pub mod csv;
pub mod json;
pub mod text;

use std::io::{self, Write};

use super::row::Row;
use super::save::Format;
use super::{LogContext, Record};

/// The row a format writes for a live record: the text log shows every event's summary with
/// the payload in full; CSV needs the summary only where there is no payload to show.
pub fn row_for(rec: &Record, ctx: &LogContext, format: Format) -> Row {
    let row = Row::from_record(rec, ctx);
    match format {
        Format::Txt => row.with_summary(rec, ctx, usize::MAX),
        Format::Csv if row.len.is_none() && row.command.is_none() => {
            row.with_summary(rec, ctx, usize::MAX)
        }
        _ => row,
    }
}

/// Rows on their way into one file: text, JSON lines or a CSV table (header first).
pub enum RowSink<'a> {
    /// The text log.
    Text(&'a mut dyn Write),
    /// JSON lines.
    Json(&'a mut dyn Write),
    /// A CSV table (boxed: the `csv` writer's state is large).
    Csv(Box<csv::Table<&'a mut dyn Write>>),
}

impl<'a> RowSink<'a> {
    /// Starts writing rows in `format` to `w` (a CSV table's header is written at once);
    /// pcap and scripts are not row formats.
    pub fn new(format: Format, w: &'a mut dyn Write) -> io::Result<RowSink<'a>> {
        Ok(match format {
            Format::Txt => RowSink::Text(w),
            Format::Jsonl => RowSink::Json(w),
            Format::Csv => {
                let mut t = csv::Table::new(w);
                t.header()?;
                RowSink::Csv(Box::new(t))
            }
            Format::Pcap | Format::Svg | Format::Script => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "rows are written as text, JSON lines and CSV only",
                ));
            }
        })
    }

    /// Writes one row.
    pub fn write(&mut self, row: &Row) -> io::Result<()> {
        match self {
            RowSink::Text(w) => text::write(*w, row),
            RowSink::Json(w) => json::write(*w, row),
            RowSink::Csv(t) => t.row(row),
        }
    }

    /// Writes out what is buffered.
    pub fn finish(self) -> io::Result<()> {
        match self {
            RowSink::Csv(t) => t.finish(),
            RowSink::Text(_) | RowSink::Json(_) => Ok(()),
        }
    }
}
