//! Where TLS meets the reactor: the `tls` and `tls ID save-cert` commands, the handshake of
//! each connection a TLS listener accepts, plaintext reads through the layer, handshake
//! deadlines, and the `tls handshake` event.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::describe::{cert_info, error_words};
use super::layer::{Listen, Slot, TlsConn, TlsRead};
use super::{DEFAULT_HANDSHAKE_TIMEOUT, Handshake, TlsEvent, TlsSpec, config};
use crate::engine::error::{Op, OpError};
use crate::engine::event::{CmdId, EventKind, SockId};
use crate::engine::fsm::{Phase, Refusal};
use crate::engine::reactor::Reactor;
use crate::engine::reactor::io::ReadOutcome;
use crate::engine::sock::Sock;

fn refuse(why: impl Into<String>) -> OpError {
    OpError::state(Op::Tls, Refusal::Tls { why: why.into() })
}

/// The socket's TLS connection, if it has one.
pub(crate) fn conn_of(sock: &mut Sock) -> Option<&mut TlsConn> {
    match sock.tls.as_mut() {
        Some(Slot::Conn(c)) => Some(c),
        _ => None,
    }
}

/// Writes the TLS records waiting for the socket; false while the socket would block.
pub(crate) fn drain(sock: &mut Sock) -> bool {
    let (Some(os), Some(Slot::Conn(c))) = (sock.os.as_ref(), sock.tls.as_mut()) else {
        return true;
    };
    !matches!(c.write_out(os), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

/// Sends close_notify before the socket closes or shuts its write side (best effort).
pub(crate) fn goodbye(sock: &mut Sock) {
    if let (Some(os), Some(Slot::Conn(c))) = (sock.os.as_ref(), sock.tls.as_mut()) {
        c.conn.send_close_notify();
        let _ = c.write_out(os);
    }
}

/// The one-line handshake summary of a socket, for `status` and the app.
pub(crate) fn summary(sock: &Sock) -> Option<String> {
    match sock.tls.as_ref() {
        Some(Slot::Conn(c)) => c.summary.clone(),
        Some(Slot::Listener(_)) => Some("TLS server".into()),
        None => None,
    }
}

impl Reactor {
    /// `tls ID client|server …`: on a listener, for every connection it will accept; on a
    /// connected stream (even one that already spoke plaintext: STARTTLS), a handshake now.
    pub(crate) fn tls_command(
        &mut self,
        cmd: CmdId,
        id: SockId,
        spec: TlsSpec,
    ) -> Result<(), OpError> {
        let sock = &*self.sock_for(Op::Tls, id)?;
        if matches!(sock.phase, Phase::Closed | Phase::Reset) {
            return Err(OpError::state(Op::Tls, sock.gone()));
        }
        if !sock.proto.is_stream() {
            return Err(refuse(format!(
                "TLS runs over a stream: {} is a datagram socket ({:?}); use a TCP socket",
                sock.label(),
                sock.proto
            )));
        }
        if matches!(sock.tls, Some(Slot::Conn(_))) {
            return Err(refuse(format!("{} already speaks TLS", sock.label())));
        }
        let limit = match &spec {
            TlsSpec::Client(c) => c.timeout,
            TlsSpec::Server(s) => s.timeout,
        }
        .unwrap_or(DEFAULT_HANDSHAKE_TIMEOUT);
        match (&sock.phase, spec) {
            (Phase::Listening { .. }, TlsSpec::Server(s)) => {
                let setup = config::server(&s).map_err(refuse)?;
                let ev = TlsEvent::Serving {
                    cert: setup.cert.clone(),
                    self_signed: setup.self_signed,
                };
                let listen = Listen {
                    setup,
                    timeout: limit,
                };
                if let Some(sock) = self.socks.get_mut(&id) {
                    sock.tls = Some(Slot::Listener(Box::new(listen)));
                }
                self.hub
                    .emit(Some(id), Some(cmd), EventKind::Tls(Box::new(ev)));
                Ok(())
            }
            (Phase::Listening { .. }, TlsSpec::Client(_)) => Err(refuse(
                "a listener can only be a TLS server: `tls ID server …` (its connections can be clients)",
            )),
            (Phase::Connected, _) if sock.halves.read_done || sock.halves.write_done => {
                Err(refuse(format!(
                    "{} is half-closed: a TLS handshake needs both directions",
                    sock.label()
                )))
            }
            (Phase::Connected, spec) => self.tls_start(cmd, id, spec, limit),
            _ => Err(refuse(format!(
                "{} is not connected: connect (client) or listen/accept (server) first",
                sock.label()
            ))),
        }
    }

    /// Starts a handshake on a connected socket.
    fn tls_start(
        &mut self,
        cmd: CmdId,
        id: SockId,
        spec: TlsSpec,
        limit: Duration,
    ) -> Result<(), OpError> {
        let peer_ip = self
            .socks
            .get(&id)
            .and_then(|s| s.peer.as_ref())
            .and_then(|p| p.ip())
            .map(|a| a.ip());
        let t = match spec {
            TlsSpec::Client(c) => {
                let setup = config::client(&c, peer_ip).map_err(refuse)?;
                let sni = match &setup.name {
                    rustls::pki_types::ServerName::DnsName(n) => Some(n.as_ref().to_string()),
                    _ => None,
                };
                let conn = rustls::ClientConnection::new(setup.config, setup.name)
                    .map_err(|e| refuse(error_words(&e)))?;
                let mut t = TlsConn::new(conn.into(), Some(cmd), limit);
                t.verdict = Some(setup.verdict);
                t.sni = sni;
                t
            }
            TlsSpec::Server(s) => {
                let setup = config::server(&s).map_err(refuse)?;
                let l = Listen {
                    setup,
                    timeout: limit,
                };
                let mut t = TlsConn::accepted(&l).map_err(|e| refuse(error_words(&e)))?;
                if let Some(p) = t.pending.as_mut() {
                    p.cmd = Some(cmd);
                }
                t
            }
        };
        self.tls_attach(id, t);
        Ok(())
    }

    /// Puts a TLS layer on `id`, arms its deadline and sends what it has to say first.
    fn tls_attach(&mut self, id: SockId, t: TlsConn) {
        let client = t.conn.is_handshaking() && matches!(t.conn, rustls::Connection::Client(_));
        let deadline = t.pending.as_ref().map(|p| p.deadline);
        let Some(sock) = self.socks.get_mut(&id) else {
            return;
        };
        sock.tls = Some(Slot::Conn(Box::new(t)));
        if let Some(at) = deadline {
            self.timers.push(std::cmp::Reverse((at, id)));
        }
        let ev = TlsEvent::Started { client };
        self.hub.emit(Some(id), None, EventKind::Tls(Box::new(ev)));
        if self.socks.get_mut(&id).is_some_and(|s| !drain(s)) {
            return; // the socket's next writability sends the rest
        }
        // Records may already wait (a STARTTLS peer that did not wait for our answer).
        self.read_ready(id);
    }

    /// A connection accepted by listener `l`: a server handshake when it is a TLS listener.
    pub(crate) fn tls_adopt(&mut self, listener: SockId, id: SockId) {
        let made = match self.socks.get(&listener).and_then(|l| l.tls.as_ref()) {
            Some(Slot::Listener(l)) => TlsConn::accepted(l),
            _ => return,
        };
        match made {
            Ok(t) => self.tls_attach(id, t),
            Err(e) => {
                let err = refuse(error_words(&e));
                self.hub.emit(Some(id), None, EventKind::Failed(err));
            }
        }
    }

    /// `tls ID save-cert FILE`: writes the certificate a TLS server presents.
    pub(crate) fn tls_save_cert(
        &mut self,
        cmd: CmdId,
        id: SockId,
        path: &std::path::Path,
    ) -> Result<(), OpError> {
        let sock = &*self.sock_for(Op::Tls, id)?;
        let pem = match sock.tls.as_ref() {
            Some(Slot::Listener(l)) => Some(l.setup.cert_pem.clone()),
            Some(Slot::Conn(c)) => c.cert_pem.clone(),
            None => None,
        };
        let Some(pem) = pem else {
            return Err(refuse(format!(
                "{} presents no certificate: make it a TLS server first (`tls {} server self-signed`)",
                sock.label(),
                sock.label()
            )));
        };
        std::fs::write(path, pem)
            .map_err(|e| refuse(format!("cannot write {}: {e}", path.display())))?;
        let ev = TlsEvent::CertSaved(path.to_path_buf());
        self.hub
            .emit(Some(id), Some(cmd), EventKind::Tls(Box::new(ev)));
        Ok(())
    }

    /// One read through the TLS layer (the reactor's `read_once` for a TLS socket).
    pub(crate) fn tls_read(&mut self, id: SockId, max: usize) -> ReadOutcome {
        loop {
            let Some(sock) = self.socks.get_mut(&id) else {
                return ReadOutcome::Gone;
            };
            let (Some(os), Some(Slot::Conn(t))) = (sock.os.as_ref(), sock.tls.as_mut()) else {
                return ReadOutcome::Gone;
            };
            let handshaking = t.pending.is_some();
            match t.read(os, max) {
                TlsRead::Plain(data) => {
                    sock.counters.received(data.len());
                    let peer = sock.peer.clone();
                    return ReadOutcome::Data(Arc::from(data), peer, None);
                }
                TlsRead::Progress => {
                    if t.just_finished() {
                        self.tls_finished(id);
                    }
                }
                TlsRead::WouldBlock => return ReadOutcome::WouldBlock,
                TlsRead::Eof if handshaking => {
                    self.tls_fail(id, "the peer closed the connection during the TLS handshake (does it speak TLS, and accept our certificate?)".into());
                    return ReadOutcome::Gone;
                }
                TlsRead::Eof => return ReadOutcome::Eof,
                TlsRead::Tls(e) => {
                    self.tls_fail(id, error_words(&e));
                    return ReadOutcome::Gone;
                }
                TlsRead::Io(e) => return ReadOutcome::Error(e),
            }
        }
    }

    /// Reports a finished handshake and sends what waited for it.
    fn tls_finished(&mut self, id: SockId) {
        let Some(t) = self.socks.get_mut(&id).and_then(conn_of) else {
            return;
        };
        let cmd = t.pending.take().and_then(|p| p.cmd);
        let h = handshake_of(t);
        t.summary = Some(h.summary());
        let ev = TlsEvent::Handshake(h);
        self.hub.emit(Some(id), cmd, EventKind::Tls(Box::new(ev)));
        self.flush(id);
    }

    /// Fails the handshake (or the TLS session) of `id` and closes the connection.
    fn tls_fail(&mut self, id: SockId, why: String) {
        let Some(sock) = self.socks.get_mut(&id) else {
            return;
        };
        let cmd = conn_of(sock)
            .and_then(|t| t.pending.take())
            .and_then(|p| p.cmd);
        let mut err = refuse(why);
        err.addr = sock.peer.clone();
        self.hub.emit(Some(id), cmd, EventKind::Failed(err));
        let _ = self.close(None, id);
    }

    /// Fails a handshake whose deadline has passed.
    pub(crate) fn tls_expire(&mut self, id: SockId, now: Instant) {
        let Some(t) = self.socks.get_mut(&id).and_then(conn_of) else {
            return;
        };
        let Some(p) = t.pending.as_ref() else {
            return;
        };
        if p.deadline > now {
            return;
        }
        let why = format!(
            "the TLS handshake timed out after {:?}: the peer did not complete it (does it speak TLS?)",
            p.limit
        );
        self.tls_fail(id, why);
    }
}

/// What the finished handshake of `t` showed.
fn handshake_of(t: &TlsConn) -> Handshake {
    let c = &t.conn;
    let version = match c.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3".to_string(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2".to_string(),
        Some(v) => format!("{v:?}"),
        None => "TLS".to_string(),
    };
    let suite = c
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()).replacen("TLS13_", "TLS_", 1))
        .unwrap_or_default();
    let client = matches!(c, rustls::Connection::Client(_));
    let sni = match c {
        rustls::Connection::Server(s) => s.server_name().map(str::to_string),
        rustls::Connection::Client(_) => t.sni.clone(),
    };
    let chain = c
        .peer_certificates()
        .map(|certs| certs.iter().map(|d| cert_info(d.as_ref())).collect())
        .unwrap_or_default();
    let unverified = match &t.verdict {
        Some(v) => v
            .lock()
            .ok()
            .and_then(|g| g.clone())
            .unwrap_or_else(|| Some("the certificate was not checked".into())),
        None if t.client_auth => None,
        None => Some("no client certificate was asked for".into()),
    };
    Handshake {
        client,
        version,
        suite,
        alpn: c
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        sni,
        chain,
        unverified,
    }
}

/// The TLS connection in a socket's slot, borrowed alone (so other fields stay free).
pub(crate) fn conn_of_parts(slot: &mut Option<Slot>) -> Option<&mut TlsConn> {
    match slot.as_mut() {
        Some(Slot::Conn(c)) => Some(c),
        _ => None,
    }
}
