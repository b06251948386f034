//! Where a socket is in the BSD lifecycle, and what each event does to it. The engine
//! keeps a [`Phase`] (with what belongs to one phase inside its variant); the app keeps a
//! [`Life`] folded from events. Both follow the one table in [`next`].

use std::time::{Duration, Instant};

use crate::engine::command::How;
use crate::engine::error::Op;
use crate::engine::event::{CmdId, EventKind, SockState};

/// Where an engine socket is in the BSD lifecycle, with what only that phase has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `socket()` done.
    Created,
    /// `bind()` done (or implicit bind by the OS).
    Bound,
    /// `listen()` done.
    Listening {
        /// The backlog asked for.
        backlog: u32,
        /// Accept every connection as it comes.
        auto: bool,
    },
    /// Non-blocking `connect()` in progress.
    Connecting {
        /// The `connect` command to answer (`None` for a connect of the engine's own, as a
        /// relay's upstream side).
        cmd: Option<CmdId>,
        /// When sockscope gives up.
        deadline: Instant,
        /// The time limit asked for, for the timeout message.
        limit: Duration,
    },
    /// Connected (stream) or peer fixed (datagram).
    Connected,
    /// The peer reset the connection (RST): the descriptor is released, the record kept.
    Reset,
    /// `close()` done.
    Closed,
}

impl Phase {
    /// The state as a person reads it; `half` when one direction of a connection is over.
    pub fn state(&self, half: bool) -> SockState {
        match self {
            Phase::Created => SockState::Created,
            Phase::Bound => SockState::Bound,
            Phase::Listening { .. } => SockState::Listening,
            Phase::Connecting { .. } => SockState::Connecting,
            Phase::Connected if half => SockState::HalfClosed,
            Phase::Connected => SockState::Connected,
            Phase::Reset => SockState::Reset,
            Phase::Closed => SockState::Closed,
        }
    }

    /// Follows `kind` into the phases that carry nothing of their own (`bound`: the socket
    /// has a local address). Entering `Listening` or `Connecting` takes their data, so
    /// `listen` and `connect` set those phases themselves.
    pub fn on(&mut self, kind: &EventKind, bound: bool) {
        *self = match next(self.state(false), kind, bound) {
            Some(SockState::Created) => Phase::Created,
            Some(SockState::Bound) => Phase::Bound,
            Some(SockState::Connected) => Phase::Connected,
            Some(SockState::Reset) => Phase::Reset,
            Some(SockState::Closed) => Phase::Closed,
            _ => return,
        };
    }

    /// True while listening.
    pub fn is_listening(&self) -> bool {
        matches!(self, Phase::Listening { .. })
    }
}

/// The half-close flags of a connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Halves {
    /// Receiving is over: the peer closed its side, or we shut down reading.
    pub read_done: bool,
    /// Sending is over: we shut down writing.
    pub write_done: bool,
    /// The peer closed its side (`recv` returned 0).
    pub peer_closed: bool,
}

impl Halves {
    /// What `kind` does to the flags of a socket (`stream`: TCP or unix stream).
    pub fn on(&mut self, kind: &EventKind, stream: bool) {
        match kind {
            EventKind::PeerClosed => {
                self.read_done = true;
                self.peer_closed = true;
            }
            EventKind::Shut { how } => {
                self.read_done |= matches!(how, How::Read | How::Both);
                self.write_done |= matches!(how, How::Write | How::Both);
            }
            EventKind::Reset => {
                self.read_done = true;
                self.write_done = true;
            }
            // A receive error ends a stream connection both ways.
            EventKind::Failed(e) if e.op == Op::Recv && stream => {
                self.read_done = true;
                self.write_done = true;
            }
            _ => {}
        }
    }

    /// True when one direction (or both) is over.
    pub fn any(&self) -> bool {
        self.read_done || self.write_done
    }
}

/// A socket's lifecycle as the events tell it: the state and the half-close flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Life {
    /// Where it is.
    pub state: SockState,
    /// Which directions are over.
    pub halves: Halves,
}

impl Life {
    /// Follows one event (`stream`: TCP or unix stream; `bound`: it has a local address).
    pub fn on(&mut self, kind: &EventKind, stream: bool, bound: bool) {
        let base = match self.state {
            SockState::HalfClosed => SockState::Connected,
            s => s,
        };
        let base = next(base, kind, bound).unwrap_or(base);
        self.halves.on(kind, stream);
        self.state = match base {
            SockState::Connected if self.halves.any() => SockState::HalfClosed,
            s => s,
        };
    }
}

/// The one transition table: the state `kind` leads to from `state` (never `HalfClosed`,
/// which the half-close flags decide), or `None` when it stays.
pub(crate) fn next(state: SockState, kind: &EventKind, bound: bool) -> Option<SockState> {
    use SockState as S;
    Some(match (state, kind) {
        (S::Created, EventKind::Bound { .. }) => S::Bound,
        (_, EventKind::Listening { .. }) => S::Listening,
        (_, EventKind::Connecting { .. }) => S::Connecting,
        (_, EventKind::Connected { .. }) => S::Connected,
        (S::Connecting, EventKind::Failed(e)) if e.op == Op::Connect => {
            if bound {
                S::Bound
            } else {
                S::Created
            }
        }
        (_, EventKind::Reset) => S::Reset,
        (_, EventKind::Closed) => S::Closed,
        _ => return None,
    })
}
