//! The relay: a TCP listener (or a bound UDP socket) that opens its own upstream
//! connection for every client and passes the bytes both ways, through a [`pipe::Pipe`]
//! per direction that injects the faults `fault` sets. Everything runs on the engine
//! thread: the pipes' delays and throttles are reactor timers, and a side is not read
//! while what it sent waits over [`BOUND`] bytes on the other side (backpressure).

pub mod fault;
pub(crate) mod pipe;
mod tcp;
mod udp;

use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Interest, Token};

use crate::engine::addr::Addr;
use crate::engine::event::{EventKind, SockId};
use crate::engine::fsm::Phase;
use crate::engine::reactor::Reactor;
use crate::engine::sock::Outgoing;
use fault::{Dir, Faults};
use pipe::{Pipe, Taken};

/// Most bytes a relayed stream is read at a time: a chunk is read and written at once, and
/// 32 KiB stays in the core's cache between the two copies (on loopback, 64 KiB reads moved
/// 0.91–0.99 GiB/s, 32 KiB 1.17 GiB/s, socat's 8 KiB buffer 1.13 GiB/s; `benches/relay.rs`).
/// A smaller `recvsize` on the listener still applies.
const CHUNK: usize = 32 << 10;

/// Bytes one direction may hold (in its pipe and the destination's send queue) before the
/// relay stops reading its source; reading resumes below half of it.
pub const BOUND: u64 = 1 << 20;

/// How long a UDP session lives without traffic when `relay` gives no `idle`.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(60);

/// Datagrams a UDP relay lets wait in one socket's send queue; past it they are dropped.
const DGRAM_QUEUE: usize = 4096;

/// A relay socket's setting.
pub(crate) struct Conf {
    /// Where every client's upstream connection goes.
    pub to: Addr,
    /// New clients are relayed (`relay ID off` stops that; sessions under way go on).
    pub on: bool,
    /// UDP: how long a session lives without traffic.
    pub idle: Duration,
    /// The faults of each direction (up, down).
    pub faults: [Faults; 2],
    /// UDP: the session socket of each client address.
    pub sessions: HashMap<Addr, SockId>,
}

/// Every relay of the engine.
#[derive(Default)]
pub(crate) struct Relays {
    /// Relay sockets (listeners, bound UDP sockets) and their settings.
    pub confs: HashMap<SockId, Conf>,
    /// TCP: the client side and the upstream side of a pair name each other; UDP: a
    /// session's upstream socket names its relay socket.
    pub partner: HashMap<SockId, SockId>,
    /// The pipes, by (source, destination).
    pub pipes: HashMap<(SockId, SockId), Pipe>,
}

impl Relays {
    /// The faults pipe `p` applies now.
    fn faults_of(&self, p: &Pipe) -> Faults {
        self.confs
            .get(&p.owner)
            .map(|c| c.faults[p.dir.index()])
            .unwrap_or_default()
    }
}

impl Reactor {
    /// Registers a socket the relay made with the poller.
    fn relay_register(&mut self, id: SockId) -> std::io::Result<()> {
        let Some(sock) = self.socks.get_mut(&id) else {
            return Ok(());
        };
        let Some(os) = sock.os.as_ref() else {
            return Ok(());
        };
        let fd = os.as_raw_fd();
        self.poll.registry().register(
            &mut SourceFd(&fd),
            Token(id.0 as usize),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        sock.registered = true;
        Ok(())
    }

    /// The source and destination of the pipe `id` reads into, if `id` is a relayed side.
    fn pipe_from(&self, id: SockId) -> Option<(SockId, SockId)> {
        let dst = *self.relay.partner.get(&id)?;
        self.relay
            .pipes
            .contains_key(&(id, dst))
            .then_some((id, dst))
    }

    /// How many bytes the relay lets `id` read now: `None` when `id` is not relayed (or
    /// is a datagram socket, never held back), 0 while its pipe is full or stalled.
    pub(crate) fn relay_budget(&mut self, id: SockId) -> Option<usize> {
        let (src, dst) = self.pipe_from(id)?;
        if !self.socks.get(&src)?.proto.is_stream() {
            return None;
        }
        let out = self.socks.get(&dst).map_or(0, |s| s.counters.bytes_out);
        let pipe = self.relay.pipes.get(&(src, dst))?;
        let f = self.relay.faults_of(pipe);
        let left = pipe.stall_left(&f);
        let level = pipe.queued as u64 + pipe.handed.saturating_sub(out - pipe.out_base.min(out));
        let stop = left == Some(0) || level >= BOUND;
        let pipe = self.relay.pipes.get_mut(&(src, dst))?;
        pipe.paused = stop;
        Some(if stop {
            0
        } else {
            left.map_or(CHUNK, |l| l.min(CHUNK as u64) as usize)
        })
    }

    /// Takes what relayed socket `id` received into its pipe; false when `id` is not relayed.
    pub(crate) fn relay_take(
        &mut self,
        id: SockId,
        data: &std::sync::Arc<[u8]>,
        peer: Option<&Addr>,
    ) -> bool {
        if self.relay.confs.contains_key(&id) {
            return self.udp_take(id, data, peer);
        }
        let Some((src, dst)) = self.pipe_from(id) else {
            return false;
        };
        let dgram = self.socks.get(&src).is_some_and(|s| !s.proto.is_stream());
        let Some(pipe) = self.relay.pipes.get(&(src, dst)) else {
            return false;
        };
        let f = self.relay.faults_of(pipe);
        if let Some(pipe) = self.relay.pipes.get_mut(&(src, dst)) {
            let _: Taken = pipe.take_in(std::sync::Arc::clone(data), Instant::now(), &f, dgram);
        }
        self.relay_pump(src, dst);
        true
    }

    /// Moves what may leave pipe (`src`, `dst`) now to `dst`'s send queue, writes it, arms
    /// the pipe's timer for the rest, and settles what the pipe's state asks for.
    pub(crate) fn relay_pump(&mut self, src: SockId, dst: SockId) {
        let now = Instant::now();
        let Some(d) = self.socks.get(&dst) else {
            return;
        };
        let dgram = !d.proto.is_stream();
        if d.phase != Phase::Connected && !(dgram && d.phase == Phase::Bound) {
            return; // the upstream connection is not up yet: it pumps when it is
        }
        let Some(pipe) = self.relay.pipes.get(&(src, dst)) else {
            return;
        };
        let f = self.relay.faults_of(pipe);
        let Some(pipe) = self.relay.pipes.get_mut(&(src, dst)) else {
            return;
        };
        let (out, wake) = pipe.release(now, &f, dgram);
        let to = pipe.to.clone();
        let key = pipe.key;
        let handed: usize = out.iter().map(|c| c.len()).sum();
        pipe.handed += handed as u64;
        if pipe.timer_at.is_some_and(|t| t <= now) {
            pipe.timer_at = None;
        }
        if let Some(at) = wake
            && pipe.timer_at.is_none_or(|t| at < t)
        {
            pipe.timer_at = Some(at);
            self.timers.push(std::cmp::Reverse((at, key)));
        }
        if !out.is_empty()
            && let Some(d) = self.socks.get_mut(&dst)
        {
            for data in out {
                if dgram && d.outq.len() >= DGRAM_QUEUE {
                    continue; // a datagram socket's queue is full: lost, as on a real link
                }
                d.outq.push_back(Outgoing {
                    cmd: None,
                    data,
                    off: 0,
                    to: to.clone(),
                    next_report: usize::MAX,
                    reply: false,
                    feed: None,
                });
            }
            self.flush(dst);
        }
        self.relay_settle(src, dst);
    }

    /// After `id` wrote: settles the pipe that feeds it (a paused source resumes, a FIN
    /// or a cut waiting for the queue to drain goes out).
    pub(crate) fn relay_wrote(&mut self, id: SockId) {
        if let Some(src) = self.relay.partner.get(&id).copied()
            && self.relay.pipes.contains_key(&(src, id))
        {
            self.relay_settle(src, id);
        }
    }

    /// The upstream side `id` finished connecting: what the client sent meanwhile goes out.
    pub(crate) fn relay_connected(&mut self, id: SockId) {
        if let Some(src) = self.relay.partner.get(&id).copied() {
            self.relay_pump(src, id);
        }
    }

    /// A relay timer for `id` is due: pumps both of its pipes, and ends an idle UDP session.
    pub(crate) fn relay_tick(&mut self, id: SockId, now: Instant) {
        let Some(other) = self.relay.partner.get(&id).copied() else {
            return;
        };
        if self.relay.pipes.contains_key(&(other, id)) {
            self.relay_pump(other, id);
        }
        if self.relay.pipes.contains_key(&(id, other)) {
            self.relay_pump(id, other);
        }
        self.udp_idle(id, other, now);
    }

    /// Does what pipe (`src`, `dst`) waits for once it and `dst`'s queue are empty: a cut
    /// resets both sides, a FIN shuts `dst`'s write side; a paused source resumes when
    /// the level fell under half the bound.
    fn relay_settle(&mut self, src: SockId, dst: SockId) {
        let Some(d) = self.socks.get(&dst) else {
            return;
        };
        let drained = d.outq.is_empty();
        let out = d.counters.bytes_out;
        let Some(pipe) = self.relay.pipes.get_mut(&(src, dst)) else {
            return;
        };
        if drained && pipe.is_empty() {
            if pipe.cut {
                self.relay_cut(src, dst);
                return;
            }
            if pipe.eof && !pipe.eof_done {
                pipe.eof_done = true;
                self.tcp_pass_fin(src, dst);
                return;
            }
        }
        let level = pipe.queued as u64 + pipe.handed.saturating_sub(out - pipe.out_base.min(out));
        if pipe.paused && level < BOUND / 2 {
            let f = self.relay.faults_of(&self.relay.pipes[&(src, dst)]);
            let pipe = self.relay.pipes.get_mut(&(src, dst));
            if let Some(pipe) = pipe
                && pipe.stall_left(&f) != Some(0)
            {
                pipe.paused = false;
                if !self.deferred.contains(&src) {
                    self.deferred.push(src);
                }
            }
        }
    }

    /// Emits a relay setting on `id`.
    fn relay_note(
        &mut self,
        id: SockId,
        cmd: Option<crate::engine::event::CmdId>,
        s: crate::engine::event::Setting,
    ) {
        self.hub.emit(Some(id), cmd, EventKind::Set(s));
    }

    /// Resets `id` (linger 0, then close): its peer sees a reset.
    fn relay_reset(&mut self, id: SockId) {
        let Some(sock) = self.socks.get_mut(&id) else {
            return;
        };
        if let Some(os) = sock.os.as_ref()
            && sock.proto.is_stream()
        {
            let _ = os.set_linger(Some(Duration::ZERO));
        }
        sock.outq.clear();
        let _ = self.close(None, id);
    }

    /// Forgets the relay links of `id`, returning its partner.
    fn relay_unlink(&mut self, id: SockId) -> Option<SockId> {
        let other = self.relay.partner.remove(&id)?;
        if self.relay.partner.get(&other) == Some(&id) {
            self.relay.partner.remove(&other);
        }
        self.relay.pipes.remove(&(id, other));
        self.relay.pipes.remove(&(other, id));
        Some(other)
    }

    /// `id` ended (closed, or reset by its peer): the other side of its pair follows — a
    /// reset passes as a reset, a close as a close once its queue is written. A relay
    /// socket that closes ends its UDP sessions.
    pub(crate) fn relay_ended(&mut self, id: SockId, reset: bool) {
        if let Some(conf) = self.relay.confs.remove(&id) {
            for s in conf.sessions.into_values() {
                self.relay_unlink(s);
                let _ = self.close(None, s);
            }
        }
        let Some(other) = self.relay_unlink(id) else {
            return;
        };
        self.udp_forget(id, other);
        let Some(o) = self.socks.get_mut(&other) else {
            return;
        };
        if !o.proto.is_stream() || matches!(o.phase, Phase::Closed | Phase::Reset) {
            return;
        }
        if reset {
            self.relay_reset(other);
        } else if o.outq.is_empty() {
            let _ = self.close(None, other);
        } else {
            o.close_after_flush = true;
            self.flush(other);
        }
    }
}

/// The faults of direction `dir` (both when `None`) after `fault`, one line per direction.
/// A non-blocking upstream socket of type `ty` for `to` (IPv6 when `to` is), made ready by
/// `ready`, and its family.
pub(crate) fn upstream(
    to: &Addr,
    ty: socket2::Type,
    proto: socket2::Protocol,
    ready: impl FnOnce(&socket2::Socket) -> std::io::Result<()>,
) -> std::io::Result<(socket2::Socket, crate::engine::command::Family)> {
    use crate::engine::command::Family;
    let (domain, family) = if to.ip().is_some_and(|a| a.is_ipv6()) {
        (socket2::Domain::IPV6, Family::V6)
    } else {
        (socket2::Domain::IPV4, Family::V4)
    };
    let os = socket2::Socket::new(domain, ty, Some(proto))?;
    os.set_nonblocking(true)?;
    ready(&os)?;
    Ok((os, family))
}

impl Reactor {
    /// Adds a relay's upstream socket `os` under `parent`, `setup` done, and reports it
    /// created; its id.
    fn add_upstream(
        &mut self,
        parent: SockId,
        proto: crate::engine::command::Proto,
        family: crate::engine::command::Family,
        os: socket2::Socket,
        setup: impl FnOnce(&mut crate::engine::sock::Sock),
    ) -> SockId {
        let id = self.alloc_id();
        let mut sock = crate::engine::sock::Sock::new(id, None, proto, family, os);
        sock.parent = Some(parent);
        setup(&mut sock);
        self.socks.insert(id, sock);
        let created = EventKind::Created {
            proto,
            family,
            name: None,
        };
        self.hub.emit(Some(id), None, created);
        id
    }
}

fn dirs(dir: Option<Dir>) -> &'static [Dir] {
    match dir {
        Some(Dir::Up) => &[Dir::Up],
        Some(Dir::Down) => &[Dir::Down],
        None => &Dir::BOTH,
    }
}

/// How a relay's settings read in the log (the relay arms of `Setting`'s `Display`).
pub(crate) fn describe(
    s: &crate::engine::event::Setting,
    f: &mut std::fmt::Formatter<'_>,
) -> std::fmt::Result {
    use crate::engine::event::Setting;
    match s {
        Setting::Relay(Some(b)) if b.1.is_none() => {
            write!(
                f,
                "relay: each accepted connection opens its own connection to {}",
                b.0
            )
        }
        Setting::Relay(Some(b)) => write!(
            f,
            "relay: each client address gets its own session to {} (ends after {:?} idle)",
            b.0,
            b.1.unwrap_or_default()
        ),
        Setting::Relay(None) => f.write_str("relay off: new clients are no longer relayed"),
        Setting::RelayLink {
            partner,
            upstream: true,
        } => {
            write!(f, "relay: the sockscope-to-server side of {partner}")
        }
        Setting::RelayLink {
            partner,
            upstream: false,
        } => {
            write!(
                f,
                "relay: the client-to-sockscope side, relayed by {partner}"
            )
        }
        Setting::Faults { dir, faults } => write!(f, "fault {dir}: {faults}"),
        _ => Ok(()),
    }
}

/// A relay command refused, in its own words.
pub(crate) fn refused(why: impl Into<String>) -> crate::engine::OpError {
    crate::engine::OpError::state(
        crate::engine::Op::Set,
        crate::engine::fsm::Refusal::Relay { why: why.into() },
    )
}
