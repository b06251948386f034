//! The socket lifecycle commands: socket, bind, listen, accept, connect, send, sendto,
//! respond, shutdown and close, each checked against the socket's state first.

use std::cmp::Reverse;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Interest, Token};
use socket2::{Domain, Protocol, Socket, Type};

use crate::engine::addr::{Addr, AddrSpec};
use crate::engine::command::{
    DEFAULT_BACKLOG, DEFAULT_CONNECT_TIMEOUT, Family, How, Payload, Proto, Responder,
};
use crate::engine::error::{Cause, Op, OpError};
use crate::engine::event::{CmdId, EventKind, SockId};
use crate::engine::ops::file_payload::IN_MEMORY_LIMIT;
use crate::engine::reactor::Reactor;
use crate::engine::sock::{AcceptWaiter, Outgoing, Phase, Sock};

/// Whether `name` may name a socket: letters, digits, `_`, `-`, and not of the id form `sN`.
pub fn valid_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Err(format!(
            "invalid name {name:?}: use letters, digits, _ and -"
        ));
    }
    let rest = name.strip_prefix('s').unwrap_or("");
    if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "{name} looks like a socket id; choose another name"
        ));
    }
    Ok(())
}

impl Reactor {
    fn sock(&mut self, id: SockId) -> &mut Sock {
        // Ids reach here only after `lookup` found them, and records are never removed.
        self.socks.get_mut(&id).expect("socket record exists")
    }

    fn check_name(&self, op: Op, name: &Option<String>) -> Result<(), OpError> {
        if let Some(n) = name {
            valid_name(n).map_err(|why| OpError::state(op, why))?;
            if self.names.contains_key(n) {
                return Err(OpError::state(op, format!("the name {n} is already taken")));
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
                format!("a {proto} socket cannot be of family {family}"),
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
        Ok(())
    }

    /// Turns an address spec into a concrete address for a socket of `family`.
    pub(crate) fn resolve(&self, op: Op, spec: &AddrSpec, family: Family) -> Result<Addr, OpError> {
        let addr = match spec {
            AddrSpec::Exact(a) => a.clone(),
            AddrSpec::Any(port) => Addr::Ip(match family {
                Family::V4 => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), *port),
                Family::V6 => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), *port),
                Family::Unix => {
                    return Err(OpError::state(
                        op,
                        "a unix socket's address is a path (/tmp/x.sock) or @name, not *:PORT",
                    ));
                }
            }),
            AddrSpec::Host(host, _) => {
                // Names are resolved off this thread before the command runs
                // (`defer_for_name`); one that reaches here was not, and is not waited for.
                return Err(OpError::new(Op::Resolve, Cause::Unresolved(host.clone())));
            }
            AddrSpec::LocalOf(r) => {
                let id = self
                    .lookup(r)
                    .ok_or_else(|| OpError::new(Op::Resolve, Cause::NoSuchSocket(r.to_string())))?;
                let other = &self.socks[&id];
                match &other.local {
                    Some(a) => a.reachable(),
                    None => {
                        return Err(OpError::state(
                            Op::Resolve,
                            format!("${r} has no local address yet: bind it first"),
                        ));
                    }
                }
            }
        };
        fit_family(op, addr, family)
    }

    /// Registers the socket with the poller (once).
    fn register(&mut self, id: SockId) -> Result<(), OpError> {
        let sock = self.socks.get_mut(&id).expect("socket record exists");
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
        sock.registered = true;
        Ok(())
    }

    /// `bind`.
    pub(crate) fn bind(&mut self, cmd: CmdId, id: SockId, spec: &AddrSpec) -> Result<(), OpError> {
        let family = self.sock(id).family;
        let addr = self.resolve(Op::Bind, spec, family)?;
        let sock = self.sock(id);
        if let Some(why) = sock.gone() {
            return Err(OpError::state(Op::Bind, why));
        }
        match sock.phase {
            Phase::Created => {}
            Phase::Closed => {
                return Err(OpError::state(
                    Op::Bind,
                    format!("{} is closed", sock.label()),
                ));
            }
            _ => {
                let at = sock
                    .local
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                return Err(OpError::state(
                    Op::Bind,
                    format!(
                        "{} is already bound to {at}; a socket binds once (create a new one)",
                        sock.label()
                    ),
                ));
            }
        }
        let Some(os) = sock.os.as_ref() else {
            return Err(OpError::state(
                Op::Socket,
                format!("{} has no descriptor", sock.label()),
            ));
        };
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
        if let Addr::Path(p) = &addr {
            sock.unlink = crate::engine::reactor::teardown::SocketFile::of(p);
        }
        let local = os.local_addr().map(|a| Addr::from_sock(&a)).unwrap_or(addr);
        sock.local = Some(local.clone());
        sock.phase = Phase::Bound;
        if !sock.proto.is_stream() {
            self.register(id)?;
        }
        self.hub.emit(
            Some(id),
            Some(cmd),
            EventKind::Bound {
                local,
                implicit: false,
            },
        );
        Ok(())
    }

    /// Reads the local address back after the OS bound the socket on its own.
    fn note_implicit_bind(&mut self, id: SockId) {
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
        if sock.phase == Phase::Created {
            sock.phase = Phase::Bound;
        }
        self.hub.emit(
            Some(id),
            None,
            EventKind::Bound {
                local,
                implicit: true,
            },
        );
    }

    /// `listen`.
    pub(crate) fn listen(
        &mut self,
        cmd: CmdId,
        id: SockId,
        backlog: Option<u32>,
    ) -> Result<(), OpError> {
        let backlog = backlog.unwrap_or(DEFAULT_BACKLOG);
        let sock = self.sock(id);
        if let Some(why) = sock.gone() {
            return Err(OpError::state(Op::Listen, why));
        }
        if !sock.proto.is_stream() {
            return Err(OpError::state(
                Op::Listen,
                format!(
                    "{} is a {} socket; only stream sockets (TCP, unix stream) listen",
                    sock.label(),
                    sock.proto
                ),
            ));
        }
        match sock.phase {
            Phase::Created | Phase::Bound | Phase::Listening => {}
            Phase::Closed => {
                return Err(OpError::state(
                    Op::Listen,
                    format!("{} is closed", sock.label()),
                ));
            }
            _ => {
                return Err(OpError::state(
                    Op::Listen,
                    format!(
                        "{} is connected; a connected socket cannot listen",
                        sock.label()
                    ),
                ));
            }
        }
        let Some(os) = sock.os.as_ref() else {
            return Err(OpError::state(
                Op::Socket,
                format!("{} has no descriptor", sock.label()),
            ));
        };
        let n = i32::try_from(backlog).unwrap_or(i32::MAX);
        os.listen(n)
            .map_err(|e| OpError::io(Op::Listen, sock.local.as_ref(), &e))?;
        self.note_implicit_bind(id);
        let sock = self.sock(id);
        sock.phase = Phase::Listening;
        sock.backlog = backlog;
        let local = sock.local.clone().unwrap_or(Addr::Unnamed);
        self.register(id)?;
        self.hub
            .emit(Some(id), Some(cmd), EventKind::Listening { local, backlog });
        self.accept_ready(id);
        Ok(())
    }

    fn require_listening(&mut self, op: Op, id: SockId) -> Result<(), OpError> {
        let sock = self.sock(id);
        if !sock.proto.is_stream() {
            return Err(OpError::state(
                op,
                format!(
                    "{} is a {} socket; only stream sockets (TCP, unix stream) accept",
                    sock.label(),
                    sock.proto
                ),
            ));
        }
        if sock.phase != Phase::Listening {
            return Err(OpError::state(
                op,
                format!("{} is not listening: listen first", sock.label()),
            ));
        }
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
        self.require_listening(Op::Accept, id)?;
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
        self.require_listening(Op::Accept, id)?;
        self.sock(id).auto_accept = on;
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
        let _ = os.set_nonblocking(true);
        let local = os
            .local_addr()
            .map(|a| Addr::from_sock(&a))
            .ok()
            .or_else(|| self.sock(listener).local.clone())
            .unwrap_or(Addr::Unnamed);
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
        self.send_greeting(listener, id);
        self.relay_accepted(listener, id);
    }

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
        if let Some(why) = sock.gone() {
            return Err(OpError::state(Op::Connect, why));
        }
        let label = sock.label();
        match (sock.proto.is_stream(), sock.phase) {
            (_, Phase::Closed) => {
                return Err(OpError::state(Op::Connect, format!("{label} is closed")));
            }
            (_, Phase::Listening) => {
                return Err(OpError::state(
                    Op::Connect,
                    format!("{label} is listening; a listening socket cannot connect"),
                ));
            }
            (_, Phase::Connecting) => {
                return Err(OpError::state(
                    Op::Connect,
                    format!("{label} is already connecting"),
                ));
            }
            (true, Phase::Connected) => {
                let peer = sock
                    .peer
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
                return Err(OpError::state(
                    Op::Connect,
                    format!("{label} is already connected to {peer}"),
                ));
            }
            _ => {}
        }
        let sa = addr
            .to_sock()
            .map_err(|e| OpError::io(Op::Connect, Some(&addr), &e))?;
        let Some(os) = sock.os.as_ref() else {
            return Err(OpError::state(
                Op::Socket,
                format!("{} has no descriptor", sock.label()),
            ));
        };
        match os.connect(&sa) {
            Ok(()) => {
                self.register(id)?;
                self.finish_connected(id, Some(cmd), addr);
                Ok(())
            }
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {
                let limit = timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT);
                let at = Instant::now() + limit;
                let sock = self.sock(id);
                sock.phase = Phase::Connecting;
                sock.peer = Some(addr.clone());
                sock.connecting = Some((cmd, at, limit));
                self.timers.push(Reverse((at, id)));
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
        sock.phase = Phase::Connected;
        sock.connecting = None;
        sock.peer = Some(peer.clone());
        if let Some(l) = &local {
            sock.local = Some(l.clone());
        }
        let local = local.unwrap_or(Addr::Unnamed);
        self.hub
            .emit(Some(id), cmd, EventKind::Connected { local, peer });
    }

    /// `send`: all of the payload on a connected socket.
    pub(crate) fn send(&mut self, cmd: CmdId, id: SockId, payload: Payload) -> Result<(), OpError> {
        let sock = self.sock(id);
        if let Some(why) = sock.gone() {
            return Err(OpError::state(Op::Send, why));
        }
        let label = sock.label();
        match (sock.proto.is_stream(), sock.phase) {
            (_, Phase::Closed) => {
                return Err(OpError::state(Op::Send, format!("{label} is closed")));
            }
            (_, Phase::Connecting) => {
                return Err(OpError::state(
                    Op::Send,
                    format!("{label} is still connecting"),
                ));
            }
            (true, Phase::Listening) => {
                return Err(OpError::state(
                    Op::Send,
                    format!("{label} is listening; send on an accepted connection"),
                ));
            }
            (true, Phase::Connected) => {}
            (true, _) => {
                return Err(OpError::state(
                    Op::Send,
                    format!("{label} is not connected: connect first"),
                ));
            }
            (false, Phase::Connected) => {}
            (false, _) => {
                return Err(OpError::state(
                    Op::Send,
                    format!(
                        "{label} has no fixed peer: use sendto {label} ADDR PAYLOAD, or connect it first"
                    ),
                ));
            }
        }
        if sock.write_done {
            return Err(OpError::state(
                Op::Send,
                format!("{label}'s write side is shut down"),
            ));
        }
        let stream = sock.proto.is_stream();
        let family = sock.family;
        match payload {
            // A stream takes a file of any size, read in chunks off this thread.
            Payload::File(path) if stream => self.queue_file(id, cmd, path),
            payload => {
                let limit = if stream {
                    u64::MAX
                } else {
                    crate::engine::ops::file_payload::datagram_limit(family)
                };
                let data =
                    crate::engine::ops::file_payload::load_limited(Op::Send, &payload, limit)?;
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
        if let Some(why) = sock.gone() {
            return Err(OpError::state(Op::SendTo, why));
        }
        let label = sock.label();
        if sock.proto.is_stream() {
            return Err(OpError::state(
                Op::SendTo,
                format!("{label} is a stream socket: use send once it is connected"),
            ));
        }
        if sock.phase == Phase::Closed {
            return Err(OpError::state(Op::SendTo, format!("{label} is closed")));
        }
        let family = sock.family;
        let addr = self.resolve(Op::SendTo, spec, family)?;
        let limit = crate::engine::ops::file_payload::datagram_limit(family);
        let data = crate::engine::ops::file_payload::load_limited(Op::SendTo, &payload, limit)?;
        self.bind_implicitly(id)?;
        self.queue(id, Some(cmd), data, Some(addr), false);
        Ok(())
    }

    /// Binds an unbound IP datagram socket to an ephemeral port, as the OS does on a first
    /// `sendto`, but first, so that the reply port is reported before a datagram leaves;
    /// then registers it with the poller.
    pub(crate) fn bind_implicitly(&mut self, id: SockId) -> Result<(), OpError> {
        let family = self.sock(id).family;
        if self.sock(id).local.is_none() && family != Family::Unix {
            let any = self.resolve(Op::SendTo, &AddrSpec::Any(0), family)?;
            let sa = any
                .to_sock()
                .map_err(|e| OpError::io(Op::Bind, Some(&any), &e))?;
            if let Some(os) = self.sock(id).os.as_ref() {
                os.bind(&sa)
                    .map_err(|e| OpError::io(Op::Bind, Some(&any), &e))?;
            }
            self.note_implicit_bind(id);
        }
        self.register(id)
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
            next_report: crate::engine::reactor::io::PROGRESS_STEP,
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
            Responder::Fixed(p) => Responder::Fixed(Payload::Bytes(
                crate::engine::ops::file_payload::load_limited(Op::Respond, &p, IN_MEMORY_LIMIT)?,
            )),
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
        if let Some(why) = sock.gone() {
            return Err(OpError::state(Op::Shutdown, why));
        }
        let label = sock.label();
        if !sock.proto.is_stream() {
            return Err(OpError::state(
                Op::Shutdown,
                format!("{label} is a datagram socket; shutdown half-closes stream connections"),
            ));
        }
        if sock.phase != Phase::Connected {
            return Err(OpError::state(
                Op::Shutdown,
                format!("{label} is not connected"),
            ));
        }
        let Some(os) = sock.os.as_ref() else {
            return Err(OpError::state(
                Op::Socket,
                format!("{} has no descriptor", sock.label()),
            ));
        };
        let std_how = match how {
            How::Read => std::net::Shutdown::Read,
            How::Write => std::net::Shutdown::Write,
            How::Both => std::net::Shutdown::Both,
        };
        os.shutdown(std_how)
            .map_err(|e| OpError::io(Op::Shutdown, sock.peer.as_ref(), &e))?;
        if matches!(how, How::Read | How::Both) {
            sock.read_done = true;
        }
        if matches!(how, How::Write | How::Both) {
            sock.write_done = true;
        }
        self.hub.emit(Some(id), Some(cmd), EventKind::Shut { how });
        Ok(())
    }
}

/// Checks an address against a socket's family; an IPv4 address on an IPv6 socket is mapped.
fn fit_family(op: Op, addr: Addr, family: Family) -> Result<Addr, OpError> {
    match (&addr, family) {
        (Addr::Ip(SocketAddr::V6(a)), Family::V4) => Err(OpError::at(
            op,
            &addr,
            Cause::InvalidState(format!(
                "this is an IPv4 socket and {a} is IPv6: create the socket with v6"
            )),
        )),
        (Addr::Ip(SocketAddr::V4(a)), Family::V6) => {
            let mapped = a.ip().to_ipv6_mapped();
            Ok(Addr::Ip(SocketAddr::new(IpAddr::V6(mapped), a.port())))
        }
        (Addr::Ip(_), Family::Unix) => Err(OpError::at(
            op,
            &addr,
            Cause::InvalidState(
                "this is a unix socket: its address is a path (/tmp/x.sock) or @name".into(),
            ),
        )),
        (Addr::Path(_) | Addr::Abstract(_) | Addr::Unnamed, Family::V4 | Family::V6) => {
            Err(OpError::at(
                op,
                &addr,
                Cause::InvalidState(
                    "a path or @name is a unix socket's address: use IP:PORT here".into(),
                ),
            ))
        }
        _ => Ok(addr),
    }
}
