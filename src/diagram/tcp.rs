//! The kernel's TCP state machine (RFC 9293 §3.3.2) as data: the eleven states, where each
//! sits in the classic drawing, what it means in two sentences, and the transitions
//! between them with what causes each. The app draws it; the explanations serve learners.

/// One of RFC 9293's connection states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TcpState {
    /// No connection.
    Closed,
    /// Waiting for a connection request.
    Listen,
    /// A SYN sent, waiting for the SYN,ACK.
    SynSent,
    /// A SYN received and answered, waiting for the ACK.
    SynReceived,
    /// The connection is open.
    Established,
    /// This side closed first and sent its FIN.
    FinWait1,
    /// This side's FIN is acknowledged; waiting for the peer's.
    FinWait2,
    /// The peer closed first; this side has not.
    CloseWait,
    /// Both sides sent a FIN at the same time.
    Closing,
    /// This side closed after the peer; waiting for the last ACK.
    LastAck,
    /// Closed after an active close; the address pair is held for 2×MSL.
    TimeWait,
}

/// Every state, in the order of the RFC's list.
pub const STATES: [TcpState; 11] = [
    TcpState::Closed,
    TcpState::Listen,
    TcpState::SynSent,
    TcpState::SynReceived,
    TcpState::Established,
    TcpState::FinWait1,
    TcpState::FinWait2,
    TcpState::CloseWait,
    TcpState::Closing,
    TcpState::LastAck,
    TcpState::TimeWait,
];

/// A transition: from, to, and what makes it happen.
pub const TRANSITIONS: [(TcpState, TcpState, &str); 16] = [
    (TcpState::Closed, TcpState::Listen, "listen()"),
    (TcpState::Closed, TcpState::SynSent, "connect(): send SYN"),
    (
        TcpState::Listen,
        TcpState::SynReceived,
        "SYN in: send SYN,ACK",
    ),
    (TcpState::Listen, TcpState::Closed, "close()"),
    (
        TcpState::SynSent,
        TcpState::Established,
        "SYN,ACK in: send ACK",
    ),
    (TcpState::SynSent, TcpState::Closed, "close() or timeout"),
    (TcpState::SynReceived, TcpState::Established, "ACK in"),
    (
        TcpState::Established,
        TcpState::FinWait1,
        "close()/shutdown(): send FIN",
    ),
    (
        TcpState::Established,
        TcpState::CloseWait,
        "FIN in: send ACK",
    ),
    (TcpState::FinWait1, TcpState::FinWait2, "ACK of our FIN in"),
    (TcpState::FinWait1, TcpState::Closing, "FIN in: send ACK"),
    (TcpState::FinWait2, TcpState::TimeWait, "FIN in: send ACK"),
    (TcpState::Closing, TcpState::TimeWait, "ACK of our FIN in"),
    (TcpState::CloseWait, TcpState::LastAck, "close(): send FIN"),
    (TcpState::LastAck, TcpState::Closed, "ACK of our FIN in"),
    (TcpState::TimeWait, TcpState::Closed, "2×MSL timer ends"),
];

impl TcpState {
    /// The name as the RFC writes it (`FIN-WAIT-1`).
    pub fn name(self) -> &'static str {
        match self {
            TcpState::Closed => "CLOSED",
            TcpState::Listen => "LISTEN",
            TcpState::SynSent => "SYN-SENT",
            TcpState::SynReceived => "SYN-RECEIVED",
            TcpState::Established => "ESTABLISHED",
            TcpState::FinWait1 => "FIN-WAIT-1",
            TcpState::FinWait2 => "FIN-WAIT-2",
            TcpState::CloseWait => "CLOSE-WAIT",
            TcpState::Closing => "CLOSING",
            TcpState::LastAck => "LAST-ACK",
            TcpState::TimeWait => "TIME-WAIT",
        }
    }

    /// The state a kernel name stands for: Linux's (`FIN_WAIT1`, `SYN_RECV`, `CLOSE`), the
    /// RFC's (`FIN-WAIT-1`), or `ss`'s (`ESTAB`); any case.
    pub fn from_kernel(name: &str) -> Option<TcpState> {
        let n: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        Some(match n.as_str() {
            "CLOSE" | "CLOSED" => TcpState::Closed,
            "LISTEN" => TcpState::Listen,
            "SYNSENT" => TcpState::SynSent,
            "SYNRECV" | "SYNRECEIVED" => TcpState::SynReceived,
            "ESTABLISHED" | "ESTAB" => TcpState::Established,
            "FINWAIT1" => TcpState::FinWait1,
            "FINWAIT2" => TcpState::FinWait2,
            "CLOSEWAIT" => TcpState::CloseWait,
            "CLOSING" => TcpState::Closing,
            "LASTACK" => TcpState::LastAck,
            "TIMEWAIT" => TcpState::TimeWait,
            _ => return None,
        })
    }

    /// Where the classic drawing puts it: (column 0–3, row 0–6).
    pub fn place(self) -> (f32, f32) {
        match self {
            TcpState::Closed => (1.5, 0.0),
            TcpState::Listen => (0.5, 1.0),
            TcpState::SynSent => (2.5, 1.0),
            TcpState::SynReceived => (0.5, 2.0),
            TcpState::Established => (1.5, 3.0),
            TcpState::FinWait1 => (0.5, 4.0),
            TcpState::CloseWait => (2.5, 4.0),
            TcpState::FinWait2 => (0.0, 5.0),
            TcpState::Closing => (1.1, 5.0),
            TcpState::LastAck => (2.5, 5.0),
            TcpState::TimeWait => (0.5, 6.0),
        }
    }

    /// What it means, and what to do next, in two sentences.
    pub fn explain(self) -> &'static str {
        match self {
            TcpState::Closed => {
                "CLOSED: no connection exists. Listen to wait for one, or connect to open one."
            }
            TcpState::Listen => {
                "LISTEN: the socket waits for connection requests; the kernel completes handshakes into the accept queue. Call accept() to take each connection out."
            }
            TcpState::SynSent => {
                "SYN-SENT: a SYN went out and the kernel waits for the SYN,ACK. If nothing answers, connect() fails after the retries (timed out); a RST means refused."
            }
            TcpState::SynReceived => {
                "SYN-RECEIVED: a SYN came in and was answered with SYN,ACK; the kernel waits for the client's ACK. The connection then waits in the accept queue."
            }
            TcpState::Established => {
                "ESTABLISHED: the connection is open and data flows both ways. Send and receive; shutdown or close when done."
            }
            TcpState::FinWait1 => {
                "FIN-WAIT-1: this side closed first and its FIN is on its way. The peer's ACK (and later its own FIN) move the connection on."
            }
            TcpState::FinWait2 => {
                "FIN-WAIT-2: the peer acknowledged this side's FIN but has not closed its side yet. It can still send; wait for its FIN."
            }
            TcpState::CloseWait => {
                "CLOSE-WAIT: the peer has closed its side (recv returned 0). Close yours, or the connection stays here forever."
            }
            TcpState::Closing => {
                "CLOSING: both sides sent a FIN at the same time. The ACK of this side's FIN leads to TIME-WAIT."
            }
            TcpState::LastAck => {
                "LAST-ACK: this side closed after the peer did and waits for the ACK of its FIN. Then the connection is gone."
            }
            TcpState::TimeWait => {
                "TIME-WAIT: the side that closed first keeps the address pair for 2×MSL (60 s on Linux) so late segments die out. Rebinding the port meanwhile needs SO_REUSEADDR."
            }
        }
    }
}

/// What makes `from` become `to`, when that is a transition of the machine.
pub fn transition(from: TcpState, to: TcpState) -> Option<&'static str> {
    TRANSITIONS
        .iter()
        .find(|(a, b, _)| *a == from && *b == to)
        .map(|(_, _, why)| *why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kernel_name_linux_reports_is_a_state() {
        for n in 1..=11 {
            let Some(name) = crate::engine::diag::tcp_state_name(n) else {
                panic!("state {n} has a name")
            };
            assert!(TcpState::from_kernel(name).is_some(), "{n}: {name}");
        }
        assert_eq!(
            TcpState::from_kernel("FIN-WAIT-1"),
            Some(TcpState::FinWait1)
        );
        assert_eq!(TcpState::from_kernel("estab"), Some(TcpState::Established));
    }

    #[test]
    fn every_state_is_reached_and_left_and_explained() {
        for s in STATES {
            let into = TRANSITIONS.iter().any(|(_, b, _)| *b == s);
            let out = TRANSITIONS.iter().any(|(a, _, _)| *a == s);
            assert!(into && out, "{s:?}");
            assert!(s.explain().starts_with(s.name()), "{s:?}");
        }
        assert_eq!(
            transition(TcpState::Established, TcpState::CloseWait),
            Some("FIN in: send ACK")
        );
        assert_eq!(transition(TcpState::TimeWait, TcpState::Listen), None);
    }
}
