//! Which step is valid in which socket state, and why not when it is not. The controls
//! enable a button only when [`why_not`] returns `None` and show its answer as the
//! disabled button's tooltip. Stream sockets (TCP, Unix stream) listen, accept and shut
//! down; datagram sockets (UDP, Unix datagram) send to an address.

use crate::engine::{Proto, SockState};

use crate::app::model::state::SockRow;

/// A step a person can take on a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `bind`.
    Bind,
    /// `listen`.
    Listen,
    /// `accept` (one) or `accept auto`.
    Accept,
    /// `connect`.
    Connect,
    /// `send` / `sendto`.
    Send,
    /// `shutdown`.
    Shutdown,
    /// `close`.
    Close,
    /// `abort`: close with linger 0 (TCP only).
    Abort,
    /// `recv` in step mode.
    Recv,
    /// `greet`: a stream listener's greeting.
    Greet,
    /// `frame`: stream framing.
    Frame,
    /// `join` / `leave`: UDP multicast.
    Multicast,
    /// `chunked`: pieces over a connection.
    Chunked,
    /// `option`: any option.
    Option,
}

fn addr_text(a: &Option<crate::engine::Addr>) -> String {
    a.as_ref()
        .map(|a| a.to_string())
        .unwrap_or_else(|| "?".into())
}

/// `None` when `step` is valid for `row` now; otherwise why not, in plain words.
pub fn why_not(row: &SockRow, step: Step) -> Option<String> {
    use SockState as S;
    let label = row.label();
    if row.state == S::Closed {
        return Some(format!("{label} is closed"));
    }
    let stream = row.proto.is_stream();
    let connected = row.is_connected();
    match step {
        Step::Bind => match row.state {
            S::Created => None,
            S::Connecting => Some(format!("{label} is connecting; bind comes before connect")),
            _ => Some(format!(
                "{label} already has the address {}; a socket binds once (create a new one)",
                addr_text(&row.local)
            )),
        },
        Step::Listen if !stream => Some(
            "datagram sockets (UDP, Unix datagram) do not listen; only stream sockets do".into(),
        ),
        Step::Listen => match row.state {
            S::Created | S::Bound => None,
            S::Listening => Some(format!("{label} is already listening")),
            _ => Some(format!(
                "{label} is connected; a connected socket cannot listen"
            )),
        },
        Step::Accept if !stream => Some("datagram sockets have no connections to accept".into()),
        Step::Accept => (row.state != S::Listening)
            .then(|| format!("{label} is not listening: press Listen first")),
        Step::Connect => match row.state {
            S::Listening => Some(format!(
                "{label} is listening; a listening socket cannot connect"
            )),
            S::Connecting => Some(format!("{label} is already connecting")),
            _ if stream && connected => Some(format!(
                "{label} is already connected to {}",
                addr_text(&row.peer)
            )),
            _ => None,
        },
        Step::Send if !stream => None,
        Step::Send => match row.state {
            S::Listening => Some(format!(
                "{label} is a listener; select one of its accepted connections to send"
            )),
            S::Connecting => Some(format!("{label} is still connecting")),
            _ if !connected => Some(format!("{label} is not connected: connect first")),
            _ if row.write_done => Some(format!("{label}'s write side is shut down")),
            _ => None,
        },
        Step::Shutdown if !stream => {
            Some("shutdown half-closes stream connections; this is a datagram socket".into())
        }
        Step::Shutdown => (!connected).then(|| format!("{label} is not connected")),
        Step::Close | Step::Option => None,
        Step::Abort if row.proto != Proto::Tcp => {
            Some("abort resets a TCP connection; use Close here".into())
        }
        Step::Abort => None,
        Step::Recv if !row.config.manual => Some(format!(
            "{label} receives in the background: switch on step mode first"
        )),
        Step::Recv => match row.state {
            S::Listening => Some(format!(
                "{label} is listening: select an accepted connection to recv on it"
            )),
            S::Created | S::Connecting if stream => Some(format!("{label} is not connected")),
            S::Created => Some(format!("{label} has no address yet: bind first")),
            _ if row.read_done => Some(format!("{label}'s read side is finished")),
            _ => None,
        },
        Step::Greet if !stream => Some("datagram sockets have no connections to greet".into()),
        Step::Greet => connected.then(|| {
            format!("{label} is a connection; a greeting is set on the listener before accepting")
        }),
        Step::Frame if !stream => {
            Some("each datagram is already a message; framing is for stream sockets".into())
        }
        Step::Frame => None,
        Step::Multicast if row.proto != Proto::Udp => Some("multicast is for UDP sockets".into()),
        Step::Multicast => None,
        Step::Chunked => match why_not(row, Step::Send) {
            Some(w) => Some(w),
            None if !connected => Some(format!(
                "{label} has no fixed peer: pieces go over a connection (press Connect first)"
            )),
            None => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Family, SockId};

    fn row(proto: Proto, state: SockState) -> SockRow {
        let mut r = SockRow::new(SockId(1), proto, Family::V4, None);
        r.state = state;
        r
    }

    #[test]
    fn tcp_steps_follow_the_lifecycle() {
        let created = row(Proto::Tcp, SockState::Created);
        assert_eq!(why_not(&created, Step::Bind), None);
        assert_eq!(why_not(&created, Step::Listen), None);
        assert!(why_not(&created, Step::Accept).is_some_and(|w| w.contains("not listening")));
        assert!(why_not(&created, Step::Send).is_some());
        assert!(why_not(&created, Step::Shutdown).is_some());

        let listening = row(Proto::Tcp, SockState::Listening);
        assert!(why_not(&listening, Step::Bind).is_some());
        assert_eq!(why_not(&listening, Step::Accept), None);
        assert!(why_not(&listening, Step::Connect).is_some());
        assert!(why_not(&listening, Step::Send).is_some_and(|w| w.contains("listener")));

        let mut conn = row(Proto::Tcp, SockState::Connected);
        assert_eq!(why_not(&conn, Step::Send), None);
        assert_eq!(why_not(&conn, Step::Shutdown), None);
        assert!(why_not(&conn, Step::Connect).is_some());
        conn.write_done = true;
        conn.state = SockState::HalfClosed;
        assert!(why_not(&conn, Step::Send).is_some_and(|w| w.contains("write side")));

        assert_eq!(why_not(&conn, Step::Abort), None);
        assert!(why_not(&conn, Step::Recv).is_some_and(|w| w.contains("step mode")));
        conn.config.manual = true;
        assert_eq!(
            why_not(&conn, Step::Recv),
            None,
            "a half-closed writer still reads"
        );
        conn.read_done = true;
        assert!(why_not(&conn, Step::Recv).is_some_and(|w| w.contains("read side")));
        assert!(why_not(&conn, Step::Greet).is_some_and(|w| w.contains("listener")));
        assert_eq!(why_not(&listening, Step::Greet), None);

        let closed = row(Proto::Tcp, SockState::Closed);
        for step in [
            Step::Bind,
            Step::Send,
            Step::Close,
            Step::Connect,
            Step::Abort,
        ] {
            assert!(why_not(&closed, step).is_some_and(|w| w.contains("closed")));
        }
    }

    #[test]
    fn udp_steps() {
        let udp = row(Proto::Udp, SockState::Bound);
        assert!(why_not(&udp, Step::Listen).is_some());
        assert!(why_not(&udp, Step::Accept).is_some());
        assert!(why_not(&udp, Step::Shutdown).is_some());
        assert_eq!(why_not(&udp, Step::Send), None);
        assert!(why_not(&udp, Step::Abort).is_some());
        assert!(why_not(&udp, Step::Frame).is_some());
        assert_eq!(why_not(&udp, Step::Multicast), None);
        assert!(why_not(&udp, Step::Chunked).is_some_and(|w| w.contains("fixed peer")));
        let connected = row(Proto::Udp, SockState::Connected);
        assert_eq!(why_not(&connected, Step::Connect), None);
        assert_eq!(why_not(&connected, Step::Chunked), None);
    }

    #[test]
    fn unix_streams_are_streams() {
        let mut unix = row(Proto::UnixStream, SockState::Bound);
        unix.family = Family::Unix;
        assert_eq!(why_not(&unix, Step::Listen), None);
        assert!(why_not(&unix, Step::Abort).is_some());
        assert!(why_not(&unix, Step::Multicast).is_some());
        let dgram = row(Proto::UnixDgram, SockState::Bound);
        assert!(why_not(&dgram, Step::Listen).is_some());
        assert_eq!(why_not(&dgram, Step::Send), None);
    }
}
