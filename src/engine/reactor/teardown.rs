//! How a socket's life ends: `close`, a reset by the peer, and the policy that closes an
//! accepted connection once its peer has closed. Each releases the descriptor and the
//! buffers and keeps the record with its counters, so a server can run under connection
//! churn for ever with a bounded number of descriptors.

use std::collections::VecDeque;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use mio::unix::SourceFd;

use crate::engine::command::OnClose;
use crate::engine::error::{Cause, Op, OpError};
use crate::engine::event::{CmdId, EventKind, SockId};
use crate::engine::framing::FrameSplitter;
use crate::engine::fsm::{Phase, Refusal, Step};
use crate::engine::reactor::Reactor;

/// The socket file a unix socket created by binding: its path, and the device and inode
/// it had then, so that closing removes that file and nothing put there later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SocketFile {
    pub path: PathBuf,
    pub dev: u64,
    pub ino: u64,
}

impl SocketFile {
    /// The socket file now at `path` (just bound), if there is one.
    pub fn of(path: &Path) -> Option<SocketFile> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        meta.file_type().is_socket().then(|| SocketFile {
            path: path.to_path_buf(),
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }

    /// Removes the file if it is still the socket file we created: a socket with the same
    /// device and inode. Anything else at the path (a regular file written there after the
    /// bind, another socket's file) is left alone.
    pub fn remove(&self) {
        let Ok(meta) = std::fs::symlink_metadata(&self.path) else {
            return;
        };
        if meta.file_type().is_socket() && meta.dev() == self.dev && meta.ino() == self.ino {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Reactor {
    /// Releases what an ended socket no longer needs: the descriptor (deregistered first),
    /// its socket file, its queues and buffers. The record and its counters stay. Returns
    /// the commands that were still waiting on it, to be failed by the caller.
    fn release(&mut self, id: SockId) -> Vec<(CmdId, Op)> {
        let Some(sock) = self.socks.get_mut(&id) else {
            return Vec::new();
        };
        let mut failed = Vec::new();
        for w in sock.accept_waiters.drain(..) {
            failed.push((w.cmd, Op::Accept));
        }
        if let Phase::Connecting { cmd: Some(cmd), .. } = sock.phase {
            failed.push((cmd, Op::Connect));
        }
        for out in sock.outq.drain(..) {
            if let Some(c) = out.cmd {
                failed.push((c, Op::Send));
            }
        }
        if let Some(os) = sock.os.take() {
            if sock.registered {
                let fd = os.as_raw_fd();
                let _ = self.poll.registry().deregister(&mut SourceFd(&fd));
            }
            drop(os);
        }
        sock.registered = false;
        if let Some(file) = sock.unlink.take() {
            file.remove();
        }
        // Free the buffers, not just empty them: a closed record must stay small.
        sock.accept_waiters = VecDeque::new();
        sock.outq = VecDeque::new();
        sock.splitter = FrameSplitter::new(sock.splitter.framing().clone());
        sock.pacer = None;
        sock.rules = Vec::new();
        sock.greeting = None;
        sock.close_after_flush = false;
        self.deferred.retain(|d| *d != id);
        failed
    }

    /// `close`: fails what was pending, releases the descriptor.
    pub(crate) fn close(&mut self, cmd: Option<CmdId>, id: SockId) -> Result<(), OpError> {
        let Some(sock) = self.socks.get(&id) else {
            return Ok(());
        };
        if sock.phase == Phase::Closed {
            return match cmd {
                Some(_) => Err(OpError::state(
                    Op::Close,
                    Refusal::AlreadyClosed {
                        label: sock.label(),
                    },
                )),
                None => Ok(()),
            };
        }
        let label = sock.label();
        if let Some(s) = self.socks.get_mut(&id) {
            crate::engine::tls::hooks::goodbye(s); // close_notify, so the peer sees a clean end
        }
        let failed = self.release(id);
        let Some(sock) = self.socks.get_mut(&id) else {
            return Ok(());
        };
        sock.phase = Phase::Closed;
        if let Some(n) = sock.name.clone()
            && self.names.get(&n) == Some(&id)
        {
            self.names.remove(&n);
        }
        for (c, op) in failed {
            let label = label.clone();
            let err = OpError::state(op, Refusal::ClosedFirst { label });
            self.hub.emit(Some(id), Some(c), EventKind::Failed(err));
        }
        self.hub.emit(Some(id), cmd, EventKind::Closed);
        self.ended(id);
        self.relay_ended(id, false);
        Ok(())
    }

    /// Remembers that `id` ended; an accepted connection's record is kept among the
    /// [`crate::engine::ENDED_KEPT`] newest ended ones, the oldest beyond them forgotten.
    fn ended(&mut self, id: SockId) {
        if self.socks.get(&id).is_none_or(|s| s.parent.is_none()) {
            return; // the user's own sockets stay listed until the session ends
        }
        self.stamps.forget(id);
        self.ended.push_back(id);
        while self.ended.len() > crate::engine::ENDED_KEPT {
            let Some(old) = self.ended.pop_front() else {
                break;
            };
            if self
                .socks
                .get(&old)
                .is_some_and(|s| matches!(s.phase, Phase::Closed | Phase::Reset))
            {
                self.socks.remove(&old);
            }
        }
    }

    /// The peer reset the connection (`ECONNRESET`): the socket's state becomes *reset*,
    /// its descriptor is released (its name, record and counters stay), what was waiting on
    /// it fails with the reset, and a `Reset` event (ending `cmd`, when a `recv` found it)
    /// says so.
    pub(crate) fn reset_by_peer(&mut self, id: SockId, cmd: Option<CmdId>) {
        let failed = self.release(id);
        let Some(sock) = self.socks.get_mut(&id) else {
            return;
        };
        let stream = sock.proto.is_stream();
        sock.phase.on(&EventKind::Reset, true);
        sock.halves.on(&EventKind::Reset, stream);
        let peer = sock.peer.clone();
        for (c, op) in failed {
            let err = OpError {
                op,
                addr: peer.clone(),
                cause: Cause::Reset,
            };
            self.hub.emit(Some(id), Some(c), EventKind::Failed(err));
        }
        self.hub.emit(Some(id), cmd, EventKind::Reset);
        self.ended(id);
        self.relay_ended(id, true);
    }

    /// After the peer of `id` closed its side: closes ours too when its listener's policy
    /// says so (auto-accepted connections by default), at once when nothing is left to send,
    /// else as soon as the queue is written.
    pub(crate) fn apply_close_policy(&mut self, id: SockId) {
        let Some(sock) = self.socks.get(&id) else {
            return;
        };
        let Some(parent) = sock.parent else {
            return;
        };
        if sock.phase != Phase::Connected || !sock.proto.is_stream() {
            return;
        }
        let default = if sock.auto_accepted {
            OnClose::Close
        } else {
            OnClose::Keep
        };
        let policy = self
            .socks
            .get(&parent)
            .and_then(|l| l.on_close)
            .unwrap_or(default);
        if policy == OnClose::Keep {
            return;
        }
        if sock.outq.is_empty() {
            let _ = self.close(None, id);
        } else if let Some(sock) = self.socks.get_mut(&id) {
            sock.close_after_flush = true;
        }
    }

    /// `onclose ID close|keep`: what the listener does with a connection it accepted once
    /// the peer has closed its side.
    pub(crate) fn on_close_cmd(
        &mut self,
        cmd: CmdId,
        id: SockId,
        policy: OnClose,
    ) -> Result<(), OpError> {
        let sock = self.sock_for(Op::Set, id)?;
        sock.check(Op::Set, Step::OnClose)?;
        sock.on_close = Some(policy);
        self.hub.emit(
            Some(id),
            Some(cmd),
            EventKind::Set(crate::engine::event::Setting::OnClose(policy)),
        );
        // Connections already half-closed by their peer follow the new policy now.
        let waiting: Vec<SockId> = self
            .socks
            .values()
            .filter(|s| s.parent == Some(id) && s.phase == Phase::Connected && s.halves.peer_closed)
            .map(|s| s.id)
            .collect();
        for conn in waiting {
            self.apply_close_policy(conn);
        }
        Ok(())
    }
}
