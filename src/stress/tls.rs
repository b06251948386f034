//! The stress test over TLS: one rustls client configuration for every client, built by the
//! engine's own builder (`engine/tls/config.rs`: the roots, `ca FILE`, `insecure`, the SNI
//! name), and a full handshake after each connect, finished before the first request's
//! clock starts, so that a latency counts the request and not the handshake.
//!
//! The configuration keeps rustls' session cache, so the reconnections of `connect
//! per-request` resume their TLS 1.3 sessions, as a real client's would.

use std::io::{self, Write};
use std::net::TcpStream;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use super::config::StressConfig;

/// A TLS connection of a stress client.
pub(super) type TlsStream = StreamOwned<ClientConnection, TcpStream>;

/// What every client of a test shares: the configuration and the name it asks for.
pub(super) struct TlsClient {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl TlsClient {
    /// The client side of `cfg` (its `sni`, `ca`, `insecure`); the reason when it cannot be
    /// built (an unreadable CA file, a bad server name).
    pub(super) fn new(cfg: &StressConfig) -> Result<TlsClient, String> {
        let setup = crate::engine::tls::config::client(&cfg.tls, Some(cfg.addr.ip()))?;
        Ok(TlsClient {
            config: setup.config,
            name: setup.name,
        })
    }

    /// Does the handshake over `tcp` (its timeouts apply) and flushes the client's last
    /// flight; any error is the handshake's (refused certificate, reset, silence).
    pub(super) fn handshake(&self, mut tcp: TcpStream) -> io::Result<TlsStream> {
        let mut conn = ClientConnection::new(Arc::clone(&self.config), self.name.clone())
            .map_err(io::Error::other)?;
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp)?;
        }
        while conn.wants_write() {
            conn.write_tls(&mut tcp)?;
        }
        tcp.flush()?;
        Ok(StreamOwned::new(conn, tcp))
    }
}
