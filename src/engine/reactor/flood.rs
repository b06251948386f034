//! The traffic generator: `flood` sends as fast as the socket takes it (or at a set rate)
//! and reports totals a few times a second; `stats` gives a socket's counters and rates.

use std::cmp::Reverse;
use std::io::ErrorKind;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::addr::AddrSpec;
use crate::engine::command::FloodLimit;
use crate::engine::error::{Op, OpError};
use crate::engine::event::{CmdId, Counters, EventKind, Setting, SockId, SockStats};
use crate::engine::fsm::Refusal;
use crate::engine::reactor::Reactor;
use crate::engine::sock::{Flood, Pacer, PacerKind};

/// Sends per tick at most, so that one flood cannot starve the other sockets.
const BATCH: u64 = 512;
/// Sends per tick at most of a paced flood that fell behind (its thread was not scheduled
/// for a while): it catches up in small rounds with reads between them, not in one burst
/// that overflows a receiver's buffer (a 64-byte datagram takes ~1 KiB of it on loopback).
const CATCH_UP: u64 = 32;
/// How often a flood reports its progress.
const REPORT_EVERY: Duration = Duration::from_millis(250);
/// The pattern a flood's messages are cut from.
const PATTERN: &[u8] = b"sockscope flood 0123456789abcdefghijklmnopqrstuvwxyz\n";

impl Reactor {
    /// `flood`.
    pub(crate) fn flood(
        &mut self,
        cmd: CmdId,
        id: SockId,
        size: usize,
        rate: Option<u64>,
        limit: FloodLimit,
        to: Option<&AddrSpec>,
    ) -> Result<(), OpError> {
        let to = self.sendable(Op::Flood, id, to)?;
        if size == 0 || size > crate::engine::RECV_MAX {
            return Err(OpError::state(Op::Flood, Refusal::FloodSize));
        }
        if rate == Some(0) || limit == FloodLimit::Count(0) {
            return Err(OpError::state(Op::Flood, Refusal::ZeroFlood));
        }
        let data: Arc<[u8]> = PATTERN
            .iter()
            .copied()
            .cycle()
            .take(size)
            .collect::<Vec<u8>>()
            .into();
        let now = Instant::now();
        let (count, until) = match limit {
            FloodLimit::Count(n) => (Some(n), None),
            FloodLimit::Time(d) => (None, Some(now + d)),
        };
        let flood = Flood {
            data,
            rate,
            count,
            until,
            to,
            started: now,
            bytes: 0,
            reported: (0, 0, now),
            blocked: false,
            off: 0,
        };
        if let Some(s) = self.socks.get_mut(&id) {
            s.pacer = Some(Pacer {
                next_at: now,
                every: Duration::ZERO,
                sent: 0,
                kind: PacerKind::Flood(flood),
            });
        }
        self.hub.emit(
            Some(id),
            Some(cmd),
            EventKind::Set(Setting::Flooding { size, rate }),
        );
        self.tick_flood(id, now);
        Ok(())
    }

    /// Sends what the flood owes now, reports, and schedules the next round.
    pub(crate) fn tick_flood(&mut self, id: SockId, now: Instant) {
        let Some(r) = self.flood_round(id, now) else {
            return;
        };
        if let Some((msgs, bytes)) = r.report {
            self.hub
                .emit(Some(id), None, EventKind::Flooded { msgs, bytes });
        }
        if let Some(e) = r.error {
            let err = OpError::io(Op::Send, r.peer.as_ref(), &e);
            self.hub.emit(Some(id), None, EventKind::Failed(err));
        }
        if r.done {
            self.hub
                .emit(Some(id), None, EventKind::RepeatDone { sent: r.sent });
            return;
        }
        if r.queued {
            // Between two messages now: let the queue go, and come back at once if it
            // empties (no writable edge would come to say so).
            self.flush(id);
            if self.socks.get(&id).is_some_and(|s| s.outq.is_empty()) {
                self.timers.push(Reverse((now, id)));
                return;
            }
        }
        let wake = match (r.next, r.until) {
            (Some(n), Some(u)) => Some(n.min(u)),
            (Some(n), None) => Some(n),
            (None, u) => u.or(Some(now + REPORT_EVERY)),
        };
        if let Some(at) = wake {
            self.timers.push(Reverse((at, id)));
        }
    }

    /// Sends one round of the flood of `id` (what it owes by now, or a batch) and tells
    /// what came of it; `None` when `id` floods nothing. A finished flood is removed.
    fn flood_round(&mut self, id: SockId, now: Instant) -> Option<RoundEnd> {
        let sock = self.socks.get_mut(&id)?;
        let (Some(os), Some(p)) = (sock.os.as_ref(), sock.pacer.as_mut()) else {
            return None;
        };
        let PacerKind::Flood(f) = &mut p.kind else {
            return None;
        };
        let stream = sock.proto.is_stream();
        let owed = match f.rate {
            None => BATCH,
            Some(r) => {
                let due = (now.duration_since(f.started).as_secs_f64() * r as f64) as u64 + 1;
                due.saturating_sub(p.sent).min(CATCH_UP)
            }
        };
        let to = match f.to.as_ref().map(|a| a.to_sock()) {
            Some(Ok(sa)) => Some(sa),
            Some(Err(_)) => None,
            None => None,
        };
        // On a stream, other queued bytes (a reply, a send) go first, between two messages.
        let queued = stream && !sock.outq.is_empty();
        let round = Round {
            owed,
            stream,
            queued,
            now,
            to: to.as_ref(),
        };
        let tls = crate::engine::tls::hooks::conn_of_parts(&mut sock.tls);
        let error = send_round((os, tls), f, &mut p.sent, &mut sock.counters, &round);
        let done = error.is_some()
            || (f.off == 0
                && (f.count.is_some_and(|c| p.sent >= c) || f.until.is_some_and(|u| now >= u)));
        let report = done || now.duration_since(f.reported.2) >= REPORT_EVERY;
        let delta = (p.sent - f.reported.0, f.bytes - f.reported.1);
        if report {
            f.reported = (p.sent, f.bytes, now);
        }
        let next = match f.rate {
            _ if f.blocked => None,
            None => Some(now),
            Some(r) => Some(f.started + Duration::from_secs_f64((p.sent + 1) as f64 / r as f64)),
        };
        let end = RoundEnd {
            report: (report && (delta.0 > 0 || delta.1 > 0 || done)).then_some(delta),
            error,
            done,
            sent: p.sent,
            queued,
            next,
            until: f.until,
            peer: sock.peer.clone(),
        };
        if done {
            sock.pacer = None;
        }
        Some(end)
    }

    /// `stats`.
    pub(crate) fn stats(&mut self, cmd: CmdId, id: SockId) -> Result<(), OpError> {
        let Some(sock) = self.socks.get_mut(&id) else {
            return Ok(());
        };
        let now = Instant::now();
        let (at, bin, bout) = sock.stats_mark;
        let secs = now.duration_since(at).as_secs_f64().max(1e-9);
        let c = sock.counters;
        let st = SockStats {
            counters: c,
            secs,
            rate_in: (c.bytes_in - bin) as f64 / secs,
            rate_out: (c.bytes_out - bout) as f64 / secs,
        };
        sock.stats_mark = (now, c.bytes_in, c.bytes_out);
        self.hub.emit(Some(id), Some(cmd), EventKind::Stats(st));
        Ok(())
    }
}

/// One round of a flood's sends.
struct Round<'a> {
    /// Sends owed now (messages, or tries of a message's rest).
    owed: u64,
    stream: bool,
    /// Other bytes wait in the socket's queue: stop between two messages.
    queued: bool,
    now: Instant,
    /// The destination of an unconnected datagram socket.
    to: Option<&'a socket2::SockAddr>,
}

/// What one round of a flood came to.
struct RoundEnd {
    /// Messages and bytes sent since the last report, when it is time to report them.
    report: Option<(u64, u64)>,
    /// The error that ended the flood.
    error: Option<std::io::Error>,
    /// The flood is over (its count, its time, or an error).
    done: bool,
    /// Messages sent in all.
    sent: u64,
    /// Other bytes wait in the queue of a stream.
    queued: bool,
    /// When the next message is due (`None`: when the socket is writable again).
    next: Option<Instant>,
    /// When the flood ends by its time limit.
    until: Option<Instant>,
    /// The peer, for an error's words.
    peer: Option<crate::engine::addr::Addr>,
}

/// Sends what the round owes; `sent` counts whole messages, and the bytes and messages
/// out are added to the socket's `counters`. Returns the error that ended the flood, if one did.
fn send_round(
    (os, mut tls): (
        &socket2::Socket,
        Option<&mut crate::engine::tls::layer::TlsConn>,
    ),
    f: &mut crate::engine::sock::Flood,
    sent: &mut u64,
    counters: &mut Counters,
    r: &Round<'_>,
) -> Option<std::io::Error> {
    f.blocked = false;
    if !r.stream {
        return send_datagrams(os, f, sent, counters, r);
    }
    for _ in 0..r.owed {
        if f.off == 0
            && (r.queued
                || f.count.is_some_and(|c| *sent >= c)
                || f.until.is_some_and(|u| r.now >= u))
        {
            f.blocked = r.queued;
            return None;
        }
        let rest = &f.data[f.off..];
        let result = match (r.to, tls.as_deref_mut()) {
            (_, Some(t)) => t.send_plain(os, rest),
            (Some(sa), None) => os.send_to_with_flags(rest, sa, libc::MSG_NOSIGNAL),
            (None, None) => os.send_with_flags(rest, libc::MSG_NOSIGNAL),
        };
        match result {
            Ok(n) => {
                f.bytes += n as u64;
                counters.bytes_out += n as u64;
                // A stream may take part of a message: the rest goes first next time, and
                // the message counts once all of it is written.
                f.off = if r.stream { f.off + n } else { f.data.len() };
                if f.off < f.data.len() {
                    continue;
                }
                f.off = 0;
                *sent += 1;
                counters.msgs_out += 1;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                f.blocked = true;
                return None;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if !r.stream && e.raw_os_error() == Some(libc::ECONNREFUSED) => {
                // A connected UDP socket hears of the peer's closed port; keep going.
            }
            Err(e) => return Some(e),
        }
    }
    None
}

/// A datagram flood's round: copies of the message go `sendmmsg` at a time
/// ([`BATCH`](crate::sys::mmsg::BATCH) a call) until the round's, the count's
/// or the time's end, or until the socket's send buffer is full.
fn send_datagrams(
    os: &socket2::Socket,
    f: &mut crate::engine::sock::Flood,
    sent: &mut u64,
    counters: &mut Counters,
    r: &Round<'_>,
) -> Option<std::io::Error> {
    use std::os::fd::AsRawFd;
    let mut left = r.owed;
    while left > 0 {
        if f.until.is_some_and(|u| r.now >= u) {
            return None;
        }
        let room = f.count.map_or(left, |c| c.saturating_sub(*sent).min(left));
        if room == 0 {
            return None;
        }
        let want = room.min(crate::sys::mmsg::BATCH as u64) as usize;
        match crate::sys::mmsg::send_copies(os.as_raw_fd(), &f.data, r.to, want) {
            Ok(n) => {
                let n = n as u64;
                let bytes = n * f.data.len() as u64;
                f.bytes += bytes;
                counters.bytes_out += bytes;
                counters.msgs_out += n;
                *sent += n;
                left -= n.max(1).min(left);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                f.blocked = true;
                return None;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => left -= 1,
            Err(e) if e.raw_os_error() == Some(libc::ECONNREFUSED) => {
                // A connected UDP socket hears of the peer's closed port; keep going.
                left -= 1;
            }
            Err(e) => return Some(e),
        }
    }
    None
}
