//! TLS as a layer on a TCP socket: what a `tls` command asks for, what a handshake showed,
//! and the per-socket layer (a rustls connection) that wraps the bytes the reactor reads
//! and writes. Certificates are verified against `webpki-roots` (Mozilla's roots, compiled
//! in) unless a `ca FILE` is given; `self-signed` makes one with `rcgen`.

pub(crate) mod config;
pub(crate) mod describe;
pub(crate) mod hooks;
pub(crate) mod layer;
pub(crate) mod pem;

use std::path::PathBuf;
use std::time::Duration;

/// How long a handshake may take when the command names no `timeout`.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a `tls ID client …` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ClientSpec {
    /// The server name sent (SNI) and checked against the certificate; default: the
    /// host the socket connected to, when it is a name.
    pub sni: Option<String>,
    /// ALPN protocols offered, in order of preference.
    pub alpn: Vec<String>,
    /// A PEM file of the certificates to trust instead of the built-in roots.
    pub ca: Option<PathBuf>,
    /// Accept any certificate (it is still shown, and whether it would have verified).
    pub insecure: bool,
    /// The handshake's time limit (default [`DEFAULT_HANDSHAKE_TIMEOUT`]).
    pub timeout: Option<Duration>,
}

/// What a `tls ID server …` asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ServerSpec {
    /// A PEM certificate chain and its private key.
    pub cert: Option<(PathBuf, PathBuf)>,
    /// Make a self-signed certificate for these names (and 127.0.0.1, ::1, localhost).
    pub self_signed: Option<Vec<String>>,
    /// ALPN protocols accepted, in order of preference.
    pub alpn: Vec<String>,
    /// Ask every client for a certificate issued by one in this PEM file.
    pub client_auth: Option<PathBuf>,
    /// The handshake's time limit (default [`DEFAULT_HANDSHAKE_TIMEOUT`]).
    pub timeout: Option<Duration>,
}

/// Which side of the handshake a socket plays.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TlsSpec {
    /// The client: it sends the ClientHello.
    Client(ClientSpec),
    /// The server (on a listener: for every connection it accepts).
    Server(ServerSpec),
}

/// One certificate of a chain, as a person reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertInfo {
    /// The subject's distinguished name.
    pub subject: String,
    /// The issuer's distinguished name.
    pub issuer: String,
    /// Valid from (RFC 3339, UTC).
    pub not_before: String,
    /// Valid until (RFC 3339, UTC).
    pub not_after: String,
    /// SHA-256 of the DER bytes, as colon-separated hex.
    pub sha256: String,
    /// The subject alternative names (DNS names and IP addresses).
    pub sans: Vec<String>,
}

/// What a finished handshake showed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Handshake {
    /// True when this socket was the client.
    pub client: bool,
    /// `TLS 1.3` or `TLS 1.2`.
    pub version: String,
    /// The negotiated cipher suite (`TLS_AES_128_GCM_SHA256`).
    pub suite: String,
    /// The protocol ALPN chose, if any.
    pub alpn: Option<String>,
    /// The server name the client sent.
    pub sni: Option<String>,
    /// The peer's certificate chain, its own first (empty when it sent none).
    pub chain: Vec<CertInfo>,
    /// `None` when the peer's certificate verified; else why it would not have (a client
    /// with `insecure` goes on anyway), or that none was asked for.
    pub unverified: Option<String>,
}

impl Handshake {
    /// The one-line summary the socket header and `status` show:
    /// `TLS 1.3 · TLS_AES_128_GCM_SHA256 · h2`.
    pub fn summary(&self) -> String {
        let mut s = format!("{} · {}", self.version, self.suite);
        if let Some(p) = &self.alpn {
            s.push_str(" · ");
            s.push_str(p);
        }
        s
    }
}

/// What a `tls` command did, as the event that answers it (or that a handshake raised).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TlsEvent {
    /// A listener will make every connection it accepts do a server handshake.
    Serving {
        /// The certificate it presents.
        cert: CertInfo,
        /// True when it was made on the spot (`self-signed`).
        self_signed: bool,
    },
    /// A handshake started on a connection.
    Started {
        /// True for the client side.
        client: bool,
    },
    /// A handshake finished.
    Handshake(Handshake),
    /// `save-cert` wrote the certificate to this file.
    CertSaved(PathBuf),
}

impl TlsEvent {
    /// One line for logs and the console.
    pub fn describe(&self) -> String {
        match self {
            TlsEvent::Serving { cert, self_signed } => format!(
                "tls server ready: {} certificate {} ({})",
                if *self_signed {
                    "self-signed"
                } else {
                    "loaded"
                },
                cert.subject,
                cert.sans.join(", ")
            ),
            TlsEvent::Started { client } => format!(
                "tls handshake started as {}",
                if *client { "client" } else { "server" }
            ),
            TlsEvent::Handshake(h) => {
                let mut s = format!("tls handshake {}", h.summary());
                if let Some(n) = &h.sni {
                    s.push_str(&format!(" · sni {n}"));
                }
                if let Some(c) = h.chain.first() {
                    s.push_str(&format!(" · peer {} (sha256 {})", c.subject, c.sha256));
                }
                match &h.unverified {
                    None => s.push_str(" · verified"),
                    Some(why) => s.push_str(&format!(" · NOT verified: {why}")),
                }
                s
            }
            TlsEvent::CertSaved(p) => format!("tls certificate saved to {}", p.display()),
        }
    }
}
