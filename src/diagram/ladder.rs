//! The ladder diagram's model: a lane per endpoint (each of the session's sockets and each
//! remote peer address) and a step per arrow or mark, in log order. Built incrementally
//! ([`Ladder::push`]) so a view can follow a live log without rebuilding it.
//!
//! A message between two of the session's own sockets appears once: the send draws the
//! arrow, and the receive on the other end is drawn only for the bytes no send of that
//! pair has drawn yet (its send may be filtered out of the view, or logged before the
//! diagram began). FINs are matched the same way.

use std::collections::HashMap;
use std::time::SystemTime;

use crate::engine::{Addr, EventKind, How, Proto, SockId};
use crate::log::format::payload_len;
use crate::log::{Record, SessionLog};

pub use super::ladder_parts::{LABEL_CHARS, Lane, LaneKind, Step, StepKind, label_of};

/// What the diagram remembers of one of the session's sockets.
#[derive(Debug, Clone, Default)]
struct Own {
    lane: Option<usize>,
    name: Option<String>,
    proto: Option<Proto>,
    local: Option<Addr>,
    peer: Option<Addr>,
    write_shut: bool,
}

/// The ladder diagram of a session (or of the records a filter lets through).
#[derive(Debug, Clone, Default)]
pub struct Ladder {
    /// Lanes, in the order they first appear.
    pub lanes: Vec<Lane>,
    /// Steps, in log order.
    pub steps: Vec<Step>,
    own: HashMap<SockId, Own>,
    remote: HashMap<Addr, usize>,
    /// Bytes drawn by sends from one lane to another that no receive has matched yet.
    unmatched: HashMap<(usize, usize), u64>,
    /// FINs drawn from one lane to another that no peer-closed has matched yet.
    fins: HashMap<(usize, usize), u32>,
}

impl Ladder {
    /// An empty diagram.
    pub fn new() -> Ladder {
        Ladder::default()
    }

    /// The diagram of `records` (index, record), in order.
    pub fn of<'a>(records: impl IntoIterator<Item = (usize, &'a Record)>) -> Ladder {
        let mut ladder = Ladder::new();
        for (i, rec) in records {
            ladder.push(i, rec);
        }
        ladder
    }

    /// The diagram of a whole session log.
    pub fn of_log(log: &SessionLog) -> Ladder {
        let mut ladder = Ladder::new();
        for (i, rec) in log.iter().enumerate() {
            ladder.push(i, &rec);
        }
        ladder
    }

    /// The column each lane is drawn in (by lane index): lanes in the order they appeared,
    /// each listener followed by the connections it accepted.
    pub fn columns(&self) -> Vec<usize> {
        let mut order = Vec::with_capacity(self.lanes.len());
        let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, lane) in self.lanes.iter().enumerate() {
            if let Some(p) = lane.parent.filter(|&p| p != i) {
                children.entry(p).or_default().push(i);
            }
        }
        let mut stack: Vec<usize> = (0..self.lanes.len())
            .rev()
            .filter(|&i| self.lanes[i].parent.is_none_or(|p| p == i))
            .collect();
        while let Some(i) = stack.pop() {
            order.push(i);
            if let Some(kids) = children.get(&i) {
                stack.extend(kids.iter().rev());
            }
        }
        let mut column = vec![0; self.lanes.len()];
        for (c, lane) in order.into_iter().enumerate() {
            column[lane] = c;
        }
        column
    }

    /// Adds record `index` to the diagram: zero or more steps.
    pub fn push(&mut self, index: usize, rec: &Record) {
        let Record::Event(ev) = rec else { return };
        let Some(id) = ev.socket else { return };
        if !self.setup_step(index, ev.at, id, &ev.kind) {
            self.flow_step(index, rec, ev.at, id, &ev.kind);
        }
    }

    /// The steps that set a socket up (create, bind, listen, accept, connect); false for
    /// any other event.
    fn setup_step(&mut self, index: usize, at: SystemTime, id: SockId, kind: &EventKind) -> bool {
        match kind {
            EventKind::Created { proto, name, .. } => {
                let own = self.own.entry(id).or_default();
                own.proto = Some(*proto);
                own.name.clone_from(name);
            }
            EventKind::Bound { local, .. } => {
                self.own.entry(id).or_default().local = Some(local.clone());
            }
            EventKind::Listening { local, backlog } => {
                self.own.entry(id).or_default().local = Some(local.clone());
                let from = self.own_lane(id);
                self.mark(
                    index,
                    at,
                    StepKind::Note,
                    from,
                    format!("listen({backlog})"),
                );
            }
            EventKind::Accepted {
                listener,
                local,
                peer,
                name,
            } => {
                let own = self.own.entry(id).or_default();
                own.proto = Some(Proto::Tcp);
                own.local = Some(local.clone());
                own.peer = Some(peer.clone());
                own.name = name.as_deref().cloned();
                let from = self.own_lane(*listener);
                let to = self.own_lane(id);
                self.lanes[to].parent.get_or_insert(from);
                self.arrow(index, at, StepKind::Accept, from, to, "accept".into(), None);
            }
            EventKind::Connecting { peer } => {
                let stream = self.is_stream(id);
                let from = self.own_lane(id);
                if stream {
                    let to = self.lane_for(None, peer);
                    self.arrow(
                        index,
                        at,
                        StepKind::Connect,
                        from,
                        to,
                        "connect (SYN)".into(),
                        None,
                    );
                }
            }
            EventKind::Connected { local, peer } => {
                let stream = self.is_stream(id);
                let own = self.own.entry(id).or_default();
                own.local = Some(local.clone());
                own.peer = Some(peer.clone());
                if !stream {
                    let from = self.own_lane(id);
                    self.mark(index, at, StepKind::Note, from, format!("connect({peer})"));
                }
            }
            _ => return false,
        }
        true
    }

    /// The steps of a connection's life after its setup: data, FIN, RST, close, errors.
    fn flow_step(
        &mut self,
        index: usize,
        rec: &Record,
        at: SystemTime,
        id: SockId,
        kind: &EventKind,
    ) {
        match kind {
            EventKind::Sent { peer, data, .. } | EventKind::Received { peer, data, .. } => {
                let len = payload_len(rec).unwrap_or(data.len());
                let m = Moved {
                    index,
                    at,
                    id,
                    other: peer.as_ref(),
                    label: label_of(data, len),
                    len,
                };
                if matches!(kind, EventKind::Sent { .. }) {
                    self.data_sent(m);
                } else {
                    self.data_received(m);
                }
            }
            EventKind::Shut {
                how: How::Write | How::Both,
            } => self.fin_sent(index, at, id),
            EventKind::PeerClosed => self.fin_received(index, at, id),
            EventKind::Reset => {
                let to = self.own_lane(id);
                match self.peer_lane(id) {
                    Some(from) => {
                        self.arrow(index, at, StepKind::Reset, from, to, "RST".into(), None)
                    }
                    None => self.mark(index, at, StepKind::Reset, to, "RST".into()),
                }
                self.end_lane(to);
            }
            EventKind::Closed => {
                let connected =
                    self.is_stream(id) && self.own.get(&id).is_some_and(|o| o.peer.is_some());
                if connected && !self.own.get(&id).is_some_and(|o| o.write_shut) {
                    self.fin_sent(index, at, id);
                }
                let lane = self.own_lane(id);
                self.mark(index, at, StepKind::Close, lane, "close".into());
                self.end_lane(lane);
            }
            EventKind::Failed(err) => {
                let lane = self.own_lane(id);
                self.mark(index, at, StepKind::Error, lane, err.to_string());
            }
            _ => {}
        }
    }

    fn is_stream(&self, id: SockId) -> bool {
        self.own
            .get(&id)
            .is_some_and(|o| matches!(o.proto, Some(Proto::Tcp | Proto::UnixStream)))
    }

    /// The lane of one of the session's sockets, made when first needed.
    fn own_lane(&mut self, id: SockId) -> usize {
        if let Some(lane) = self.own.get(&id).and_then(|o| o.lane) {
            return lane;
        }
        let own = self.own.entry(id).or_default();
        let title = own.name.clone().unwrap_or_else(|| id.to_string());
        let lane = self.lanes.len();
        own.lane = Some(lane);
        self.lanes.push(Lane {
            kind: LaneKind::Own(id),
            title,
            ended: None,
            parent: None,
        });
        lane
    }

    /// The lane that stands for `addr` as seen by socket `from` (whose local address is
    /// `local`): the session's socket connected back to it, else the session's socket bound
    /// there (a listener, a UDP socket), else a remote lane for the address.
    fn lane_for(&mut self, local: Option<&Addr>, addr: &Addr) -> usize {
        let mut pair = None;
        let mut bound = None;
        let mut wildcard = None;
        for (id, o) in &self.own {
            if o.local.as_ref() != Some(addr) {
                if o.peer.is_none() && o.local.as_ref().is_some_and(|l| covers(l, addr)) {
                    wildcard = Some(*id);
                }
                continue;
            }
            match (local, o.peer.as_ref()) {
                (Some(l), Some(p)) if l == p => pair = Some(*id),
                (_, None) => bound = Some(*id),
                _ => {}
            }
        }
        if let Some(id) = pair.or(bound).or(wildcard) {
            return self.own_lane(id);
        }
        if let Some(&lane) = self.remote.get(addr) {
            return lane;
        }
        let lane = self.lanes.len();
        self.lanes.push(Lane {
            kind: LaneKind::Remote(addr.clone()),
            title: addr.to_string(),
            ended: None,
            parent: None,
        });
        self.remote.insert(addr.clone(), lane);
        lane
    }

    /// The lane of socket `id`'s connected peer, if it has one.
    fn peer_lane(&mut self, id: SockId) -> Option<usize> {
        let o = self.own.get(&id)?;
        let (local, peer) = (o.local.clone(), o.peer.clone()?);
        Some(self.lane_for(local.as_ref(), &peer))
    }

    /// The lane at the other end of a datagram or chunk: its address's, or the socket's
    /// connected peer's.
    fn other_lane(&mut self, id: SockId, addr: Option<&Addr>) -> Option<usize> {
        let local = self.own.get(&id).and_then(|o| o.local.clone());
        match addr {
            Some(addr) => Some(self.lane_for(local.as_ref(), addr)),
            None => self.peer_lane(id),
        }
    }

    fn data_sent(&mut self, m: Moved<'_>) {
        let from = self.own_lane(m.id);
        let (index, at, len) = (m.index, m.at, Some(m.len));
        match self.other_lane(m.id, m.other) {
            Some(to) => {
                *self.unmatched.entry((from, to)).or_default() += m.len as u64;
                self.arrow(index, at, StepKind::Data, from, to, m.label, len);
            }
            None => self.push_step(index, at, StepKind::Data, from, None, m.label, len),
        }
    }

    /// A receive draws the part of the bytes no send of the session drew already.
    fn data_received(&mut self, m: Moved<'_>) {
        let to = self.own_lane(m.id);
        let (index, at, len) = (m.index, m.at, Some(m.len));
        let Some(from) = self.other_lane(m.id, m.other) else {
            return self.push_step(index, at, StepKind::Data, to, None, m.label, len);
        };
        let pending = self.unmatched.entry((from, to)).or_default();
        if *pending >= m.len as u64 {
            *pending -= m.len as u64;
            return;
        }
        *pending = 0;
        self.arrow(index, at, StepKind::Data, from, to, m.label, len);
    }

    fn fin_sent(&mut self, index: usize, at: SystemTime, id: SockId) {
        let from = self.own_lane(id);
        if let Some(o) = self.own.get_mut(&id) {
            o.write_shut = true;
        }
        match self.peer_lane(id) {
            Some(to) => {
                *self.fins.entry((from, to)).or_default() += 1;
                self.arrow(index, at, StepKind::Fin, from, to, "FIN".into(), None);
            }
            None => self.mark(index, at, StepKind::Fin, from, "FIN".into()),
        }
    }

    fn fin_received(&mut self, index: usize, at: SystemTime, id: SockId) {
        let to = self.own_lane(id);
        let Some(from) = self.peer_lane(id) else {
            return self.mark(index, at, StepKind::Fin, to, "FIN".into());
        };
        let pending = self.fins.entry((from, to)).or_default();
        if *pending > 0 {
            *pending -= 1;
            return;
        }
        self.arrow(index, at, StepKind::Fin, from, to, "FIN".into(), None);
    }

    fn end_lane(&mut self, lane: usize) {
        let step = self.steps.len().saturating_sub(1);
        if let Some(l) = self.lanes.get_mut(lane) {
            l.ended.get_or_insert(step);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn arrow(
        &mut self,
        index: usize,
        at: SystemTime,
        kind: StepKind,
        from: usize,
        to: usize,
        label: String,
        len: Option<usize>,
    ) {
        self.push_step(index, at, kind, from, Some(to), label, len);
    }

    fn mark(&mut self, index: usize, at: SystemTime, kind: StepKind, lane: usize, label: String) {
        self.push_step(index, at, kind, lane, None, label, None);
    }

    #[allow(clippy::too_many_arguments)]
    fn push_step(
        &mut self,
        record: usize,
        at: SystemTime,
        kind: StepKind,
        from: usize,
        to: Option<usize>,
        label: String,
        len: Option<usize>,
    ) {
        self.steps.push(Step {
            record,
            at,
            kind,
            from,
            to,
            label,
            len,
        });
    }
}

/// Whether a socket bound to `bound` (`0.0.0.0:P`, `[::]:P`) takes what is sent to `addr`.
fn covers(bound: &Addr, addr: &Addr) -> bool {
    match (bound.ip(), addr.ip()) {
        (Some(b), Some(a)) => b.ip().is_unspecified() && b.port() == a.port(),
        _ => false,
    }
}

/// Bytes that moved on a socket, as the ladder draws them.
struct Moved<'a> {
    /// The record's index in the log.
    index: usize,
    /// When.
    at: SystemTime,
    /// The socket that sent or received them.
    id: SockId,
    /// The address at the other end, when the event names one.
    other: Option<&'a Addr>,
    /// The arrow's words.
    label: String,
    /// How many bytes.
    len: usize,
}

#[cfg(test)]
#[path = "ladder_tests.rs"]
mod tests;
