//! Errors and states explained for a learner: for an engine error, the BSD call that
//! failed, the errno's name, what it means, the usual cause and what to try; for each
//! socket state, what it means and what to do next. GUI-free: the app shows these in the
//! log's detail, `run --explain` and `shell --explain` print them under an error.

use std::fmt;

use crate::engine::{Cause, Op, OpError, SockState, errno_name};

/// What a learner is told about one error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The call that failed, as the tutorials write it (`connect()`).
    pub call: &'static str,
    /// The errno's name (`ECONNREFUSED`), when the OS reported one.
    pub errno: Option<&'static str>,
    /// What it means.
    pub meaning: &'static str,
    /// What usually causes it.
    pub cause: &'static str,
    /// What to try.
    pub try_next: &'static str,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errno {
            Some(e) => write!(f, "{} failed with {e}: ", self.call)?,
            None => write!(f, "{} was refused: ", self.call)?,
        }
        write!(
            f,
            "{} Usually: {} Try: {}",
            self.meaning, self.cause, self.try_next
        )
    }
}

/// The BSD call behind an operation.
pub fn call_of(op: Op) -> &'static str {
    match op {
        Op::Socket => "socket()",
        Op::Bind => "bind()",
        Op::Listen => "listen()",
        Op::Accept => "accept()",
        Op::Connect => "connect()",
        Op::Send | Op::Repeat | Op::Chunked | Op::Flood => "send()",
        Op::SendTo => "sendto()",
        Op::Recv => "recv()",
        Op::Shutdown => "shutdown()",
        Op::Close | Op::Abort => "close()",
        Op::Option => "setsockopt()",
        Op::Join | Op::Leave => "setsockopt(IP_ADD_MEMBERSHIP)",
        Op::Resolve => "getaddrinfo()",
        Op::ReadFile => "open()/read()",
        Op::Respond | Op::Set | Op::Status | Op::Ready => "the command",
        Op::Tls => "the TLS handshake (rustls)",
    }
}

/// `(meaning, usual cause, what to try)`.
#[derive(Clone, Copy)]
struct Help(&'static str, &'static str, &'static str);

/// What an errno means, its usual cause and what to try, by errno (EINVAL, whose cause
/// depends on the call, is [`einval`]).
const BY_ERRNO: &[(&[i32], Help)] = &[
    (
        &[libc::EADDRINUSE],
        Help(
            "another socket already holds this address and port.",
            "a server still running (or a second one started), or a closed connection's port held in TIME-WAIT.",
            "bind to port 0 and let the OS choose, stop the other program (`ss -ltnp` shows it), or set SO_REUSEADDR before bind.",
        ),
    ),
    (
        &[libc::EADDRNOTAVAIL],
        Help(
            "no interface of this machine has that IP address.",
            "a typo in the address, or an address of another machine.",
            "bind to 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).",
        ),
    ),
    (
        &[libc::EACCES, libc::EPERM],
        Help(
            "the kernel did not allow it.",
            "ports below 1024 need root (or CAP_NET_BIND_SERVICE); a broadcast needs SO_BROADCAST; a firewall rule.",
            "use a port of 1024 or above (or 0), or turn the needed option on first.",
        ),
    ),
    (
        &[libc::ECONNREFUSED],
        Help(
            "the peer's machine answered, but nothing listens on that port (it sent a reset; for UDP, an ICMP port unreachable).",
            "the server is not started, listens on another port, or is bound to another address.",
            "start the server first, check its port (`status`), and connect to the address it is bound to.",
        ),
    ),
    (
        &[libc::ECONNRESET],
        Help(
            "the peer reset the connection (RST): it is gone in both directions.",
            "the peer closed with data still unread, crashed, or aborted (linger 0).",
            "read everything before closing; the other side should shutdown(SHUT_WR) and read until recv() returns 0.",
        ),
    ),
    (
        &[libc::EPIPE],
        Help(
            "writing to a connection the peer has already closed.",
            "the peer closed (or reset) while this side was still sending.",
            "watch for recv() returning 0 (the peer's FIN) and stop sending then.",
        ),
    ),
    (
        &[libc::ETIMEDOUT],
        Help(
            "the kernel gave up waiting for an answer.",
            "a connect to an address where nothing answers (a firewall dropping packets, a machine that is down), or a peer that vanished mid-connection.",
            "check the address and that the machine is up; a refused connect fails at once, a dropped one only after the retries.",
        ),
    ),
    (
        &[libc::ENETUNREACH],
        Help(
            "there is no route to that network.",
            "no default route, or an IPv6 address on a machine without IPv6.",
            "check the address and the machine's routes (`ip route`).",
        ),
    ),
    (
        &[libc::EHOSTUNREACH],
        Help(
            "the host cannot be reached.",
            "the machine is down or a router answered that it cannot reach it.",
            "check the address, and that the host is up.",
        ),
    ),
    (
        &[libc::EMFILE],
        Help(
            "this process has no file descriptor left.",
            "too many sockets open at once, or connections never closed.",
            "close sockets you are done with, or raise the limit (`ulimit -n`).",
        ),
    ),
    (
        &[libc::ENFILE],
        Help(
            "the whole system has no file descriptor left.",
            "some program holds a great many files or sockets.",
            "close what is not needed; raise fs.file-max.",
        ),
    ),
    (
        &[libc::EMSGSIZE],
        Help(
            "the datagram is larger than the socket can send in one piece.",
            "a UDP payload over 65,507 bytes (IPv4), or over the path's MTU with don't-fragment set.",
            "send smaller datagrams, or use TCP for large data.",
        ),
    ),
    (
        &[libc::ENOTCONN],
        Help(
            "the socket is not connected.",
            "send() on a TCP socket before connect() or accept(), or on a UDP socket without connect().",
            "connect first, or use sendto() with an address.",
        ),
    ),
    (
        &[libc::EISCONN],
        Help(
            "the socket is already connected.",
            "a second connect() on the same socket.",
            "make a new socket for a new connection.",
        ),
    ),
    (
        &[libc::EAFNOSUPPORT],
        Help(
            "the address family does not fit the socket.",
            "an IPv6 address on an IPv4 socket, or the other way round.",
            "make the socket of the address's family (IPv6 is a checkbox beside + TCP / + UDP).",
        ),
    ),
    (
        &[libc::ENOENT],
        Help(
            "there is no such file.",
            "a Unix socket path where nothing is bound, or a file payload that does not exist.",
            "bind the server to that path first, or check the path.",
        ),
    ),
    (
        &[libc::ECONNABORTED],
        Help(
            "a connection was aborted before it could be accepted.",
            "the client reset it while it waited in the accept queue.",
            "nothing to fix here: accept the next one.",
        ),
    ),
    (
        &[libc::ENOBUFS, libc::ENOMEM],
        Help(
            "the kernel ran out of buffer space.",
            "sending faster than the network or the peer takes it.",
            "send more slowly (a rate), or raise SO_SNDBUF.",
        ),
    ),
    (
        &[libc::EDESTADDRREQ],
        Help(
            "the datagram has no destination.",
            "send() on an unconnected UDP socket.",
            "use sendto() with an address, or connect() the socket first.",
        ),
    ),
    (
        &[libc::EOPNOTSUPP],
        Help(
            "this kind of socket cannot do that.",
            "listen() or accept() on a UDP socket.",
            "use a TCP (stream) socket for listen and accept.",
        ),
    ),
];

/// EINVAL, by the call that failed.
fn einval(op: Op) -> Help {
    match op {
        Op::Bind => Help(
            "the socket cannot be bound (again).",
            "bind() on a socket already bound, or an address of the wrong family.",
            "bind once, before listen() or connect(); match IPv4/IPv6.",
        ),
        Op::Listen | Op::Accept => Help(
            "the socket is not in a state to listen or accept.",
            "accept() on a socket that does not listen.",
            "call listen() first.",
        ),
        _ => Help(
            "an argument was not valid for this socket.",
            "an option value or address the kernel does not take here.",
            "check the value against the socket's kind and family.",
        ),
    }
}

/// `(meaning, usual cause, what to try)` for an errno, by number.
fn by_errno(errno: i32, op: Op) -> Option<(&'static str, &'static str, &'static str)> {
    let Help(meaning, cause, try_next) = if errno == libc::EINVAL {
        einval(op)
    } else {
        BY_ERRNO
            .iter()
            .find(|(errnos, _)| errnos.contains(&errno))
            .map(|(_, help)| *help)?
    };
    Some((meaning, cause, try_next))
}

/// The explanation of an engine error, when there is one for it.
pub fn explain(err: &OpError) -> Option<Explanation> {
    let call = call_of(err.op);
    if let Some(errno) = err.cause.errno() {
        let (meaning, cause, try_next) = by_errno(errno, err.op)?;
        return Some(Explanation {
            call,
            errno: errno_name(errno),
            meaning,
            cause,
            try_next,
        });
    }
    let (meaning, cause, try_next) = match &err.cause {
        Cause::TimedOut(_) => (
            "sockscope's own time limit for the step ran out.",
            "an accept with no client coming, or a connect to an address that never answers.",
            "start the peer, or give the step a longer limit (`accept ID 30s`).",
        ),
        Cause::NoSuchSocket(_) => (
            "no socket of this session has that id or name.",
            "a typo, or a socket created under another name.",
            "`status` lists every socket with its id and name.",
        ),
        Cause::Unresolved(_) => (
            "the host name did not resolve to an address.",
            "a typo in the name, or no DNS answer.",
            "use an IP address such as 127.0.0.1, or check the name.",
        ),
        _ => (
            "the step is not valid in the socket's state now (the engine refused it before any system call).",
            "steps taken out of order: the lifecycle is socket → bind → listen → accept, or socket → connect → send.",
            "the Diagram tab shows the steps valid now.",
        ),
    };
    Some(Explanation {
        call,
        errno: None,
        meaning,
        cause,
        try_next,
    })
}

/// What a socket state means, and what to do next.
pub fn explain_state(state: SockState) -> &'static str {
    match state {
        SockState::Created => {
            "created: socket() made it; it has no address yet. Bind it (port 0 lets the OS choose), or connect and the OS binds it for you."
        }
        SockState::Bound => {
            "bound: it has a local address. A TCP server listens next; a UDP socket can already receive and sendto()."
        }
        SockState::Listening => {
            "listening: the kernel completes handshakes into the accept queue. accept() takes each connection out as a new socket."
        }
        SockState::Connecting => {
            "connecting: the SYN is out, waiting for the SYN,ACK. It ends connected, refused or timed out."
        }
        SockState::Connected => {
            "connected: data flows both ways (for UDP: the peer is fixed). send() and recv(); shutdown or close when done."
        }
        SockState::HalfClosed => {
            "half-closed: one direction is finished (a FIN went or came). If the peer closed, recv() returns 0: close your side too."
        }
        SockState::Reset => {
            "reset: the peer sent RST, the connection is gone both ways. Close the socket; a new connection needs a new socket."
        }
        SockState::Closed => {
            "closed: close() released it. A TCP address pair may still wait in TIME-WAIT in the kernel for a minute."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(op: Op, errno: i32) -> OpError {
        OpError::new(
            op,
            Cause::Os {
                errno,
                text: String::new(),
            },
        )
    }

    #[test]
    fn a_refused_connect_names_the_call_the_errno_and_what_to_try() {
        let e = explain(&OpError::new(Op::Connect, Cause::Refused)).expect("explained");
        let text = e.to_string();
        assert!(
            text.starts_with("connect() failed with ECONNREFUSED: "),
            "{text}"
        );
        assert!(text.contains("nothing listens"), "{text}");
        assert!(text.contains("Try: start the server"), "{text}");
    }

    #[test]
    fn every_error_the_engine_names_is_explained() {
        for (op, cause) in [
            (Op::Bind, Cause::AddrInUse),
            (Op::Bind, Cause::AddrNotAvailable),
            (
                Op::Bind,
                Cause::PermissionDenied {
                    privileged: true,
                    errno: libc::EACCES,
                },
            ),
            (Op::Recv, Cause::Reset),
            (Op::Send, Cause::BrokenPipe),
            (Op::Connect, Cause::KernelTimedOut { connecting: true }),
            (Op::Connect, Cause::NetUnreachable),
            (Op::Connect, Cause::HostUnreachable),
            (Op::Accept, Cause::TooManyFiles),
            (Op::Socket, Cause::SystemTooManyFiles),
            (
                Op::Accept,
                Cause::TimedOut(std::time::Duration::from_secs(1)),
            ),
            (Op::Send, Cause::NoSuchSocket("s9".into())),
            (Op::Connect, Cause::Unresolved("nowhere".into())),
        ] {
            let e = explain(&OpError::new(op, cause.clone()));
            assert!(e.is_some(), "{op:?} {cause:?}");
        }
        for errno in [libc::EMSGSIZE, libc::ENOTCONN, libc::EINVAL, libc::ENOENT] {
            let e = explain(&os(Op::SendTo, errno)).expect("explained");
            assert_eq!(e.errno, errno_name(errno));
        }
        assert_eq!(
            explain(&os(Op::Send, libc::EXDEV)),
            None,
            "no made-up words"
        );
    }

    #[test]
    fn every_state_is_explained() {
        for s in [
            SockState::Created,
            SockState::Bound,
            SockState::Listening,
            SockState::Connecting,
            SockState::Connected,
            SockState::HalfClosed,
            SockState::Reset,
            SockState::Closed,
        ] {
            assert!(explain_state(s).starts_with(&s.to_string()), "{s:?}");
        }
    }
}
