//! Sending on a socket: `send`, `sendto`, the queue every write goes through, `respond`,
//! and `shutdown` (the half-close of a stream).

use std::sync::Arc;

use crate::engine::addr::{Addr, AddrSpec};
use crate::engine::command::{How, Payload, Responder};
use crate::engine::error::{Op, OpError};
use crate::engine::event::{CmdId, EventKind, SockId};
use crate::engine::fsm::Step;
use crate::engine::ops::file_payload::{IN_MEMORY_LIMIT, datagram_limit, load_limited};
use crate::engine::reactor::Reactor;
use crate::engine::sock::Outgoing;

impl Reactor {
    /// `send`: all of the payload on a connected socket.
    pub(crate) fn send(&mut self, cmd: CmdId, id: SockId, payload: Payload) -> Result<(), OpError> {
        let sock = self.sock(id);
        sock.check(Op::Send, Step::Send)?;
        let stream = sock.proto.is_stream();
        let family = sock.family;
        match payload {
            // A stream takes a file of any size, read in chunks off this thread.
            Payload::File(path) if stream => self.queue_file(id, cmd, path),
            payload => {
                let limit = if stream {
                    u64::MAX
                } else {
                    datagram_limit(family)
                };
                let data = load_limited(Op::Send, &payload, limit)?;
                let data = self.fill_send(id, data);
                self.queue(id, Some(cmd), data, None, false);
                Ok(())
            }
        }
    }

    /// `sendto`: one datagram.
    pub(crate) fn send_to(
        &mut self,
        cmd: CmdId,
        id: SockId,
        spec: &AddrSpec,
        payload: Payload,
    ) -> Result<(), OpError> {
        let sock = self.sock(id);
        sock.check(Op::SendTo, Step::SendTo)?;
        let family = sock.family;
        let addr = self.resolve(Op::SendTo, spec, family)?;
        let data = load_limited(Op::SendTo, &payload, datagram_limit(family))?;
        self.bind_implicitly(id)?;
        let data = self.fill_send(id, data);
        self.queue(id, Some(cmd), data, Some(addr), false);
        Ok(())
    }

    /// Queues bytes for writing and writes what the socket takes now.
    pub(crate) fn queue(
        &mut self,
        id: SockId,
        cmd: Option<CmdId>,
        data: Arc<[u8]>,
        to: Option<Addr>,
        reply: bool,
    ) {
        self.sock(id).outq.push_back(Outgoing {
            cmd,
            data,
            off: 0,
            to,
            next_report: crate::engine::PROGRESS_STEP,
            reply,
            feed: None,
        });
        self.flush(id);
    }

    /// `respond`.
    pub(crate) fn respond(
        &mut self,
        cmd: CmdId,
        id: SockId,
        responder: Responder,
    ) -> Result<(), OpError> {
        let responder = match responder {
            Responder::Fixed(p) => Responder::Fixed(Payload::Bytes(load_limited(
                Op::Respond,
                &p,
                IN_MEMORY_LIMIT,
            )?)),
            other => other,
        };
        self.sock(id).responder = Some(responder.clone());
        self.hub
            .emit(Some(id), Some(cmd), EventKind::Responding { responder });
        Ok(())
    }

    /// `shutdown`.
    pub(crate) fn shutdown(&mut self, cmd: CmdId, id: SockId, how: How) -> Result<(), OpError> {
        let sock = self.sock(id);
        sock.check(Op::Shutdown, Step::Shutdown)?;
        if how != How::Read {
            // Over TLS the write side ends with close_notify, so that the peer can tell the
            // end of the data from a cut connection (a truncation attack).
            crate::engine::tls::hooks::goodbye(sock);
        }
        let os = sock.open(Op::Shutdown)?;
        let std_how = match how {
            How::Read => std::net::Shutdown::Read,
            How::Write => std::net::Shutdown::Write,
            How::Both => std::net::Shutdown::Both,
        };
        os.shutdown(std_how)
            .map_err(|e| OpError::io(Op::Shutdown, sock.peer.as_ref(), &e))?;
        let kind = EventKind::Shut { how };
        let stream = sock.proto.is_stream();
        sock.halves.on(&kind, stream);
        self.hub.emit(Some(id), Some(cmd), kind);
        Ok(())
    }
}
