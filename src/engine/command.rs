//! The commands the engine takes: one variant per socket action of the command language.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::engine::addr::AddrSpec;
use crate::engine::event::SockId;
use crate::engine::framing::Framing;
use crate::engine::options::{OptValue, SockOpt};
pub use crate::engine::payload::Payload;
use crate::engine::responders::Rule;

/// Default listen backlog, as in the command language.
pub const DEFAULT_BACKLOG: u32 = 128;
/// How long a TCP connect waits when the command gives no duration.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Names a socket: by its id (`s3`) or by the name given with `as NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SockRef {
    /// The engine's id.
    Id(SockId),
    /// A user-chosen name.
    Name(String),
}

impl fmt::Display for SockRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SockRef::Id(id) => write!(f, "{id}"),
            SockRef::Name(n) => f.write_str(n),
        }
    }
}

impl From<SockId> for SockRef {
    fn from(id: SockId) -> Self {
        SockRef::Id(id)
    }
}

/// The transport of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Proto {
    /// A TCP stream socket (`SOCK_STREAM`).
    Tcp,
    /// A UDP datagram socket (`SOCK_DGRAM`).
    Udp,
    /// A Unix domain stream socket (`AF_UNIX`, `SOCK_STREAM`).
    UnixStream,
    /// A Unix domain datagram socket (`AF_UNIX`, `SOCK_DGRAM`).
    UnixDgram,
}

impl Proto {
    /// True for connection-oriented sockets (TCP, Unix stream): listen, accept, shutdown.
    pub fn is_stream(self) -> bool {
        matches!(self, Proto::Tcp | Proto::UnixStream)
    }

    /// True for Unix domain sockets.
    pub fn is_unix(self) -> bool {
        matches!(self, Proto::UnixStream | Proto::UnixDgram)
    }

    /// The family a socket of this transport has by default.
    pub fn default_family(self) -> Family {
        if self.is_unix() {
            Family::Unix
        } else {
            Family::V4
        }
    }
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::UnixStream => "unix-stream",
            Proto::UnixDgram => "unix-dgram",
        })
    }
}

/// The address family of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Family {
    /// `AF_INET`.
    V4,
    /// `AF_INET6`.
    V6,
    /// `AF_UNIX`: addresses are file paths or `@abstract` names.
    Unix,
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "v4",
            Family::V6 => "v6",
            Family::Unix => "unix",
        })
    }
}

/// Which half of a TCP connection `shutdown` closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum How {
    /// `SHUT_RD`: stop receiving.
    Read,
    /// `SHUT_WR`: send FIN; the peer sees end of stream.
    Write,
    /// `SHUT_RDWR`: both.
    Both,
}

impl fmt::Display for How {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            How::Read => "read",
            How::Write => "write",
            How::Both => "both",
        })
    }
}

/// An automatic reply to whatever a socket receives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Responder {
    /// No automatic reply.
    Off,
    /// Send back what arrived.
    Echo,
    /// Send back what arrived, ASCII letters upper-cased.
    Upper,
    /// Send these bytes in reply to each arrival.
    Fixed(Payload),
}

/// When a flood stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FloodLimit {
    /// After this many sends.
    Count(u64),
    /// After this long.
    Time(Duration),
}

/// One action on the engine's sockets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Command {
    /// `socket tcp|udp [v4|v6] [as NAME]` or `socket unix [stream|dgram] [as NAME]`: create
    /// an unbound socket.
    Socket {
        /// TCP, UDP, or a Unix stream or datagram socket.
        proto: Proto,
        /// IPv4, IPv6, or Unix (path and abstract addresses).
        family: Family,
        /// Optional name of the user's choice.
        name: Option<String>,
    },
    /// `bind ID ADDR`.
    Bind {
        /// The socket.
        sock: SockRef,
        /// Where to bind; port 0 lets the OS choose.
        addr: AddrSpec,
    },
    /// `listen ID [BACKLOG]`.
    Listen {
        /// The socket.
        sock: SockRef,
        /// The backlog; `None` means [`DEFAULT_BACKLOG`].
        backlog: Option<u32>,
    },
    /// `accept ID [as NAME] [DURATION]`: accept one pending connection.
    Accept {
        /// The listening socket.
        sock: SockRef,
        /// A name for the accepted connection.
        name: Option<String>,
        /// How long to wait for a connection; `None` waits until one arrives or the socket closes.
        timeout: Option<Duration>,
    },
    /// `accept ID auto [on|off]`: accept every connection as it arrives.
    AcceptAuto {
        /// The listening socket.
        sock: SockRef,
        /// Whether auto-accept is switched on.
        on: bool,
    },
    /// `onclose ID close|keep`: what a listener does with a connection it accepted once the
    /// peer has closed its side.
    OnClose {
        /// The listening socket.
        sock: SockRef,
        /// Close our side too, or keep the connection half-open.
        policy: OnClose,
    },
    /// `connect ID ADDR [DURATION]`.
    Connect {
        /// The socket.
        sock: SockRef,
        /// The peer.
        addr: AddrSpec,
        /// TCP: how long to wait; `None` means [`DEFAULT_CONNECT_TIMEOUT`].
        timeout: Option<Duration>,
    },
    /// `send ID PAYLOAD`: send all of it on a connected socket.
    Send {
        /// The socket.
        sock: SockRef,
        /// What to send.
        payload: Payload,
    },
    /// `sendto ID ADDR PAYLOAD`: one UDP datagram.
    SendTo {
        /// The socket.
        sock: SockRef,
        /// The destination.
        addr: AddrSpec,
        /// What to send.
        payload: Payload,
    },
    /// `respond ID echo|upper|off|PAYLOAD`.
    Respond {
        /// The socket (a listener's responder serves its accepted connections).
        sock: SockRef,
        /// The reply rule.
        responder: Responder,
    },
    /// `shutdown ID read|write|both`.
    Shutdown {
        /// The socket.
        sock: SockRef,
        /// Which half.
        how: How,
    },
    /// `close ID`.
    Close {
        /// The socket.
        sock: SockRef,
    },
    /// `status`: a snapshot of every socket.
    Status,
    /// `status ID`: a snapshot of one socket and the connections it accepted.
    StatusOf {
        /// The socket.
        sock: SockRef,
    },
    /// `frame ID raw|lines|crlf|delim PAYLOAD|len1|len2be|len2le|len4be|len4le|fixed N`:
    /// how received stream bytes are cut into messages.
    Frame {
        /// The socket (a listener passes it on to its accepted connections).
        sock: SockRef,
        /// The framing.
        framing: Framing,
    },
    /// `recvsize ID N`: read at most N bytes per `recv` (1 to 65536), as `recv(N)` does.
    RecvSize {
        /// The socket (a listener passes it on).
        sock: SockRef,
        /// Bytes per read.
        size: usize,
    },
    /// `recvmode ID auto|manual`: receive in the background, or only on `recv` (step mode).
    RecvMode {
        /// The socket.
        sock: SockRef,
        /// True for step mode.
        manual: bool,
    },
    /// `recv ID [N]`: in step mode, one `recv` of at most N bytes now.
    Recv {
        /// The socket.
        sock: SockRef,
        /// Bytes to read at most; `None` means the socket's receive size.
        max: Option<usize>,
    },
    /// `ready ID`: readable / writable as `select()` would say, without consuming anything.
    Ready {
        /// The socket.
        sock: SockRef,
    },
    /// `rule ID add …`: append a rule to the socket's reply table.
    RuleAdd {
        /// The socket (a listener's rules serve its connections).
        sock: SockRef,
        /// The rule.
        rule: Rule,
    },
    /// `rule ID clear`: empty the reply table.
    RuleClear {
        /// The socket.
        sock: SockRef,
    },
    /// `greet ID PAYLOAD [close]` / `greet ID off`: what a listener sends each accepted connection.
    Greet {
        /// The listening socket.
        sock: SockRef,
        /// The greeting; `None` switches it off.
        greeting: Option<Payload>,
        /// Close the connection once the greeting is sent.
        close: bool,
    },
    /// `repeat ID COUNT|forever INTERVAL PAYLOAD [to ADDR]`: send again and again; the payload
    /// may hold `{counter}`, `{time}`, `{random}`.
    Repeat {
        /// The socket.
        sock: SockRef,
        /// How many sends; `None` until stopped.
        count: Option<u64>,
        /// Time between sends.
        every: Duration,
        /// The payload template.
        payload: Payload,
        /// Destination for an unconnected UDP socket.
        to: Option<AddrSpec>,
    },
    /// `repeat ID stop`: stop a repeat or a chunked send.
    RepeatStop {
        /// The socket.
        sock: SockRef,
    },
    /// `chunked ID SIZE DELAY PAYLOAD`: send the payload in pieces of SIZE bytes, DELAY apart.
    Chunked {
        /// The socket.
        sock: SockRef,
        /// Bytes per piece.
        size: usize,
        /// Time between pieces.
        delay: Duration,
        /// What to send.
        payload: Payload,
    },
    /// `option ID NAME [VALUE]`: set an option, or read it back with no value.
    SetOption {
        /// The socket.
        sock: SockRef,
        /// The option.
        opt: SockOpt,
        /// The value to set; `None` only reads.
        value: Option<OptValue>,
    },
    /// `join ID GROUP [INTERFACE]`: join a multicast group.
    Join {
        /// The UDP socket.
        sock: SockRef,
        /// The group address.
        group: IpAddr,
        /// IPv4: the interface's address; IPv6: its name or index.
        iface: Option<String>,
    },
    /// `leave ID GROUP [INTERFACE]`.
    Leave {
        /// The UDP socket.
        sock: SockRef,
        /// The group address.
        group: IpAddr,
        /// As for `join`.
        iface: Option<String>,
    },
    /// `abort ID`: close with linger 0, so the peer gets a reset instead of an orderly close.
    Abort {
        /// The socket.
        sock: SockRef,
    },
    /// `flood ID SIZE max|N/s COUNT|DURATION [to ADDR]`: send SIZE-byte messages as fast as
    /// possible or N per second, reporting totals a few times a second instead of each send.
    Flood {
        /// The socket.
        sock: SockRef,
        /// Bytes per send.
        size: usize,
        /// Sends per second; `None` for as fast as the socket takes them.
        rate: Option<u64>,
        /// When to stop.
        limit: FloodLimit,
        /// Destination for an unconnected UDP socket.
        to: Option<AddrSpec>,
    },
    /// `stats ID`: counters and rates of one socket.
    Stats {
        /// The socket.
        sock: SockRef,
    },
    /// `tls ID client|server …`: TLS on a connected stream (now) or a listener (for each
    /// connection it accepts).
    Tls {
        /// The socket.
        sock: SockRef,
        /// Which side, and its settings.
        spec: crate::engine::tls::TlsSpec,
    },
    /// `tls ID save-cert FILE`: write the certificate a TLS server presents (PEM).
    TlsSaveCert {
        /// The socket.
        sock: SockRef,
        /// Where to write it.
        path: PathBuf,
    },
    /// `relay ID to ADDR [idle DURATION]` / `relay ID off`: relay every connection a TCP
    /// listener accepts (every client of a bound UDP socket) to ADDR.
    Relay {
        /// The listener or bound UDP socket.
        sock: SockRef,
        /// The upstream address; `None` for `off`.
        to: Option<AddrSpec>,
        /// UDP: how long a session lives without traffic (`None`: 60 s).
        idle: Option<Duration>,
    },
    /// `fault ID [up|down] FAULT`: a fault one direction (both without `up`/`down`) of a
    /// relay injects from now on.
    Fault {
        /// The relay socket (or one side of a relayed pair).
        sock: SockRef,
        /// The direction; `None` for both.
        dir: Option<crate::engine::relay::fault::Dir>,
        /// The fault.
        fault: crate::engine::relay::fault::Fault,
    },
}

/// What a listener does with a connection it accepted once the peer has closed its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnClose {
    /// Close our side too, once nothing is left to send (what servers do). The default for
    /// auto-accepted connections.
    Close,
    /// Keep the connection half-open (in `CLOSE_WAIT`), for study. The default for
    /// connections accepted by an `accept` command.
    Keep,
}

impl fmt::Display for OnClose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OnClose::Close => "close",
            OnClose::Keep => "keep",
        })
    }
}
