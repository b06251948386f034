//! What the app knows about the engine's sockets, folded from events by a pure function.
//!
//! [`AppState::apply`] takes one [`Event`] at a time and updates the socket table; it
//! touches no window and no engine, so it is unit-tested on its own. It also decides which
//! refreshes are worth asking the engine for ([`AppState::take_refresh`]): a `status` after
//! a TCP socket changed state (for the kernel's TCP state), a `ready` after a step-mode read.
//! The app runs those quietly: their events update the state and nothing else.

use std::collections::{BTreeMap, BTreeSet};

use crate::engine::{
    Addr, AddrSpec, CmdId, Command, Event, EventKind, Family, Op, Proto, SockId, SockRef,
    SockState, SocketInfo,
};

pub use crate::app::model::sock_config::{Readiness, Sending, SockConfig};
pub use crate::app::model::sock_row::{BoundBy, SockRow};

/// Open sockets beyond which the kernel's TCP state is refreshed only on request (the
/// Refresh button): a `status` of thousands of connections after every accept would cost
/// more than it tells.
pub const AUTO_STATUS_MAX: usize = 256;

/// A command the app submitted and whose final event has not arrived yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The socket it acts on, when known.
    pub sock: Option<SockId>,
    /// The command's text in the command language.
    pub line: String,
    /// The operation, for "waiting…" hints (`accept`, `connect`, …).
    pub op: Option<Op>,
}

/// The outcome of a command, for the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The command's text.
    pub line: String,
    /// `Ok(summary)` or `Err(message)`.
    pub result: Result<String, String>,
}

/// Everything the app shows about sockets, folded from engine events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppState {
    /// Every socket the session created or accepted, by id.
    pub sockets: BTreeMap<SockId, SockRow>,
    /// Commands submitted and not finished yet.
    pub pending: BTreeMap<CmdId, Pending>,
    /// The latest `status` snapshot.
    pub last_status: Option<Vec<SocketInfo>>,
    /// Commands the app ran on its own (refreshes) and not finished yet: their events
    /// update the state and go neither to the console nor to the log.
    pub quiet: BTreeSet<CmdId>,
    /// The quiet `status` under way, if any (one at a time).
    status_in_flight: Option<CmdId>,
    /// A TCP socket changed state since the latest quiet `status` was sent.
    status_wanted: bool,
    /// Step-mode sockets whose readiness is worth asking again.
    ready_wanted: BTreeSet<SockId>,
}

impl AppState {
    /// An empty state.
    pub fn new() -> AppState {
        AppState::default()
    }

    /// The socket a reference names, by id or by name.
    pub fn resolve(&self, r: &SockRef) -> Option<SockId> {
        match r {
            SockRef::Id(id) => self.sockets.contains_key(id).then_some(*id),
            SockRef::Name(n) => self
                .sockets
                .values()
                .find(|s| !s.is_closed() && s.name.as_deref() == Some(n))
                .map(|s| s.id),
        }
    }

    /// Notes a command the app has submitted under `id`.
    pub fn submitted(&mut self, id: CmdId, cmd: &Command, line: String) {
        let sock = cmd.target().and_then(|r| self.resolve(r));
        let op = match cmd {
            Command::Accept { .. } => Some(Op::Accept),
            Command::Connect { .. } => Some(Op::Connect),
            Command::Send { .. } => Some(Op::Send),
            Command::SendTo { .. } => Some(Op::SendTo),
            Command::Listen { .. } => Some(Op::Listen),
            Command::Bind { .. } => Some(Op::Bind),
            _ => None,
        };
        if let (Command::Bind { addr, .. }, Some(row)) =
            (cmd, sock.and_then(|s| self.sockets.get_mut(&s)))
        {
            // Where the OS's answer will come from; the Bound event confirms it.
            let os_chose_port = match addr {
                AddrSpec::Exact(Addr::Ip(a)) => a.port() == 0,
                AddrSpec::Any(p) | AddrSpec::Host(_, p) => *p == 0,
                AddrSpec::Exact(_) | AddrSpec::LocalOf(_) => false,
            };
            row.bound_by = Some(BoundBy::Bind { os_chose_port });
        }
        self.pending.insert(id, Pending { sock, line, op });
    }

    /// Notes a command the app ran on its own under `id` (see [`AppState::take_refresh`]).
    pub fn quiet_submitted(&mut self, id: CmdId, cmd: &Command) {
        self.quiet.insert(id);
        if matches!(cmd, Command::Status) {
            self.status_in_flight = Some(id);
        }
    }

    /// True when `ev` belongs to a command the app ran quietly.
    pub fn is_quiet(&self, ev: &Event) -> bool {
        ev.cmd.is_some_and(|c| self.quiet.contains(&c))
    }

    /// The refreshes worth running now, quietly: at most one `status` at a time after a
    /// TCP socket changed state, and `ready` for step-mode sockets after a read.
    pub fn take_refresh(&mut self) -> Vec<Command> {
        let mut out: Vec<Command> = std::mem::take(&mut self.ready_wanted)
            .into_iter()
            .filter(|id| self.sockets.get(id).is_some_and(|r| !r.is_closed()))
            .map(|id| Command::Ready {
                sock: SockRef::Id(id),
            })
            .collect();
        if self.status_wanted && self.status_in_flight.is_none() {
            self.status_wanted = false;
            if self.open_count() <= AUTO_STATUS_MAX {
                out.push(Command::Status);
            }
        }
        out
    }

    /// True when `sock` has a pending command of operation `op`.
    pub fn is_pending(&self, sock: SockId, op: Op) -> bool {
        self.pending
            .values()
            .any(|p| p.sock == Some(sock) && p.op == Some(op))
    }

    /// The row of a socket.
    pub fn get(&self, id: SockId) -> Option<&SockRow> {
        self.sockets.get(&id)
    }

    /// Sockets without a parent, in id order (accepted connections sit under their listener).
    pub fn roots(&self) -> impl Iterator<Item = &SockRow> {
        self.sockets
            .values()
            .filter(|s| s.parent.is_none_or(|p| !self.sockets.contains_key(&p)))
    }

    /// Number of sockets not closed.
    pub fn open_count(&self) -> usize {
        self.sockets.values().filter(|s| !s.is_closed()).count()
    }

    /// The address a person most likely wants `row` to reach: the local address of the
    /// newest other open socket of the same kind that can be reached (a stream listener,
    /// or a bound datagram socket), with `0.0.0.0` / `::` made loopback.
    pub fn suggested_peer(&self, row: &SockRow) -> Option<Addr> {
        self.sockets
            .values()
            .rev()
            .filter(|s| s.id != row.id && !s.is_closed() && s.proto == row.proto)
            .filter(|s| s.family == row.family || row.family == Family::V6)
            .filter(|s| !s.proto.is_stream() || s.state == SockState::Listening)
            .find_map(|s| s.local.as_ref().map(Addr::reachable))
            .filter(|a| *a != Addr::Unnamed)
    }

    /// Folds one event into the state. Returns the outcome when the event ends a
    /// command the app submitted.
    pub fn apply(&mut self, ev: &Event) -> Option<Outcome> {
        let failed = matches!(ev.kind, EventKind::Failed(_));
        if let Some(id) = ev.cmd
            && self.quiet.remove(&id)
        {
            // A refresh: its answer updates the rows; its failure is nobody's error.
            if self.status_in_flight == Some(id) {
                self.status_in_flight = None;
            }
            if !failed {
                self.apply_kind(ev.socket, &ev.kind);
            }
            return None;
        }
        self.apply_kind(ev.socket, &ev.kind);
        let id = ev.cmd?;
        let pending = self.pending.remove(&id)?;
        if let Some(row) = pending.sock.and_then(|s| self.sockets.get_mut(&s)) {
            if failed {
                row.last_error_line = Some(pending.line.clone());
            } else if row.last_error_line.take().is_some() {
                // The person has moved on: a command's error goes once one succeeds.
                row.last_error = None;
            }
        }
        let result = match &ev.kind {
            EventKind::Failed(e) => Err(e.to_string()),
            kind => Ok(kind.name().to_string()),
        };
        Some(Outcome {
            line: pending.line,
            result,
        })
    }

    fn apply_kind(&mut self, socket: Option<SockId>, kind: &EventKind) {
        if let EventKind::Status(list) = kind {
            self.apply_status(list);
            return;
        }
        let Some(id) = socket else {
            return;
        };
        if let EventKind::Created {
            proto,
            family,
            name,
        } = kind
        {
            self.sockets
                .insert(id, SockRow::new(id, *proto, *family, name.clone()));
            return;
        }
        if let EventKind::Accepted {
            listener,
            local,
            peer,
            name,
        } = kind
        {
            self.accepted(
                id,
                *listener,
                local,
                peer,
                name.as_deref().map(String::as_str),
            );
            return;
        }
        let listen_pending = self.is_pending(id, Op::Listen);
        let Some(row) = self.sockets.get_mut(&id) else {
            return; // a socket this app never saw created (or a late event): ignore it
        };
        if row.config.apply(kind) {
            self.ready_wanted.insert(id);
        }
        row.follow(kind, listen_pending);
        let transition = matches!(
            kind,
            EventKind::Listening { .. }
                | EventKind::Connected { .. }
                | EventKind::PeerClosed
                | EventKind::Reset
                | EventKind::Shut { .. }
                | EventKind::Failed(_)
        );
        if row.proto == Proto::Tcp && transition {
            self.status_wanted = true;
        }
    }

    fn accepted(
        &mut self,
        id: SockId,
        listener: SockId,
        local: &Addr,
        peer: &Addr,
        name: Option<&str>,
    ) {
        let (proto, family, config) = self
            .sockets
            .get(&listener)
            .map_or((Proto::Tcp, Family::V4, SockConfig::default()), |l| {
                (l.proto, l.family, l.config.inherited())
            });
        let mut row = SockRow::new(id, proto, family, name.map(String::from));
        row.state = SockState::Connected;
        row.parent = Some(listener);
        row.local = Some(local.clone());
        row.bound_by = Some(BoundBy::Accepted);
        row.peer = Some(peer.clone());
        row.config = config;
        self.sockets.insert(id, row);
        if let Some(l) = self.sockets.get_mut(&listener)
            && !l.children.contains(&id)
        {
            l.children.push(id);
        }
        if proto == Proto::Tcp {
            self.status_wanted = true;
        }
    }

    /// Replaces what the rows say with an engine snapshot (children and errors are kept).
    fn apply_status(&mut self, list: &[SocketInfo]) {
        for info in list {
            let row = self.sockets.entry(info.id).or_insert_with(|| {
                SockRow::new(info.id, info.proto, info.family, info.name.clone())
            });
            row.name = info.name.clone();
            row.state = info.state;
            row.local = info.local.clone();
            row.peer = info.peer.clone();
            row.parent = info.parent;
            row.counters = info.counters;
            row.tcp_state = info.tcp_state;
            row.accept_queue = info.accept_queue;
        }
        for info in list {
            if let Some(p) = info.parent
                && let Some(l) = self.sockets.get_mut(&p)
                && !l.children.contains(&info.id)
            {
                l.children.push(info.id);
            }
        }
        self.last_status = Some(list.to_vec());
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
