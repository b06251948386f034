//! What the app knows about the engine's sockets, folded from events by a pure function.
//!
//! [`AppState::apply`] takes one [`Event`] at a time and updates the socket table; it
//! touches no window and no engine, so it is unit-tested on its own.

use std::collections::BTreeMap;

use crate::engine::{
    Addr, CmdId, Command, Event, EventKind, Family, How, Op, Proto, Responder, SockId, SockRef,
    SockState, SocketInfo,
};

/// One socket as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SockRow {
    /// The engine's id.
    pub id: SockId,
    /// The name given with `as NAME`.
    pub name: Option<String>,
    /// TCP or UDP.
    pub proto: Proto,
    /// IPv4 or IPv6.
    pub family: Family,
    /// Where the socket is in its lifecycle.
    pub state: SockState,
    /// Local address, once bound.
    pub local: Option<Addr>,
    /// Peer address, once connected (or while connecting).
    pub peer: Option<Addr>,
    /// The listener this connection was accepted from.
    pub parent: Option<SockId>,
    /// Connections accepted from this listener, in order.
    pub children: Vec<SockId>,
    /// Bytes received.
    pub bytes_in: u64,
    /// Bytes sent.
    pub bytes_out: u64,
    /// Chunks or datagrams received.
    pub msgs_in: u64,
    /// Sends completed.
    pub msgs_out: u64,
    /// Receiving is over (peer closed, or read side shut down).
    pub read_done: bool,
    /// Sending is over (write side shut down).
    pub write_done: bool,
    /// Auto-accept is on.
    pub auto_accept: bool,
    /// The responder set on this socket, if any.
    pub responder: Option<Responder>,
    /// The latest error reported for this socket.
    pub last_error: Option<String>,
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
            peer: None,
            parent: None,
            children: Vec::new(),
            bytes_in: 0,
            bytes_out: 0,
            msgs_in: 0,
            msgs_out: 0,
            read_done: false,
            write_done: false,
            auto_accept: false,
            responder: None,
            last_error: None,
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

    fn recompute_half_closed(&mut self) {
        if matches!(self.state, SockState::Connected | SockState::HalfClosed) {
            self.state = if self.read_done || self.write_done {
                SockState::HalfClosed
            } else {
                SockState::Connected
            };
        }
    }
}

/// A command the app submitted and whose final event has not arrived yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The socket it acts on, when known.
    pub sock: Option<SockId>,
    /// The command's text in the command language.
    pub line: String,
    /// The operation, for "waiting…" hints (`accept`, `connect`, …).
    pub op: Option<Op>,
}

/// The outcome of a command, for the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The command's text.
    pub line: String,
    /// `Ok(summary)` or `Err(message)`.
    pub result: Result<String, String>,
}

/// Everything the app shows about sockets, folded from engine events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppState {
    /// Every socket the session created or accepted, by id.
    pub sockets: BTreeMap<SockId, SockRow>,
    /// Commands submitted and not finished yet.
    pub pending: BTreeMap<CmdId, Pending>,
    /// The latest `status` snapshot.
    pub last_status: Option<Vec<SocketInfo>>,
}

impl AppState {
    /// An empty state.
    pub fn new() -> AppState {
        AppState::default()
    }

    /// The socket a reference names, by id or by name.
    pub fn resolve(&self, r: &SockRef) -> Option<SockId> {
        match r {
            SockRef::Id(id) => self.sockets.contains_key(id).then_some(*id),
            SockRef::Name(n) => self
                .sockets
                .values()
                .find(|s| !s.is_closed() && s.name.as_deref() == Some(n))
                .map(|s| s.id),
        }
    }

    /// Notes a command the app has submitted under `id`.
    pub fn submitted(&mut self, id: CmdId, cmd: &Command, line: String) {
        let sock = cmd.target().and_then(|r| self.resolve(r));
        let op = match cmd {
            Command::Accept { .. } => Some(Op::Accept),
            Command::Connect { .. } => Some(Op::Connect),
            Command::Send { .. } => Some(Op::Send),
            Command::SendTo { .. } => Some(Op::SendTo),
            _ => None,
        };
        self.pending.insert(id, Pending { sock, line, op });
    }

    /// True when `sock` has a pending command of operation `op`.
    pub fn is_pending(&self, sock: SockId, op: Op) -> bool {
        self.pending
            .values()
            .any(|p| p.sock == Some(sock) && p.op == Some(op))
    }

    /// The row of a socket.
    pub fn get(&self, id: SockId) -> Option<&SockRow> {
        self.sockets.get(&id)
    }

    /// Sockets without a parent, in id order (accepted connections sit under their listener).
    pub fn roots(&self) -> impl Iterator<Item = &SockRow> {
        self.sockets
            .values()
            .filter(|s| s.parent.is_none_or(|p| !self.sockets.contains_key(&p)))
    }

    /// Number of sockets not closed.
    pub fn open_count(&self) -> usize {
        self.sockets.values().filter(|s| !s.is_closed()).count()
    }

    /// Folds one event into the state. Returns the outcome when the event ends a
    /// command the app submitted.
    pub fn apply(&mut self, ev: &Event) -> Option<Outcome> {
        self.apply_kind(ev.socket, &ev.kind);
        let id = ev.cmd?;
        let pending = self.pending.remove(&id)?;
        let result = match &ev.kind {
            EventKind::Failed(e) => Err(e.to_string()),
            kind => Ok(kind.name().to_string()),
        };
        Some(Outcome {
            line: pending.line,
            result,
        })
    }

    fn apply_kind(&mut self, socket: Option<SockId>, kind: &EventKind) {
        if let EventKind::Status(list) = kind {
            self.apply_status(list);
            return;
        }
        let Some(id) = socket else {
            return;
        };
        if let EventKind::Created {
            proto,
            family,
            name,
        } = kind
        {
            self.sockets
                .insert(id, SockRow::new(id, *proto, *family, name.clone()));
            return;
        }
        if let EventKind::Accepted {
            listener,
            local,
            peer,
            name,
        } = kind
        {
            let (proto, family) = self
                .sockets
                .get(listener)
                .map_or((Proto::Tcp, Family::V4), |l| (l.proto, l.family));
            let mut row = SockRow::new(id, proto, family, name.as_deref().map(String::from));
            row.state = SockState::Connected;
            row.parent = Some(*listener);
            row.local = Some(local.clone());
            row.peer = Some(peer.clone());
            self.sockets.insert(id, row);
            if let Some(l) = self.sockets.get_mut(listener)
                && !l.children.contains(&id)
            {
                l.children.push(id);
            }
            return;
        }
        let Some(row) = self.sockets.get_mut(&id) else {
            return; // a socket this app never saw created (or a late event): ignore it
        };
        match kind {
            EventKind::Bound { local, .. } => {
                row.local = Some(local.clone());
                if row.state == SockState::Created {
                    row.state = SockState::Bound;
                }
            }
            EventKind::Listening { local, .. } => {
                row.local = Some(local.clone());
                row.state = SockState::Listening;
            }
            EventKind::Connecting { peer } => {
                row.peer = Some(peer.clone());
                row.state = SockState::Connecting;
            }
            EventKind::Connected { local, peer } => {
                row.local = Some(local.clone());
                row.peer = Some(peer.clone());
                row.state = SockState::Connected;
                row.recompute_half_closed();
                row.last_error = None;
            }
            EventKind::Sent { data, .. } => {
                row.bytes_out += data.len() as u64;
                row.msgs_out += 1;
            }
            EventKind::Received { data, .. } => {
                row.bytes_in += data.len() as u64;
                row.msgs_in += 1;
            }
            EventKind::PeerClosed => {
                row.read_done = true;
                row.recompute_half_closed();
            }
            EventKind::Shut { how } => {
                if matches!(how, How::Read | How::Both) {
                    row.read_done = true;
                }
                if matches!(how, How::Write | How::Both) {
                    row.write_done = true;
                }
                row.recompute_half_closed();
            }
            EventKind::AutoAccept { on } => row.auto_accept = *on,
            EventKind::Responding { responder } => row.responder = Some(responder.clone()),
            EventKind::Closed => {
                row.state = SockState::Closed;
                row.auto_accept = false;
            }
            EventKind::Failed(e) => {
                row.last_error = Some(e.to_string());
                match e.op {
                    Op::Connect if row.state == SockState::Connecting => {
                        row.peer = None;
                        row.state = if row.local.is_some() {
                            SockState::Bound
                        } else {
                            SockState::Created
                        };
                    }
                    Op::Recv if row.proto == Proto::Tcp => {
                        row.read_done = true;
                        row.write_done = true;
                        row.recompute_half_closed();
                    }
                    _ => {}
                }
            }
            EventKind::SendProgress { .. }
            | EventKind::Created { .. }
            | EventKind::Accepted { .. }
            | EventKind::Status(_)
            | EventKind::Message { .. }
            | EventKind::Readiness { .. }
            | EventKind::WouldBlock
            | EventKind::Set(_)
            | EventKind::RepeatDone { .. }
            | EventKind::Stats(_) => {}
            EventKind::Flooded { msgs, bytes } => {
                row.bytes_out += bytes;
                row.msgs_out += msgs;
            }
        }
    }

    /// Replaces what the rows say with an engine snapshot (children and errors are kept).
    fn apply_status(&mut self, list: &[SocketInfo]) {
        for info in list {
            let row = self.sockets.entry(info.id).or_insert_with(|| {
                SockRow::new(info.id, info.proto, info.family, info.name.clone())
            });
            row.name = info.name.clone();
            row.state = info.state;
            row.local = info.local.clone();
            row.peer = info.peer.clone();
            row.parent = info.parent;
            row.bytes_in = info.bytes_in;
            row.bytes_out = info.bytes_out;
            row.msgs_in = info.msgs_in;
            row.msgs_out = info.msgs_out;
        }
        for info in list {
            if let Some(p) = info.parent
                && let Some(l) = self.sockets.get_mut(&p)
                && !l.children.contains(&info.id)
            {
                l.children.push(info.id);
            }
        }
        self.last_status = Some(list.to_vec());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Cause, OpError};
    use std::net::SocketAddr;
    use std::time::SystemTime;

    fn ev(sock: u32, cmd: Option<u64>, kind: EventKind) -> Event {
        Event {
            at: SystemTime::now(),
            socket: Some(SockId(sock)),
            cmd: cmd.map(CmdId::from_raw),
            kind,
        }
    }

    fn addr(s: &str) -> Addr {
        Addr::Ip(s.parse::<SocketAddr>().expect("test address"))
    }

    fn created(sock: u32, proto: Proto) -> Event {
        ev(
            sock,
            None,
            EventKind::Created {
                proto,
                family: Family::V4,
                name: None,
            },
        )
    }

    #[test]
    fn tcp_lifecycle_folds_into_rows() {
        let mut st = AppState::new();
        st.apply(&created(1, Proto::Tcp));
        assert_eq!(st.get(SockId(1)).map(|r| r.state), Some(SockState::Created));
        st.apply(&ev(
            1,
            None,
            EventKind::Bound {
                local: addr("127.0.0.1:4000"),
                implicit: false,
            },
        ));
        st.apply(&ev(
            1,
            None,
            EventKind::Listening {
                local: addr("127.0.0.1:4000"),
                backlog: 128,
            },
        ));
        st.apply(&ev(
            2,
            None,
            EventKind::Accepted {
                listener: SockId(1),
                local: addr("127.0.0.1:4000"),
                peer: addr("127.0.0.1:5000"),
                name: Some("conn".into()),
            },
        ));
        let l = st.get(SockId(1)).expect("listener");
        assert_eq!(l.state, SockState::Listening);
        assert_eq!(l.children, vec![SockId(2)]);
        let c = st.get(SockId(2)).expect("connection");
        assert_eq!(c.state, SockState::Connected);
        assert_eq!(c.parent, Some(SockId(1)));
        assert_eq!(c.label(), "conn");
        assert_eq!(
            st.roots().map(|r| r.id).collect::<Vec<_>>(),
            vec![SockId(1)]
        );

        st.apply(&ev(
            2,
            None,
            EventKind::Received {
                peer: None,
                data: b"hello"[..].into(),
                truncated_from: None,
            },
        ));
        st.apply(&ev(
            2,
            None,
            EventKind::Sent {
                peer: None,
                data: b"hi"[..].into(),
                reply: false,
            },
        ));
        let c = st.get(SockId(2)).expect("connection");
        assert_eq!(
            (c.bytes_in, c.bytes_out, c.msgs_in, c.msgs_out),
            (5, 2, 1, 1)
        );

        st.apply(&ev(2, None, EventKind::Shut { how: How::Write }));
        let c = st.get(SockId(2)).expect("connection");
        assert_eq!(c.state, SockState::HalfClosed);
        assert!(c.write_done && !c.read_done);
        st.apply(&ev(2, None, EventKind::Closed));
        assert_eq!(st.get(SockId(2)).map(|r| r.state), Some(SockState::Closed));
        assert_eq!(st.open_count(), 1);
    }

    #[test]
    fn failed_connect_reverts_and_outcome_is_reported() {
        let mut st = AppState::new();
        st.apply(&created(1, Proto::Tcp));
        let cmd = Command::Connect {
            sock: SockRef::Id(SockId(1)),
            addr: addr("127.0.0.1:9").into_spec(),
            timeout: None,
        };
        st.submitted(CmdId::from_raw(7), &cmd, "connect s1 127.0.0.1:9".into());
        assert!(st.is_pending(SockId(1), Op::Connect));
        st.apply(&ev(
            1,
            None,
            EventKind::Connecting {
                peer: addr("127.0.0.1:9"),
            },
        ));
        assert_eq!(
            st.get(SockId(1)).map(|r| r.state),
            Some(SockState::Connecting)
        );
        let out = st.apply(&ev(
            1,
            Some(7),
            EventKind::Failed(OpError::at(
                Op::Connect,
                &addr("127.0.0.1:9"),
                Cause::Refused,
            )),
        ));
        let row = st.get(SockId(1)).expect("row");
        assert_eq!(row.state, SockState::Created);
        assert_eq!(row.peer, None);
        assert!(
            row.last_error
                .as_deref()
                .is_some_and(|e| e.contains("refused"))
        );
        let out = out.expect("outcome");
        assert_eq!(out.line, "connect s1 127.0.0.1:9");
        assert!(out.result.is_err());
        assert!(!st.is_pending(SockId(1), Op::Connect));
    }

    #[test]
    fn peer_close_half_closes_and_unknown_sockets_are_ignored() {
        let mut st = AppState::new();
        st.apply(&created(1, Proto::Udp));
        st.apply(&ev(
            1,
            None,
            EventKind::Connected {
                local: addr("127.0.0.1:1"),
                peer: addr("127.0.0.1:2"),
            },
        ));
        st.apply(&ev(1, None, EventKind::PeerClosed));
        assert_eq!(
            st.get(SockId(1)).map(|r| r.state),
            Some(SockState::HalfClosed)
        );
        let before = st.clone();
        st.apply(&ev(9, None, EventKind::Closed));
        assert_eq!(st, before);
    }

    #[test]
    fn status_snapshot_overrides_rows() {
        let mut st = AppState::new();
        st.apply(&created(1, Proto::Tcp));
        let info = SocketInfo {
            id: SockId(1),
            name: None,
            proto: Proto::Tcp,
            family: Family::V4,
            state: SockState::Listening,
            parent: None,
            local: Some(addr("0.0.0.0:80")),
            peer: None,
            bytes_in: 3,
            bytes_out: 4,
            msgs_in: 1,
            msgs_out: 1,
            tcp_state: Some("LISTEN"),
        };
        st.apply(&Event {
            at: SystemTime::now(),
            socket: None,
            cmd: None,
            kind: EventKind::Status(vec![info]),
        });
        let row = st.get(SockId(1)).expect("row");
        assert_eq!(row.state, SockState::Listening);
        assert_eq!((row.bytes_in, row.bytes_out), (3, 4));
    }

    trait IntoSpec {
        fn into_spec(self) -> crate::engine::AddrSpec;
    }
    impl IntoSpec for Addr {
        fn into_spec(self) -> crate::engine::AddrSpec {
            crate::engine::AddrSpec::Exact(self)
        }
    }
}
