//! The start of a socket's life: `socket` (with its name), `bind`, and the OS's implicit
//! bind, each checked against the socket's state first (see [`crate::engine::fsm`]).
//! Listening and accepting are in `listen.rs`, connecting and sending in `connect.rs` and
//! `send.rs`, addresses in `address.rs`.

use std::os::fd::AsRawFd;

use mio::unix::SourceFd;
use mio::{Interest, Token};
use socket2::{Domain, Protocol, Socket, Type};

use crate::engine::addr::{Addr, AddrSpec};
use crate::engine::command::{Family, Proto};
use crate::engine::error::{Cause, Op, OpError};
use crate::engine::event::{CmdId, EventKind, SockId};
use crate::engine::fsm::{Phase, Refusal, Step};
use crate::engine::reactor::Reactor;
use crate::engine::sock::Sock;

/// Whether `name` may name a socket: letters, digits, `_`, `-`, and not of the id form `sN`.
pub fn valid_name(name: &str) -> Result<(), Refusal> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Refusal::BadName { name: name.into() });
    }
    let rest = name.strip_prefix('s').unwrap_or("");
    if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) {
        return Err(Refusal::NameLikeId { name: name.into() });
    }
    Ok(())
}

impl Reactor {
    pub(crate) fn sock(&mut self, id: SockId) -> &mut Sock {
        // Ids reach here only after `lookup` found them, and records are never removed.
        self.socks.get_mut(&id).expect("socket record exists")
    }

    pub(crate) fn check_name(&self, op: Op, name: &Option<String>) -> Result<(), OpError> {
        if let Some(n) = name {
            valid_name(n).map_err(|why| OpError::state(op, why))?;
            if self.names.contains_key(n) {
                return Err(OpError::state(op, Refusal::NameTaken { name: n.clone() }));
            }
        }
        Ok(())
    }

    /// `socket`: creates an unbound, non-blocking socket.
    pub(crate) fn create(
        &mut self,
        cmd: CmdId,
        proto: Proto,
        family: Family,
        name: Option<String>,
    ) -> Result<(), OpError> {
        self.check_name(Op::Socket, &name)?;
        let domain = match family {
            Family::V4 => Domain::IPV4,
            Family::V6 => Domain::IPV6,
            Family::Unix => Domain::UNIX,
        };
        let (ty, p) = match proto {
            Proto::Tcp => (Type::STREAM, Some(Protocol::TCP)),
            Proto::Udp => (Type::DGRAM, Some(Protocol::UDP)),
            Proto::UnixStream => (Type::STREAM, None),
            Proto::UnixDgram => (Type::DGRAM, None),
        };
        if proto.is_unix() != (family == Family::Unix) {
            return Err(OpError::state(
                Op::Socket,
                Refusal::ProtoFamily { proto, family },
            ));
        }
        let os = Socket::new(domain, ty, p).map_err(|e| OpError::io(Op::Socket, None, &e))?;
        os.set_nonblocking(true)
            .map_err(|e| OpError::io(Op::Socket, None, &e))?;
        let id = self.alloc_id();
        if let Some(n) = &name {
            self.names.insert(n.clone(), id);
        }
        self.socks
            .insert(id, Sock::new(id, name.clone(), proto, family, os));
        self.hub.emit(
            Some(id),
            Some(cmd),
            EventKind::Created {
                proto,
                family,
                name,
            },
        );
        self.sink_buffer(id);
        Ok(())
    }

    /// Registers the socket with the poller (once).
    pub(crate) fn register(&mut self, id: SockId) -> Result<(), OpError> {
        let sock = self.sock(id);
        if sock.registered {
            return Ok(());
        }
        let Some(os) = sock.os.as_ref() else {
            return Ok(());
        };
        let fd = os.as_raw_fd();
        self.poll
            .registry()
            .register(
                &mut SourceFd(&fd),
                Token(id.0 as usize),
                Interest::READABLE | Interest::WRITABLE,
            )
            .map_err(|e| OpError::io(Op::Socket, None, &e))?;
        self.sock(id).registered = true;
        Ok(())
    }

    /// `bind`.
    pub(crate) fn bind(&mut self, cmd: CmdId, id: SockId, spec: &AddrSpec) -> Result<(), OpError> {
        let family = self.sock(id).family;
        let addr = self.resolve(Op::Bind, spec, family)?;
        let sock = self.sock(id);
        sock.check(Op::Bind, Step::Bind)?;
        let os = sock.open(Op::Bind)?;
        let sa = addr
            .to_sock()
            .map_err(|e| OpError::io(Op::Bind, Some(&addr), &e))?;
        os.bind(&sa).map_err(|e| {
            let mut err = OpError::io(Op::Bind, Some(&addr), &e);
            if matches!(addr, Addr::Path(_)) && err.cause == Cause::AddrInUse {
                err.cause = Cause::Os {
                    errno: libc::EADDRINUSE,
                    text: "the path already exists (remove the old socket file, or choose another path)"
                        .into(),
                };
            }
            err
        })?;
        let local = os.local_addr().map(|a| Addr::from_sock(&a));
        if let Addr::Path(p) = &addr {
            sock.unlink = crate::engine::reactor::teardown::SocketFile::of(p);
        }
        let local = local.unwrap_or(addr);
        sock.local = Some(local.clone());
        let kind = EventKind::Bound {
            local,
            implicit: false,
        };
        sock.phase.on(&kind, true);
        if !sock.proto.is_stream() {
            self.register(id)?;
        }
        self.hub.emit(Some(id), Some(cmd), kind);
        Ok(())
    }

    /// Reads the local address back after the OS bound the socket on its own.
    pub(crate) fn note_implicit_bind(&mut self, id: SockId) {
        let sock = self.sock(id);
        if sock.local.is_some() {
            return;
        }
        let Some(local) = sock
            .os
            .as_ref()
            .and_then(|os| os.local_addr().ok())
            .map(|a| Addr::from_sock(&a))
        else {
            return;
        };
        sock.local = Some(local.clone());
        let kind = EventKind::Bound {
            local,
            implicit: true,
        };
        sock.phase.on(&kind, true);
        self.hub.emit(Some(id), None, kind);
    }

    /// Leaves the phase a failed connect put the socket in: bound when it has an address.
    pub(crate) fn connect_failed(&mut self, id: SockId, err: OpError) {
        let sock = self.sock(id);
        let cmd = match sock.phase {
            Phase::Connecting { cmd, .. } => cmd,
            _ => None,
        };
        let kind = EventKind::Failed(err);
        sock.phase.on(&kind, sock.local.is_some());
        sock.peer = None;
        self.hub.emit(Some(id), cmd, kind);
    }
}
