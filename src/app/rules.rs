//! Which lifecycle step is valid in which socket state, and why not when it is not.
//! The controls enable a button only when [`why_not`] returns `None` and show its
//! answer as the disabled button's tooltip.

use crate::engine::{Proto, SockState};

use super::state::SockRow;

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
    let tcp = row.proto == Proto::Tcp;
    let connected = matches!(row.state, S::Connected | S::HalfClosed);
    match step {
        Step::Bind => match row.state {
            S::Created => None,
            S::Connecting => Some(format!("{label} is connecting; bind comes before connect")),
            _ => Some(format!(
                "{label} already has the address {}; a socket binds once (create a new one)",
                addr_text(&row.local)
            )),
        },
        Step::Listen if !tcp => Some("UDP sockets do not listen; only TCP sockets do".into()),
        Step::Listen => match row.state {
            S::Created | S::Bound => None,
            S::Listening => Some(format!("{label} is already listening")),
            _ => Some(format!(
                "{label} is connected; a connected socket cannot listen"
            )),
        },
        Step::Accept if !tcp => Some("UDP has no connections to accept".into()),
        Step::Accept => (row.state != S::Listening)
            .then(|| format!("{label} is not listening: press Listen first")),
        Step::Connect => match row.state {
            S::Listening => Some(format!(
                "{label} is listening; a listening socket cannot connect"
            )),
            S::Connecting => Some(format!("{label} is already connecting")),
            _ if tcp && connected => Some(format!(
                "{label} is already connected to {}",
                addr_text(&row.peer)
            )),
            _ => None,
        },
        Step::Send if !tcp => None,
        Step::Send => match row.state {
            S::Listening => Some(format!(
                "{label} is a listener; select one of its accepted connections to send"
            )),
            S::Connecting => Some(format!("{label} is still connecting")),
            _ if !connected => Some(format!("{label} is not connected: connect first")),
            _ if row.write_done => Some(format!("{label}'s write side is shut down")),
            _ => None,
        },
        Step::Shutdown if !tcp => Some("shutdown half-closes TCP connections; this is UDP".into()),
        Step::Shutdown => (!connected).then(|| format!("{label} is not connected")),
        Step::Close => None,
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

        let closed = row(Proto::Tcp, SockState::Closed);
        for step in [Step::Bind, Step::Send, Step::Close, Step::Connect] {
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
        let connected = row(Proto::Udp, SockState::Connected);
        assert_eq!(why_not(&connected, Step::Connect), None);
    }
}
