//! One socket as the app shows it: identity, lifecycle state, addresses, counters, and
//! what has been set on it ([`SockConfig`]).

use crate::engine::{
    AcceptQueue, Addr, Counters, EventKind, Family, Halves, Life, Op, OpError, Proto, Responder,
    SockId, SockState,
};

use crate::app::model::sock_config::SockConfig;

/// How a socket got its local address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundBy {
    /// `bind`; `os_chose_port` when port 0 was asked.
    Bind {
        /// Port 0 was asked, so the OS chose the port.
        os_chose_port: bool,
    },
    /// The OS bound it at `listen`, as nothing was bound before.
    Listen,
    /// The OS bound it at the first send.
    FirstSend,
    /// The OS bound it at `connect`.
    Connect,
    /// An accepted connection has the listener's address.
    Accepted,
}

/// One socket as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SockRow {
    /// The engine's id.
    pub id: SockId,
    /// The name given with `as NAME`.
    pub name: Option<String>,
    /// TCP, UDP, Unix stream or Unix datagram.
    pub proto: Proto,
    /// IPv4, IPv6 or Unix.
    pub family: Family,
    /// Where the socket is in its lifecycle.
    pub state: SockState,
    /// Local address, once bound.
    pub local: Option<Addr>,
    /// How the local address came about.
    pub bound_by: Option<BoundBy>,
    /// Peer address, once connected (or while connecting).
    pub peer: Option<Addr>,
    /// The listener this connection was accepted from.
    pub parent: Option<SockId>,
    /// Connections accepted from this listener, in order.
    pub children: Vec<SockId>,
    /// Bytes and messages so far, each way.
    pub counters: Counters,
    /// Which directions of a connection are over, and whether the peer closed its side
    /// (the engine's own flags, followed by its transition table).
    pub halves: Halves,
    /// Auto-accept is on.
    pub auto_accept: bool,
    /// The responder set on this socket, if any.
    pub responder: Option<Responder>,
    /// The latest error reported for this socket (its operation, address and cause).
    pub last_error: Option<OpError>,
    /// The command whose failure is the latest error (`None` for a background error).
    pub last_error_line: Option<String>,
    /// The kernel's TCP state at the latest `status` (`ESTABLISHED`, `CLOSE_WAIT`, …).
    pub tcp_state: Option<&'static str>,
    /// A listener's accept queue at the latest `status`.
    pub accept_queue: Option<AcceptQueue>,
    /// Options, framing, step mode, rules, timed sends: what has been set on it.
    pub config: SockConfig,
    /// TLS: a listener's certificate, a connection's handshake.
    pub tls: Option<Box<crate::app::model::tls_view::TlsView>>,
}

impl SockRow {
    /// A freshly created socket.
    pub fn new(id: SockId, proto: Proto, family: Family, name: Option<String>) -> SockRow {
        SockRow {
            id,
            name,
            proto,
            family,
            state: SockState::Created,
            local: None,
            bound_by: None,
            peer: None,
            parent: None,
            children: Vec::new(),
            counters: Counters::default(),
            halves: Halves::default(),
            auto_accept: false,
            responder: None,
            last_error: None,
            last_error_line: None,
            tcp_state: None,
            accept_queue: None,
            config: SockConfig::default(),
            tls: None,
        }
    }

    /// How the socket is called: its name, else its id.
    pub fn label(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.id.to_string())
    }

    /// True when the socket is closed.
    pub fn is_closed(&self) -> bool {
        self.state == SockState::Closed
    }

    /// True when connected (or half-closed).
    pub fn is_connected(&self) -> bool {
        matches!(self.state, SockState::Connected | SockState::HalfClosed)
    }

    /// The local address and how it came about, as the line under Bind says it:
    /// `bound to 127.0.0.1:4000 — port 4000 (chosen by the OS when 0 was asked)`.
    pub fn bound_text(&self) -> Option<String> {
        let local = self.local.as_ref()?;
        let port = local.ip().map(|a| a.port()).unwrap_or(0);
        let chosen = |when: &str| format!(" — port {port} (chosen by the OS {when})");
        let how = match self.bound_by {
            Some(BoundBy::Bind {
                os_chose_port: true,
            }) => chosen("when 0 was asked"),
            Some(BoundBy::Listen) if port != 0 => chosen("at listen, as nothing was bound"),
            Some(BoundBy::FirstSend) if port != 0 => chosen("at the first send"),
            Some(BoundBy::Connect) if port != 0 => chosen("at connect"),
            Some(BoundBy::Accepted) => {
                return Some(format!("local {local} (the listener's address)"));
            }
            _ => String::new(),
        };
        Some(format!("bound to {local}{how}"))
    }

    /// Which half of a half-closed connection is closed, in words: `our write side
    /// shut`, `the peer's side closed`, `our read side shut`, or several of them.
    pub fn halves_closed(&self) -> Option<String> {
        if self.state != SockState::HalfClosed {
            return None;
        }
        let mut parts = Vec::new();
        if self.halves.write_done {
            parts.push("our write side shut");
        }
        if self.halves.peer_closed {
            parts.push("the peer's side closed");
        } else if self.halves.read_done {
            parts.push("our read side shut");
        }
        Some(parts.join(", "))
    }

    /// The lifecycle state in words, saying which half of a half-closed connection is
    /// closed: `half-closed: our write side shut`.
    pub fn state_text(&self) -> String {
        match self.halves_closed() {
            Some(h) if !h.is_empty() => format!("{}: {h}", self.state),
            _ => self.state.to_string(),
        }
    }

    /// A listener's queue in words: `1 of 5 waiting to be accepted`.
    pub fn queue_text(&self) -> Option<String> {
        let q = self.accept_queue?;
        Some(format!(
            "{} of {} waiting to be accepted",
            q.waiting, q.backlog
        ))
    }

    /// How often the kernel's view of this socket is worth asking again while it is
    /// shown: often while its TCP state is passing (SYN_SENT, FIN_WAIT1/2, CLOSING,
    /// LAST_ACK…), less often for a listener's queue; `None` when nothing changes by
    /// itself, so an idle window costs nothing.
    pub fn refresh_every(&self) -> Option<std::time::Duration> {
        use std::time::Duration;
        if self.proto != Proto::Tcp || self.is_closed() {
            return None;
        }
        let passing = matches!(
            self.tcp_state,
            Some("SYN_SENT" | "SYN_RECV" | "FIN_WAIT1" | "FIN_WAIT2" | "CLOSING" | "LAST_ACK")
        );
        if passing || self.state == SockState::Connecting {
            return Some(Duration::from_millis(250));
        }
        (self.state == SockState::Listening && !self.auto_accept)
            .then_some(Duration::from_millis(500))
    }

    /// The lifecycle as the engine's state machine sees it.
    pub fn life(&self) -> Life {
        Life {
            state: self.state,
            halves: self.halves,
        }
    }

    /// Follows one event of this socket: its state by the engine's transition table
    /// ([`Life::on`]), then what the event says beside it (addresses, counters, errors).
    /// `listen_pending`: a `listen` of this socket is under way (an implicit bind is its).
    pub fn follow(&mut self, kind: &EventKind, listen_pending: bool) {
        let before = self.state;
        let mut life = self.life();
        life.on(kind, self.proto.is_stream(), self.local.is_some());
        self.state = life.state;
        self.halves = life.halves;
        match kind {
            EventKind::Bound { local, implicit } => {
                self.local = Some(local.clone());
                if *implicit {
                    self.bound_by = Some(if listen_pending {
                        BoundBy::Listen
                    } else {
                        BoundBy::FirstSend
                    });
                }
            }
            EventKind::Listening { local, .. } => self.local = Some(local.clone()),
            EventKind::Connecting { peer } => self.peer = Some(peer.clone()),
            EventKind::Connected { local, peer } => {
                if self.local.is_none() {
                    self.bound_by = Some(BoundBy::Connect);
                }
                self.local = Some(local.clone());
                self.peer = Some(peer.clone());
                self.last_error = None;
            }
            EventKind::Failed(e) => {
                self.last_error = Some(e.clone());
                self.last_error_line = None;
                if e.op == Op::Connect && before == SockState::Connecting {
                    self.peer = None;
                }
            }
            _ => self.count(kind),
        }
    }

    /// Counters, settings the row shows, and what an ended socket no longer has.
    fn count(&mut self, kind: &EventKind) {
        self.counters.count(kind);
        match kind {
            EventKind::AutoAccept { on } => self.auto_accept = *on,
            EventKind::Responding { responder } => self.responder = Some(responder.clone()),
            EventKind::Closed => {
                self.auto_accept = false;
                self.tcp_state = None;
            }
            // Gone both ways, unlike the peer's orderly close (half-closed); the engine
            // released the descriptor, so there is no kernel state left to show.
            EventKind::Reset => self.tcp_state = None,
            EventKind::Tls(t) => self.tls.get_or_insert_default().fold(t),
            _ => {}
        }
    }

    /// Connected or half-closed, from the read and write sides (as [`Life::on`] decides it).
    #[cfg(test)]
    fn recompute_half_closed(&mut self) {
        if self.is_connected() {
            self.state = if self.halves.any() {
                SockState::HalfClosed
            } else {
                SockState::Connected
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_passing_states_and_listeners_refresh_by_themselves() {
        let mut r = SockRow::new(SockId(1), Proto::Tcp, Family::V4, None);
        assert_eq!(
            r.refresh_every(),
            None,
            "a new socket changes only by a command"
        );
        r.state = SockState::Connected;
        r.tcp_state = Some("ESTABLISHED");
        assert_eq!(r.refresh_every(), None, "established: idle");
        for t in ["SYN_SENT", "FIN_WAIT1", "FIN_WAIT2", "CLOSING", "LAST_ACK"] {
            r.tcp_state = Some(t);
            assert!(r.refresh_every().is_some(), "{t} passes by itself");
        }
        r.tcp_state = Some("LISTEN");
        r.state = SockState::Listening;
        assert!(r.refresh_every().is_some(), "a listener's queue changes");
        r.auto_accept = true;
        assert_eq!(
            r.refresh_every(),
            None,
            "auto-accept empties it: events say so"
        );
        r.state = SockState::Closed;
        assert_eq!(r.refresh_every(), None);
    }

    #[test]
    fn half_closed_says_which_half() {
        let mut r = SockRow::new(SockId(1), Proto::Tcp, Family::V4, None);
        r.state = SockState::Connected;
        assert_eq!(r.state_text(), "connected");
        r.halves.write_done = true;
        r.recompute_half_closed();
        assert_eq!(r.state_text(), "half-closed: our write side shut");
        r.halves.write_done = false;
        r.halves.read_done = true;
        r.halves.peer_closed = true;
        r.recompute_half_closed();
        assert_eq!(r.state_text(), "half-closed: the peer's side closed");
        r.halves.peer_closed = false;
        assert_eq!(r.state_text(), "half-closed: our read side shut");
    }

    #[test]
    fn the_bound_line_says_who_chose_the_port() {
        let mut r = SockRow::new(SockId(1), Proto::Tcp, Family::V4, None);
        assert_eq!(r.bound_text(), None);
        r.local = Some(Addr::Ip("127.0.0.1:4000".parse().expect("addr")));
        r.bound_by = Some(BoundBy::Bind {
            os_chose_port: true,
        });
        assert_eq!(
            r.bound_text().as_deref(),
            Some("bound to 127.0.0.1:4000 — port 4000 (chosen by the OS when 0 was asked)")
        );
        r.bound_by = Some(BoundBy::Bind {
            os_chose_port: false,
        });
        assert_eq!(r.bound_text().as_deref(), Some("bound to 127.0.0.1:4000"));
        r.bound_by = Some(BoundBy::Connect);
        assert!(
            r.bound_text()
                .is_some_and(|t| t.ends_with("(chosen by the OS at connect)"))
        );
        r.local = Some(Addr::Abstract("demo".into()));
        r.bound_by = Some(BoundBy::Bind {
            os_chose_port: false,
        });
        assert_eq!(r.bound_text().as_deref(), Some("bound to @demo"));
    }
}
