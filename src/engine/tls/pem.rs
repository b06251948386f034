//! Reading certificates and private keys from PEM files, with errors that name the file
//! and say what was wrong with it.

use std::path::Path;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Reads a file whole; the error names it.
fn read(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        format!("cannot read the {what} file {}: {why}", path.display())
    })
}

/// Every certificate in a PEM file (at least one).
pub(crate) fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = read(path, "certificate")?;
    let mut out = Vec::new();
    for item in CertificateDer::pem_slice_iter(&bytes) {
        match item {
            Ok(c) => out.push(c),
            Err(e) => {
                return Err(format!(
                    "the certificate file {} is not valid PEM: {e}",
                    path.display()
                ));
            }
        }
    }
    if out.is_empty() {
        return Err(format!(
            "the certificate file {} holds no certificate (no -----BEGIN CERTIFICATE----- block)",
            path.display()
        ));
    }
    // A block that is PEM but not DER inside is caught here rather than at the handshake.
    for c in &out {
        if x509_parser::parse_x509_certificate(c.as_ref()).is_err() {
            return Err(format!(
                "the certificate file {} holds a block that is not an X.509 certificate",
                path.display()
            ));
        }
    }
    Ok(out)
}

/// The private key in a PEM file (PKCS#8, PKCS#1 or SEC1).
pub(crate) fn key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    let bytes = read(path, "key")?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => format!(
            "the key file {} holds no private key (no -----BEGIN PRIVATE KEY----- block)",
            path.display()
        ),
        e => format!("the key file {} is not valid PEM: {e}", path.display()),
    })
}
