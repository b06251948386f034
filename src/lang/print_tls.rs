//! The printer, continued: `tls` commands in the form the parser reads back.

use std::fmt;
use std::path::Path;

use crate::engine::SockRef;
use crate::engine::tls::TlsSpec;

use super::duration::duration_text;

/// A path as one word: bare, or quoted when it has blanks or quotes.
pub(super) fn path_word(p: &Path) -> String {
    let text = p.to_string_lossy();
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c == '"') {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        text.into_owned()
    }
}

/// `tls ID client …` or `tls ID server …`.
pub(super) fn write_tls(f: &mut fmt::Formatter<'_>, sock: &SockRef, spec: &TlsSpec) -> fmt::Result {
    write!(f, "tls {sock}")?;
    let (alpn, timeout) = match spec {
        TlsSpec::Client(c) => {
            f.write_str(" client")?;
            if let Some(n) = &c.sni {
                write!(f, " sni {n}")?;
            }
            if let Some(ca) = &c.ca {
                write!(f, " ca {}", path_word(ca))?;
            }
            if c.insecure {
                f.write_str(" insecure")?;
            }
            (&c.alpn, c.timeout)
        }
        TlsSpec::Server(s) => {
            f.write_str(" server")?;
            if let Some((cert, key)) = &s.cert {
                write!(f, " cert {} key {}", path_word(cert), path_word(key))?;
            }
            if let Some(names) = &s.self_signed {
                f.write_str(" self-signed")?;
                for n in names {
                    write!(f, " {n}")?;
                }
            }
            if let Some(ca) = &s.client_auth {
                write!(f, " client-auth ca {}", path_word(ca))?;
            }
            (&s.alpn, s.timeout)
        }
    };
    if !alpn.is_empty() {
        write!(f, " alpn {}", alpn.join(","))?;
    }
    if let Some(d) = timeout {
        write!(f, " timeout {}", duration_text(d))?;
    }
    Ok(())
}
