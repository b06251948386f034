//! What a log knows besides its records: when the session started, and what its events taught
//! it about sockets (names, the listener each connection came from, local addresses).
//!
//! [`super::SessionLog`] keeps one and the journal's writer thread keeps its own mirror, both
//! taught by [`LogContext::learn`] from the same events in the same order, so that the
//! writer formats a record (`format::json_value`, `format::summary`) exactly as the log would
//! have at the moment it was pushed, without the UI thread doing the formatting.

use std::collections::HashMap;
use std::time::SystemTime;

use super::format;
use crate::engine::{Addr, Event, EventKind, SockId};

/// The session's start and what the events said about its sockets.
#[derive(Debug, Clone)]
pub struct LogContext {
    started: SystemTime,
    names: HashMap<SockId, String>,
    parents: HashMap<SockId, SockId>,
    /// Each socket's local address, as its events reported it.
    locals: HashMap<SockId, Addr>,
}

impl LogContext {
    /// Nothing learned yet, for a session that started at `started`.
    pub fn new(started: SystemTime) -> LogContext {
        LogContext {
            started,
            names: HashMap::new(),
            parents: HashMap::new(),
            locals: HashMap::new(),
        }
    }

    /// Learns what `ev` says about its socket: its local address, its name, its listener.
    /// Call it for every event, in order, before the event's record is formatted.
    pub fn learn(&mut self, ev: &Event) {
        let Some(id) = ev.socket else {
            return;
        };
        if let (Some(local), _) = format::event_addresses(&ev.kind) {
            self.locals.insert(id, local.clone());
        }
        match &ev.kind {
            EventKind::Created { name: Some(n), .. } => {
                self.names.insert(id, n.clone());
            }
            EventKind::Accepted { listener, name, .. } => {
                self.parents.insert(id, *listener);
                if let Some(n) = name {
                    self.names.insert(id, n.to_string());
                }
            }
            _ => {}
        }
    }

    /// When the session started (times in the log are shown relative to it).
    pub fn started(&self) -> SystemTime {
        self.started
    }

    /// How a socket is called: its name if it has one, else its id (`s3`).
    pub fn label(&self, id: SockId) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// Socket names learned so far.
    pub fn names(&self) -> &HashMap<SockId, String> {
        &self.names
    }

    /// A socket's local address, as its bound / listening / connected / accepted events said.
    pub fn local_of(&self, id: SockId) -> Option<&Addr> {
        self.locals.get(&id)
    }

    /// The listener a connection was accepted from.
    pub fn parent(&self, id: SockId) -> Option<SockId> {
        self.parents.get(&id).copied()
    }
}

impl AsRef<LogContext> for LogContext {
    fn as_ref(&self) -> &LogContext {
        self
    }
}
