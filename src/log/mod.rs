//! The session log: every command issued and every event the engine reported, in order,
//! with the names of sockets, so it can be shown, filtered and saved.
//!
//! Memory stays bounded, for ever, in two ways:
//! - Payload bytes are kept only up to a budget ([`DEFAULT_PAYLOAD_BUDGET`], settable with
//!   [`SessionLog::set_payload_budget`]). Past it the oldest payloads leave memory; their
//!   records remember the original length ([`LoggedEvent::evicted`]), the log counts what
//!   left ([`SessionLog::evicted`]), and the [`journal::Journal`] attached with
//!   [`SessionLog::attach_journal`] still has the bytes. A payload larger than half the
//!   budget is the one left out at once, so that it never pushes out the recent small ones.
//! - Records themselves: only the newest [`DEFAULT_RECORD_WINDOW`] stay in memory
//!   ([`SessionLog::set_record_window`]); older ones spill, a chunk of [`CHUNK`] at a time, to
//!   an unlinked spill file and are paged back when read ([`SessionLog::get`],
//!   [`SessionLog::iter`]), so the view, the filter and saves still see every record.
//!
//! The counters of [`SessionLog::totals`] are always exact.

mod codec;
mod codec_read;
mod context;
pub mod filter;
pub mod format;
pub mod journal;
mod journal_read;
mod journal_writer;
mod pcap;
mod pcap_frame;
pub mod read;
mod read_pcap;
mod record;
pub mod row;
pub mod save;
mod spill;
mod store;
pub mod writer;

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::time::SystemTime;

pub use context::LogContext;
pub use record::{LoggedEvent, Record};
pub use store::{
    CHUNK, DEFAULT_RECORD_WINDOW, DEFAULT_SPILL_DISK_BUDGET, DEFAULT_SPILL_PAYLOAD_BUDGET, Iter,
    SpillStats,
};

use crate::engine::{Counters, Event, EventKind, SockId};

// A log entry without its payload stays within 128 bytes (the goal of issue 7) even with
// the spare capacity of the `Vec` that holds the records: grown by doubling, it has 1,048,576
// slots for 1,000,000 entries (+4.9 %), so a `Record` may take 120 bytes (126 an entry).
const _: () = assert!(std::mem::size_of::<Record>() <= 120);

/// Default payload budget of a [`SessionLog`]: 256 MiB.
pub const DEFAULT_PAYLOAD_BUDGET: usize = 256 * 1024 * 1024;

/// Running totals over the whole session; always exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Bytes and messages received and sent on all sockets.
    pub traffic: Counters,
    /// Errors reported.
    pub errors: u64,
}

/// What the payload budget has pushed out of memory so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Eviction {
    /// Records whose payload left memory.
    pub records: u64,
    /// Payload bytes that left memory.
    pub bytes: u64,
}

/// The session log.
///
/// Cloning it is cheap for payloads (they are shared `Arc`s) and gives a snapshot that can be
/// saved while the original goes on receiving; a clone has no journal attached.
#[derive(Debug)]
pub struct SessionLog {
    /// The start, names, listeners and local addresses learned from the events.
    ctx: LogContext,
    records: store::Store,
    totals: Totals,
    budget: usize,
    held: usize,
    evict_from: usize,
    evicted: Eviction,
    journal: Option<journal::Journal>,
}

impl Clone for SessionLog {
    fn clone(&self) -> Self {
        SessionLog {
            ctx: self.ctx.clone(),
            records: self.records.clone(),
            totals: self.totals,
            budget: self.budget,
            held: self.held,
            evict_from: self.evict_from,
            evicted: self.evicted,
            journal: None,
        }
    }
}

impl Default for SessionLog {
    fn default() -> Self {
        SessionLog::new()
    }
}

impl SessionLog {
    /// An empty log whose session starts now.
    pub fn new() -> SessionLog {
        SessionLog::starting_at(SystemTime::now())
    }

    /// An empty log whose session started at `started` (for a recovered session, or tests).
    pub fn starting_at(started: SystemTime) -> SessionLog {
        SessionLog {
            ctx: LogContext::new(started),
            records: store::Store::new(),
            totals: Totals::default(),
            budget: DEFAULT_PAYLOAD_BUDGET,
            held: 0,
            evict_from: 0,
            evicted: Eviction::default(),
            journal: None,
        }
    }

    /// When the session started (times in the log are shown relative to it).
    pub fn started(&self) -> SystemTime {
        self.ctx.started()
    }

    /// What the log learned from its events (names, listeners, local addresses) and its start.
    pub fn context(&self) -> &LogContext {
        &self.ctx
    }

    /// Appends a command line, issued now.
    pub fn push_command(&mut self, line: impl Into<String>) {
        self.push_command_at(SystemTime::now(), line);
    }

    /// Appends a command line issued at `at` (a script's statement, stamped by the thread
    /// that ran it, reaches the app a moment later).
    pub fn push_command_at(&mut self, at: SystemTime, line: impl Into<String>) {
        self.push(Record::Command {
            at,
            line: line.into(),
        });
    }

    /// Appends an engine event, learning socket names and updating the totals.
    pub fn push_event(&mut self, ev: Event) {
        self.ctx.learn(&ev);
        self.totals.traffic.count(&ev.kind);
        if let EventKind::Failed(_) = ev.kind {
            self.totals.errors += 1;
        }
        self.push(Record::from(ev));
    }

    /// Appends a record: hands it to the journal first (with its payload; the journal's
    /// writer thread formats it), then applies the budget.
    /// A payload larger than half the budget is left out at once (the record keeps its
    /// length), so one large payload never pushes out the recent small ones. Then, past the
    /// record window, the oldest chunk spills to disk.
    fn push(&mut self, mut rec: Record) {
        if let Some(j) = &mut self.journal {
            j.append_record(self.records.len() as u64, &rec);
        }
        if let Record::Event(ev) = &mut rec {
            let len = ev.payload().map_or(0, <[u8]>::len);
            if len > self.budget / 2 && ev.evict() > 0 {
                self.evicted.records += 1;
                self.evicted.bytes += len as u64;
            } else {
                self.held += len;
            }
        }
        self.records.push(rec);
        self.enforce_budget();
        while self.records.over_window() {
            let freed = self.records.spill_oldest();
            self.held -= freed.held.min(self.held);
            self.evicted.records += freed.left_out.0;
            self.evicted.bytes += freed.left_out.1;
        }
    }

    /// Evicts the oldest payloads in memory until the bytes held fit the budget.
    fn enforce_budget(&mut self) {
        self.evict_from = self.evict_from.max(self.records.first_in_memory());
        while self.held > self.budget && self.evict_from < self.records.len() {
            if let Some(Record::Event(ev)) = self.records.in_memory_mut(self.evict_from) {
                let freed = ev.evict();
                if freed > 0 {
                    self.held -= freed;
                    self.evicted.records += 1;
                    self.evicted.bytes += freed as u64;
                }
            }
            self.evict_from += 1;
        }
    }

    /// Sets how many records stay in memory (at least one [`CHUNK`]); older ones spill to
    /// disk at the next push.
    pub fn set_record_window(&mut self, records: usize) {
        self.records.set_window(records);
    }

    /// How many records stay in memory before the oldest spill.
    pub fn record_window(&self) -> usize {
        self.records.window()
    }

    /// Sets the folder of the spill file (by default the journal's folder, else the temporary
    /// one); it applies when the first chunk spills.
    pub fn set_spill_dir(&mut self, dir: impl Into<PathBuf>) {
        self.records.set_dir(dir.into());
    }

    /// Sets how many payload bytes the spill file keeps ([`DEFAULT_SPILL_PAYLOAD_BUDGET`]);
    /// past it, records spill with their payload's length only.
    pub fn set_spill_payload_budget(&mut self, bytes: u64) {
        self.records.set_payload_budget(bytes);
    }

    /// Sets how many bytes the spill files may take on disk ([`DEFAULT_SPILL_DISK_BUDGET`]);
    /// past it the oldest spilled records are dropped, a quarter of the budget at a time, and
    /// counted in [`SpillStats::dropped`].
    pub fn set_spill_disk_budget(&mut self, bytes: u64) {
        self.records.set_disk_budget(bytes);
    }

    /// How many bytes the spill files may take on disk.
    pub fn spill_disk_budget(&self) -> u64 {
        self.records.disk_budget()
    }

    /// What spilling has done so far.
    pub fn spill(&self) -> &SpillStats {
        self.records.stats()
    }

    /// Records in memory now (the others are in the spill file).
    pub fn in_memory(&self) -> usize {
        self.records.len() - self.records.first_in_memory()
    }

    /// Sets how many payload bytes may stay in memory, evicting the oldest payloads at once
    /// if the log holds more.
    pub fn set_payload_budget(&mut self, bytes: usize) {
        self.budget = bytes;
        self.enforce_budget();
    }

    /// The payload budget in bytes.
    pub fn payload_budget(&self) -> usize {
        self.budget
    }

    /// Payload bytes currently held in memory.
    pub fn payload_bytes_held(&self) -> usize {
        self.held
    }

    /// What the budget has pushed out of memory so far (for the view to say so).
    pub fn evicted(&self) -> Eviction {
        self.evicted
    }

    /// Starts journaling: writes every record already logged, then each new one as it comes.
    /// Replaces (and returns) any journal attached before.
    /// The records already logged are journaled as the log knows them now (names, local
    /// addresses); new ones as the log knew them when they were pushed.
    pub fn attach_journal(&mut self, mut journal: journal::Journal) -> Option<journal::Journal> {
        journal.begin(&self.ctx, &[]);
        for (i, rec) in self.records.iter(0..self.records.len()).enumerate() {
            journal.append_logged(i as u64, &rec);
        }
        self.journal.replace(journal)
    }

    /// The attached journal, if any.
    pub fn journal(&self) -> Option<&journal::Journal> {
        self.journal.as_ref()
    }

    /// Detaches the journal (to [`journal::Journal::finish`] it at a clean exit).
    pub fn take_journal(&mut self) -> Option<journal::Journal> {
        self.journal.take()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when nothing was logged.
    pub fn is_empty(&self) -> bool {
        self.records.len() == 0
    }

    /// The record at `i`: borrowed while in memory, paged back from the spill file when it
    /// has spilled (`None` past the end, or for a chunk the spill file lost).
    pub fn get(&self, i: usize) -> Option<Cow<'_, Record>> {
        self.records.get(i)
    }

    /// Every record in order (spilled ones are paged back a chunk at a time).
    pub fn iter(&self) -> Iter<'_> {
        self.records.iter(0..self.records.len())
    }

    /// The records numbered `range`, in order.
    pub fn iter_range(&self, range: Range<usize>) -> Iter<'_> {
        self.records.iter(range)
    }

    /// The newest record.
    pub fn last(&self) -> Option<&Record> {
        self.records.last()
    }

    /// The running totals.
    pub fn totals(&self) -> Totals {
        self.totals
    }

    /// How a socket is called: its name if it has one, else its id (`s3`).
    pub fn label(&self, id: SockId) -> String {
        self.ctx.label(id)
    }

    /// Socket names learned so far.
    pub fn names(&self) -> &HashMap<SockId, String> {
        self.ctx.names()
    }

    /// A socket's local address, as its bound / listening / connected / accepted events said.
    pub fn local_of(&self, id: SockId) -> Option<&crate::engine::Addr> {
        self.ctx.local_of(id)
    }

    /// The listener a connection was accepted from.
    pub fn parent(&self, id: SockId) -> Option<SockId> {
        self.ctx.parent(id)
    }
}

impl AsRef<LogContext> for SessionLog {
    fn as_ref(&self) -> &LogContext {
        &self.ctx
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn sent(n: usize) -> Event {
        Event::on(
            1,
            EventKind::Sent {
                peer: None,
                data: Arc::from(vec![7u8; n]),
                reply: false,
            },
        )
    }

    #[test]
    fn log_budget_evicts_oldest_and_keeps_counts() {
        let mut log = SessionLog::new();
        log.set_payload_budget(1000);
        for _ in 0..25 {
            log.push_event(sent(100));
        }
        assert_eq!(log.totals().traffic.bytes_out, 2500);
        assert_eq!(log.totals().traffic.msgs_out, 25);
        assert_eq!(
            log.evicted(),
            Eviction {
                records: 15,
                bytes: 1500
            }
        );
        assert_eq!(log.payload_bytes_held(), 1000);
        for (i, rec) in log.iter().enumerate() {
            let Record::Event(ev) = &*rec else {
                panic!("not an event")
            };
            assert_eq!(ev.payload_len(), Some(100));
            assert_eq!(ev.evicted().is_some(), i < 15, "record {i}");
        }
        log.set_payload_budget(0);
        assert_eq!(log.evicted().bytes, 2500);
        assert_eq!(log.payload_bytes_held(), 0);
        assert_eq!(log.totals().traffic.bytes_out, 2500);
    }

    #[test]
    fn log_clone_is_a_snapshot_without_journal() {
        let mut log = SessionLog::new();
        log.push_command("status");
        log.push_event(sent(3));
        let snap = log.clone();
        log.push_event(sent(4));
        assert_eq!(snap.len(), 2);
        assert_eq!(log.len(), 3);
        assert!(snap.journal().is_none());
    }

    #[test]
    fn log_learns_parents_and_names() {
        let mut log = SessionLog::new();
        let local: crate::engine::Addr = "127.0.0.1:1"
            .parse::<std::net::SocketAddr>()
            .unwrap()
            .into();
        log.push_event(Event {
            at: SystemTime::now(),
            socket: Some(SockId(3)),
            cmd: None,
            kind: EventKind::Accepted {
                listener: SockId(1),
                local: local.clone(),
                peer: local,
                name: Some(Box::new("conn".into())),
            },
        });
        assert_eq!(log.parent(SockId(3)), Some(SockId(1)));
        assert_eq!(log.label(SockId(3)), "conn");
    }
}

#[cfg(test)]
mod spill_tests;
