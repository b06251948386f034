//! The parser, continued: `tls` (issue 16).
//!
//! Forms:
//! - `tls ID client [sni NAME] [alpn P1,P2] [ca FILE] [insecure] [timeout DURATION]`
//! - `tls ID server [cert FILE key FILE] [self-signed [NAME…]] [alpn P1,P2]
//!   [client-auth ca FILE] [timeout DURATION]`
//! - `tls ID save-cert FILE`
//!
//! A FILE is a bare word or a quoted one (`"my certs/a.pem"`, `\"` and `\\` escaped).

use std::path::PathBuf;

use crate::engine::Command;
use crate::engine::tls::{ClientSpec, ServerSpec, TlsSpec};

use super::Parser;
use crate::lang::error::ParseError;
use crate::lang::lexer::Token;

const SIDES: &str = "`client`, `server` or `save-cert FILE`";
const CLIENT_OPTS: &str =
    "`sni NAME`, `alpn P1,P2`, `ca FILE`, `insecure`, `timeout DURATION` or end of line";
const SERVER_OPTS: &str = "`cert FILE key FILE`, `self-signed [NAME…]`, `alpn P1,P2`, `client-auth ca FILE`, `timeout DURATION` or end of line";
/// The words that end a `self-signed` list of names.
const SERVER_WORDS: [&str; 4] = ["cert", "alpn", "client-auth", "timeout"];

impl<'a> Parser<'a> {
    /// `tls ID …`.
    pub(super) fn tls(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        let t = self.need(SIDES)?;
        let spec = match t.text {
            "client" => TlsSpec::Client(self.tls_client()?),
            "server" => TlsSpec::Server(self.tls_server()?),
            "save-cert" => {
                let path = self.file("a file to write the certificate to")?;
                self.end()?;
                return Ok(Command::TlsSaveCert { sock, path });
            }
            _ => return Err(self.unexpected(&t, SIDES)),
        };
        Ok(Command::Tls { sock, spec })
    }

    fn tls_client(&mut self) -> Result<ClientSpec, ParseError> {
        let mut c = ClientSpec::default();
        while let Some(t) = self.next()? {
            match t.text {
                "sni" => c.sni = Some(self.need("a server name after `sni`")?.text.to_string()),
                "alpn" => c.alpn = self.alpn()?,
                "ca" => c.ca = Some(self.file("a PEM file of CA certificates")?),
                "insecure" => c.insecure = true,
                "timeout" => c.timeout = Some(self.limit()?),
                _ => return Err(self.unexpected(&t, CLIENT_OPTS)),
            }
        }
        Ok(c)
    }

    fn tls_server(&mut self) -> Result<ServerSpec, ParseError> {
        let mut s = ServerSpec::default();
        let mut next = self.next()?;
        while let Some(t) = next.take() {
            match t.text {
                "cert" => {
                    let cert = self.file("a PEM certificate file")?;
                    let k = self.need("`key FILE` after the certificate")?;
                    if k.text != "key" {
                        return Err(self.unexpected(&k, "`key FILE` after the certificate"));
                    }
                    s.cert = Some((cert, self.file("a PEM private key file")?));
                }
                "self-signed" => {
                    let mut names = Vec::new();
                    loop {
                        match self.next()? {
                            Some(n) if !SERVER_WORDS.contains(&n.text) => {
                                names.push(n.text.to_string())
                            }
                            other => {
                                next = other;
                                break;
                            }
                        }
                    }
                    s.self_signed = Some(names);
                    continue;
                }
                "alpn" => s.alpn = self.alpn()?,
                "client-auth" => {
                    let k = self.need("`ca FILE` after `client-auth`")?;
                    if k.text != "ca" {
                        return Err(self.unexpected(&k, "`ca FILE` after `client-auth`"));
                    }
                    s.client_auth = Some(self.file("a PEM file of CA certificates")?);
                }
                "timeout" => s.timeout = Some(self.limit()?),
                _ => return Err(self.unexpected(&t, SERVER_OPTS)),
            }
            next = self.next()?;
        }
        if s.cert.is_none() && s.self_signed.is_none() {
            return Err(self.src.at_end(
                "`cert FILE key FILE` or `self-signed [NAME…]` (a server needs a certificate)",
            ));
        }
        Ok(s)
    }

    /// The handshake's time limit after `timeout`.
    fn limit(&mut self) -> Result<std::time::Duration, ParseError> {
        self.duration("a handshake time limit (5s, 500ms)")
    }

    /// `P1,P2`: ALPN protocol names.
    fn alpn(&mut self) -> Result<Vec<String>, ParseError> {
        let t = self.need("ALPN protocols (h2,http/1.1)")?;
        let list: Vec<String> = t.text.split(',').map(str::to_string).collect();
        if list.iter().any(String::is_empty) {
            return Err(self.unexpected(&t, "ALPN protocols separated by commas (h2,http/1.1)"));
        }
        Ok(list)
    }

    /// A path: a bare word, or a quoted one.
    fn file(&mut self, expected: &str) -> Result<PathBuf, ParseError> {
        let t = self.need(expected)?;
        Ok(path_of(&t))
    }
}

fn path_of(t: &Token<'_>) -> PathBuf {
    match t.quoted {
        Some(q) if t.prefix.is_empty() => {
            PathBuf::from(q.body.replace("\\\"", "\"").replace("\\\\", "\\"))
        }
        _ => PathBuf::from(t.text),
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::tls::{ClientSpec, ServerSpec, TlsSpec};
    use crate::engine::{Command, SockId, SockRef};
    use crate::lang::parse_line;
    use crate::lang::test_lines::cmd;
    use std::time::Duration;

    /// Every form parses to what it says and prints back to the same text.
    #[test]
    fn tls_forms_parse_and_print_back() {
        let c = cmd(
            "tls s1 client sni example.com ca \"my ca.pem\" insecure alpn h2,http/1.1 timeout 5s",
        );
        let want = Command::Tls {
            sock: SockRef::Id(SockId(1)),
            spec: TlsSpec::Client(ClientSpec {
                sni: Some("example.com".into()),
                alpn: vec!["h2".into(), "http/1.1".into()],
                ca: Some("my ca.pem".into()),
                insecure: true,
                timeout: Some(Duration::from_secs(5)),
            }),
        };
        assert_eq!(c, want);
        assert_eq!(cmd(&c.to_string()), want);
        let s = cmd("tls srv server self-signed a.test b.test alpn h2 client-auth ca ca.pem");
        let want = Command::Tls {
            sock: SockRef::Name("srv".into()),
            spec: TlsSpec::Server(ServerSpec {
                self_signed: Some(vec!["a.test".into(), "b.test".into()]),
                alpn: vec!["h2".into()],
                client_auth: Some("ca.pem".into()),
                ..ServerSpec::default()
            }),
        };
        assert_eq!(s, want);
        assert_eq!(cmd(&s.to_string()), want);
        let k = cmd("tls s2 server cert c.pem key k.pem");
        assert_eq!(cmd(&k.to_string()), k);
        let save = cmd("tls s2 save-cert /tmp/cert.pem");
        assert_eq!(save.to_string(), "tls s2 save-cert /tmp/cert.pem");
    }

    /// A server without a certificate, a bad option and a missing key are errors that say so.
    #[test]
    fn tls_mistakes_are_explained() {
        let err = |l: &str| match parse_line(l) {
            Err(e) => e.to_string(),
            Ok(x) => panic!("{l} parsed: {x:?}"),
        };
        assert!(err("tls s1 server").contains("a server needs a certificate"));
        assert!(err("tls s1 client bogus").contains("sni NAME"));
        assert!(err("tls s1 server cert c.pem").contains("key FILE"));
        assert!(err("tls s1 sideways").contains("client"));
    }
}
