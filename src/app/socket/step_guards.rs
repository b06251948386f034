//! Which step is valid in which socket state, and why not when it is not. The decision is
//! the engine's state machine ([`crate::engine::Facts::check`]) asked about a row, plus the
//! few refusals of a button that would do nothing useful (Listen on a listener, Recv on a
//! socket nothing can reach yet). The controls enable a button only when [`why_not`]
//! returns `None` and show its answer as the disabled button's tooltip. Stream sockets
//! (TCP, Unix stream) listen, accept and shut down; datagram sockets (UDP, Unix datagram)
//! send to an address.

pub use crate::engine::Step;
use crate::engine::{Facts, Refusal, SockState};

use crate::app::model::state::SockRow;

/// What the state machine judges a row by.
pub fn facts(row: &SockRow) -> Facts<'_> {
    Facts {
        label: row.label(),
        proto: row.proto,
        state: row.state,
        read_done: row.halves.read_done,
        write_done: row.halves.write_done,
        manual: row.config.manual,
        local: row.local.as_ref(),
        peer: row.peer.as_ref(),
    }
}

/// `None` when the button for `step` may be pressed on `row` now; otherwise why not.
pub fn refusal(row: &SockRow, step: Step) -> Option<Refusal> {
    let engine = |step| facts(row).check(step).err();
    let label = row.label();
    let stream = row.proto.is_stream();
    match step {
        // The Send button sends to the fixed peer, or to an address on a datagram socket.
        Step::Send if !stream => engine(Step::SendTo),
        Step::Listen if row.state == SockState::Listening => {
            engine(step).or(Some(Refusal::AlreadyListening { label }))
        }
        Step::Greet if row.is_connected() => {
            engine(step).or(Some(Refusal::GreetConnection { label }))
        }
        Step::Recv => engine(step).or(match row.state {
            SockState::Connecting if stream => Some(Refusal::NotConnected { label }),
            SockState::Created if !stream => Some(Refusal::NoAddressYet { label }),
            _ => None,
        }),
        Step::Chunked => refusal(row, Step::Send).or_else(|| engine(step)),
        _ => engine(step),
    }
}

/// `None` when `step` is valid for `row` now; otherwise why not, in plain words.
pub fn why_not(row: &SockRow, step: Step) -> Option<String> {
    refusal(row, step).map(|r| tooltip(&r))
}

/// A refusal in the words of a window: where the console's sentence names a command to
/// type, the tooltip names the button to press or the row to select instead.
pub fn tooltip(r: &Refusal) -> String {
    match r {
        Refusal::NotListening { label } => format!("{label} is not listening: press Listen first"),
        Refusal::NotStepMode { label } => {
            format!("{label} receives in the background: switch on step mode first")
        }
        Refusal::SendOnListener { label } => {
            format!("{label} is a listener; select one of its accepted connections to send")
        }
        Refusal::RecvOnListener { label } => {
            format!("{label} is listening: select an accepted connection to recv on it")
        }
        Refusal::AbortNotTcp { .. } => "abort resets a TCP connection; use Close here".into(),
        Refusal::NoPeerForPieces { label } => {
            format!("{label} has no fixed peer: pieces go over a connection (press Connect first)")
        }
        other => other.to_string(),
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Family, Proto, SockId};

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
        conn.halves.write_done = true;
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
        conn.halves.read_done = true;
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
    fn a_reset_connection_says_so_and_takes_only_close() {
        let mut reset = row(Proto::Tcp, SockState::Reset);
        reset.halves.read_done = true;
        reset.halves.write_done = true;
        reset.config.manual = true;
        for step in [
            Step::Bind,
            Step::Listen,
            Step::Connect,
            Step::Send,
            Step::Shutdown,
            Step::Abort,
            Step::Recv,
            Step::Option,
        ] {
            assert_eq!(
                why_not(&reset, step).as_deref(),
                Some(
                    "s1 was reset by its peer (its descriptor is released; close it to forget it)"
                ),
                "{step:?}"
            );
        }
        assert_eq!(why_not(&reset, Step::Close), None);
    }

    #[test]
    fn a_button_is_refused_with_the_engines_refusal() {
        // Where the app has no policy of its own, its answer is the engine's, word for word.
        for (proto, state, step) in [
            (Proto::Tcp, SockState::Connecting, Step::Connect),
            (Proto::Tcp, SockState::Listening, Step::Connect),
            (Proto::Tcp, SockState::Connected, Step::Listen),
            (Proto::Tcp, SockState::Created, Step::Shutdown),
            (Proto::Udp, SockState::Bound, Step::Listen),
            (Proto::Udp, SockState::Bound, Step::Frame),
            (Proto::UnixDgram, SockState::Bound, Step::Multicast),
            (Proto::Tcp, SockState::Closed, Step::Close),
        ] {
            let r = row(proto, state);
            let engine = facts(&r).check(step).err();
            assert!(engine.is_some(), "{proto} {state} {step:?}");
            assert_eq!(refusal(&r, step), engine, "{proto} {state} {step:?}");
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
