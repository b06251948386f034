//! The write side: queued sends leave the socket as it takes them — whole datagrams, or a
//! stream's bytes with short writes resumed where they stopped — and a file's chunks are
//! taken from its reader as each one is written.

use std::io::ErrorKind;
use std::sync::Arc;

use crossbeam_channel::TryRecvError;

use crate::engine::error::{Op, OpError};
use crate::engine::event::{EventKind, SockId};
use crate::engine::ops::file_payload::file_error;
use crate::engine::reactor::Reactor;
use crate::engine::reactor::hub::Hub;
use crate::engine::reactor::io::PROGRESS_STEP;
use crate::engine::sock::{PacerKind, Sock};

/// What the front of a socket's queue is ready for.
enum Front {
    /// Bytes to write.
    Write,
    /// Nothing queued, or a file's next chunk is not read yet (its reader will wake us).
    Wait,
    /// The front entry failed and was dropped; look again.
    Dropped,
}

impl Reactor {
    /// Writes queued bytes until the socket would block.
    pub(crate) fn flush(&mut self, id: SockId) {
        let Some(sock) = self.socks.get_mut(&id) else {
            return;
        };
        if sock.os.is_none() || !crate::engine::tls::hooks::drain(sock) || flood_mid_message(sock) {
            return; // closed, TLS records wait, or the flood writes the rest of its message first
        }
        let hub = &mut self.hub;
        loop {
            match refill(sock, hub, id) {
                Front::Write => {}
                Front::Wait => break,
                Front::Dropped => continue,
            }
            match send_front(sock) {
                Ok(n) => written(sock, hub, id, n),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
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
                    hub.emit(Some(id), failed.cmd, EventKind::Failed(err));
                    if sock.proto.is_stream() && e.raw_os_error() == Some(libc::ECONNRESET) {
                        // A reset is a state of its own: see `Reactor::reset_by_peer`.
                        self.reset_by_peer(id, None);
                        return;
                    }
                }
            }
        }
        // Over TLS, the last records must leave too before a rule's `close` closes.
        if sock.outq.is_empty() && sock.close_after_flush && crate::engine::tls::hooks::drain(sock)
        {
            let _ = self.close(None, id);
        }
    }
}

/// Readies the queue's front: a file whose chunk is written takes its next one.
fn refill(sock: &mut Sock, hub: &mut Hub, id: SockId) -> Front {
    let Some(out) = sock.outq.front_mut() else {
        return Front::Wait;
    };
    let Some(feed) = out.feed.as_mut() else {
        return Front::Write;
    };
    if out.off < out.data.len() || feed.last {
        return Front::Write;
    }
    let err = match feed.rx.try_recv() {
        Ok(Ok((chunk, last))) => {
            out.data = chunk;
            out.off = 0;
            feed.last = last;
            return Front::Write;
        }
        Err(TryRecvError::Empty) => return Front::Wait,
        Ok(Err(e)) => file_error(&feed.path, &e),
        Err(TryRecvError::Disconnected) => {
            OpError::state(Op::ReadFile, crate::engine::fsm::Refusal::ReaderStopped)
        }
    };
    let cmd = out.cmd;
    sock.outq.pop_front();
    hub.emit(Some(id), cmd, EventKind::Failed(err));
    Front::Dropped
}

/// One `send` (or `sendto`) of the rest of the queue's front.
fn send_front(sock: &mut Sock) -> std::io::Result<usize> {
    let (Some(os), Some(out)) = (sock.os.as_ref(), sock.outq.front()) else {
        return Ok(0);
    };
    let rest = &out.data[out.off..];
    match (&out.to, sock.tls.as_mut()) {
        (_, Some(crate::engine::tls::layer::Slot::Conn(t))) => t.send_plain(os, rest),
        (Some(to), _) => os.send_to_with_flags(rest, &to.to_sock()?, libc::MSG_NOSIGNAL),
        (None, _) => os.send_with_flags(rest, libc::MSG_NOSIGNAL),
    }
}

/// Accounts for `n` bytes written from the queue's front, and reports what finished.
fn written(sock: &mut Sock, hub: &mut Hub, id: SockId, n: usize) {
    sock.counters.bytes_out += n as u64;
    let stream = sock.proto.is_stream();
    let peer = sock.peer.clone();
    let Some(out) = sock.outq.front_mut() else {
        return;
    };
    out.off = if stream { out.off + n } else { out.data.len() };
    if out.off < out.data.len() {
        if out.data.len() > PROGRESS_STEP && out.off >= out.next_report {
            out.next_report = out.off + PROGRESS_STEP;
            let kind = EventKind::SendProgress {
                sent: out.off as u64,
                total: out.data.len() as u64,
            };
            hub.emit(Some(id), None, kind);
        }
        return;
    }
    sock.counters.msgs_out += 1;
    let peer = out.to.clone().or(peer);
    if let Some(feed) = out.feed.as_mut() {
        // Each chunk of a file is reported as it leaves, with the file's progress; the
        // last one answers the command.
        feed.done += out.data.len() as u64;
        if feed.done >= out.next_report as u64 || feed.last {
            out.next_report = feed.done as usize + PROGRESS_STEP;
            let kind = EventKind::SendProgress {
                sent: feed.done,
                total: feed.total.max(feed.done),
            };
            hub.emit(Some(id), None, kind);
        }
        if !feed.last {
            let kind = EventKind::Sent {
                peer,
                data: Arc::clone(&out.data),
                reply: out.reply,
            };
            hub.emit(Some(id), None, kind);
            return;
        }
    }
    if let Some(done) = sock.outq.pop_front() {
        let kind = EventKind::Sent {
            peer,
            data: done.data,
            reply: done.reply,
        };
        hub.emit(Some(id), done.cmd, kind);
    }
}

/// True while a flood on a stream has written part of a message: nothing else may be
/// written before the rest of it.
fn flood_mid_message(sock: &Sock) -> bool {
    matches!(&sock.pacer, Some(p) if matches!(&p.kind, PacerKind::Flood(f) if f.off > 0))
}
