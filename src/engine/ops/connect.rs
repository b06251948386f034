//! `connect`: at once (datagram sockets, loopback) or in the background, with a deadline
//! the socket's `Connecting` phase carries.

use std::cmp::Reverse;
use std::time::{Duration, Instant};

use crate::engine::addr::{Addr, AddrSpec};
use crate::engine::command::DEFAULT_CONNECT_TIMEOUT;
use crate::engine::error::{Op, OpError};
use crate::engine::event::{CmdId, EventKind, SockId};
use crate::engine::fsm::{Phase, Step};
use crate::engine::reactor::Reactor;

impl Reactor {
    /// `connect`.
    pub(crate) fn connect(
        &mut self,
        cmd: CmdId,
        id: SockId,
        spec: &AddrSpec,
        timeout: Option<Duration>,
    ) -> Result<(), OpError> {
        let family = self.sock(id).family;
        let addr = self.resolve(Op::Connect, spec, family)?;
        let sock = self.sock(id);
        sock.check(Op::Connect, Step::Connect)?;
        let sa = addr
            .to_sock()
            .map_err(|e| OpError::io(Op::Connect, Some(&addr), &e))?;
        let os = sock.open(Op::Connect)?;
        match os.connect(&sa) {
            Ok(()) => {
                self.register(id)?;
                self.finish_connected(id, Some(cmd), addr);
                Ok(())
            }
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {
                let limit = timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
                let deadline = Instant::now() + limit;
                let sock = self.sock(id);
                sock.phase = Phase::Connecting {
                    cmd: Some(cmd),
                    deadline,
                    limit,
                };
                sock.peer = Some(addr.clone());
                self.timers.push(Reverse((deadline, id)));
                self.register(id)?;
                self.hub
                    .emit(Some(id), None, EventKind::Connecting { peer: addr });
                Ok(())
            }
            Err(e) => Err(OpError::io(Op::Connect, Some(&addr), &e)),
        }
    }

    /// Records a completed connect and reports it.
    pub(crate) fn finish_connected(&mut self, id: SockId, cmd: Option<CmdId>, peer: Addr) {
        let sock = self.sock(id);
        let local = sock
            .os
            .as_ref()
            .and_then(|os| os.local_addr().ok())
            .map(|a| Addr::from_sock(&a));
        sock.peer = Some(peer.clone());
        if let Some(l) = &local {
            sock.local = Some(l.clone());
        }
        let local = local.unwrap_or(Addr::Unnamed);
        let kind = EventKind::Connected { local, peer };
        sock.phase.on(&kind, true);
        self.hub.emit(Some(id), cmd, kind);
    }

    /// The `connect` command a socket's pending connect answers, if one is pending.
    pub(crate) fn connect_cmd(&mut self, id: SockId) -> Option<CmdId> {
        match self.socks.get(&id)?.phase {
            Phase::Connecting { cmd, .. } => cmd,
            _ => None,
        }
    }
}
