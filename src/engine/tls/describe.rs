//! Handshakes and certificates in plain words: a certificate's subject, issuer, validity,
//! fingerprint and names, and why a handshake failed (with the alert the peer sent).

use rustls::{AlertDescription, CertificateError, Error, InvalidMessage, PeerIncompatible};
use x509_parser::extensions::GeneralName;

use super::CertInfo;

/// SHA-256 of `der` as colon-separated upper-case hex (as browsers and openssl show it).
pub(crate) fn fingerprint(der: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    let hex: Vec<String> = d.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    hex.join(":")
}

/// What a DER certificate says, or a placeholder naming its fingerprint when it does not parse.
pub(crate) fn cert_info(der: &[u8]) -> CertInfo {
    let sha256 = fingerprint(der);
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return CertInfo {
            subject: "(a certificate that does not parse)".into(),
            issuer: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            sha256,
            sans: Vec::new(),
        };
    };
    let time = |t: &x509_parser::time::ASN1Time| {
        chrono::DateTime::from_timestamp(t.timestamp(), 0).map_or_else(
            || t.to_string(),
            |d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        )
    };
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(n) => sans.push((*n).to_string()),
                GeneralName::IPAddress(b) => sans.push(ip_text(b)),
                other => sans.push(other.to_string()),
            }
        }
    }
    CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_before: time(&cert.validity().not_before),
        not_after: time(&cert.validity().not_after),
        sha256,
        sans,
    }
}

fn ip_text(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => format!("{b:02x?}"),
    }
}

/// Why a handshake (or a TLS record) failed, in words a person understands.
pub(crate) fn error_words(e: &Error) -> String {
    match e {
        Error::InvalidCertificate(c) => format!("the peer's certificate {}", cert_words(c)),
        Error::AlertReceived(a) => format!("the peer sent the alert {a:?}: {}", alert_words(*a)),
        Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon) => {
            "no shared cipher suite: the peer offers none that sockscope speaks".into()
        }
        Error::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13)
        | Error::PeerIncompatible(PeerIncompatible::SupportedVersionsExtensionRequired) => {
            "no shared protocol version: the peer speaks neither TLS 1.2 nor TLS 1.3".into()
        }
        Error::PeerIncompatible(p) => format!("the peer is incompatible: {p:?}"),
        Error::InvalidMessage(InvalidMessage::InvalidContentType)
        | Error::InvalidMessage(InvalidMessage::UnknownProtocolVersion) => {
            "the peer does not speak TLS: what it sent is not a TLS record (a plaintext peer?)"
                .into()
        }
        Error::InvalidMessage(m) => format!("the peer sent a malformed TLS message ({m:?})"),
        Error::NoApplicationProtocol => {
            "no shared ALPN protocol: the peer offered none of those asked for".into()
        }
        Error::InconsistentKeys(_) => "the private key does not match the certificate".into(),
        other => other.to_string(),
    }
}

fn cert_words(c: &CertificateError) -> String {
    match c {
        CertificateError::UnknownIssuer => {
            "has an unknown issuer: no trusted CA signed it (trust it with `ca FILE`, or `insecure`)"
                .into()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!("does not match the name asked for (name mismatch): {c}")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            format!("has expired: {c}")
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            format!("is not valid yet: {c}")
        }
        CertificateError::BadSignature => "has a bad signature".into(),
        CertificateError::Revoked => "is revoked".into(),
        other => format!("is not acceptable: {other}"),
    }
}

fn alert_words(a: AlertDescription) -> &'static str {
    match a {
        AlertDescription::UnknownCA => "it does not trust our certificate (unknown CA)",
        AlertDescription::BadCertificate => "it rejected our certificate",
        AlertDescription::CertificateExpired => "it says our certificate has expired",
        AlertDescription::CertificateRequired => "it requires a client certificate",
        AlertDescription::HandshakeFailure => {
            "the handshake failed on its side (often: no shared cipher suite or version)"
        }
        AlertDescription::ProtocolVersion => "no shared protocol version",
        AlertDescription::NoApplicationProtocol => "no shared ALPN protocol",
        AlertDescription::UnrecognisedName => "it does not serve the name we asked for (SNI)",
        AlertDescription::DecodeError | AlertDescription::DecryptError => {
            "it could not decode what we sent"
        }
        _ => "see RFC 8446 §6 for its meaning",
    }
}
