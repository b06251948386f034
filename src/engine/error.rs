//! Errors as data: which operation failed, on what address, and why, in plain words. A
//! step refused by the state machine carries its [`Refusal`]; an OS error keeps its errno.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::engine::addr::Addr;
use crate::engine::fsm::Refusal;

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
    /// `tls` (a handshake, or a TLS setting).
    Tls,
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
            Op::Tls => "tls",
        })
    }
}

/// Why an operation failed, in words a person understands. A cause that came from the OS
/// shows its errno's name and number after the words (`connection refused (nothing listens
/// at that address) (ECONNREFUSED, errno 111)`), so that a user can search for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// `EADDRINUSE`.
    AddrInUse,
    /// `EADDRNOTAVAIL`.
    AddrNotAvailable,
    /// `EACCES`/`EPERM`; `privileged` when a port below 1024 was asked for.
    PermissionDenied {
        /// True when the port was below 1024.
        privileged: bool,
        /// `EACCES` or `EPERM`.
        errno: i32,
    },
    /// `ECONNREFUSED`.
    Refused,
    /// `ECONNRESET`.
    Reset,
    /// `EPIPE`.
    BrokenPipe,
    /// sockscope's own time limit (of `accept` or `connect`) ran out.
    TimedOut(Duration),
    /// `ETIMEDOUT`: the kernel gave up, its retransmission timer (or, with `keepalive`
    /// on, its keepalive probes) finding no answer from the peer.
    KernelTimedOut {
        /// True when it happened during a connect (the SYN was never answered).
        connecting: bool,
    },
    /// `ENETUNREACH`.
    NetUnreachable,
    /// `EHOSTUNREACH`.
    HostUnreachable,
    /// A step refused: not valid in the socket's state, or an argument out of range
    /// (boxed: events stay small).
    Refusal(Box<Refusal>),
    /// The socket reference names no socket.
    NoSuchSocket(String),
    /// A host name that did not resolve.
    Unresolved(String),
    /// The process has no descriptor left (`EMFILE`).
    TooManyFiles,
    /// The whole system has no descriptor left (`ENFILE`).
    SystemTooManyFiles,
    /// Any other OS error: its errno and the OS's text.
    Os {
        /// The errno (`libc::EMSGSIZE`, …).
        errno: i32,
        /// The OS's text for it, lower-case, without `(os error N)`.
        text: String,
    },
}

impl Cause {
    /// The OS error number this cause came from, if it came from the OS.
    pub fn errno(&self) -> Option<i32> {
        Some(match self {
            Cause::AddrInUse => libc::EADDRINUSE,
            Cause::AddrNotAvailable => libc::EADDRNOTAVAIL,
            Cause::PermissionDenied { errno, .. } => *errno,
            // An `io::Error` made by Rust, not by the OS, has no errno (0 here).
            Cause::Os { errno, .. } => return (*errno != 0).then_some(*errno),
            Cause::Refused => libc::ECONNREFUSED,
            Cause::Reset => libc::ECONNRESET,
            Cause::BrokenPipe => libc::EPIPE,
            Cause::KernelTimedOut { .. } => libc::ETIMEDOUT,
            Cause::NetUnreachable => libc::ENETUNREACH,
            Cause::HostUnreachable => libc::EHOSTUNREACH,
            Cause::TooManyFiles => libc::EMFILE,
            Cause::SystemTooManyFiles => libc::ENFILE,
            Cause::TimedOut(_)
            | Cause::Refusal(_)
            | Cause::NoSuchSocket(_)
            | Cause::Unresolved(_) => return None,
        })
    }

    /// The plain words, without the errno.
    pub fn words(&self) -> String {
        match self {
            Cause::AddrInUse => {
                "address already in use (another socket holds this port; port 0 picks a free one)"
                    .into()
            }
            Cause::AddrNotAvailable => {
                "address not available (no interface of this machine has that IP)".into()
            }
            Cause::PermissionDenied { privileged, .. } => format!(
                "permission denied{}",
                if *privileged {
                    " (ports below 1024 need root or CAP_NET_BIND_SERVICE; pick a port of 1024 or above, or 0)"
                } else {
                    ""
                }
            ),
            Cause::Refused => "connection refused (nothing listens at that address)".into(),
            Cause::Reset => "connection reset by peer".into(),
            Cause::BrokenPipe => "broken pipe (the peer has closed the connection)".into(),
            Cause::TimedOut(d) => format!("timed out after {}", fmt_duration(*d)),
            Cause::KernelTimedOut { connecting: true } => {
                "timed out: the kernel retransmitted the SYN until it gave up, no answer came"
                    .into()
            }
            Cause::KernelTimedOut { connecting: false } => {
                "timed out: the kernel's retransmission timer (or keepalive probes) got no answer from the peer, which is gone"
                    .into()
            }
            Cause::NetUnreachable => "network unreachable (no route to that network)".into(),
            Cause::HostUnreachable => "host unreachable".into(),
            Cause::Refusal(why) => why.to_string(),
            Cause::NoSuchSocket(r) => {
                format!("no socket {r} (ids are s1, s2, …; names are given with `as NAME`)")
            }
            Cause::Unresolved(host) => format!("cannot resolve {host}"),
            Cause::TooManyFiles => {
                "too many open files: the limit on descriptors is reached (close sockets, or raise `ulimit -n`)"
                    .into()
            }
            Cause::SystemTooManyFiles => {
                "too many open files in the system: the kernel's file table is full".into()
            }
            Cause::Os { text, .. } => text.clone(),
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.words())?;
        if let Some(n) = self.errno() {
            match crate::engine::errno::errno_name(n) {
                Some(name) => write!(f, " ({name}, errno {n})")?,
                None => write!(f, " (errno {n})")?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for Cause {}

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
        let Some(errno) = e.raw_os_error() else {
            return Cause::Os {
                errno: 0,
                text: strip_os_code(&e.to_string()),
            };
        };
        match errno {
            libc::EADDRINUSE => Cause::AddrInUse,
            libc::EADDRNOTAVAIL => Cause::AddrNotAvailable,
            libc::EACCES | libc::EPERM => Cause::PermissionDenied { privileged, errno },
            libc::ECONNREFUSED => Cause::Refused,
            libc::ECONNRESET => Cause::Reset,
            libc::EPIPE => Cause::BrokenPipe,
            libc::ETIMEDOUT => Cause::KernelTimedOut { connecting: false },
            libc::ENETUNREACH => Cause::NetUnreachable,
            libc::EHOSTUNREACH => Cause::HostUnreachable,
            libc::EMFILE => Cause::TooManyFiles,
            libc::ENFILE => Cause::SystemTooManyFiles,
            _ => Cause::Os {
                errno,
                text: strip_os_code(&e.to_string()),
            },
        }
    }

    /// The same cause with `prefix: ` put before an OS error's text (an option's or a
    /// group's name); other causes unchanged.
    pub fn prefixed(self, prefix: &str) -> Cause {
        match self {
            Cause::Os { errno, text } => Cause::Os {
                errno,
                text: format!("{prefix}: {text}"),
            },
            other => other,
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
        let mut cause = Cause::from_io(e, addr);
        if let Cause::KernelTimedOut { connecting } = &mut cause {
            *connecting = op == Op::Connect;
        }
        OpError {
            op,
            addr: addr.cloned(),
            cause,
        }
    }

    /// A step of `op` refused (see [`Refusal`]).
    pub fn state(op: Op, why: Refusal) -> OpError {
        OpError::new(op, Cause::Refusal(Box::new(why)))
    }

    /// The refusal, when this error is one.
    pub fn refusal(&self) -> Option<&Refusal> {
        match &self.cause {
            Cause::Refusal(r) => Some(r),
            _ => None,
        }
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
        assert_eq!(
            e.to_string(),
            "bind 127.0.0.1:8080: permission denied (EACCES, errno 13)"
        );
        for (code, name, words) in [
            (libc::EADDRINUSE, "EADDRINUSE", "address already in use"),
            (libc::ECONNREFUSED, "ECONNREFUSED", "connection refused"),
            (libc::ECONNRESET, "ECONNRESET", "reset by peer"),
            (libc::ENETUNREACH, "ENETUNREACH", "network unreachable"),
            (libc::EHOSTUNREACH, "EHOSTUNREACH", "host unreachable"),
            (libc::ETIMEDOUT, "ETIMEDOUT", "timed out"),
            (
                libc::EADDRNOTAVAIL,
                "EADDRNOTAVAIL",
                "address not available",
            ),
            (libc::EMFILE, "EMFILE", "too many open files: the limit"),
            (libc::ENFILE, "ENFILE", "too many open files in the system"),
            (libc::EPERM, "EPERM", "permission denied"),
            (libc::EPIPE, "EPIPE", "broken pipe"),
        ] {
            let e = OpError::io(Op::Connect, Some(&high), &os(code)).to_string();
            assert!(e.starts_with("connect 127.0.0.1:8080: "), "{e}");
            assert!(e.contains(words), "{code}: {e}");
            assert!(e.ends_with(&format!(" ({name}, errno {code})")), "{e}");
        }
        let e = OpError::io(Op::Send, None, &os(libc::EMSGSIZE));
        assert!(!e.to_string().contains("os error"), "no raw OS codes: {e}");
    }

    #[test]
    fn os_errors_keep_their_errno_name_and_number() {
        let e = OpError::io(Op::Connect, None, &os(libc::ECONNREFUSED));
        assert!(
            e.to_string().ends_with(
                "connection refused (nothing listens at that address) (ECONNREFUSED, errno 111)"
            ),
            "{e}"
        );
        assert_eq!(e.cause.errno(), Some(libc::ECONNREFUSED));
        // An error with no class of its own keeps its errno too (it was dropped before).
        let e = OpError::io(Op::Send, None, &os(libc::EMSGSIZE));
        assert_eq!(e.cause.errno(), Some(libc::EMSGSIZE));
        assert!(e.to_string().contains("(EMSGSIZE, errno 90)"), "{e}");
        // sockscope's own errors have no errno.
        let e = OpError::state(Op::Send, Refusal::Closed { label: "s1".into() });
        assert_eq!(e.to_string(), "send: s1 is closed");
        let e = OpError::new(Op::Accept, Cause::TimedOut(Duration::from_secs(2)));
        assert_eq!(e.to_string(), "accept: timed out after 2s");
    }

    #[test]
    fn the_kernels_timeout_says_which_timer_and_no_zero_duration() {
        let e = OpError::io(Op::Recv, None, &os(libc::ETIMEDOUT));
        let text = e.to_string();
        assert!(!text.contains("0ms"), "{text}");
        assert!(text.contains("retransmission"), "{text}");
        assert!(text.contains("keepalive"), "{text}");
        assert!(text.ends_with("(ETIMEDOUT, errno 110)"), "{text}");
        let e = OpError::io(Op::Connect, None, &os(libc::ETIMEDOUT));
        assert!(e.to_string().contains("SYN"), "{e}");
        assert!(!e.to_string().contains("0ms"), "{e}");
    }
}
