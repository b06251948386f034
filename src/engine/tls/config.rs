//! rustls configurations built from a `tls` command: the roots a client trusts (webpki-roots,
//! or a `ca FILE`), a verifier that records its verdict (so `insecure` still shows whether
//! the certificate would have verified), and a server's certificate, loaded or made on the spot.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ServerCertVerifierBuilder, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};

use super::describe::{cert_info, error_words};
use super::{CertInfo, ClientSpec, ServerSpec, pem};

/// The verdict of a client's certificate check: `None` until it ran, then `Some(None)` when
/// the certificate verified, `Some(Some(why))` when it did not.
pub(crate) type Verdict = Arc<Mutex<Option<Option<String>>>>;

/// The crypto provider every configuration uses (ring).
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client's configuration and the name it will ask for.
pub(crate) struct ClientSetup {
    /// The rustls configuration.
    pub config: Arc<ClientConfig>,
    /// The name sent as SNI and checked against the certificate.
    pub name: ServerName<'static>,
    /// What the verifier concluded.
    pub verdict: Verdict,
}

/// A server's configuration and the certificate it presents.
pub(crate) struct ServerSetup {
    /// The rustls configuration.
    pub config: Arc<ServerConfig>,
    /// Its certificate, as a person reads it.
    pub cert: CertInfo,
    /// Its certificate as PEM (what `save-cert` writes).
    pub cert_pem: String,
    /// True when made on the spot.
    pub self_signed: bool,
    /// True when clients must present a certificate.
    pub client_auth: bool,
}

/// Roots from a PEM file.
fn roots_from(path: &std::path::Path) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    for c in pem::certs(path)? {
        roots
            .add(c)
            .map_err(|e| format!("{} cannot be trusted as a CA: {e}", path.display()))?;
    }
    Ok(roots)
}

/// The configuration for `tls ID client …` towards `peer`.
pub(crate) fn client(spec: &ClientSpec, peer: Option<IpAddr>) -> Result<ClientSetup, String> {
    let roots = match &spec.ca {
        Some(path) => roots_from(path)?,
        None => RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    };
    let builder: ServerCertVerifierBuilder =
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider());
    let inner = builder
        .build()
        .map_err(|e| format!("no usable roots: {e}"))?;
    let verdict: Verdict = Arc::default();
    let verifier = Recording {
        inner,
        insecure: spec.insecure,
        verdict: Arc::clone(&verdict),
    };
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = spec.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    config.key_log = Arc::new(rustls::KeyLogFile::new());
    let name = match (&spec.sni, peer) {
        (Some(n), _) => ServerName::try_from(n.clone())
            .map_err(|_| format!("{n} is not a valid server name for SNI"))?,
        (None, Some(ip)) => ServerName::IpAddress(ip.into()),
        (None, None) => {
            return Err(
                "this socket has no IP peer: give the server's name with `sni NAME`".into(),
            );
        }
    };
    Ok(ClientSetup {
        config: Arc::new(config),
        name,
        verdict,
    })
}

/// The names a self-signed certificate covers: those asked for, then 127.0.0.1, ::1 and localhost.
fn self_signed_names(asked: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for n in asked
        .iter()
        .map(String::as_str)
        .chain(["localhost", "127.0.0.1", "::1"])
    {
        if !names.iter().any(|m| m == n) {
            names.push(n.to_string());
        }
    }
    names
}

/// A certificate made on the spot for `names`: its chain, key and PEM.
fn make_self_signed(
    names: &[String],
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>, String), String> {
    let key = rcgen::KeyPair::generate().map_err(|e| format!("cannot make a key: {e}"))?;
    let mut params = rcgen::CertificateParams::new(names.to_vec())
        .map_err(|e| format!("cannot make a certificate for {}: {e}", names.join(", ")))?;
    let cn = names.first().cloned().unwrap_or_else(|| "localhost".into());
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "sockscope self-signed");
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("cannot sign the certificate: {e}"))?;
    let der = cert.der().clone();
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((der, key_der, cert.pem()))
}

/// The configuration for `tls ID server …`.
pub(crate) fn server(spec: &ServerSpec) -> Result<ServerSetup, String> {
    let (chain, key, cert_pem, self_signed) = match (&spec.cert, &spec.self_signed) {
        (Some((cert, key)), None) => {
            let chain = pem::certs(cert)?;
            let key_der = pem::key(key)?;
            let text = std::fs::read_to_string(cert).unwrap_or_default();
            (chain, key_der, text, false)
        }
        (None, Some(names)) => {
            let (der, key, text) = make_self_signed(&self_signed_names(names))?;
            (vec![der], key, text, true)
        }
        (Some(_), Some(_)) => {
            return Err("give either `cert FILE key FILE` or `self-signed`, not both".into());
        }
        (None, None) => {
            return Err("a server needs `cert FILE key FILE` or `self-signed [NAME…]`".into());
        }
    };
    let cert = cert_info(chain[0].as_ref());
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = match &spec.client_auth {
        Some(ca) => {
            let roots = Arc::new(roots_from(ca)?);
            let v = WebPkiClientVerifier::builder_with_provider(roots, provider())
                .build()
                .map_err(|e| format!("cannot check client certificates: {e}"))?;
            builder.with_client_cert_verifier(v)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => match &spec.cert {
            Some((c, k)) => format!(
                "the key in {} does not match the certificate in {}",
                k.display(),
                c.display()
            ),
            None => "the key does not match the certificate".into(),
        },
        e => format!("the certificate or key cannot be used: {}", error_words(&e)),
    })?;
    config.alpn_protocols = spec.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    config.key_log = Arc::new(rustls::KeyLogFile::new());
    Ok(ServerSetup {
        config: Arc::new(config),
        cert,
        cert_pem,
        self_signed,
        client_auth: spec.client_auth.is_some(),
    })
}

/// The webpki verifier, recording its verdict and, with `insecure`, accepting any certificate.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    insecure: bool,
    verdict: Verdict,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let why = result.as_ref().err().map(error_words);
        if let Ok(mut v) = self.verdict.lock() {
            *v = Some(why);
        }
        match result {
            Err(_) if self.insecure => Ok(ServerCertVerified::assertion()),
            r => r,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
