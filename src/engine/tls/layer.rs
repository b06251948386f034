//! The per-socket TLS layer: a rustls connection between the socket and the engine's reads
//! and writes. What the engine reads from it is plaintext; what it writes into it is
//! encrypted and written to the socket as the socket takes it.

use std::io::{ErrorKind, IoSlice, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use socket2::Socket;

use super::config::{ServerSetup, Verdict};
use crate::engine::event::CmdId;

/// Plaintext taken into the layer per write, at most (one TLS record's worth, four times).
const PLAIN_CHUNK: usize = 64 * 1024;

/// What a socket's TLS slot holds.
pub(crate) enum Slot {
    /// A listener: every connection it accepts does a server handshake with this.
    Listener(Box<Listen>),
    /// A connection speaking TLS (or doing its handshake).
    Conn(Box<TlsConn>),
}

/// A listener's TLS settings.
pub(crate) struct Listen {
    /// The server configuration and its certificate.
    pub setup: ServerSetup,
    /// Each accepted connection's handshake time limit.
    pub timeout: Duration,
}

/// A handshake under way: the command it answers, and its deadline.
pub(crate) struct Pending {
    /// The `tls` command that started it (`None` for a connection a TLS listener accepted).
    pub cmd: Option<CmdId>,
    /// When it times out.
    pub deadline: Instant,
    /// The time limit, for the message.
    pub limit: Duration,
}

/// One connection's TLS state.
pub(crate) struct TlsConn {
    /// The rustls connection.
    pub conn: rustls::Connection,
    /// `Some` until the handshake finished.
    pub pending: Option<Pending>,
    /// A client's certificate verdict.
    pub verdict: Option<Verdict>,
    /// A server's certificate (for `save-cert` on the connection), as PEM.
    pub cert_pem: Option<String>,
    /// A server that asked clients for a certificate.
    pub client_auth: bool,
    /// The handshake's one-line summary, once done (for `status` and the app).
    pub summary: Option<String>,
    /// The server name a client sent.
    pub sni: Option<String>,
    /// A socket error met while plaintext was still to be handed out: reported next read.
    deferred: Option<std::io::Error>,
}

/// The socket as rustls reads and writes it (no SIGPIPE on a closed peer).
struct Wire<'a>(&'a Socket);

impl Read for Wire<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut s: &Socket = self.0;
        s.read(buf)
    }
}

impl Write for Wire<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.send_with_flags(buf, libc::MSG_NOSIGNAL)
    }

    /// rustls hands every queued record at once: one `sendmsg` for all of them.
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> std::io::Result<usize> {
        self.0.send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What one read of the layer gave.
pub(crate) enum TlsRead {
    /// Plaintext.
    Plain(Vec<u8>),
    /// Records were taken in but no plaintext came out yet (handshake messages); read again.
    Progress,
    /// The socket has nothing more now.
    WouldBlock,
    /// The peer closed (with close_notify, or by closing TCP).
    Eof,
    /// A TLS error: the connection cannot go on.
    Tls(rustls::Error),
    /// A socket error.
    Io(std::io::Error),
}

impl TlsConn {
    /// A layer around a fresh rustls connection whose handshake answers `cmd`.
    pub fn new(conn: rustls::Connection, cmd: Option<CmdId>, limit: Duration) -> TlsConn {
        TlsConn {
            conn,
            pending: Some(Pending {
                cmd,
                deadline: Instant::now() + limit,
                limit,
            }),
            verdict: None,
            cert_pem: None,
            client_auth: false,
            summary: None,
            sni: None,
            deferred: None,
        }
    }

    /// A server connection for one accepted by a TLS listener.
    pub fn accepted(l: &Listen) -> Result<TlsConn, rustls::Error> {
        let conn = rustls::ServerConnection::new(Arc::clone(&l.setup.config))?;
        let mut t = TlsConn::new(conn.into(), None, l.timeout);
        t.cert_pem = Some(l.setup.cert_pem.clone());
        t.client_auth = l.setup.client_auth;
        Ok(t)
    }

    /// Writes what TLS has to send until the socket would block (`Err(WouldBlock)`).
    pub fn write_out(&mut self, os: &Socket) -> std::io::Result<()> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut Wire(os)) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Takes up to `max` bytes of plaintext from the caller: encrypts them and writes what
    /// the socket takes. `Err(WouldBlock)` when earlier records still wait for the socket.
    pub fn send_plain(&mut self, os: &Socket, data: &[u8]) -> std::io::Result<usize> {
        self.write_out(os)?;
        let n = self
            .conn
            .writer()
            .write(&data[..data.len().min(PLAIN_CHUNK)])?;
        if n == 0 && !data.is_empty() {
            // Before the handshake is done, rustls buffers a bounded amount of plaintext.
            return Err(ErrorKind::WouldBlock.into());
        }
        match self.write_out(os) {
            Err(e) if e.kind() != ErrorKind::WouldBlock => Err(e),
            _ => Ok(n),
        }
    }

    /// Reads plaintext (at most `max` bytes), taking records in from the socket until that
    /// much plaintext came out or the socket has nothing more, so that one read hands out
    /// many records' worth (rustls holds 16 KiB of plaintext at most: it is moved out as it
    /// comes). `Progress` when the handshake has just finished (to be reported).
    pub fn read(&mut self, os: &Socket, max: usize) -> TlsRead {
        let max = max.clamp(1, 1 << 20);
        if let Some(e) = self.deferred.take() {
            return TlsRead::Io(e);
        }
        let mut out: Vec<u8> = Vec::new();
        let (mut dry, mut eof) = (false, false);
        let closed = loop {
            let state = match self.conn.process_new_packets() {
                Ok(s) => s,
                Err(e) => return self.failed(os, e),
            };
            if self.just_finished() {
                // Reported before the data that came with the peer's last flight.
                break false;
            }
            let take = state.plaintext_bytes_to_read().min(max - out.len());
            if take > 0 {
                let old = out.len();
                out.resize(old + take, 0);
                match self.conn.reader().read(&mut out[old..]) {
                    Ok(n) => out.truncate(old + n),
                    Err(e) => return TlsRead::Io(e),
                }
            }
            let closed = state.peer_has_closed() || eof;
            if out.len() >= max || closed || dry || self.deferred.is_some() {
                break closed;
            }
            match self.conn.read_tls(&mut Wire(os)) {
                Ok(0) => eof = true,
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => dry = true,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if !out.is_empty() => self.deferred = Some(e),
                Err(e) => return TlsRead::Io(e),
            }
        };
        if let Err(e) = self.write_out(os)
            && e.kind() != ErrorKind::WouldBlock
        {
            return TlsRead::Io(e);
        }
        if self.just_finished() {
            TlsRead::Progress
        } else if !out.is_empty() {
            TlsRead::Plain(out)
        } else if closed {
            TlsRead::Eof
        } else if dry {
            TlsRead::WouldBlock
        } else {
            TlsRead::Progress
        }
    }

    /// A TLS error: the alert that tells the peer why is sent, and the error returned.
    fn failed(&mut self, os: &Socket, e: rustls::Error) -> TlsRead {
        let _ = self.write_out(os);
        TlsRead::Tls(e)
    }

    /// True once the handshake is complete and not yet reported.
    pub fn just_finished(&self) -> bool {
        self.pending.is_some() && !self.conn.is_handshaking()
    }
}
