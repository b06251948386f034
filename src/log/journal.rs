//! Crash safety: the session journaled to a file as it happens, so that after a crash or a
//! `kill -9` the next start can offer to recover the last session's log.
//!
//! - Where: `$XDG_DATA_HOME/sockscope/` or `~/.local/share/sockscope/` ([`Journal::default_dir`]),
//!   one file a session, `session-<unix ms>-<pid>.journal.jsonl`, mode 0600 in a 0700 folder;
//!   tests and callers may pick any folder ([`Journal::create_in`]) or file ([`Journal::create_at`]).
//! - What: a header line `{"sockscope_journal":1,"created":…,"pid":…}`, then one JSON line a
//!   record: the object of `sockscope run --json` ([`super::format::json_value`]) with a
//!   `seq` field numbering the records 0, 1, 2, … (so a gap would show) and the payload in
//!   full, even once the log's memory budget has evicted it; events without payload also
//!   carry their one-line `summary`, so a recovered log reads as the text log did.
//! - When: [`super::SessionLog::attach_journal`] makes the log hand over every record as it is
//!   pushed. A writer thread owns the file and does all the formatting (the log's thread
//!   only clones the record, its payload a shared `Arc`, into a queue; the writer mirrors
//!   the log's names and addresses in its own [`super::LogContext`]). Lines are buffered, and
//!   written to the OS within [`FLUSH_INTERVAL`] (10 ms) of the oldest buffered record being
//!   handed over, every [`FLUSH_EVERY`] records, on [`Journal::flush`] and when the journal is
//!   dropped; a writer that has fallen behind writes every [`FLUSH_BEHIND`] records and as
//!   soon as it has caught up. What has been written to the OS survives the process being
//!   killed (only a power loss needs more); a final line cut by the kill is tolerated by
//!   [`Journal::recover`].
//! - Never blocking, never dropping: handing a record over never waits for the writer. The
//!   queue is bounded by the payload bytes it holds ([`QUEUE_BYTES`]) and its records
//!   ([`QUEUE_RECORDS`]); a record that comes while it is full is still journaled, in order
//!   and with its `seq`, but without its payload bytes: its line has the `len`, no `text` or
//!   `hex`, `"evicted": true` (as for a payload that had left the log's memory, so
//!   [`Journal::recover`] reads it back as a row with a length and no bytes) and
//!   `"omitted": <len>`, saying the journal itself left the bytes out because its writer
//!   was behind. [`Journal::omitted`] counts such records and bytes, for the app to show.
//! - Bounded on disk: a journal writes at most [`PAYLOAD_BUDGET`] payload bytes in full
//!   (settable with [`Journal::set_payload_budget`]); after that payloads are left out the
//!   same way (records and lengths still come), so a long flood cannot fill the disk.
//!   [`Journal::over_budget`] counts them.
//! - Clean exit: [`Journal::finish`] deletes the file. A journal file left in the folder, and
//!   not held by a running sockscope (each journal holds an exclusive `flock` on its file
//!   while open), is a session that did not end cleanly: [`Journal::leftovers`] lists them.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::Sender;
use serde_json::json;

use super::format;
use super::journal_writer::{Backlog, Limits, Msg, Queued, Writer, write_loop};
use super::read::Row;
use super::{LogContext, Record};

/// A record reaches the OS (a `write(2)`, which a `kill -9` cannot undo) at most this long
/// after it was handed to the journal, while the writer is not behind; see [`FLUSH_BEHIND`].
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(10);
/// Buffered records reach the OS at least every this many records.
pub const FLUSH_EVERY: usize = 256;
/// While the writer is behind (its oldest unwritten record is older than [`FLUSH_INTERVAL`]),
/// it writes to the OS every this many records, and whenever it has caught up.
pub const FLUSH_BEHIND: usize = 32;
/// The environment variable that overrides the folder of journals (tests, portable use).
pub const DATA_DIR_VAR: &str = "SOCKSCOPE_DATA_DIR";
/// Payload bytes that may wait for the writer thread; payloads that come while this many
/// wait are not journaled (their records are, with their lengths).
pub const QUEUE_BYTES: usize = 64 * 1024 * 1024;
/// Records that may wait for the writer thread before payloads are left out too (the records
/// themselves are always queued: the log holds every record anyway).
pub const QUEUE_RECORDS: usize = 65_536;
/// Payload bytes a journal writes in full (about twice that on disk for binary payloads,
/// written as hex): 1 GiB.
pub const PAYLOAD_BUDGET: u64 = 1 << 30;
/// How journal files end.
pub const JOURNAL_SUFFIX: &str = ".journal.jsonl";
pub(super) const HEADER_KEY: &str = "sockscope_journal";

/// A record recovered from a journal (its `seq` is set).
pub type RecoveredRow = Row;

/// What a journal left by a previous run holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    /// The records, in order.
    pub rows: Vec<RecoveredRow>,
    /// True when the last line was cut short (the process died while writing it); it is left out.
    pub torn_tail: bool,
    /// Complete lines that could not be read (left out); 0 in a journal this code wrote.
    pub bad_lines: usize,
    /// When the journal was created (RFC 3339), from its header.
    pub created: Option<String>,
}

/// Why journaling or recovery failed; each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Neither `XDG_DATA_HOME` nor `HOME` says where the user's data folder is.
    #[error("no folder for the session journal: neither XDG_DATA_HOME nor HOME is set")]
    NoDataDir,
    /// An OS error.
    #[error("cannot {step} journal {}: {source}", path.display())]
    Io {
        /// The journal (or its folder).
        path: PathBuf,
        /// What was being done.
        step: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// Another running sockscope holds this journal.
    #[error("journal {} is in use by another running sockscope", path.display())]
    InUse {
        /// The journal.
        path: PathBuf,
    },
    /// The file does not start with a journal header.
    #[error("{} is not a sockscope journal (no journal header)", path.display())]
    NotAJournal {
        /// The file.
        path: PathBuf,
    },
    /// The writer thread has stopped (after a panic).
    #[error("the writer of journal {} has stopped", path.display())]
    Stopped {
        /// The journal.
        path: PathBuf,
    },
}

/// Payloads the journal left out because its writer was behind ([`Journal::omitted`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Omitted {
    /// Records journaled without their payload.
    pub records: u64,
    /// Payload bytes not written.
    pub bytes: u64,
}

/// A session journal being written. Dropping it flushes and closes the file and leaves it in
/// place (so the next start offers recovery); [`Journal::finish`] marks a clean exit.
pub struct Journal {
    path: PathBuf,
    tx: Option<Sender<Msg>>,
    worker: Option<JoinHandle<()>>,
    failure: Arc<Mutex<Option<String>>>,
    backlog: Arc<Backlog>,
    limits: Limits,
    omitted: Omitted,
    /// Payload bytes handed to the writer in full so far, and the most it may be.
    journaled: u64,
    budget: u64,
    over_budget: Omitted,
}

impl fmt::Debug for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journal").field("path", &self.path).finish()
    }
}

pub(super) fn io_err<'a>(
    path: &'a Path,
    step: &'static str,
) -> impl FnOnce(io::Error) -> JournalError + 'a {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        step,
        source,
    }
}

/// Tries to take an exclusive `flock` on the file; `Ok(false)` when another holds it.
#[cfg(unix)]
pub(super) fn try_lock(file: &File) -> io::Result<bool> {
    crate::sys::process::try_lock(file)
}

#[cfg(not(unix))]
pub(super) fn try_lock(_file: &File) -> io::Result<bool> {
    Ok(true)
}

impl Journal {
    /// The user's data folder for journals: `$XDG_DATA_HOME/sockscope` (when set and
    /// absolute), else `$HOME/.local/share/sockscope`.
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(x) = std::env::var_os("XDG_DATA_HOME").map(PathBuf::from)
            && x.is_absolute()
        {
            return Some(x.join("sockscope"));
        }
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
        Some(PathBuf::from(home).join(".local/share/sockscope"))
    }

    /// The folder for session journals (and the app's other files): `$SOCKSCOPE_DATA_DIR`
    /// when set, else the user's data folder ([`Journal::default_dir`]).
    pub fn data_dir() -> Option<PathBuf> {
        match std::env::var_os(DATA_DIR_VAR) {
            Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
            _ => Journal::default_dir(),
        }
    }

    /// Starts a new journal in the data folder ([`Journal::data_dir`]).
    pub fn create() -> Result<Journal, JournalError> {
        let dir = Journal::data_dir().ok_or(JournalError::NoDataDir)?;
        Journal::create_in(&dir)
    }

    /// Starts a new journal in `dir` (created, mode 0700, if missing), named after the time
    /// and the process id.
    pub fn create_in(dir: &Path) -> Result<Journal, JournalError> {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let pid = std::process::id();
        // Never the file of another journal: two made in the same millisecond (a crashed
        // session's, then the next one's, in tests) get different names.
        let mut path = dir.join(format!("session-{ms}-{pid}{JOURNAL_SUFFIX}"));
        let mut n = 1;
        while path.exists() {
            path = dir.join(format!("session-{ms}-{pid}-{n}{JOURNAL_SUFFIX}"));
            n += 1;
        }
        Journal::create_at(&path)
    }

    /// Starts a new journal at exactly `path` (its folder is created if missing); an old file
    /// there is replaced unless a running sockscope holds it.
    pub fn create_at(path: &Path) -> Result<Journal, JournalError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let mut b = fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            b.create(dir).map_err(io_err(dir, "create the folder of"))?;
        }
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = opts.open(path).map_err(io_err(path, "create"))?;
        if !try_lock(&file).map_err(io_err(path, "lock"))? {
            return Err(JournalError::InUse {
                path: path.to_path_buf(),
            });
        }
        file.set_len(0).map_err(io_err(path, "empty"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(io_err(path, "make private"))?;
        }
        let header = json!({
            HEADER_KEY: 1,
            "created": format::rfc3339(SystemTime::now()),
            "pid": std::process::id(),
        });
        writeln!(file, "{header}").map_err(io_err(path, "write"))?;
        let (tx, rx) = crossbeam_channel::unbounded();
        let failure = Arc::new(Mutex::new(None));
        let backlog = Arc::new(Backlog::default());
        let worker = {
            let failure = failure.clone();
            let backlog = backlog.clone();
            let owned = path.to_path_buf();
            std::thread::Builder::new()
                .name("sockscope-journal".into())
                .spawn(move || {
                    write_loop(Writer {
                        file,
                        path: &owned,
                        rx,
                        failure: &failure,
                        backlog: &backlog,
                        ctx: LogContext::new(SystemTime::now()),
                    });
                })
                .map_err(io_err(path, "start the writer of"))?
        };
        Ok(Journal {
            path: path.to_path_buf(),
            tx: Some(tx),
            worker: Some(worker),
            failure,
            backlog,
            limits: Limits {
                bytes: QUEUE_BYTES,
                records: QUEUE_RECORDS,
            },
            omitted: Omitted::default(),
            journaled: 0,
            budget: PAYLOAD_BUDGET,
            over_budget: Omitted::default(),
        })
    }

    /// The journal's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The first write error the writer met, if any (journaling goes on trying).
    pub fn last_error(&self) -> Option<String> {
        match self.failure.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn note(&self, what: String) {
        let mut g = match self.failure.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g.get_or_insert(what);
    }

    /// Payloads left out of the journal so far because its writer was behind (their
    /// records are in it, with their lengths): for the app to say so.
    pub fn omitted(&self) -> Omitted {
        self.omitted
    }

    /// Payloads left out of the journal so far because its payload budget was spent (their
    /// records are in it, with their lengths).
    pub fn over_budget(&self) -> Omitted {
        self.over_budget
    }

    /// Everything the journal left out so far, for either reason ([`Journal::omitted`] and
    /// [`Journal::over_budget`] together).
    pub fn left_out(&self) -> Omitted {
        Omitted {
            records: self.omitted.records + self.over_budget.records,
            bytes: self.omitted.bytes + self.over_budget.bytes,
        }
    }

    /// Sets how many payload bytes the journal writes in full ([`PAYLOAD_BUDGET`] by
    /// default); payloads after that are journaled by length only.
    pub fn set_payload_budget(&mut self, bytes: u64) {
        self.budget = bytes;
    }

    /// The payload budget in bytes.
    pub fn payload_budget(&self) -> u64 {
        self.budget
    }

    /// Hands the writer the log's context and the records it already holds (numbered from
    /// 0); called by the log when the journal is attached.
    pub(super) fn begin(&mut self, ctx: &LogContext, records: &[Record]) {
        self.send(Msg::Context(Box::new(ctx.clone())));
        for (i, rec) in records.iter().enumerate() {
            self.queue(i as u64, rec, false);
        }
    }

    /// Queues record number `seq`, logged before the journal was attached (the writer has
    /// the log's context already and learns nothing from it).
    pub(super) fn append_logged(&mut self, seq: u64, rec: &Record) {
        self.queue(seq, rec, false);
    }

    /// Queues record number `seq` with its payload, or without it while the queue is full;
    /// never waits. Called by the log as it pushes, after it learned from the record.
    pub(super) fn append_record(&mut self, seq: u64, rec: &Record) {
        self.queue(seq, rec, true);
    }

    fn queue(&mut self, seq: u64, rec: &Record, learn: bool) {
        let len = format::payload(rec).map_or(0, <[u8]>::len);
        let mut q = Queued {
            seq,
            rec: rec.clone(),
            held: len,
            omitted: None,
            learn,
            at: Instant::now(),
        };
        let over = len > 0 && self.journaled.saturating_add(len as u64) > self.budget;
        let admitted = self.backlog.admit(if over { 0 } else { len }, self.limits) && !over;
        if admitted {
            self.journaled += len as u64;
        } else {
            q.held = 0;
            // A payload over 4 GiB cannot be evicted (the log keeps its length in 4 bytes):
            // it goes along, uncounted.
            if let Record::Event(ev) = &mut q.rec
                && ev.evict() > 0
            {
                q.omitted = Some(len);
                let count = if over {
                    &mut self.over_budget
                } else {
                    &mut self.omitted
                };
                count.records += 1;
                count.bytes += len as u64;
            }
        }
        let held = q.held;
        if !self.send(Msg::Record(q)) {
            self.backlog.cancel(held);
        }
    }

    /// Sends to the writer; notes it (once) when the writer has stopped.
    fn send(&self, msg: Msg) -> bool {
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(msg).is_ok());
        if !sent {
            self.note(format!(
                "the writer of journal {} has stopped",
                self.path.display()
            ));
        }
        sent
    }

    fn ask(&self, make: impl FnOnce(Sender<io::Result<()>>) -> Msg) -> Result<(), JournalError> {
        let stopped = || JournalError::Stopped {
            path: self.path.clone(),
        };
        let (ack, done) = crossbeam_channel::bounded(1);
        let tx = self.tx.as_ref().ok_or_else(stopped)?;
        tx.send(make(ack)).map_err(|_| stopped())?;
        done.recv()
            .map_err(|_| stopped())?
            .map_err(io_err(&self.path, "write"))
    }

    /// Writes everything queued so far to the OS and waits until it is written.
    pub fn flush(&self) -> Result<(), JournalError> {
        self.ask(Msg::Flush)
    }

    /// Marks a clean exit: writes what is queued, then deletes the journal, so the next start
    /// offers no recovery.
    pub fn finish(mut self) -> Result<(), JournalError> {
        let r = self.ask(Msg::Finish);
        self.stop_writer();
        r
    }

    /// Closes the queue and waits for the writer thread to write what it holds and end.
    fn stop_writer(&mut self) {
        self.tx = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
impl Journal {
    /// Tests: the writer stops at this point of the queue until the returned sender is
    /// dropped (or sends); what is queued after waits behind it.
    pub(crate) fn hold_writer(&self) -> Sender<()> {
        let (release, until) = crossbeam_channel::bounded(1);
        self.send(Msg::Hold(until));
        release
    }

    /// Tests: sets the queue's bound (payload bytes and records).
    pub(crate) fn set_queue_limits(&mut self, bytes: usize, records: usize) {
        self.limits = Limits { bytes, records };
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.stop_writer();
    }
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
