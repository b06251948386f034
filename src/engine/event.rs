//! The events the engine reports: one per thing that happened, each with its socket and time.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use crate::engine::addr::Addr;
use crate::engine::command::{Family, How, OnClose, Proto, Responder};
use crate::engine::error::OpError;
use crate::engine::framing::Framing;
use crate::engine::options::SockOpt;
use crate::engine::responders::Rule;

/// A socket's id, shown as `s1`, `s2`, … in order of creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SockId(pub u32);

impl fmt::Display for SockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s{}", self.0)
    }
}

/// The number the engine gave a submitted command; its final event carries it.
/// Never zero, so that `Option<CmdId>` takes 8 bytes in every event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CmdId(pub std::num::NonZeroU64);

impl CmdId {
    /// The id numbered `n` (0 counts as 1).
    pub fn from_raw(n: u64) -> CmdId {
        CmdId(std::num::NonZeroU64::new(n).unwrap_or(std::num::NonZeroU64::MIN))
    }

    /// Its number.
    pub fn get(self) -> u64 {
        self.0.get()
    }
}

/// Something that happened.
#[derive(Debug, Clone)]
pub struct Event {
    /// Wall-clock time at which the engine saw it.
    pub at: SystemTime,
    /// The socket it concerns (`None` for engine-wide events such as a status report).
    pub socket: Option<SockId>,
    /// Set on the one event that ends a command: its success or its failure.
    pub cmd: Option<CmdId>,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// An event seen now, about `socket` (or the engine) and ending command `cmd` (if any).
    pub fn now(socket: Option<SockId>, cmd: Option<CmdId>, kind: EventKind) -> Event {
        Event {
            at: SystemTime::now(),
            socket,
            cmd,
            kind,
        }
    }

    /// An event seen now about socket number `sock`, ending no command: what tests of the
    /// state folded from events feed in.
    pub fn on(sock: u32, kind: EventKind) -> Event {
        Event::now(Some(SockId(sock)), None, kind)
    }
}

/// What happened, variant by variant.
#[derive(Debug, Clone)]
pub enum EventKind {
    /// A socket was created, not yet bound.
    Created {
        /// TCP, UDP, or a Unix stream or datagram socket.
        proto: Proto,
        /// IPv4, IPv6, or Unix (path and abstract addresses).
        family: Family,
        /// The name given with `as NAME`.
        name: Option<String>,
    },
    /// The socket has a local address: the one the OS chose when port 0 was asked.
    Bound {
        /// The address read back with `getsockname`.
        local: Addr,
        /// True when the OS bound it on its own (a first `sendto` or `listen` on an unbound socket).
        implicit: bool,
    },
    /// A TCP socket now listens.
    Listening {
        /// Its local address.
        local: Addr,
        /// The backlog passed to `listen`.
        backlog: u32,
    },
    /// A connection was accepted; `socket` is the new connection's id.
    Accepted {
        /// The listening socket it came from.
        listener: SockId,
        /// The connection's local address.
        local: Addr,
        /// The client's address.
        peer: Addr,
        /// The name given with `accept ID as NAME`. A `Box<String>` is one pointer wide where
        /// a `Box<str>` is two: it keeps this, the largest variant, and so every event small.
        name: Option<Box<String>>,
    },
    /// A TCP connect is under way.
    Connecting {
        /// The address being connected to.
        peer: Addr,
    },
    /// Connected (TCP handshake done; for UDP, the peer is fixed).
    Connected {
        /// The local address (bound implicitly if it was not).
        local: Addr,
        /// The peer's address.
        peer: Addr,
    },
    /// Bytes left the socket, all of them.
    Sent {
        /// The destination (for `sendto` and UDP replies), or the connected peer.
        peer: Option<Addr>,
        /// The bytes sent.
        data: Arc<[u8]>,
        /// True when a responder sent them, not a command.
        reply: bool,
    },
    /// A large send has made progress.
    SendProgress {
        /// Bytes written so far.
        sent: u64,
        /// Bytes to write in all.
        total: u64,
    },
    /// Bytes arrived: one TCP chunk as `recv` returned it, or one UDP datagram.
    Received {
        /// Who sent them.
        peer: Option<Addr>,
        /// The bytes.
        data: Arc<[u8]>,
        /// For a datagram longer than the receive buffer: its real length (the rest was cut).
        truncated_from: Option<usize>,
    },
    /// The peer closed its side: `recv` returned 0.
    PeerClosed,
    /// `shutdown` succeeded.
    Shut {
        /// Which half was shut.
        how: How,
    },
    /// Auto-accept was switched on or off.
    AutoAccept {
        /// The new setting.
        on: bool,
    },
    /// A responder was set.
    Responding {
        /// The new rule.
        responder: Responder,
    },
    /// The socket is closed and its descriptor released.
    Closed,
    /// The peer reset the connection (`ECONNRESET`): no more data either way; the engine
    /// has released the descriptor and keeps the record.
    Reset,
    /// A snapshot of every socket, in id order (answer to `status`).
    Status(Vec<SocketInfo>),
    /// An operation failed; when `cmd` is set, that command failed.
    Failed(OpError),
    /// A complete message, cut out of the stream by the socket's framing.
    Message {
        /// Who sent it.
        peer: Option<Addr>,
        /// The message, without header or delimiter.
        data: Arc<[u8]>,
    },
    /// Readiness as `select()` reports it (answer to `ready`).
    Readiness {
        /// A `recv` would not block (data, or the peer's close, is waiting).
        readable: bool,
        /// A `send` would not block.
        writable: bool,
        /// Bytes waiting in the kernel's receive queue.
        pending: usize,
    },
    /// In step mode, `recv` found nothing to read (it would have blocked).
    WouldBlock,
    /// A setting of the socket changed (answer to frame, rule, option, join, …).
    Set(Setting),
    /// A repeat, chunked send or flood ended.
    RepeatDone {
        /// Sends made.
        sent: u64,
    },
    /// A flood's progress since its previous report (add them up for totals).
    Flooded {
        /// Sends since the previous report.
        msgs: u64,
        /// Bytes since the previous report.
        bytes: u64,
    },
    /// Counters and rates of one socket (answer to `stats`).
    Stats(SockStats),
    /// TLS: a server set up, a handshake started or finished (`tls handshake`), a
    /// certificate saved.
    Tls(Box<crate::engine::tls::TlsEvent>),
}

/// A socket's traffic so far: bytes and messages, each way. The engine keeps one per
/// socket; `status` and `stats` report it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Bytes received.
    pub bytes_in: u64,
    /// Bytes sent.
    pub bytes_out: u64,
    /// Chunks or datagrams received.
    pub msgs_in: u64,
    /// Sends completed.
    pub msgs_out: u64,
}

impl Counters {
    /// Counts one chunk or datagram of `len` bytes received.
    pub fn received(&mut self, len: usize) {
        self.bytes_in += len as u64;
        self.msgs_in += 1;
    }

    /// Counts the traffic an event reports (`Received`, `Sent`, a flood's `Flooded`); other
    /// events move no bytes. The app's rows and the session log's totals count with this,
    /// as the engine counts as it reads and writes.
    pub fn count(&mut self, kind: &EventKind) {
        match kind {
            EventKind::Received { data, .. } => self.received(data.len()),
            EventKind::Sent { data, .. } => {
                self.bytes_out += data.len() as u64;
                self.msgs_out += 1;
            }
            EventKind::Flooded { msgs, bytes } => {
                self.bytes_out += bytes;
                self.msgs_out += msgs;
            }
            _ => {}
        }
    }
}

/// A socket's counters and rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SockStats {
    /// Bytes and messages so far, each way.
    pub counters: Counters,
    /// Seconds since the previous `stats` of this socket (or since it was created).
    pub secs: f64,
    /// Bytes per second received over those seconds.
    pub rate_in: f64,
    /// Bytes per second sent over those seconds.
    pub rate_out: f64,
}

/// What a host name resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The name.
    pub host: String,
    /// Every address it gave.
    pub addrs: Vec<std::net::SocketAddr>,
    /// The one used (the first of the socket's family).
    pub chosen: std::net::SocketAddr,
}

/// A socket setting that a command changed, as reported back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// A command's host name resolved (off the engine thread); the command runs next.
    Resolved(Box<Resolution>),
    /// Receive framing.
    Framing(Framing),
    /// Bytes per `recv`.
    RecvSize(usize),
    /// Step mode on or off.
    Manual(bool),
    /// A rule was appended; the table now has `count` rules.
    RuleAdded {
        /// The rule.
        rule: Rule,
        /// Rules in the table.
        count: usize,
    },
    /// The rule table was emptied.
    RulesCleared,
    /// The greeting for accepted connections.
    Greeting {
        /// The bytes, or `None` when switched off.
        data: Option<Arc<[u8]>>,
        /// Whether the connection closes after it.
        close: bool,
    },
    /// A repeat started.
    Repeating {
        /// Sends planned (`None`: until stopped).
        count: Option<u64>,
        /// Time between sends.
        every: std::time::Duration,
    },
    /// A flood started.
    Flooding {
        /// Bytes per send.
        size: usize,
        /// Sends per second, or `None` for as fast as possible.
        rate: Option<u64>,
    },
    /// A chunked send started.
    Chunking {
        /// Bytes per piece.
        size: usize,
        /// Time between pieces.
        delay: std::time::Duration,
        /// Bytes in all.
        total: usize,
    },
    /// A socket option, as read back from the kernel.
    Option {
        /// The option.
        opt: SockOpt,
        /// Its value now.
        value: String,
    },
    /// Joined a multicast group.
    Joined(std::net::IpAddr),
    /// Left a multicast group.
    Left(std::net::IpAddr),
    /// What a listener does with a connection it accepted once the peer has closed.
    OnClose(OnClose),
    /// `relay`: where each client goes (and a UDP session's idle time); `None`: off.
    Relay(Option<Box<(Addr, Option<std::time::Duration>)>>),
    /// This socket is one side of a relayed pair; `partner` is the other side.
    RelayLink {
        /// The other side.
        partner: SockId,
        /// True for the side that faces the server (sockscope↔server).
        upstream: bool,
    },
    /// The faults one direction of a relay injects now.
    Faults {
        /// The direction.
        dir: crate::engine::relay::fault::Dir,
        /// Every fault in force.
        faults: Box<crate::engine::relay::fault::Faults>,
    },
}

impl EventKind {
    /// A short lower-case name of the event (`bound`, `received`, …), as in the JSON output.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Created { .. } => "created",
            EventKind::Bound { .. } => "bound",
            EventKind::Listening { .. } => "listening",
            EventKind::Accepted { .. } => "accepted",
            EventKind::Connecting { .. } => "connecting",
            EventKind::Connected { .. } => "connected",
            EventKind::Sent { .. } => "sent",
            EventKind::SendProgress { .. } => "progress",
            EventKind::Received { .. } => "received",
            EventKind::PeerClosed => "peer-closed",
            EventKind::Shut { .. } => "shutdown",
            EventKind::AutoAccept { .. } => "auto-accept",
            EventKind::Responding { .. } => "responding",
            EventKind::Closed => "closed",
            EventKind::Reset => "reset",
            EventKind::Status(_) => "status",
            EventKind::Failed(_) => "error",
            EventKind::Message { .. } => "message",
            EventKind::Readiness { .. } => "ready",
            EventKind::WouldBlock => "would-block",
            EventKind::Set(_) => "set",
            EventKind::RepeatDone { .. } => "repeat-done",
            EventKind::Flooded { .. } => "flooded",
            EventKind::Stats(_) => "stats",
            EventKind::Tls(_) => "tls",
        }
    }
}

/// The state of a socket, as a person reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SockState {
    /// Created, no address yet.
    Created,
    /// Bound to a local address.
    Bound,
    /// TCP: listening for connections.
    Listening,
    /// TCP: connect under way.
    Connecting,
    /// TCP: connected; UDP: peer fixed.
    Connected,
    /// One direction is finished (peer closed, or shut down locally).
    HalfClosed,
    /// TCP: the peer reset the connection (RST, `ECONNRESET`): it is gone in both
    /// directions, unlike the orderly close of [`SockState::HalfClosed`].
    Reset,
    /// Closed.
    Closed,
}

impl fmt::Display for SockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SockState::Created => "created",
            SockState::Bound => "bound",
            SockState::Listening => "listening",
            SockState::Connecting => "connecting",
            SockState::Connected => "connected",
            SockState::HalfClosed => "half-closed",
            SockState::Reset => "reset",
            SockState::Closed => "closed",
        })
    }
}

/// One socket as `status` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketInfo {
    /// Its id.
    pub id: SockId,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// TCP, UDP, or a Unix stream or datagram socket.
    pub proto: Proto,
    /// IPv4, IPv6, or Unix (path and abstract addresses).
    pub family: Family,
    /// Where it is in its lifecycle.
    pub state: SockState,
    /// The listener it was accepted from.
    pub parent: Option<SockId>,
    /// Local address, once bound.
    pub local: Option<Addr>,
    /// Peer address, once connected.
    pub peer: Option<Addr>,
    /// Bytes and messages so far, each way.
    pub counters: Counters,
    /// A listener's policy for its connections once their peer has closed: `Some(None)`
    /// for the default (auto-accepted ones close, those accepted by hand are kept);
    /// `None` for sockets that do not listen.
    pub on_close: Option<Option<OnClose>>,
    /// The kernel's TCP state (`ESTABLISHED`, `CLOSE_WAIT`, …) for TCP sockets.
    pub tcp_state: Option<&'static str>,
    /// A listening TCP socket's accept queue, as the kernel reports it.
    pub accept_queue: Option<super::AcceptQueue>,
    /// TLS: the handshake's summary (`TLS 1.3 · TLS_AES_128_GCM_SHA256 · h2`), or
    /// `TLS server` for a TLS listener.
    pub tls: Option<String>,
}

// Every event is kept by the session log: keep them small. The log must hold 1,000,000
// entries within 128 bytes an entry, and the log's `Vec`, grown by doubling, holds 1,048,576 slots
// for them (+4.9 %): an entry (`Event` + 8 bytes, see `log::Record`) must stay within 120 B,
// so `Event` within 112 B and `EventKind` within 80 B. A variant that grows past this should
// box its rare fields.
const _: () = assert!(std::mem::size_of::<EventKind>() <= 80);
const _: () = assert!(std::mem::size_of::<Event>() <= 112);
