//! A log file written as the session goes: `sockscope run --log FILE` hands every record
//! to a [`LogStream`] the moment it is logged, with its payload, so the file holds every
//! byte whatever the in-memory log keeps. The file is created (under a temporary name next
//! to the target, mode 0600) before the script runs, so an unusable path fails at once;
//! records go through a buffer; at the end it is synced and renamed into place.
//!
//! `.txt`, `.jsonl` and `.csv` stream, with the same bytes as a save of the whole log from
//! memory (the text header's record count is only known at the end: the text body goes to
//! a scratch file next to the target and follows the header at the end). `.pcap` and
//! `.scope` do not stream: they are written at the end from the in-memory log, and a
//! payload that left memory by then is counted in [`SavedInfo::evicted`].

use std::io;

use super::atomic::Scratch;
use super::{AtomicFile, Format, SaveError, SavedInfo, save_into, txt_header};
use crate::log::writer;
use crate::log::{Record, SessionLog};

/// A log file being written while the session runs.
pub struct LogStream {
    format: Format,
    file: AtomicFile,
    /// The text body, until the header can be written.
    body: Option<Scratch>,
    records: usize,
    /// The first write that failed: the rest is not written, `finish` reports it.
    failed: Option<io::Error>,
}

impl std::fmt::Debug for LogStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogStream")
            .field("format", &self.format)
            .field("file", &self.file)
            .field("records", &self.records)
            .finish()
    }
}

/// Checks `path` for a log and creates its file: the format its extension names, a file
/// name, an existing writable folder. Nothing is written to the target before
/// [`LogStream::finish`].
pub fn create(path: &std::path::Path) -> Result<LogStream, SaveError> {
    let Some(format) = Format::from_path(path) else {
        return Err(SaveError::UnknownFormat {
            path: path.to_path_buf(),
            ext: path.extension().map(|e| e.to_string_lossy().into_owned()),
        });
    };
    let mut file = AtomicFile::create(path)?;
    let mut body = None;
    let mut failed = None;
    match format {
        Format::Txt => body = Some(Scratch::create(path)?),
        Format::Csv => failed = writer::csv::write_header(file.writer()).err(),
        _ => {}
    }
    Ok(LogStream {
        format,
        file,
        body,
        records: 0,
        failed,
    })
}

impl LogStream {
    /// The file's format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// True when records are written as they come (`.txt`, `.jsonl`, `.csv`); false when
    /// the file is written from the in-memory log at the end (`.pcap`, `.scope`).
    pub fn streams(&self) -> bool {
        matches!(self.format, Format::Txt | Format::Jsonl | Format::Csv)
    }

    /// Appends one record, read with what `log` knows at this moment (names, local
    /// addresses). `rec` must carry its payload: hand it over before the log's budget can
    /// evict it.
    pub fn record(&mut self, rec: &Record, log: &SessionLog) {
        if !self.streams() || self.failed.is_some() {
            return;
        }
        let w = match &mut self.body {
            Some(b) => b.writer(),
            None => self.file.writer(),
        };
        match super::write_record(rec, log, self.format, w) {
            Ok(()) => self.records += 1,
            Err(e) => self.failed = Some(e),
        }
    }

    /// Finishes the file: the header and body of a text log, the whole of a pcap or script
    /// from `log`; syncs it and renames it into place.
    pub fn finish(mut self, log: &SessionLog) -> Result<SavedInfo, SaveError> {
        let path = self.file.path().to_path_buf();
        let io_err = |source| SaveError::Io {
            path: path.clone(),
            step: "writing".into(),
            source,
        };
        if !self.streams() {
            return save_into(log, self.file, self.format);
        }
        if let Some(e) = self.failed.take() {
            return Err(io_err(e));
        }
        if let Some(body) = self.body.take() {
            let w = self.file.writer();
            w.write_all(txt_header(log, self.records).as_bytes())
                .map_err(io_err)?;
            body.copy_into(w).map_err(io_err)?;
        }
        let mut info = SavedInfo::new(&path, self.format);
        info.records = self.records;
        info.bytes = self.file.commit()?;
        Ok(info)
    }
}
