//! Readiness handling: accepting, finishing connects, reading, writing, responders and timeouts.

use std::io::{ErrorKind, Read};
use std::mem::MaybeUninit;
use std::sync::Arc;
use std::time::Instant;

use super::addr::Addr;
use super::command::{Payload, Proto, Responder};
use super::error::{Cause, Op, OpError};
use super::event::{EventKind, SockId};
use super::reactor::Reactor;
use super::sock::Phase;

/// A large send reports progress every this many bytes.
pub(crate) const PROGRESS_STEP: usize = 1 << 20;

/// Views an initialized byte buffer as the `MaybeUninit` slice socket2's receive calls take.
fn as_uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and the buffer is already
    // initialized; the OS only ever writes initialized bytes into it.
    unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) }
}

/// The reply a responder gives to `data`.
fn reply_for(r: &Responder, data: &[u8]) -> Option<Arc<[u8]>> {
    match r {
        Responder::Off => None,
        Responder::Echo => Some(data.into()),
        Responder::Upper => Some(data.to_ascii_uppercase().into()),
        Responder::Fixed(Payload::Bytes(b)) => Some(b.as_slice().into()),
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
            Phase::Listening if readable => self.accept_ready(id),
            Phase::Connecting => {
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
                }
            }
            Phase::Closed | Phase::Listening => {}
            _ => {
                if readable {
                    self.read_ready(id);
                }
                if writable {
                    self.flush(id);
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
            if sock.phase != Phase::Listening
                || (!sock.auto_accept && sock.accept_waiters.is_empty())
            {
                return;
            }
            let Some(os) = sock.os.as_ref() else {
                return;
            };
            match os.accept() {
                Ok((conn, _)) => {
                    let waiter = sock.accept_waiters.pop_front();
                    let (cmd, name) = match waiter {
                        Some(w) => (Some(w.cmd), w.name),
                        None => (None, None),
                    };
                    self.adopt(id, conn, cmd, name);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    let local = sock.local.clone();
                    let cmd = sock.accept_waiters.pop_front().map(|w| w.cmd);
                    let err = OpError::io(Op::Accept, local.as_ref(), &e);
                    self.hub.emit(Some(id), cmd, EventKind::Failed(err));
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
                let cmd = sock.connecting.as_ref().map(|c| c.0);
                self.finish_connected(id, cmd, peer);
            }
            Some(e) => {
                let cmd = sock.connecting.take().map(|c| c.0);
                sock.phase = if sock.local.is_some() {
                    Phase::Bound
                } else {
                    Phase::Created
                };
                sock.peer = None;
                let err = OpError::io(Op::Connect, Some(&peer), &e);
                self.hub.emit(Some(id), cmd, EventKind::Failed(err));
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

    /// Reads everything the socket has, unless a subscriber is congested.
    pub(crate) fn read_ready(&mut self, id: SockId) {
        let responder = self.responder_of(id);
        loop {
            if self.hub.congested() {
                if !self.deferred.contains(&id) {
                    self.deferred.push(id);
                }
                return;
            }
            let Some(sock) = self.socks.get_mut(&id) else {
                return;
            };
            if sock.read_done {
                return;
            }
            let Some(os) = sock.os.as_ref() else {
                return;
            };
            let result = match sock.proto {
                Proto::Tcp => (&*os).read(&mut self.buf).map(|n| (n, n, None)),
                Proto::Udp => os
                    .recv_from_with_flags(as_uninit(&mut self.buf), libc::MSG_TRUNC)
                    .map(|(n, from)| (n.min(self.buf.len()), n, Some(Addr::from_sock(&from)))),
            };
            match result {
                Ok((0, _, None)) => {
                    sock.read_done = true;
                    self.hub.emit(Some(id), None, EventKind::PeerClosed);
                    return;
                }
                Ok((got, real, from)) => {
                    let data: Arc<[u8]> = self.buf[..got].into();
                    sock.bytes_in += got as u64;
                    sock.msgs_in += 1;
                    let peer = from.or_else(|| sock.peer.clone());
                    let truncated_from = (real > got).then_some(real);
                    let reply = responder.as_ref().and_then(|r| reply_for(r, &data));
                    let reply_to = match sock.proto {
                        Proto::Udp if sock.phase != Phase::Connected => peer.clone(),
                        _ => None,
                    };
                    self.hub.emit(
                        Some(id),
                        None,
                        EventKind::Received {
                            peer,
                            data,
                            truncated_from,
                        },
                    );
                    if let Some(bytes) = reply {
                        self.queue(id, None, bytes, reply_to, true);
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    let peer = sock.peer.clone();
                    if sock.proto == Proto::Tcp {
                        sock.read_done = true;
                        sock.write_done = true;
                    }
                    let err = OpError::io(Op::Recv, peer.as_ref(), &e);
                    self.hub.emit(Some(id), None, EventKind::Failed(err));
                    if sock_is_tcp(self, id) {
                        return;
                    }
                }
            }
        }
    }

    /// Writes queued bytes until the socket would block.
    pub(crate) fn flush(&mut self, id: SockId) {
        let Some(sock) = self.socks.get_mut(&id) else {
            return;
        };
        let Some(os) = sock.os.as_ref() else {
            return;
        };
        while let Some(out) = sock.outq.front_mut() {
            let rest = &out.data[out.off..];
            let result = match &out.to {
                Some(to) => match to.to_sock() {
                    Ok(sa) => os.send_to_with_flags(rest, &sa, libc::MSG_NOSIGNAL),
                    Err(e) => Err(e),
                },
                None => os.send_with_flags(rest, libc::MSG_NOSIGNAL),
            };
            match result {
                Ok(n) => {
                    sock.bytes_out += n as u64;
                    out.off += n;
                    if sock.proto == Proto::Udp {
                        out.off = out.data.len();
                    }
                    if out.off >= out.data.len() {
                        sock.msgs_out += 1;
                        let Some(done) = sock.outq.pop_front() else {
                            break;
                        };
                        let peer = done.to.or_else(|| sock.peer.clone());
                        let kind = EventKind::Sent {
                            peer,
                            data: done.data,
                            reply: done.reply,
                        };
                        self.hub.emit(Some(id), done.cmd, kind);
                    } else if out.data.len() > PROGRESS_STEP && out.off >= out.next_report {
                        out.next_report = out.off + PROGRESS_STEP;
                        let kind = EventKind::SendProgress {
                            sent: out.off as u64,
                            total: out.data.len() as u64,
                        };
                        self.hub.emit(Some(id), None, kind);
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    let Some(failed) = sock.outq.pop_front() else {
                        break;
                    };
                    let at = failed.to.clone().or_else(|| sock.peer.clone());
                    let op = if failed.to.is_some() {
                        Op::SendTo
                    } else {
                        Op::Send
                    };
                    let err = OpError::io(op, at.as_ref(), &e);
                    self.hub.emit(Some(id), failed.cmd, EventKind::Failed(err));
                }
            }
        }
    }

    /// Fails accepts and connects of `id` whose deadline has passed.
    pub(crate) fn expire(&mut self, id: SockId, now: Instant) {
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
        if let Some((cmd, at, limit)) = sock.connecting
            && at <= now
        {
            sock.connecting = None;
            let peer = sock.peer.clone();
            let mut err = OpError::new(Op::Connect, Cause::TimedOut(limit));
            err.addr = peer;
            self.hub.emit(Some(id), Some(cmd), EventKind::Failed(err));
            // An unfinished connect cannot be withdrawn: the socket is closed, as in BSD practice.
            let _ = self.close(None, id);
        }
    }
}

fn sock_is_tcp(r: &Reactor, id: SockId) -> bool {
    r.socks.get(&id).is_some_and(|s| s.proto == Proto::Tcp)
}
