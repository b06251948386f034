//! A line of the session log: a [`Record`] (a command, or an engine event wrapped as a
//! [`LoggedEvent`] that remembers a payload's length once the bytes have left memory).

use std::ops::Deref;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use crate::engine::{Event, EventKind, SockId};

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
    pub(super) event: Event,
    /// The original length of an evicted payload (payloads over 4 GiB are never evicted),
    /// kept in 4 bytes so that a record stays within 120 bytes.
    pub(super) evicted: Option<u32>,
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
    pub(super) fn evict(&mut self) -> usize {
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
pub(super) fn empty_payload() -> Arc<[u8]> {
    static EMPTY: OnceLock<Arc<[u8]>> = OnceLock::new();
    EMPTY.get_or_init(|| Arc::from(&[][..])).clone()
}
