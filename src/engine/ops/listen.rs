//! The server side of a stream socket's life: `listen`, `accept` (one, or auto), and
//! adopting an accepted connection as a socket of the engine.

use std::cmp::Reverse;
use std::time::{Duration, Instant};

use socket2::Socket;

use crate::engine::addr::Addr;
use crate::engine::command::DEFAULT_BACKLOG;
use crate::engine::error::{Op, OpError};
use crate::engine::event::{CmdId, EventKind, SockId};
use crate::engine::fsm::{Phase, Step};
use crate::engine::reactor::Reactor;
use crate::engine::sock::{AcceptWaiter, Sock};

impl Reactor {
    /// `listen` (again on a listener: a new backlog).
    pub(crate) fn listen(
        &mut self,
        cmd: CmdId,
        id: SockId,
        backlog: Option<u32>,
    ) -> Result<(), OpError> {
        let backlog = backlog.unwrap_or(DEFAULT_BACKLOG);
        let sock = self.sock(id);
        sock.check(Op::Listen, Step::Listen)?;
        let os = sock.open(Op::Listen)?;
        let n = i32::try_from(backlog).unwrap_or(i32::MAX);
        os.listen(n)
            .map_err(|e| OpError::io(Op::Listen, sock.local.as_ref(), &e))?;
        self.note_implicit_bind(id);
        let sock = self.sock(id);
        let auto = matches!(sock.phase, Phase::Listening { auto: true, .. });
        sock.phase = Phase::Listening { backlog, auto };
        let local = sock.local.clone().unwrap_or(Addr::Unnamed);
        self.register(id)?;
        self.hub
            .emit(Some(id), Some(cmd), EventKind::Listening { local, backlog });
        self.accept_ready(id);
        Ok(())
    }

    /// `accept`: waits for one connection (or takes one already pending).
    pub(crate) fn accept_cmd(
        &mut self,
        cmd: CmdId,
        id: SockId,
        name: Option<String>,
        timeout: Option<Duration>,
    ) -> Result<(), OpError> {
        self.sock(id).check(Op::Accept, Step::Accept)?;
        self.check_name(Op::Accept, &name)?;
        let deadline = timeout.map(|t| Instant::now() + t);
        if let Some(at) = deadline {
            self.timers.push(Reverse((at, id)));
        }
        self.sock(id).accept_waiters.push_back(AcceptWaiter {
            cmd,
            name,
            deadline,
            timeout,
        });
        self.accept_ready(id);
        Ok(())
    }

    /// `accept ID auto`.
    pub(crate) fn auto_accept(&mut self, cmd: CmdId, id: SockId, on: bool) -> Result<(), OpError> {
        let sock = self.sock(id);
        sock.check(Op::Accept, Step::Accept)?;
        if let Phase::Listening { auto, .. } = &mut sock.phase {
            *auto = on;
        }
        self.hub
            .emit(Some(id), Some(cmd), EventKind::AutoAccept { on });
        self.accept_ready(id);
        Ok(())
    }

    /// Makes an accepted OS socket a socket of the engine.
    pub(crate) fn adopt(
        &mut self,
        listener: SockId,
        os: Socket,
        peer: Addr,
        cmd: Option<CmdId>,
        name: Option<String>,
    ) {
        let (proto, family) = {
            let l = self.sock(listener);
            (l.proto, l.family)
        };
        #[cfg(not(target_os = "linux"))]
        let _ = os.set_nonblocking(true);
        // A connection's local address is its listener's, unless the listener is bound to
        // a wildcard address (then getsockname(2) tells which of the host's it came to).
        let local = match self.sock(listener).local.clone() {
            Some(Addr::Ip(a)) if !a.ip().is_unspecified() => Addr::Ip(a),
            Some(l @ (Addr::Path(_) | Addr::Abstract(_))) => l,
            known => os
                .local_addr()
                .map(|a| Addr::from_sock(&a))
                .ok()
                .or(known)
                .unwrap_or(Addr::Unnamed),
        };
        let auto_accepted = cmd.is_none();
        let id = self.alloc_id();
        let mut sock = Sock::new(id, name.clone(), proto, family, os);
        sock.phase = Phase::Connected;
        sock.parent = Some(listener);
        sock.auto_accepted = auto_accepted;
        // A listener passes its receive settings on to each connection it accepts.
        let l = self.sock(listener);
        sock.splitter = crate::engine::framing::FrameSplitter::new(l.splitter.framing().clone());
        sock.recv_size = l.recv_size;
        sock.manual = l.manual;
        sock.local = Some(local.clone());
        sock.peer = Some(peer.clone());
        if let Some(n) = &name {
            self.names.insert(n.clone(), id);
        }
        self.socks.insert(id, sock);
        if let Err(e) = self.register(id) {
            self.hub.emit(Some(id), None, EventKind::Failed(e));
        }
        self.hub.emit(
            Some(id),
            cmd,
            EventKind::Accepted {
                listener,
                local,
                peer,
                name: name.map(Box::new),
            },
        );
        self.tls_adopt(listener, id);
        self.send_greeting(listener, id);
        self.relay_accepted(listener, id);
    }
}
