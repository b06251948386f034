//! What a log knows besides its records: when the session started, and what its events taught
//! it about sockets (names, the listener each connection came from, local addresses).
//!
//! [`super::SessionLog`] keeps one and the journal's writer thread keeps its own mirror, both
//! taught by [`LogContext::learn`] from the same events in the same order, so that the
//! writer formats a record (`format::json_value`, `format::summary`) exactly as the log would
//! have at the moment it was pushed, without the UI thread doing the formatting.
//!
//! It stays small under connection churn: connections accepted one after another from the
//! same listener share one range of parents, and a connection's local address is kept only
//! when it differs from its listener's.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use super::format;
use crate::engine::{Addr, Event, EventKind, SockId};

/// The session's start and what the events said about its sockets.
#[derive(Debug, Clone)]
pub struct LogContext {
    started: SystemTime,
    names: HashMap<SockId, String>,
    /// Ranges of consecutive ids with the same listener: first id → (last id, listener).
    parents: BTreeMap<u32, (u32, SockId)>,
    /// Each socket's local address, as its events reported it.
    locals: HashMap<SockId, Addr>,
    /// Sockets with a TLS layer: their payloads are logged decrypted.
    tls: std::collections::HashSet<SockId>,
    /// The local address a listener's connections share when it differs from the
    /// listener's own (bound to `0.0.0.0:P`, reached on `127.0.0.1:P`): kept once per
    /// listener rather than once per connection.
    conn_locals: HashMap<SockId, Addr>,
}

impl LogContext {
    /// Nothing learned yet, for a session that started at `started`.
    pub fn new(started: SystemTime) -> LogContext {
        LogContext {
            started,
            names: HashMap::new(),
            parents: BTreeMap::new(),
            locals: HashMap::new(),
            tls: std::collections::HashSet::new(),
            conn_locals: HashMap::new(),
        }
    }

    /// Learns what `ev` says about its socket: its local address, its name, its listener.
    /// Call it for every event, in order, before the event's record is formatted.
    pub fn learn(&mut self, ev: &Event) {
        let Some(id) = ev.socket else {
            return;
        };
        if let EventKind::Accepted { listener, .. } = &ev.kind {
            self.set_parent(id, *listener);
        }
        if let (Some(local), _) = format::event_addresses(&ev.kind) {
            let shared = match &ev.kind {
                EventKind::Accepted { listener, .. } => {
                    let own = self.locals.get(listener);
                    let wildcard = own
                        .and_then(Addr::ip)
                        .is_some_and(|a| a.ip().is_unspecified());
                    if wildcard && !self.conn_locals.contains_key(listener) {
                        self.conn_locals.insert(*listener, local.clone());
                    }
                    own == Some(local) || self.conn_locals.get(listener) == Some(local)
                }
                _ => false,
            };
            if shared {
                self.locals.remove(&id);
            } else {
                self.locals.insert(id, local.clone());
            }
        }
        match &ev.kind {
            EventKind::Created { name: Some(n), .. } => {
                self.names.insert(id, n.clone());
            }
            EventKind::Accepted { name: Some(n), .. } => {
                self.names.insert(id, n.to_string());
            }
            EventKind::Tls(t) if matches!(**t, crate::engine::tls::TlsEvent::Started { .. }) => {
                self.tls.insert(id);
            }
            _ => {}
        }
    }

    /// True when `id` speaks TLS: what its events carry is the decrypted plaintext.
    pub fn decrypted(&self, id: SockId) -> bool {
        self.tls.contains(&id)
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
        self.locals.get(&id).or_else(|| {
            let p = self.parent(id)?;
            self.conn_locals.get(&p).or_else(|| self.locals.get(&p))
        })
    }

    /// The listener a connection was accepted from.
    pub fn parent(&self, id: SockId) -> Option<SockId> {
        let (_, (last, p)) = self.parents.range(..=id.0).next_back()?;
        (*last >= id.0).then_some(*p)
    }

    /// Records that `id` was accepted from `listener`: the range just before grows when it
    /// has the same listener and ends at `id - 1`; a range holding `id` is split.
    fn set_parent(&mut self, id: SockId, listener: SockId) {
        let n = id.0;
        let Some((&first, &(last, p))) = self.parents.range(..=n).next_back() else {
            self.parents.insert(n, (n, listener));
            return;
        };
        if last >= n && p == listener {
            return;
        }
        if p == listener && last.checked_add(1) == Some(n) {
            self.parents.insert(first, (n, p));
            return;
        }
        if last >= n {
            // `id` was inside another listener's range: cut it out.
            self.parents.remove(&first);
            if first < n {
                self.parents.insert(first, (n - 1, p));
            }
            if last > n {
                self.parents.insert(n + 1, (last, p));
            }
        }
        self.parents.insert(n, (n, listener));
    }

    /// Entries held (names, parent ranges, local addresses): what churn would grow.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> usize {
        self.names.len() + self.parents.len() + self.locals.len() + self.conn_locals.len()
    }
}

impl AsRef<LogContext> for LogContext {
    fn as_ref(&self) -> &LogContext {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(id: u32, listener: u32, local_port: u16, peer_port: u16) -> Event {
        let addr = |port| Addr::Ip(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
        Event {
            at: SystemTime::now(),
            socket: Some(SockId(id)),
            cmd: None,
            kind: EventKind::Accepted {
                listener: SockId(listener),
                local: addr(local_port),
                peer: addr(peer_port),
                name: None,
            },
        }
    }

    fn listening(id: u32, port: u16) -> Event {
        Event {
            at: SystemTime::now(),
            socket: Some(SockId(id)),
            cmd: None,
            kind: EventKind::Listening {
                local: Addr::Ip(std::net::SocketAddr::from(([127, 0, 0, 1], port))),
                backlog: 128,
            },
        }
    }

    #[test]
    fn log_context_stays_small_under_connection_churn() {
        let mut ctx = LogContext::new(SystemTime::now());
        ctx.learn(&listening(1, 80));
        ctx.learn(&listening(2, 81));
        for id in 3..100_003 {
            ctx.learn(&accepted(id, 1, 80, (id % 60000) as u16));
        }
        // Two listeners' addresses and one range of parents, not 200,000 entries.
        assert_eq!(ctx.entries(), 3);
        assert_eq!(ctx.parent(SockId(50_000)), Some(SockId(1)));
        assert_eq!(
            ctx.local_of(SockId(50_000))
                .map(ToString::to_string)
                .as_deref(),
            Some("127.0.0.1:80")
        );
        assert_eq!(ctx.parent(SockId(100_003)), None);
        assert_eq!(ctx.parent(SockId(2)), None);
    }

    #[test]
    fn log_context_stays_small_when_the_listener_is_bound_to_every_interface() {
        let mut ctx = LogContext::new(SystemTime::now());
        let any = Addr::Ip(std::net::SocketAddr::from(([0, 0, 0, 0], 80)));
        let mut l = listening(1, 80);
        l.kind = EventKind::Listening {
            local: any.clone(),
            backlog: 128,
        };
        ctx.learn(&l);
        for id in 2..50_002 {
            ctx.learn(&accepted(id, 1, 80, (id % 60000) as u16));
        }
        // The listener's 0.0.0.0:80, its connections' 127.0.0.1:80 once, one parent range.
        assert_eq!(ctx.entries(), 3);
        let local = |id| ctx.local_of(SockId(id)).map(ToString::to_string);
        assert_eq!(local(30_000).as_deref(), Some("127.0.0.1:80"));
        assert_eq!(local(1).as_deref(), Some("0.0.0.0:80"));
    }

    #[test]
    fn log_context_parents_and_locals_stay_exact_when_interleaved() {
        let mut ctx = LogContext::new(SystemTime::now());
        ctx.learn(&listening(1, 80));
        ctx.learn(&listening(2, 81));
        ctx.learn(&accepted(3, 1, 80, 1000));
        ctx.learn(&accepted(4, 2, 81, 1001));
        ctx.learn(&accepted(5, 1, 9999, 1002)); // a local address of its own
        ctx.learn(&accepted(7, 1, 80, 1003));
        ctx.learn(&accepted(6, 2, 81, 1004)); // out of order
        ctx.learn(&accepted(4, 1, 80, 1005)); // told again, another listener: the last word
        let parents: Vec<Option<u32>> =
            (1..9).map(|i| ctx.parent(SockId(i)).map(|p| p.0)).collect();
        assert_eq!(
            parents,
            [
                None,
                None,
                Some(1),
                Some(1),
                Some(1),
                Some(2),
                Some(1),
                None
            ]
        );
        let locals: Vec<String> = (3..8)
            .map(|i| {
                ctx.local_of(SockId(i))
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(
            locals,
            [
                "127.0.0.1:80",
                "127.0.0.1:80",
                "127.0.0.1:9999",
                "127.0.0.1:81",
                "127.0.0.1:80"
            ]
        );
    }
}
