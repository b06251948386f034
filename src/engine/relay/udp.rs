//! The relay's UDP side: a bound UDP socket that relays keeps one session per client
//! address — its own upstream socket, connected to the relay's address — and ends a
//! session after its idle time without traffic.

use std::sync::Arc;
use std::time::Instant;

use socket2::{Protocol, Type};

use crate::engine::addr::Addr;
use crate::engine::command::Proto;
use crate::engine::error::{Op, OpError};
use crate::engine::event::{EventKind, SockId};
use crate::engine::fsm::Phase;
use crate::engine::reactor::Reactor;
use crate::engine::relay::upstream;

impl Reactor {
    /// A datagram from `peer` reached relay socket `relay`: into its session's pipe (a
    /// new session for a new client). True: the relay took it.
    pub(crate) fn udp_take(
        &mut self,
        relay: SockId,
        data: &Arc<[u8]>,
        peer: Option<&Addr>,
    ) -> bool {
        let Some(client) = peer.cloned() else {
            return false;
        };
        let Some(conf) = self.relay.confs.get(&relay) else {
            return false;
        };
        let session = match conf.sessions.get(&client) {
            Some(s) => *s,
            None if conf.on => match self.udp_session(relay, &client) {
                Some(s) => s,
                None => return true,
            },
            None => return false,
        };
        let Some(pipe) = self.relay.pipes.get(&(relay, session)) else {
            return true;
        };
        let f = self.relay.faults_of(pipe);
        if let Some(pipe) = self.relay.pipes.get_mut(&(relay, session)) {
            pipe.take_in(Arc::clone(data), Instant::now(), &f, true);
        }
        self.relay_pump(relay, session);
        true
    }

    /// Opens the upstream socket of a new client's session.
    fn udp_session(&mut self, relay: SockId, client: &Addr) -> Option<SockId> {
        let conf = self.relay.confs.get(&relay)?;
        let to = conf.to.clone();
        let idle = conf.idle;
        let made = upstream(&to, Type::DGRAM, Protocol::UDP, |os| {
            to.to_sock().and_then(|sa| os.connect(&sa))
        });
        let (os, family) = match made {
            Ok(made) => made,
            Err(e) => {
                let err = OpError::io(Op::Connect, Some(&to), &e);
                self.hub.emit(Some(relay), None, EventKind::Failed(err));
                return None;
            }
        };
        let local = os.local_addr().ok().map(|a| Addr::from_sock(&a));
        let id = self.add_upstream(relay, Proto::Udp, family, os, |sock| {
            sock.phase = Phase::Connected;
            sock.peer = Some(to.clone());
            sock.local = local.clone();
        });
        let connected = EventKind::Connected {
            local: local.unwrap_or(Addr::Unnamed),
            peer: to,
        };
        self.hub.emit(Some(id), None, connected);
        if let Err(e) = self.relay_register(id) {
            let err = OpError::io(Op::Socket, None, &e);
            self.hub.emit(Some(id), None, EventKind::Failed(err));
        }
        self.link(relay, id, relay, Some(client.clone()));
        if let Some(conf) = self.relay.confs.get_mut(&relay) {
            conf.sessions.insert(client.clone(), id);
        }
        self.timers
            .push(std::cmp::Reverse((Instant::now() + idle, id)));
        Some(id)
    }

    /// Forgets the session of `a` / `b` (whichever is the session) in its relay's table.
    pub(crate) fn udp_forget(&mut self, a: SockId, b: SockId) {
        for (session, relay) in [(a, b), (b, a)] {
            if let Some(conf) = self.relay.confs.get_mut(&relay) {
                conf.sessions.retain(|_, s| *s != session);
            }
        }
    }
}
