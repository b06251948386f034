//! What the app knows of a socket's TLS, folded from its `tls` events: the certificate a
//! listener serves, and the handshake of a connection (for the socket header).

use crate::engine::tls::{CertInfo, Handshake, TlsEvent};

/// A socket's TLS, as its events told it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsView {
    /// A listener's certificate, and whether it was made on the spot.
    pub serving: Option<(CertInfo, bool)>,
    /// A handshake is under way (started, not yet finished).
    pub handshaking: bool,
    /// The finished handshake.
    pub handshake: Option<Handshake>,
}

impl TlsView {
    /// Learns what one `tls` event says.
    pub fn fold(&mut self, ev: &TlsEvent) {
        match ev {
            TlsEvent::Serving { cert, self_signed } => {
                self.serving = Some((cert.clone(), *self_signed));
            }
            TlsEvent::Started { .. } => self.handshaking = true,
            TlsEvent::Handshake(h) => {
                self.handshaking = false;
                self.handshake = Some(h.clone());
            }
            TlsEvent::CertSaved(_) => {}
        }
    }

    /// The certificate chain as text: one block per certificate.
    pub fn chain_text(h: &Handshake) -> String {
        let mut out = String::new();
        for (i, c) in h.chain.iter().enumerate() {
            out.push_str(&format!(
                "#{i} subject {}\n   issuer {}\n   valid {} to {}\n   SANs {}\n   SHA-256 {}\n",
                c.subject,
                c.issuer,
                c.not_before,
                c.not_after,
                c.sans.join(", "),
                c.sha256
            ));
        }
        if out.is_empty() {
            out.push_str("the peer sent no certificate\n");
        }
        match &h.unverified {
            None => out.push_str("verified"),
            Some(why) => out.push_str(&format!("NOT verified: {why}")),
        }
        out
    }
}
