//! Errors as data: which operation failed, on what address, and why, in plain words.

use std::fmt;
use std::io;
use std::time::Duration;

use super::addr::Addr;

/// The operation that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Creating a socket.
    Socket,
    /// `bind`.
    Bind,
    /// `listen`.
    Listen,
    /// `accept`.
    Accept,
    /// `connect`.
    Connect,
    /// `send`.
    Send,
    /// `sendto`.
    SendTo,
    /// Receiving in the background.
    Recv,
    /// `shutdown`.
    Shutdown,
    /// `close`.
    Close,
    /// Setting a responder.
    Respond,
    /// Resolving a host name or `$ID`.
    Resolve,
    /// Reading a `file:` payload.
    ReadFile,
    /// `status`.
    Status,
    /// Changing a setting (framing, receive size, step mode, rules, greeting).
    Set,
    /// `option`.
    Option,
    /// `join`.
    Join,
    /// `leave`.
    Leave,
    /// `repeat` (and `repeat ID stop`).
    Repeat,
    /// `chunked`.
    Chunked,
    /// `flood`.
    Flood,
    /// `abort`.
    Abort,
    /// `ready`.
    Ready,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Socket => "socket",
            Op::Bind => "bind",
            Op::Listen => "listen",
            Op::Accept => "accept",
            Op::Connect => "connect",
            Op::Send => "send",
            Op::SendTo => "sendto",
            Op::Recv => "recv",
            Op::Shutdown => "shutdown",
            Op::Close => "close",
            Op::Respond => "respond",
            Op::Resolve => "resolve",
            Op::ReadFile => "read file",
            Op::Status => "status",
            Op::Set => "set",
            Op::Option => "option",
            Op::Join => "join",
            Op::Leave => "leave",
            Op::Repeat => "repeat",
            Op::Chunked => "chunked",
            Op::Flood => "flood",
            Op::Abort => "abort",
            Op::Ready => "ready",
        })
    }
}

/// Why an operation failed, in words a person understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Cause {
    /// `EADDRINUSE`.
    #[error("address already in use (another socket holds this port; port 0 picks a free one)")]
    AddrInUse,
    /// `EADDRNOTAVAIL`.
    #[error("address not available (no interface of this machine has that IP)")]
    AddrNotAvailable,
    /// `EACCES`/`EPERM`; `privileged` when a port below 1024 was asked for.
    #[error("permission denied{}", if *.privileged { " (ports below 1024 need root or CAP_NET_BIND_SERVICE; pick a port of 1024 or above, or 0)" } else { "" })]
    PermissionDenied {
        /// True when the port was below 1024.
        privileged: bool,
    },
    /// `ECONNREFUSED`.
    #[error("connection refused (nothing listens at that address)")]
    Refused,
    /// `ECONNRESET`.
    #[error("connection reset by peer")]
    Reset,
    /// `EPIPE`.
    #[error("broken pipe (the peer has closed the connection)")]
    BrokenPipe,
    /// A timeout.
    #[error("timed out after {}", fmt_duration(*.0))]
    TimedOut(Duration),
    /// `ENETUNREACH`.
    #[error("network unreachable (no route to that network)")]
    NetUnreachable,
    /// `EHOSTUNREACH`.
    #[error("host unreachable")]
    HostUnreachable,
    /// A command not valid in the socket's state.
    #[error("{0}")]
    InvalidState(String),
    /// The socket reference names no socket.
    #[error("no socket {0} (ids are s1, s2, …; names are given with `as NAME`)")]
    NoSuchSocket(String),
    /// A host name that did not resolve.
    #[error("cannot resolve {0}")]
    Unresolved(String),
    /// The process (EMFILE) or the system (ENFILE) has no descriptor left.
    #[error(
        "too many open files: the limit on descriptors is reached (close sockets, or raise `ulimit -n`)"
    )]
    TooManyFiles,
    /// Any other OS error, with the OS's text.
    #[error("{0}")]
    Os(String),
}

fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

impl Cause {
    /// Classifies an OS error; `addr` is the address the operation used (for the low-port hint).
    pub fn from_io(e: &io::Error, addr: Option<&Addr>) -> Cause {
        let privileged = matches!(addr, Some(Addr::Ip(a)) if a.port() != 0 && a.port() < 1024);
        match e.raw_os_error() {
            Some(libc::EADDRINUSE) => Cause::AddrInUse,
            Some(libc::EADDRNOTAVAIL) => Cause::AddrNotAvailable,
            Some(libc::EACCES) | Some(libc::EPERM) => Cause::PermissionDenied { privileged },
            Some(libc::ECONNREFUSED) => Cause::Refused,
            Some(libc::ECONNRESET) => Cause::Reset,
            Some(libc::EPIPE) => Cause::BrokenPipe,
            Some(libc::ETIMEDOUT) => Cause::TimedOut(Duration::ZERO),
            Some(libc::ENETUNREACH) => Cause::NetUnreachable,
            Some(libc::EHOSTUNREACH) => Cause::HostUnreachable,
            Some(libc::EMFILE) | Some(libc::ENFILE) => Cause::TooManyFiles,
            _ => Cause::Os(strip_os_code(&e.to_string())),
        }
    }
}

/// `io::Error`'s text without the trailing ` (os error N)`.
fn strip_os_code(text: &str) -> String {
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text.to_lowercase(),
    }
}

/// A failed operation: what, where, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpError {
    /// The operation.
    pub op: Op,
    /// The address it used, if any.
    pub addr: Option<Addr>,
    /// Why it failed.
    pub cause: Cause,
}

impl OpError {
    /// An error of `op` with a cause and no address.
    pub fn new(op: Op, cause: Cause) -> OpError {
        OpError {
            op,
            addr: None,
            cause,
        }
    }

    /// An error of `op` on `addr`.
    pub fn at(op: Op, addr: &Addr, cause: Cause) -> OpError {
        OpError {
            op,
            addr: Some(addr.clone()),
            cause,
        }
    }

    /// An OS error of `op`, classified.
    pub fn io(op: Op, addr: Option<&Addr>, e: &io::Error) -> OpError {
        OpError {
            op,
            addr: addr.cloned(),
            cause: Cause::from_io(e, addr),
        }
    }

    /// A command refused in the socket's current state.
    pub fn state(op: Op, why: impl Into<String>) -> OpError {
        OpError::new(op, Cause::InvalidState(why.into()))
    }
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.addr {
            Some(a) => write!(f, "{} {}: {}", self.op, a, self.cause),
            None => write!(f, "{}: {}", self.op, self.cause),
        }
    }
}

impl std::error::Error for OpError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(code: i32) -> io::Error {
        io::Error::from_raw_os_error(code)
    }

    #[test]
    fn os_errors_read_as_plain_words_with_hints() {
        let low: Addr = "127.0.0.1:80"
            .parse::<std::net::SocketAddr>()
            .map(Addr::Ip)
            .expect("addr");
        let high: Addr = "127.0.0.1:8080"
            .parse::<std::net::SocketAddr>()
            .map(Addr::Ip)
            .expect("addr");
        let e = OpError::io(Op::Bind, Some(&low), &os(libc::EACCES));
        assert!(e.to_string().contains("ports below 1024"), "{e}");
        let e = OpError::io(Op::Bind, Some(&high), &os(libc::EACCES));
        assert_eq!(e.to_string(), "bind 127.0.0.1:8080: permission denied");
        for (code, words) in [
            (libc::EADDRINUSE, "address already in use"),
            (libc::ECONNREFUSED, "connection refused"),
            (libc::ECONNRESET, "reset by peer"),
            (libc::ENETUNREACH, "network unreachable"),
            (libc::EHOSTUNREACH, "host unreachable"),
            (libc::ETIMEDOUT, "timed out"),
            (libc::EADDRNOTAVAIL, "address not available"),
        ] {
            let e = OpError::io(Op::Connect, Some(&high), &os(code));
            assert!(e.to_string().contains(words), "{code}: {e}");
            assert!(e.to_string().starts_with("connect 127.0.0.1:8080: "), "{e}");
        }
        let e = OpError::io(Op::Send, None, &os(libc::EMSGSIZE));
        assert!(!e.to_string().contains("os error"), "no raw OS codes: {e}");
    }
}
