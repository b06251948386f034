//! The commands the engine takes: one variant per socket action of the command language.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::addr::AddrSpec;
use super::event::SockId;

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
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
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
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "v4",
            Family::V6 => "v6",
        })
    }
}

/// Bytes to send: given inline, or read from a file when the command runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Payload {
    /// The bytes themselves (from quoted text or `hex:`).
    Bytes(Vec<u8>),
    /// `file:PATH`: the file's contents, read when the command runs.
    File(PathBuf),
}

impl Payload {
    /// The bytes to send, reading the file for `file:` payloads.
    pub fn load(&self) -> std::io::Result<Vec<u8>> {
        match self {
            Payload::Bytes(b) => Ok(b.clone()),
            Payload::File(p) => std::fs::read(p),
        }
    }
}

impl From<&str> for Payload {
    fn from(s: &str) -> Self {
        Payload::Bytes(s.as_bytes().to_vec())
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

/// One action on the engine's sockets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Command {
    /// `socket tcp|udp [v4|v6] [as NAME]`: create an unbound socket.
    Socket {
        /// TCP or UDP.
        proto: Proto,
        /// IPv4 or IPv6.
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
}

impl Command {
    /// The socket the command acts on, if any.
    pub fn target(&self) -> Option<&SockRef> {
        match self {
            Command::Socket { .. } | Command::Status => None,
            Command::Bind { sock, .. }
            | Command::Listen { sock, .. }
            | Command::Accept { sock, .. }
            | Command::AcceptAuto { sock, .. }
            | Command::Connect { sock, .. }
            | Command::Send { sock, .. }
            | Command::SendTo { sock, .. }
            | Command::Respond { sock, .. }
            | Command::Shutdown { sock, .. }
            | Command::Close { sock } => Some(sock),
        }
    }
}
