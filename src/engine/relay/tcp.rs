//! The relay's commands and its TCP side: `relay ID to ADDR` on a listener makes every
//! accepted connection open its own upstream connection; FINs and resets pass through.

use std::time::{Duration, Instant};

use socket2::{Protocol, Type};

use crate::engine::addr::{Addr, AddrSpec};
use crate::engine::command::{Family, How, Proto};
use crate::engine::error::{Op, OpError};
use crate::engine::event::{CmdId, EventKind, Setting, SockId};
use crate::engine::fsm::Phase;
use crate::engine::reactor::Reactor;
use crate::engine::relay::fault::{Dir, Fault};
use crate::engine::relay::pipe::Pipe;
use crate::engine::relay::{Conf, DEFAULT_IDLE, dirs, upstream};
use crate::engine::sock::Sock;

impl Reactor {
    /// `relay ID to ADDR [idle D]` / `relay ID off`.
    pub(crate) fn relay_cmd(
        &mut self,
        cmd: CmdId,
        id: SockId,
        to: Option<&AddrSpec>,
        idle: Option<Duration>,
    ) -> Result<(), OpError> {
        let Some(spec) = to else {
            let Some(conf) = self.relay.confs.get_mut(&id) else {
                let label = self.socks[&id].label();
                return Err(crate::engine::relay::refused(format!(
                    "{label} does not relay"
                )));
            };
            conf.on = false;
            self.relay_note(id, Some(cmd), Setting::Relay(None));
            return Ok(());
        };
        let addr = self
            .resolve(Op::Connect, spec, Family::V4)
            .or_else(|_| self.resolve(Op::Connect, spec, Family::V6))?;
        let tcp = self.relay_check(id, &addr)?;
        let conf = self.relay.confs.entry(id).or_insert_with(|| Conf {
            to: addr.clone(),
            on: true,
            idle: DEFAULT_IDLE,
            faults: Default::default(),
            sessions: Default::default(),
        });
        conf.to = addr.clone();
        conf.on = true;
        conf.idle = idle.unwrap_or(DEFAULT_IDLE);
        let idle = (!tcp).then_some(conf.idle);
        if tcp
            && let Some(s) = self.socks.get_mut(&id)
            && let Phase::Listening { auto, .. } = &mut s.phase
            && !*auto
        {
            *auto = true;
            self.hub
                .emit(Some(id), None, EventKind::AutoAccept { on: true });
        }
        self.relay_note(id, Some(cmd), Setting::Relay(Some(Box::new((addr, idle)))));
        if tcp {
            self.accept_ready(id);
        }
        Ok(())
    }

    /// Whether `id` can relay to `addr`: true for a TCP listener, false for a bound UDP socket.
    fn relay_check(&self, id: SockId, addr: &Addr) -> Result<bool, OpError> {
        let sock = &self.socks[&id];
        let label = sock.label();
        if matches!(sock.phase, Phase::Closed | Phase::Reset) {
            return Err(OpError::state(Op::Set, sock.gone()));
        }
        match (sock.proto, &sock.phase) {
            (Proto::Tcp, Phase::Listening { .. }) | (Proto::Udp, Phase::Bound) => {}
            (Proto::Tcp, _) => {
                return Err(crate::engine::relay::refused(format!(
                    "{label} is not listening: relay needs a TCP listener (listen first)"
                )));
            }
            (Proto::Udp, _) => {
                return Err(crate::engine::relay::refused(format!(
                    "{label} is not bound, or is connected: relay needs a bound, unconnected UDP socket"
                )));
            }
            _ => {
                return Err(crate::engine::relay::refused(format!(
                    "{label} is a unix socket: relay works on TCP listeners and UDP sockets"
                )));
            }
        }
        if addr.ip().is_none() {
            return Err(crate::engine::relay::refused(
                "a relay's upstream is an IP address",
            ));
        }
        Ok(sock.proto == Proto::Tcp)
    }

    /// `fault ID [up|down] …`: changes the faults of a relay (`ID` a relay socket or one
    /// side of a relayed pair), for its sessions under way and those to come.
    pub(crate) fn fault_cmd(
        &mut self,
        cmd: CmdId,
        id: SockId,
        dir: Option<Dir>,
        fault: Fault,
    ) -> Result<(), OpError> {
        let owner = if self.relay.confs.contains_key(&id) {
            id
        } else {
            match self.relay.partner.get(&id).and_then(|o| {
                self.relay
                    .pipes
                    .get(&(id, *o))
                    .or_else(|| self.relay.pipes.get(&(*o, id)))
            }) {
                Some(p) => p.owner,
                None => {
                    let label = self.socks[&id].label();
                    return Err(crate::engine::relay::refused(format!(
                        "{label} does not relay: `relay {label} to ADDR` first"
                    )));
                }
            }
        };
        let tcp = self.socks.get(&owner).is_some_and(|s| s.proto.is_stream());
        if tcp && matches!(fault, Fault::Drop(p) if p.0 > 0) {
            return Err(crate::engine::relay::refused(
                "drop loses datagrams: it is for UDP relays (a TCP stream loses no bytes; use corrupt, cut or stall)",
            ));
        }
        let Some(conf) = self.relay.confs.get_mut(&owner) else {
            return Err(crate::engine::relay::refused("the relay is gone"));
        };
        let mut notes = Vec::new();
        for d in dirs(dir) {
            conf.faults[d.index()].apply(fault);
            notes.push(Setting::Faults {
                dir: *d,
                faults: Box::new(conf.faults[d.index()]),
            });
        }
        let last = notes.len() - 1;
        for (i, n) in notes.into_iter().enumerate() {
            self.relay_note(owner, (i == last).then_some(cmd), n);
        }
        // Live: every pipe of the relay looks again (a shorter delay, a lifted stall).
        let keys: Vec<(SockId, SockId)> = self
            .relay
            .pipes
            .iter()
            .filter(|(_, p)| p.owner == owner)
            .map(|(k, _)| *k)
            .collect();
        for (src, dst) in keys {
            if let Some(p) = self.relay.pipes.get_mut(&(src, dst)) {
                p.timer_at = None;
                if std::mem::take(&mut p.paused) && !self.deferred.contains(&src) {
                    self.deferred.push(src);
                }
            }
            self.relay_pump(src, dst);
        }
        Ok(())
    }

    /// A connection `conn` accepted by relaying listener `listener`: opens its upstream.
    pub(crate) fn relay_accepted(&mut self, listener: SockId, conn: SockId) {
        let Some(conf) = self.relay.confs.get(&listener).filter(|c| c.on) else {
            return;
        };
        let to = conf.to.clone();
        let made = upstream(&to, Type::STREAM, Protocol::TCP, |os| {
            os.set_tcp_nodelay(true)
        });
        let (os, family) = match made {
            Ok(made) => made,
            Err(e) => {
                let err = OpError::io(Op::Socket, Some(&to), &e);
                self.hub.emit(Some(conn), None, EventKind::Failed(err));
                self.relay_reset(conn);
                return;
            }
        };
        if let Some(c) = self.socks.get(&conn).and_then(|c| c.os.as_ref()) {
            let _ = c.set_tcp_nodelay(true);
        }
        let up = self.add_upstream(listener, Proto::Tcp, family, os, |_| {});
        self.link(conn, up, listener, None);
        self.relay_connect(up, &to);
    }

    /// Links client side `a` and upstream side `b` of relay `owner` with a pipe each way.
    pub(crate) fn link(&mut self, a: SockId, b: SockId, owner: SockId, to_client: Option<Addr>) {
        let out = |r: &Reactor, id| r.socks.get(&id).map_or(0, |s: &Sock| s.counters.bytes_out);
        let udp = to_client.is_some();
        let (ka, kb) = if udp { (b, b) } else { (a, b) };
        let up = Pipe::new(owner, Dir::Up, ka, None, out(self, b));
        let down = Pipe::new(owner, Dir::Down, kb, to_client, out(self, a));
        self.relay.pipes.insert((a, b), up);
        self.relay.pipes.insert((b, a), down);
        if !udp {
            self.relay.partner.insert(a, b);
        }
        self.relay.partner.insert(b, a);
        self.relay_note(
            a,
            None,
            Setting::RelayLink {
                partner: b,
                upstream: false,
            },
        );
        self.relay_note(
            b,
            None,
            Setting::RelayLink {
                partner: a,
                upstream: true,
            },
        );
    }

    /// Starts the upstream side's non-blocking connect.
    fn relay_connect(&mut self, up: SockId, to: &Addr) {
        let sa = match to.to_sock() {
            Ok(sa) => sa,
            Err(e) => return self.relay_connect_error(up, to, &e),
        };
        let Some(os) = self.socks.get(&up).and_then(|s| s.os.as_ref()) else {
            return;
        };
        let started = os.connect(&sa);
        if let Err(e) = self.relay_register(up) {
            return self.relay_connect_error(up, to, &e);
        }
        match started {
            Ok(()) => {
                self.finish_connected(up, None, to.clone());
                self.relay_connected(up);
            }
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {
                let limit = crate::engine::DEFAULT_CONNECT_TIMEOUT;
                let deadline = std::time::Instant::now() + limit;
                if let Some(s) = self.socks.get_mut(&up) {
                    s.phase = Phase::Connecting {
                        cmd: None,
                        deadline,
                        limit,
                    };
                    s.peer = Some(to.clone());
                }
                self.timers.push(std::cmp::Reverse((deadline, up)));
                let kind = EventKind::Connecting { peer: to.clone() };
                self.hub.emit(Some(up), None, kind);
            }
            Err(e) => self.relay_connect_error(up, to, &e),
        }
    }

    fn relay_connect_error(&mut self, up: SockId, to: &Addr, e: &std::io::Error) {
        let err = OpError::io(Op::Connect, Some(to), e);
        self.hub.emit(Some(up), None, EventKind::Failed(err));
        self.relay_connect_failed(up);
    }

    /// The upstream side `up` could not connect: the client gets a reset (what it would
    /// have got from the server), and the upstream record is closed.
    pub(crate) fn relay_connect_failed(&mut self, up: SockId) {
        let Some(client) = self.relay_unlink(up) else {
            return;
        };
        self.relay_reset(client);
        let _ = self.close(None, up);
    }

    /// The peer of relayed side `id` closed its side; false when `id` is not relayed.
    pub(crate) fn relay_eof(&mut self, id: SockId) -> bool {
        let Some((src, dst)) = self.pipe_from(id) else {
            return false;
        };
        if let Some(p) = self.relay.pipes.get_mut(&(src, dst)) {
            p.eof = true;
        }
        self.relay_pump(src, dst);
        true
    }

    /// Passes a FIN on: `src`'s peer closed, so `dst`'s write side is shut; once both
    /// directions are closed, both sockets close.
    pub(crate) fn tcp_pass_fin(&mut self, src: SockId, dst: SockId) {
        if let Some(d) = self.socks.get_mut(&dst)
            && let Some(os) = d.os.as_ref()
            && d.phase == Phase::Connected
        {
            let _ = os.shutdown(std::net::Shutdown::Write);
            d.halves.write_done = true;
            self.hub
                .emit(Some(dst), None, EventKind::Shut { how: How::Write });
        }
        let back = self.relay.pipes.get(&(dst, src)).is_none_or(|p| p.eof_done);
        if back {
            self.relay_unlink(src);
            let _ = self.close(None, src);
            let _ = self.close(None, dst);
        }
    }

    /// A `cut` was reached: both sides are reset (a UDP session is closed).
    pub(crate) fn relay_cut(&mut self, src: SockId, dst: SockId) {
        self.relay_unlink(src);
        self.udp_forget(src, dst);
        for id in [dst, src] {
            let relay_socket = self.relay.confs.contains_key(&id);
            if !relay_socket {
                self.relay_reset(id);
            }
        }
    }

    /// Ends a UDP session that saw no traffic for its relay's idle time.
    pub(crate) fn udp_idle(&mut self, id: SockId, relay: SockId, now: Instant) {
        let Some(conf) = self.relay.confs.get(&relay) else {
            return;
        };
        if self.socks.get(&id).is_none_or(|s| s.proto.is_stream()) {
            return;
        }
        let idle = conf.idle;
        let last = [(id, relay), (relay, id)]
            .iter()
            .filter_map(|k| self.relay.pipes.get(k))
            .map(|p| p.last_active)
            .max();
        let Some(last) = last else {
            return;
        };
        if now >= last + idle {
            self.relay_unlink(id);
            self.udp_forget(id, relay);
            let _ = self.close(None, id);
        } else {
            self.timers.push(std::cmp::Reverse((last + idle, id)));
        }
    }
}
