//! One socket's record inside the engine: the OS socket, its lifecycle phase (see
//! [`crate::engine::fsm`]), queues and counters.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use socket2::Socket;

use crate::engine::addr::Addr;
use crate::engine::command::{Family, Proto, Responder};
use crate::engine::error::{Op, OpError};
use crate::engine::event::{CmdId, Counters, SockId, SockState, SocketInfo};
use crate::engine::framing::{FrameSplitter, Framing};
use crate::engine::fsm::{Facts, Halves, Phase, Refusal, Step};
use crate::engine::responders::CompiledRule;

/// A pending `accept` command.
pub(crate) struct AcceptWaiter {
    pub cmd: CmdId,
    pub name: Option<String>,
    pub deadline: Option<Instant>,
    /// The duration asked for, for the timeout message.
    pub timeout: Option<Duration>,
}

/// Bytes waiting to be written.
pub(crate) struct Outgoing {
    /// The command to answer when all is written (`None` for a responder's reply).
    pub cmd: Option<CmdId>,
    pub data: Arc<[u8]>,
    pub off: usize,
    /// Destination for an unconnected datagram socket.
    pub to: Option<Addr>,
    /// Next progress report threshold in bytes.
    pub next_report: usize,
    /// True for a responder's reply.
    pub reply: bool,
    /// A file sent in chunks: `data` is its current chunk, the rest comes from its reader.
    pub feed: Option<Box<crate::engine::ops::file_payload::FileFeed>>,
}

/// A send that repeats on a timer: `repeat` or `chunked`.
pub(crate) struct Pacer {
    pub next_at: Instant,
    pub every: Duration,
    pub sent: u64,
    pub kind: PacerKind,
}

/// What a pacer sends.
pub(crate) enum PacerKind {
    /// The same template again and again.
    Repeat {
        template: Arc<[u8]>,
        count: Option<u64>,
        to: Option<Addr>,
    },
    /// Successive pieces of one payload.
    Chunks {
        data: Arc<[u8]>,
        off: usize,
        size: usize,
    },
    /// As many sends as the socket takes (or `rate` a second), counted, not logged one by one.
    Flood(Flood),
}

/// A flood in progress.
pub(crate) struct Flood {
    pub data: Arc<[u8]>,
    pub rate: Option<u64>,
    pub count: Option<u64>,
    pub until: Option<Instant>,
    pub to: Option<Addr>,
    pub started: Instant,
    pub bytes: u64,
    /// What the previous progress report covered: sends, bytes, and when.
    pub reported: (u64, u64, Instant),
    /// The socket would block: wait for writability, not a timer.
    pub blocked: bool,
    /// Bytes of the current message a stream has already taken (a short write); the rest
    /// is written before anything else.
    pub off: usize,
}

/// The engine's record of one socket.
pub(crate) struct Sock {
    pub id: SockId,
    pub name: Option<String>,
    pub proto: Proto,
    pub family: Family,
    /// `None` once closed.
    pub os: Option<Socket>,
    pub registered: bool,
    pub phase: Phase,
    pub local: Option<Addr>,
    pub peer: Option<Addr>,
    pub parent: Option<SockId>,
    /// Which directions of a connection are over.
    pub halves: Halves,
    /// `None`: use the parent's responder.
    pub responder: Option<Responder>,
    pub accept_waiters: VecDeque<AcceptWaiter>,
    /// Accepting stopped for want of descriptors (or kernel memory); a timer retries it.
    pub accept_starved: bool,
    pub outq: VecDeque<Outgoing>,
    pub counters: Counters,
    /// Cuts received stream bytes into messages.
    pub splitter: FrameSplitter,
    /// Bytes per `recv`.
    pub recv_size: usize,
    /// Step mode: read only on `recv`.
    pub manual: bool,
    /// The reply table (empty: use the listener's).
    pub rules: Vec<CompiledRule>,
    /// What a listener sends each accepted connection, and whether it then closes it.
    pub greeting: Option<(Arc<[u8]>, bool)>,
    /// Replies made so far (for `{counter}`).
    pub replies: u64,
    /// A repeat or chunked send in progress.
    pub pacer: Option<Pacer>,
    /// Close once everything queued is written (a rule's or greeting's `close`).
    pub close_after_flush: bool,
    /// The socket file this socket created by binding, removed on close (if still ours).
    pub unlink: Option<crate::engine::reactor::teardown::SocketFile>,
    /// A listener's policy for the connections it accepts once their peer has closed
    /// (`None`: close auto-accepted ones, keep those accepted by hand).
    pub on_close: Option<crate::engine::command::OnClose>,
    /// This connection was accepted by auto-accept, not by an `accept` command.
    pub auto_accepted: bool,
    /// The previous `stats`: when, bytes in, bytes out.
    pub stats_mark: (Instant, u64, u64),
    /// TLS: a listener's server settings, or a connection's layer.
    pub tls: Option<crate::engine::tls::layer::Slot>,
}

impl Sock {
    /// A freshly created socket.
    pub fn new(id: SockId, name: Option<String>, proto: Proto, family: Family, os: Socket) -> Sock {
        Sock {
            id,
            name,
            proto,
            family,
            os: Some(os),
            registered: false,
            phase: Phase::Created,
            local: None,
            peer: None,
            parent: None,
            halves: Halves::default(),
            responder: None,
            accept_waiters: VecDeque::new(),
            accept_starved: false,
            outq: VecDeque::new(),
            counters: Counters::default(),
            splitter: FrameSplitter::new(Framing::Raw),
            recv_size: crate::engine::reactor::RECV_BUF,
            manual: false,
            rules: Vec::new(),
            greeting: None,
            replies: 0,
            pacer: None,
            close_after_flush: false,
            unlink: None,
            on_close: None,
            auto_accepted: false,
            stats_mark: (Instant::now(), 0, 0),
            tls: None,
        }
    }

    /// The state as a person reads it.
    pub fn state(&self) -> SockState {
        self.phase.state(self.halves.any())
    }

    /// What the state machine judges a step by.
    pub fn facts(&self) -> Facts<'_> {
        Facts {
            label: self.label(),
            proto: self.proto,
            state: self.state(),
            read_done: self.halves.read_done,
            write_done: self.halves.write_done,
            manual: self.manual,
            local: self.local.as_ref(),
            peer: self.peer.as_ref(),
        }
    }

    /// `Ok` when `step` is valid now, else the refusal as an error of `op`.
    pub fn check(&self, op: Op, step: Step) -> Result<(), OpError> {
        self.facts().check(step).map_err(|r| OpError::state(op, r))
    }

    /// The OS socket, or why there is none (closed, or reset by the peer).
    pub fn open(&self, op: Op) -> Result<&Socket, OpError> {
        self.os
            .as_ref()
            .ok_or_else(|| OpError::state(op, self.gone()))
    }

    /// A snapshot for `status`.
    pub fn info(&self) -> SocketInfo {
        SocketInfo {
            id: self.id,
            name: self.name.clone(),
            proto: self.proto,
            family: self.family,
            state: self.state(),
            parent: self.parent,
            local: self.local.clone(),
            peer: self.peer.clone(),
            counters: self.counters,
            on_close: self.phase.is_listening().then_some(self.on_close),
            tcp_state: match (&self.os, self.proto) {
                (Some(os), Proto::Tcp) => crate::engine::options::tcp_state(os),
                _ => None,
            },
            accept_queue: match (&self.os, self.proto) {
                (Some(os), Proto::Tcp) => crate::engine::diag::accept_queue(os),
                _ => None,
            },
            tls: crate::engine::tls::hooks::summary(self),
        }
    }

    /// Why no command can use the socket any more: it was reset by its peer, or closed.
    pub(crate) fn gone(&self) -> Refusal {
        let label = self.label();
        match self.phase {
            Phase::Reset => Refusal::ResetByPeer { label },
            _ => Refusal::Closed { label },
        }
    }

    /// How the socket is called in messages: its name, else its id.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.id.to_string())
    }
}
