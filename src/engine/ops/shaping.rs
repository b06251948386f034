//! Commands that shape receiving and sending: framing, receive size, step mode (`recv`,
//! `ready`), rule tables, greetings, and the timed senders `repeat` and `chunked`.

use std::cmp::Reverse;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::addr::{Addr, AddrSpec};
use crate::engine::command::Payload;
use crate::engine::error::{Op, OpError};
use crate::engine::event::{CmdId, EventKind, Setting, SockId};
use crate::engine::framing::{FrameSplitter, Framing};
use crate::engine::fsm::{Refusal, Step};
use crate::engine::ops::file_payload::{IN_MEMORY_LIMIT, datagram_limit, load_limited};
use crate::engine::reactor::Reactor;
use crate::engine::reactor::io::ReadOutcome;
use crate::engine::responders::{CompiledRule, Rule, TemplateVars, expand};
use crate::engine::sock::{Pacer, PacerKind, Sock};

impl Reactor {
    fn set(&mut self, id: SockId, cmd: CmdId, s: Setting) {
        self.hub.emit(Some(id), Some(cmd), EventKind::Set(s));
    }

    /// Stores a setting on socket `id` (`store` changes its record), then reports it.
    fn keep_setting(&mut self, id: SockId, cmd: CmdId, s: Setting, store: impl FnOnce(&mut Sock)) {
        if let Some(sock) = self.socks.get_mut(&id) {
            store(sock);
        }
        self.set(id, cmd, s);
    }

    fn check(&self, op: Op, id: SockId, step: Step) -> Result<(), OpError> {
        match self.socks.get(&id) {
            Some(s) => s.check(op, step),
            None => Ok(()),
        }
    }

    /// `frame`.
    pub(crate) fn frame(
        &mut self,
        cmd: CmdId,
        id: SockId,
        framing: Framing,
    ) -> Result<(), OpError> {
        self.check(Op::Set, id, Step::Set)?;
        let bad = match &framing {
            Framing::Delimited(d) if d.is_empty() => Some(Refusal::EmptyDelimiter),
            Framing::Fixed(0) => Some(Refusal::ZeroFixedSize),
            Framing::LengthPrefixed { width, .. } if ![1, 2, 4].contains(width) => {
                Some(Refusal::BadLengthWidth)
            }
            _ => None,
        };
        if let Some(why) = bad {
            return Err(OpError::state(Op::Set, why));
        }
        self.check(Op::Set, id, Step::Frame)?;
        let splitter = FrameSplitter::new(framing.clone());
        self.keep_setting(id, cmd, Setting::Framing(framing), |s| {
            s.splitter = splitter
        });
        Ok(())
    }

    /// `recvsize`.
    pub(crate) fn recv_size(&mut self, cmd: CmdId, id: SockId, size: usize) -> Result<(), OpError> {
        self.check(Op::Set, id, Step::Set)?;
        if !(1..=crate::engine::RECV_MAX).contains(&size) {
            return Err(OpError::state(
                Op::Set,
                Refusal::RecvSizeRange { asked: size },
            ));
        }
        self.keep_setting(id, cmd, Setting::RecvSize(size), |s| s.recv_size = size);
        Ok(())
    }

    /// `recvmode`.
    pub(crate) fn recv_mode(
        &mut self,
        cmd: CmdId,
        id: SockId,
        manual: bool,
    ) -> Result<(), OpError> {
        self.check(Op::Set, id, Step::Set)?;
        self.keep_setting(id, cmd, Setting::Manual(manual), |s| s.manual = manual);
        if !manual {
            // Edge-triggered readiness will not fire again for data already waiting.
            self.read_ready(id);
        }
        Ok(())
    }

    /// `recv`: one read now, in step mode.
    pub(crate) fn recv_now(
        &mut self,
        cmd: CmdId,
        id: SockId,
        max: Option<usize>,
    ) -> Result<(), OpError> {
        let sock = &self.socks[&id];
        let label = sock.label();
        sock.check(Op::Recv, Step::Recv)?;
        let max = max.unwrap_or(sock.recv_size);
        if !(1..=crate::engine::RECV_MAX).contains(&max) {
            return Err(OpError::state(Op::Recv, Refusal::RecvRange { asked: max }));
        }
        loop {
            match self.read_once(id, max) {
                ReadOutcome::Data(data, peer, truncated) => {
                    self.deliver(id, Some(cmd), data, peer, truncated);
                    return Ok(());
                }
                ReadOutcome::Eof => {
                    self.peer_closed(id, Some(cmd));
                    return Ok(());
                }
                ReadOutcome::WouldBlock => {
                    self.hub.emit(Some(id), Some(cmd), EventKind::WouldBlock);
                    return Ok(());
                }
                ReadOutcome::Interrupted => continue,
                ReadOutcome::Gone => {
                    return Err(OpError::state(Op::Recv, Refusal::Closed { label }));
                }
                ReadOutcome::Error(e)
                    if self.socks[&id].proto.is_stream()
                        && e.raw_os_error() == Some(libc::ECONNRESET) =>
                {
                    self.reset_by_peer(id, Some(cmd));
                    return Ok(());
                }
                ReadOutcome::Error(e) => {
                    let peer = self.socks[&id].peer.clone();
                    return Err(OpError::io(Op::Recv, peer.as_ref(), &e));
                }
            }
        }
    }

    /// `ready`: `poll()` with a zero timeout and `FIONREAD`, consuming nothing.
    pub(crate) fn ready(&mut self, cmd: CmdId, id: SockId) -> Result<(), OpError> {
        let sock = &self.socks[&id];
        sock.check(Op::Ready, Step::Set)?;
        let fd = sock.open(Op::Ready)?.as_raw_fd();
        let revents = crate::sys::net::poll_now(fd, libc::POLLIN | libc::POLLOUT)
            .map_err(|e| OpError::io(Op::Ready, None, &e))?;
        let pending = crate::sys::net::pending_bytes(fd);
        let readable = revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0;
        let writable = revents & libc::POLLOUT != 0;
        self.hub.emit(
            Some(id),
            Some(cmd),
            EventKind::Readiness {
                readable,
                writable,
                pending,
            },
        );
        Ok(())
    }

    /// `rule ID add`.
    pub(crate) fn rule_add(&mut self, cmd: CmdId, id: SockId, rule: Rule) -> Result<(), OpError> {
        self.check(Op::Set, id, Step::Set)?;
        let compiled = CompiledRule::new(rule.clone())
            .map_err(|why| OpError::state(Op::Set, Refusal::BadRule(why)))?;
        let count = match self.socks.get_mut(&id) {
            Some(s) => {
                s.rules.push(compiled);
                s.rules.len()
            }
            None => 0,
        };
        self.set(id, cmd, Setting::RuleAdded { rule, count });
        Ok(())
    }

    /// `rule ID clear`.
    pub(crate) fn rule_clear(&mut self, cmd: CmdId, id: SockId) -> Result<(), OpError> {
        self.keep_setting(id, cmd, Setting::RulesCleared, |s| s.rules.clear());
        Ok(())
    }

    /// `greet`.
    pub(crate) fn greet(
        &mut self,
        cmd: CmdId,
        id: SockId,
        greeting: Option<Payload>,
        close: bool,
    ) -> Result<(), OpError> {
        self.check(Op::Set, id, Step::Set)?;
        self.check(Op::Set, id, Step::Greet)?;
        let data: Option<Arc<[u8]>> = match greeting {
            Some(p) => Some(load_limited(Op::Set, &p, IN_MEMORY_LIMIT)?),
            None => None,
        };
        let kept = data.clone().map(|d| (d, close));
        self.keep_setting(id, cmd, Setting::Greeting { data, close }, |s| {
            s.greeting = kept
        });
        Ok(())
    }

    /// Sends a new connection its listener's greeting.
    pub(crate) fn send_greeting(&mut self, listener: SockId, conn: SockId) {
        let Some((data, close)) = self.socks.get(&listener).and_then(|l| l.greeting.clone()) else {
            return;
        };
        if close && let Some(c) = self.socks.get_mut(&conn) {
            c.close_after_flush = true;
        }
        self.queue(conn, None, data, None, true);
    }

    /// Checks that `id` can send now, with `to` for an unconnected datagram socket.
    pub(crate) fn sendable(
        &mut self,
        op: Op,
        id: SockId,
        to: Option<&AddrSpec>,
    ) -> Result<Option<Addr>, OpError> {
        let sock = &self.socks[&id];
        let family = sock.family;
        match to {
            None if op == Op::Chunked => sock.check(op, Step::Chunked).map(|()| None),
            None => sock.check(op, Step::Paced).map(|()| None),
            Some(spec) => {
                sock.check(op, Step::PacedTo)?;
                let to = self.resolve(op, spec, family)?;
                // As a first `sendto` does: bind to an ephemeral port, reported before the
                // first datagram leaves, so that replies have somewhere to come back to.
                self.bind_implicitly(id)?;
                Ok(Some(to))
            }
        }
    }

    fn start_pacer(&mut self, id: SockId, every: Duration, kind: PacerKind) {
        let now = Instant::now();
        if let Some(s) = self.socks.get_mut(&id) {
            s.pacer = Some(Pacer {
                next_at: now,
                every,
                sent: 0,
                kind,
            });
        }
        self.tick_pacer(id, now);
    }

    /// `repeat`.
    pub(crate) fn repeat(
        &mut self,
        cmd: CmdId,
        id: SockId,
        count: Option<u64>,
        every: Duration,
        payload: &Payload,
        to: Option<&AddrSpec>,
    ) -> Result<(), OpError> {
        let to = self.sendable(Op::Repeat, id, to)?;
        if count == Some(0) {
            return Err(OpError::state(Op::Repeat, Refusal::ZeroRepeat));
        }
        let limit = match (self.socks[&id].proto.is_stream(), self.socks[&id].family) {
            (false, family) => datagram_limit(family),
            (true, _) => IN_MEMORY_LIMIT,
        };
        let template = load_limited(Op::Repeat, payload, limit)?;
        self.set(id, cmd, Setting::Repeating { count, every });
        self.start_pacer(
            id,
            every,
            PacerKind::Repeat {
                template,
                count,
                to,
            },
        );
        Ok(())
    }

    /// `chunked`.
    pub(crate) fn chunked(
        &mut self,
        cmd: CmdId,
        id: SockId,
        size: usize,
        delay: Duration,
        payload: Payload,
    ) -> Result<(), OpError> {
        self.sendable(Op::Chunked, id, None)?;
        if size == 0 {
            return Err(OpError::state(Op::Chunked, Refusal::ZeroPiece));
        }
        let data: Arc<[u8]> = load_limited(Op::Chunked, &payload, IN_MEMORY_LIMIT)?;
        self.set(
            id,
            cmd,
            Setting::Chunking {
                size,
                delay,
                total: data.len(),
            },
        );
        self.start_pacer(id, delay, PacerKind::Chunks { data, off: 0, size });
        Ok(())
    }

    /// `repeat ID stop`.
    pub(crate) fn repeat_stop(&mut self, cmd: CmdId, id: SockId) -> Result<(), OpError> {
        let Some(p) = self.socks.get_mut(&id).and_then(|s| s.pacer.take()) else {
            let label = self.socks[&id].label();
            return Err(OpError::state(Op::Repeat, Refusal::NotRepeating { label }));
        };
        self.hub
            .emit(Some(id), Some(cmd), EventKind::RepeatDone { sent: p.sent });
        Ok(())
    }

    /// Sends what a pacer owes at `now` and schedules its next send.
    pub(crate) fn tick_pacer(&mut self, id: SockId, now: Instant) {
        let Some(sock) = self.socks.get_mut(&id) else {
            return;
        };
        let Some(p) = sock.pacer.as_mut() else {
            return;
        };
        if matches!(p.kind, PacerKind::Flood(_)) {
            self.tick_flood(id, now);
            return;
        }
        if p.next_at > now {
            return;
        }
        let peer = sock
            .peer
            .as_ref()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let (data, to, done) = match &mut p.kind {
            PacerKind::Repeat {
                template,
                count,
                to,
            } => {
                let vars = TemplateVars {
                    data: &[],
                    peer,
                    counter: p.sent + 1,
                    seq: self.stamps.next_seq(id),
                    captures: &[],
                };
                // A template without placeholders is sent as it is, shared, not copied.
                let data: Arc<[u8]> = if template.contains(&b'{') {
                    expand(template, &vars).into()
                } else {
                    template.clone()
                };
                (data, to.clone(), count.is_some_and(|c| p.sent + 1 >= c))
            }
            PacerKind::Chunks { data, off, size } => {
                let end = (*off + *size).min(data.len());
                let piece: Arc<[u8]> = data[*off..end].into();
                *off = end;
                (piece, None, end >= data.len())
            }
            PacerKind::Flood(_) => return,
        };
        p.sent += 1;
        let sent = p.sent;
        // Keep the cadence, but never burst to catch up after a stall.
        p.next_at = (p.next_at + p.every).max(now);
        let next = p.next_at;
        if done {
            sock.pacer = None;
        }
        self.queue(id, None, data, to, false);
        if done {
            self.hub
                .emit(Some(id), None, EventKind::RepeatDone { sent });
        } else if self.socks.get(&id).is_some_and(|s| s.pacer.is_some()) {
            self.timers.push(Reverse((next, id)));
        }
    }
}
