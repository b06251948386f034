//! Readiness handling: accepting, finishing connects, reading, writing, responders and timeouts.

use std::io::ErrorKind;
use std::sync::Arc;
use std::time::Instant;

use crate::engine::addr::Addr;
use crate::engine::command::{Payload, Responder};
use crate::engine::error::{Cause, Op, OpError};
use crate::engine::event::CmdId;
use crate::engine::event::{EventKind, SockId};
use crate::engine::framing::{Framed, Framing};
use crate::engine::fsm::{Phase, Refusal};
use crate::engine::reactor::Reactor;
use crate::engine::responders::answer_with;

/// How often a listener that ran out of descriptors tries to accept again.
pub(crate) const ACCEPT_RETRY: std::time::Duration = std::time::Duration::from_millis(100);

pub(crate) use crate::engine::PROGRESS_STEP;

/// The reply a responder gives to `data`.
fn reply_for(r: &Responder, data: &[u8]) -> Option<Arc<[u8]>> {
    match r {
        Responder::Off => None,
        Responder::Echo => Some(data.into()),
        Responder::Upper => Some(data.to_ascii_uppercase().into()),
        Responder::Fixed(Payload::Bytes(b)) => Some(b.clone()),
        Responder::Fixed(Payload::File(_)) => None,
    }
}

impl Reactor {
    /// Reacts to readiness of socket `id`.
    pub(crate) fn on_ready(&mut self, id: SockId, readable: bool, writable: bool) {
        let Some(sock) = self.socks.get(&id) else {
            return;
        };
        match sock.phase {
            Phase::Listening { .. } if readable => self.accept_ready(id),
            Phase::Connecting { .. } => {
                if readable || writable {
                    self.check_connect(id);
                }
                if self
                    .socks
                    .get(&id)
                    .is_some_and(|s| s.phase == Phase::Connected)
                {
                    self.read_ready(id);
                    self.flush(id);
                    self.relay_connected(id);
                }
            }
            Phase::Closed | Phase::Reset | Phase::Listening { .. } => {}
            _ => {
                if readable && !sock.manual {
                    self.read_ready(id);
                }
                if writable {
                    self.flush(id);
                    self.relay_wrote(id);
                    let flooding = self.socks.get(&id).is_some_and(|s| {
                        matches!(&s.pacer, Some(p) if matches!(&p.kind, crate::engine::sock::PacerKind::Flood(f) if f.blocked))
                    });
                    if flooding {
                        self.tick_flood(id, std::time::Instant::now());
                    }
                }
            }
        }
    }

    /// Accepts pending connections for waiting `accept` commands, or all of them in auto mode.
    pub(crate) fn accept_ready(&mut self, id: SockId) {
        loop {
            let Some(sock) = self.socks.get_mut(&id) else {
                return;
            };
            let Phase::Listening { auto, .. } = sock.phase else {
                return;
            };
            if !auto && sock.accept_waiters.is_empty() {
                return;
            }
            let Some(os) = sock.os.as_ref() else {
                return;
            };
            // Non-blocking from the start: one accept4(2) instead of accept and two fcntl.
            #[cfg(target_os = "linux")]
            let accepted = os.accept4(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC);
            #[cfg(not(target_os = "linux"))]
            let accepted = os.accept();
            match accepted {
                Ok((conn, from)) => {
                    sock.accept_starved = false;
                    let waiter = sock.accept_waiters.pop_front();
                    let (cmd, name) = match waiter {
                        Some(w) => (Some(w.cmd), w.name),
                        None => (None, None),
                    };
                    // The address accept(2) returned: a peer that reset while it waited in
                    // the backlog has none that getpeername(2) could tell afterwards.
                    self.adopt(id, conn, Addr::from_sock(&from), cmd, name);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    let local = sock.local.clone();
                    let cmd = sock.accept_waiters.pop_front().map(|w| w.cmd);
                    let starved = matches!(
                        e.raw_os_error(),
                        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
                    );
                    // The connection waits in the backlog, and an edge-triggered poller will
                    // not say so again: retry on a timer until descriptors free up, saying
                    // so once (and to every accept command that cannot be served).
                    let first = starved && !std::mem::replace(&mut sock.accept_starved, true);
                    if starved {
                        let at = Instant::now() + ACCEPT_RETRY;
                        self.timers.push(std::cmp::Reverse((at, id)));
                    }
                    if cmd.is_some() || first || !starved {
                        let err = OpError::io(Op::Accept, local.as_ref(), &e);
                        self.hub.emit(Some(id), cmd, EventKind::Failed(err));
                    }
                    return;
                }
            }
        }
    }

    /// Completes (or fails) a non-blocking TCP connect.
    fn check_connect(&mut self, id: SockId) {
        let Some(sock) = self.socks.get_mut(&id) else {
            return;
        };
        let Some(os) = sock.os.as_ref() else {
            return;
        };
        let peer = sock.peer.clone().unwrap_or(Addr::Unnamed);
        let failure = match os.take_error() {
            Ok(Some(e)) | Err(e) => Some(e),
            Ok(None) => match os.peer_addr() {
                Ok(_) => None,
                Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => return, // not done yet
                Err(e) => Some(e),
            },
        };
        match failure {
            None => {
                let cmd = self.connect_cmd(id);
                self.finish_connected(id, cmd, peer);
            }
            Some(e) => {
                self.connect_failed(id, OpError::io(Op::Connect, Some(&peer), &e));
                self.relay_connect_failed(id);
            }
        }
    }

    /// The responder that answers for `id`: its own, else its listener's.
    fn responder_of(&self, id: SockId) -> Option<Responder> {
        let sock = self.socks.get(&id)?;
        match &sock.responder {
            Some(r) => Some(r.clone()),
            None => sock
                .parent
                .and_then(|p| self.socks.get(&p))
                .and_then(|p| p.responder.clone()),
        }
        .filter(|r| *r != Responder::Off)
    }

    /// One `recv` of at most `max` bytes.
    pub(crate) fn read_once(&mut self, id: SockId, max: usize) -> ReadOutcome {
        let Some(sock) = self.socks.get_mut(&id) else {
            return ReadOutcome::Gone;
        };
        if crate::engine::tls::hooks::conn_of(sock).is_some() {
            return self.tls_read(id, max); // plaintext out of the TLS layer
        }
        let Some(os) = sock.os.as_ref() else {
            return ReadOutcome::Gone;
        };
        let stream = sock.proto.is_stream();
        let result = self.buf.read(max, |buf| {
            if stream {
                os.recv(buf).map(|n| (n, (n, None)))
            } else {
                let room = buf.len();
                os.recv_from_with_flags(buf, libc::MSG_TRUNC)
                    .map(|(n, from)| (n.min(room), (n, Some(Addr::from_sock(&from)))))
            }
        });
        match result {
            Ok((data, (_, None))) if data.is_empty() => ReadOutcome::Eof,
            Ok((data, (real, from))) => {
                let got = data.len();
                sock.counters.received(got);
                let peer = from.or_else(|| sock.peer.clone());
                ReadOutcome::Data(data, peer, (real > got).then_some(real))
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => ReadOutcome::WouldBlock,
            Err(e) if e.kind() == ErrorKind::Interrupted => ReadOutcome::Interrupted,
            Err(e) => ReadOutcome::Error(e),
        }
    }

    /// Reads everything the socket has, unless a subscriber is congested or step mode is on.
    pub(crate) fn read_ready(&mut self, id: SockId) {
        loop {
            if self.hub.congested() {
                if !self.deferred.contains(&id) {
                    self.deferred.push(id);
                }
                return;
            }
            let Some(sock) = self.socks.get(&id) else {
                return;
            };
            if sock.halves.read_done || sock.manual {
                return;
            }
            if !sock.proto.is_stream() {
                use crate::engine::reactor::batch_read::Batch;
                match self.read_batch(id) {
                    // A short batch emptied the queue: asking again would only return
                    // EAGAIN, one more system call per wake-up under a flood.
                    Batch::Delivered { drained: true } => return,
                    Batch::Delivered { drained: false } | Batch::Interrupted => continue,
                    Batch::Empty => return,
                    Batch::Error(e) => {
                        self.recv_failed(id, &e);
                        continue;
                    }
                }
            }
            let max = sock.recv_size;
            let max = match self.relay_budget(id) {
                Some(0) => return, // the other side is full, or a stall: resumed later
                Some(n) => max.min(n),
                None => max,
            };
            match self.read_once(id, max) {
                ReadOutcome::Data(data, peer, truncated) => {
                    self.deliver(id, None, data, peer, truncated)
                }
                ReadOutcome::Eof => {
                    self.peer_closed(id, None);
                    return;
                }
                ReadOutcome::Interrupted => continue,
                ReadOutcome::WouldBlock | ReadOutcome::Gone => return,
                ReadOutcome::Error(e) => {
                    let tcp = self.recv_failed(id, &e);
                    if tcp {
                        return;
                    }
                }
            }
        }
    }

    /// Records that the peer closed its side (`recv` returned 0).
    pub(crate) fn peer_closed(&mut self, id: SockId, cmd: Option<CmdId>) {
        let Some(sock) = self.socks.get_mut(&id) else {
            return;
        };
        let stream = sock.proto.is_stream();
        sock.halves.on(&EventKind::PeerClosed, stream);
        let rest = sock.splitter.finish();
        let peer = sock.peer.clone();
        if let Some(rest) = rest {
            let why = Refusal::EndedInsideMessage { left: rest.len() };
            let mut err = OpError::state(Op::Recv, why);
            err.addr = peer;
            self.hub.emit(Some(id), None, EventKind::Failed(err));
        }
        self.hub.emit(Some(id), cmd, EventKind::PeerClosed);
        if !self.relay_eof(id) {
            self.apply_close_policy(id);
        }
    }

    /// Reports a receive error; true when it ends the (TCP) connection. A reset by the
    /// peer is a state of its own, not an error: see [`Reactor::reset_by_peer`].
    pub(crate) fn recv_failed(&mut self, id: SockId, e: &std::io::Error) -> bool {
        let Some(sock) = self.socks.get_mut(&id) else {
            return true;
        };
        if sock.proto.is_stream() && e.raw_os_error() == Some(libc::ECONNRESET) {
            self.reset_by_peer(id, None);
            return true;
        }
        let peer = sock.peer.clone();
        let tcp = sock.proto.is_stream();
        let kind = EventKind::Failed(OpError::io(Op::Recv, peer.as_ref(), e));
        sock.halves.on(&kind, tcp);
        self.hub.emit(Some(id), None, kind);
        tcp
    }

    /// Reports received bytes, cuts them into messages and answers them.
    pub(crate) fn deliver(
        &mut self,
        id: SockId,
        cmd: Option<CmdId>,
        data: Arc<[u8]>,
        peer: Option<Addr>,
        truncated_from: Option<usize>,
    ) {
        self.hub.emit(
            Some(id),
            cmd,
            EventKind::Received {
                peer: peer.clone(),
                data: Arc::clone(&data),
                truncated_from,
            },
        );
        if self.relay_take(id, &data, peer.as_ref()) {
            return;
        }
        let Some(sock) = self.socks.get_mut(&id) else {
            return;
        };
        if !sock.proto.is_stream() || *sock.splitter.framing() == Framing::Raw {
            self.answer(id, &data, peer);
            return;
        }
        for framed in sock.splitter.feed(&data) {
            match framed {
                Framed::Message(m) => {
                    let msg: Arc<[u8]> = m.into();
                    let kind = EventKind::Message {
                        peer: peer.clone(),
                        data: Arc::clone(&msg),
                    };
                    self.hub.emit(Some(id), None, kind);
                    self.answer(id, &msg, peer.clone());
                }
                Framed::Broken(why) => {
                    let mut err = OpError::state(Op::Recv, Refusal::BrokenFrame(why));
                    err.addr = peer.clone();
                    self.hub.emit(Some(id), None, EventKind::Failed(err));
                }
            }
        }
    }

    /// Replies to a message by the socket's rules (or its listener's), else its responder.
    fn answer(&mut self, id: SockId, msg: &[u8], peer: Option<Addr>) {
        let Some(sock) = self.socks.get(&id) else {
            return;
        };
        let parent = sock.parent.and_then(|p| self.socks.get(&p));
        let silent = |r: &Option<Responder>| matches!(r, None | Some(Responder::Off));
        if sock.rules.is_empty()
            && silent(&sock.responder)
            && parent.is_none_or(|p| p.rules.is_empty() && silent(&p.responder))
        {
            return; // nothing answers: the common case of a plain receive stays cheap
        }
        let reply_to = if !sock.proto.is_stream() && sock.phase != Phase::Connected {
            peer.clone()
        } else {
            None
        };
        let rules = if sock.rules.is_empty() {
            sock.parent
                .and_then(|p| self.socks.get(&p))
                .map(|p| p.rules.clone())
                .unwrap_or_default()
        } else {
            sock.rules.clone()
        };
        let counter = sock.replies + 1;
        let peer_text = peer.as_ref().map(|p| p.to_string()).unwrap_or_default();
        let seq = self.stamps.next_seq(id);
        let reply = match answer_with(&rules, msg, peer_text, counter, seq) {
            Some((bytes, close)) => Some((Arc::<[u8]>::from(bytes), close)),
            None => self
                .responder_of(id)
                .and_then(|r| reply_for(&r, &on_the_wire(sock.splitter.framing(), msg)))
                .map(|b| (b, false)),
        };
        let Some((bytes, close)) = reply else {
            return;
        };
        if let Some(sock) = self.socks.get_mut(&id) {
            sock.replies += 1;
            if close {
                sock.close_after_flush = true;
            }
        }
        self.queue(id, None, bytes, reply_to, true);
    }

    /// Fails accepts and connects of `id` whose deadline has passed.
    pub(crate) fn expire(&mut self, id: SockId, now: Instant) {
        self.tick_pacer(id, now);
        self.tls_expire(id, now);
        if self.socks.get(&id).is_some_and(|s| s.accept_starved) {
            self.accept_ready(id);
        }
        let Some(sock) = self.socks.get_mut(&id) else {
            return;
        };
        let mut expired = Vec::new();
        sock.accept_waiters.retain(|w| match w.deadline {
            Some(at) if at <= now => {
                expired.push((w.cmd, w.timeout.unwrap_or_default()));
                false
            }
            _ => true,
        });
        let local = sock.local.clone();
        for (cmd, limit) in expired {
            let mut err = OpError::new(Op::Accept, Cause::TimedOut(limit));
            err.addr = local.clone();
            self.hub.emit(Some(id), Some(cmd), EventKind::Failed(err));
        }
        let Some(sock) = self.socks.get_mut(&id) else {
            return;
        };
        if let Phase::Connecting {
            cmd,
            deadline,
            limit,
        } = sock.phase
            && deadline <= now
        {
            let mut err = OpError::new(Op::Connect, Cause::TimedOut(limit));
            err.addr = sock.peer.clone();
            let kind = EventKind::Failed(err);
            // Out of `Connecting`, so that the close below does not fail the command again.
            sock.phase.on(&kind, sock.local.is_some());
            self.hub.emit(Some(id), cmd, kind);
            // An unfinished connect cannot be withdrawn: the socket is closed, as in BSD practice.
            let _ = self.close(None, id);
            self.relay_connect_failed(id);
        }
    }
}

/// A framed message as it came over the wire (delimiter or length header included), which
/// is what an echo sends back.
fn on_the_wire<'a>(framing: &Framing, msg: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
    match framing {
        Framing::Delimited(d) => [msg, d].concat().into(),
        Framing::LengthPrefixed { width, big_endian } => {
            crate::engine::framing::length_prefixed(msg, *width, *big_endian)
                .map_or(msg.into(), Into::into)
        }
        Framing::Raw | Framing::Fixed(_) => msg.into(),
    }
}

/// What one `recv` gave.
pub(crate) enum ReadOutcome {
    /// Bytes, the sender, and the real length of a truncated datagram.
    Data(Arc<[u8]>, Option<Addr>, Option<usize>),
    /// The peer closed its side.
    Eof,
    /// Nothing to read now.
    WouldBlock,
    /// A signal interrupted the call; try again.
    Interrupted,
    /// An error.
    Error(std::io::Error),
    /// The socket is closed.
    Gone,
}
