//! The session log: every command issued and every event the engine reported, in order,
//! with the names of sockets, so it can be shown, filtered and saved.
//!
//! Memory stays bounded: every record's metadata stays, but payload bytes are kept only up
//! to a budget ([`DEFAULT_PAYLOAD_BUDGET`], settable with [`SessionLog::set_payload_budget`]).
//! Past it the oldest payloads leave memory; their records remember the original length
//! ([`LoggedEvent::evicted`]), the log counts what left ([`SessionLog::evicted`]), and the
//! [`journal::Journal`] attached with [`SessionLog::attach_journal`] still has the bytes.
//! The counters of [`SessionLog::totals`] are always exact.

mod context;
pub mod filter;
pub mod format;
pub mod journal;
mod journal_read;
mod journal_writer;
mod pcap;
pub mod read;
pub mod save;

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

pub use context::LogContext;

use crate::engine::{Event, EventKind, SockId};

// A log entry without its payload stays within 128 bytes (the goal of issue 7) even with
// the spare capacity of the `Vec` that holds the records: grown by doubling, it has 1,048,576
// slots for 1,000,000 entries (+4.9 %), so a `Record` may take 120 bytes (126 an entry).
const _: () = assert!(std::mem::size_of::<Record>() <= 120);

/// Default payload budget of a [`SessionLog`]: 256 MiB.
pub const DEFAULT_PAYLOAD_BUDGET: usize = 256 * 1024 * 1024;

/// One line of the session log.
#[derive(Debug, Clone)]
pub enum Record {
    /// A command as the user (click, console, script) issued it.
    Command {
        /// When it was issued.
        at: SystemTime,
        /// The command's text in the command language.
        line: String,
    },
    /// An event from the engine (it dereferences to the engine's [`Event`]).
    Event(LoggedEvent),
}

impl Record {
    /// When it happened.
    pub fn at(&self) -> SystemTime {
        match self {
            Record::Command { at, .. } => *at,
            Record::Event(ev) => ev.at,
        }
    }

    /// The socket it concerns.
    pub fn socket(&self) -> Option<SockId> {
        match self {
            Record::Command { .. } => None,
            Record::Event(ev) => ev.socket,
        }
    }
}

impl From<Event> for Record {
    fn from(ev: Event) -> Self {
        Record::Event(LoggedEvent::new(ev))
    }
}

/// An engine event as the log holds it: the [`Event`] itself (reached through `Deref`), and,
/// once its payload has left memory, the payload's original length.
///
/// After eviction the `data` of a `Sent`/`Received` event is empty; read lengths with
/// [`LoggedEvent::payload_len`] (or [`format::payload_len`]), never with `data.len()`.
#[derive(Debug, Clone)]
pub struct LoggedEvent {
    event: Event,
    /// The original length of an evicted payload (payloads over 4 GiB are never evicted),
    /// kept in 4 bytes so that a record stays within 120 bytes.
    evicted: Option<u32>,
}

impl LoggedEvent {
    /// Wraps an event whose payload (if any) is in memory.
    pub fn new(event: Event) -> LoggedEvent {
        LoggedEvent {
            event,
            evicted: None,
        }
    }

    /// The engine event (with an empty payload if it was evicted).
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// The engine event, unwrapped.
    pub fn into_event(self) -> Event {
        self.event
    }

    /// `Some(original length)` when the payload has left memory to keep the log within its
    /// budget (the bytes remain in the journal); `None` while the bytes are here.
    pub fn evicted(&self) -> Option<usize> {
        self.evicted.map(|n| n as usize)
    }

    /// The payload bytes, when the event carries a payload still in memory.
    pub fn payload(&self) -> Option<&[u8]> {
        if self.evicted.is_some() {
            return None;
        }
        match &self.event.kind {
            EventKind::Sent { data, .. }
            | EventKind::Received { data, .. }
            | EventKind::Message { data, .. } => Some(data),
            _ => None,
        }
    }

    /// The payload's length, right whether or not the bytes are still in memory.
    pub fn payload_len(&self) -> Option<usize> {
        match &self.event.kind {
            EventKind::Sent { data, .. }
            | EventKind::Received { data, .. }
            | EventKind::Message { data, .. } => Some(self.evicted().unwrap_or(data.len())),
            _ => None,
        }
    }

    /// Drops the payload from memory, remembering its length; returns the bytes freed.
    fn evict(&mut self) -> usize {
        if self.evicted.is_some() {
            return 0;
        }
        match &mut self.event.kind {
            EventKind::Sent { data, .. }
            | EventKind::Received { data, .. }
            | EventKind::Message { data, .. }
                if !data.is_empty() =>
            {
                let n = data.len();
                let Ok(small) = u32::try_from(n) else {
                    return 0;
                };
                *data = empty_payload();
                self.evicted = Some(small);
                n
            }
            _ => 0,
        }
    }
}

impl Deref for LoggedEvent {
    type Target = Event;

    fn deref(&self) -> &Event {
        &self.event
    }
}

impl From<Event> for LoggedEvent {
    fn from(ev: Event) -> Self {
        LoggedEvent::new(ev)
    }
}

/// One shared empty payload, so eviction allocates nothing.
fn empty_payload() -> Arc<[u8]> {
    static EMPTY: OnceLock<Arc<[u8]>> = OnceLock::new();
    EMPTY.get_or_init(|| Arc::from(&[][..])).clone()
}

/// Running totals over the whole session; always exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Bytes received on all sockets.
    pub bytes_in: u64,
    /// Bytes sent on all sockets.
    pub bytes_out: u64,
    /// Chunks or datagrams received.
    pub msgs_in: u64,
    /// Sends completed.
    pub msgs_out: u64,
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
    records: Vec<Record>,
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
            records: Vec::new(),
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
        match &ev.kind {
            EventKind::Received { data, .. } => {
                self.totals.bytes_in += data.len() as u64;
                self.totals.msgs_in += 1;
            }
            EventKind::Sent { data, .. } => {
                self.totals.bytes_out += data.len() as u64;
                self.totals.msgs_out += 1;
            }
            EventKind::Flooded { msgs, bytes } => {
                self.totals.bytes_out += bytes;
                self.totals.msgs_out += msgs;
            }
            EventKind::Failed(_) => self.totals.errors += 1,
            _ => {}
        }
        self.push(Record::from(ev));
    }

    /// Appends a record: hands it to the journal first (with its payload; the journal's
    /// writer thread formats it), then applies the budget.
    fn push(&mut self, rec: Record) {
        if let Some(j) = &mut self.journal {
            j.append_record(self.records.len() as u64, &rec);
        }
        if let Record::Event(ev) = &rec {
            self.held += ev.payload().map_or(0, <[u8]>::len);
        }
        self.records.push(rec);
        self.enforce_budget();
    }

    /// Evicts the oldest payloads until the bytes held fit the budget.
    fn enforce_budget(&mut self) {
        while self.held > self.budget && self.evict_from < self.records.len() {
            if let Record::Event(ev) = &mut self.records[self.evict_from] {
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
        journal.begin(&self.ctx, &self.records);
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
        self.records.is_empty()
    }

    /// The record at `i`.
    pub fn get(&self, i: usize) -> Option<&Record> {
        self.records.get(i)
    }

    /// All records in order.
    pub fn records(&self) -> &[Record] {
        &self.records
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
    use super::*;

    fn sent(n: usize) -> Event {
        Event {
            at: SystemTime::now(),
            socket: Some(SockId(1)),
            cmd: None,
            kind: EventKind::Sent {
                peer: None,
                data: Arc::from(vec![7u8; n]),
                reply: false,
            },
        }
    }

    #[test]
    fn log_budget_evicts_oldest_and_keeps_counts() {
        let mut log = SessionLog::new();
        log.set_payload_budget(1000);
        for _ in 0..25 {
            log.push_event(sent(100));
        }
        assert_eq!(log.totals().bytes_out, 2500);
        assert_eq!(log.totals().msgs_out, 25);
        assert_eq!(
            log.evicted(),
            Eviction {
                records: 15,
                bytes: 1500
            }
        );
        assert_eq!(log.payload_bytes_held(), 1000);
        for (i, rec) in log.records().iter().enumerate() {
            let Record::Event(ev) = rec else {
                panic!("not an event")
            };
            assert_eq!(ev.payload_len(), Some(100));
            assert_eq!(ev.evicted().is_some(), i < 15, "record {i}");
        }
        log.set_payload_budget(0);
        assert_eq!(log.evicted().bytes, 2500);
        assert_eq!(log.payload_bytes_held(), 0);
        assert_eq!(log.totals().bytes_out, 2500);
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
