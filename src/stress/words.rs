//! The stress statement's words: `stress ADDR clients N (pingpong PAYLOAD [expect PAYLOAD]
//! | throughput SIZE) [for DURATION | count K] [rate R/s] [connect per-request|once]
//! [tcp|udp|tls] [sni NAME] [ca FILE] [insecure] [report FILE]` (everything after
//! `stress`). One parser for both users: `sockscope stress` hands it its arguments, and
//! the language's `stress` statement (`src/lang/parse_stress.rs`) the words of its line,
//! so the two can never disagree.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use super::config::{Connect, Limit, Mode, StressConfig, Transport};
use crate::engine::{Addr, AddrSpec, SockRef};

/// What the words after ADDR may be.
pub const OPTIONS: &str = "`clients N`, `pingpong PAYLOAD`, `expect PAYLOAD`, `throughput SIZE`, `for DURATION`, `count K`, `rate R/s`, `connect per-request|once`, `tcp`, `udp`, `tls`, `sni NAME`, `ca FILE`, `insecure` or `report FILE`";

/// The forms of a stress test's server.
pub const TARGET_FORMS: &str = "a server's address (127.0.0.1:7, [::1]:7, localhost:7, $srv)";

/// Why the words make no test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordError {
    /// The word at this index (of the words after ADDR) is not what was expected there.
    Word(usize, String),
    /// The words ended where this was expected.
    End(String),
    /// Every word is in place, but the test cannot run (no clients, an empty payload, …).
    Test(String),
}

impl WordError {
    /// The error as `sockscope stress` says it, `words` being the words after ADDR.
    pub fn text(&self, words: &[&str]) -> String {
        match self {
            WordError::Word(i, want) => format!(
                "stress: expected {want}, found {:?}",
                words.get(*i).copied().unwrap_or_default()
            ),
            WordError::End(want) => format!("stress: expected {want} after the last word"),
            WordError::Test(why) => format!("stress: {why}"),
        }
    }
}

/// The test the words after ADDR describe, against `addr`, and the file its report goes to
/// (`report FILE`). A test with neither `for` nor `count` lasts 10 s.
pub fn parse_options<A>(
    addr: A,
    words: &[&str],
) -> Result<(StressConfig<A>, Option<PathBuf>), WordError> {
    let mut cfg = StressConfig::pingpong(addr, 1, b"ping", Limit::For(Duration::from_secs(10)));
    let mut report = None;
    let mut mode_given = false;
    let mut i = 0;
    while let Some(&w) = words.get(i) {
        let at = i;
        let mut value = |what: &str| {
            i += 1;
            words
                .get(i)
                .copied()
                .ok_or_else(|| WordError::End(format!("{what} after `{w}`")))
        };
        match w {
            "clients" => cfg.clients = number(value("a number")?, i)? as usize,
            "pingpong" => {
                let payload = payload(value("a payload")?, i)?;
                cfg.mode = Mode::PingPong {
                    payload,
                    expect: None,
                };
                mode_given = true;
            }
            "expect" => {
                let want = payload(value("a payload")?, i)?;
                match &mut cfg.mode {
                    Mode::PingPong { expect, .. } if mode_given => *expect = Some(want),
                    _ => {
                        return Err(WordError::Word(
                            at,
                            "`pingpong PAYLOAD` before `expect`".into(),
                        ));
                    }
                }
            }
            "throughput" => {
                let size = number(value("a size in bytes")?, i)?;
                cfg.mode = Mode::Throughput {
                    size: usize::try_from(size).unwrap_or(usize::MAX),
                };
                mode_given = true;
            }
            "for" => {
                let d = value("a duration (10s, 500ms)")?;
                let d = crate::lang::parse_duration(d)
                    .map_err(|_| WordError::Word(i, "a duration (10s, 500ms)".into()))?;
                cfg.limit = Limit::For(d);
            }
            "count" => cfg.limit = Limit::Count(number(value("a number")?, i)?),
            "rate" => {
                let r = value("a rate (N/s)")?;
                cfg.rate = Some(number(r.strip_suffix("/s").unwrap_or(r), i)?);
            }
            "connect" => {
                cfg.connect = match value("`per-request` or `once`")? {
                    "per-request" => Connect::PerRequest,
                    "once" => Connect::Once,
                    _ => return Err(WordError::Word(i, "`per-request` or `once`".into())),
                }
            }
            "tcp" => cfg.transport = Transport::Tcp,
            "udp" => cfg.transport = Transport::Udp,
            "tls" => cfg.transport = Transport::Tls,
            "sni" => cfg.tls.sni = Some(value("a server name")?.to_string()),
            "ca" => cfg.tls.ca = Some(path(value("a PEM file of CA certificates")?)),
            "insecure" => cfg.tls.insecure = true,
            "report" => report = Some(path(value("a report file (.csv or .json)")?)),
            _ => return Err(WordError::Word(at, OPTIONS.into())),
        }
        i += 1;
    }
    complete(cfg, report, mode_given)
}

/// The checks once every word is read: a mode was given, the report's extension, and
/// whether the test can run.
fn complete<A>(
    cfg: StressConfig<A>,
    report: Option<PathBuf>,
    mode_given: bool,
) -> Result<(StressConfig<A>, Option<PathBuf>), WordError> {
    if !mode_given {
        return Err(WordError::End(
            "`pingpong PAYLOAD` or `throughput SIZE`".into(),
        ));
    }
    if let Some(p) = &report
        && !matches!(p.extension().and_then(|e| e.to_str()), Some("csv" | "json"))
    {
        return Err(WordError::Test(format!(
            "report {}: a report is .csv or .json",
            p.display()
        )));
    }
    cfg.check().map_err(WordError::Test)?;
    Ok((cfg, report))
}

/// `sockscope stress`'s words (ADDR first): the test and its `report FILE`, or the error
/// in plain words.
pub fn parse_cli(words: &[String]) -> Result<(StressConfig, Option<PathBuf>), String> {
    let (addr, rest) = words
        .split_first()
        .ok_or("stress: expected ADDR (host:port)")?;
    let spec = crate::lang::parse_addr_word(addr)
        .ok()
        .filter(is_target)
        .ok_or_else(|| format!("stress: {addr:?} is not {TARGET_FORMS}"))?;
    let addr = resolve(&spec, |_| None)?;
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    parse_options(addr, &rest).map_err(|e| e.text(&rest))
}

/// The test the words describe (ADDR first); a `report FILE` among them is for
/// [`parse_cli`] to return.
pub fn parse_words(words: &[String]) -> Result<StressConfig, String> {
    parse_cli(words).map(|(cfg, _)| cfg)
}

/// Whether an address of the language can name a server to stress (an IP address, a host
/// name or `$ID`; not `*:PORT` nor a Unix path).
pub fn is_target(spec: &AddrSpec) -> bool {
    matches!(
        spec,
        AddrSpec::Exact(Addr::Ip(_)) | AddrSpec::Host(..) | AddrSpec::LocalOf(_)
    )
}

/// The socket address of a server given as the language writes it; `local_of` gives the
/// local address of a socket of the session (`$srv`), an unspecified IP as loopback.
pub fn resolve(
    spec: &AddrSpec,
    local_of: impl FnOnce(&SockRef) -> Option<Addr>,
) -> Result<SocketAddr, String> {
    match spec {
        AddrSpec::Exact(Addr::Ip(a)) => Ok(*a),
        AddrSpec::Host(host, port) => (host.as_str(), *port)
            .to_socket_addrs()
            .map_err(|e| format!("stress: cannot resolve {host}: {e}"))?
            .next()
            .ok_or_else(|| format!("stress: {host} has no address")),
        AddrSpec::LocalOf(r) => match local_of(r).map(|a| a.reachable()) {
            Some(Addr::Ip(a)) => Ok(a),
            Some(other) => Err(format!("stress: ${r} is at {other}, not an IP address")),
            None => Err(format!(
                "stress: ${r}: no socket {r} with a local address here (bind it first)"
            )),
        },
        other => Err(format!("stress: {other} is not {TARGET_FORMS}")),
    }
}

fn number(w: &str, at: usize) -> Result<u64, WordError> {
    w.replace('_', "")
        .parse()
        .map_err(|_| WordError::Word(at, "a number".into()))
}

/// A payload as the language writes it (`"text"`, `hex:…`), or a bare word as its bytes
/// (what a shell leaves of `pingpong hello`).
fn payload(w: &str, at: usize) -> Result<std::sync::Arc<[u8]>, WordError> {
    let quoted = w.starts_with('"') || w.starts_with("hex:") || w.starts_with("file:");
    if !quoted && !w.is_empty() {
        return Ok(w.as_bytes().into());
    }
    match crate::lang::parse_payload_word(w) {
        Ok(crate::engine::Payload::Bytes(b)) => Ok(b),
        Ok(_) => Err(WordError::Word(
            at,
            "a payload in text or hex:, not a file".into(),
        )),
        Err(e) => Err(WordError::Word(at, format!("a payload: {}", e.expected))),
    }
}

/// A path: the word as it is, or the text between its quotes (`\"` and `\\` escaped).
fn path(w: &str) -> PathBuf {
    match w.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(body) => PathBuf::from(body.replace("\\\"", "\"").replace("\\\\", "\\")),
        None => PathBuf::from(w),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn the_statement_words_make_the_test() {
        let c = parse_words(&words(
            "127.0.0.1:7 clients 50 pingpong hi expect HI count 1000 rate 500/s connect per-request udp",
        ))
        .expect("parses");
        assert_eq!(c.clients, 50);
        assert_eq!(c.limit, Limit::Count(1000));
        assert_eq!(c.rate, Some(500));
        assert_eq!(
            (c.connect, c.transport),
            (Connect::PerRequest, Transport::Udp)
        );
        assert!(
            matches!(&c.mode, Mode::PingPong { payload, expect: Some(e) } if &payload[..] == b"hi" && &e[..] == b"HI")
        );
        let c =
            parse_words(&words("127.0.0.1:7 clients 2 throughput 65536 for 2s")).expect("parses");
        assert_eq!(c.mode, Mode::Throughput { size: 65536 });
        assert_eq!(c.limit, Limit::For(Duration::from_secs(2)));
        // As a shell hands them over (a path with a blank is one word), and as the
        // language's lexer does (a quoted word keeps its quotes).
        for ca in ["my ca.pem", "\"my ca.pem\""] {
            let w: Vec<String> = [
                "127.0.0.1:7",
                "pingpong",
                "x",
                "tls",
                "sni",
                "example.test",
                "ca",
                ca,
                "insecure",
                "report",
                "r.json",
            ]
            .map(str::to_string)
            .to_vec();
            let (c, report) = parse_cli(&w).expect("parses");
            assert_eq!(c.transport, Transport::Tls);
            assert_eq!(c.tls.sni.as_deref(), Some("example.test"));
            assert_eq!(c.tls.ca, Some(PathBuf::from("my ca.pem")));
            assert!(c.tls.insecure);
            assert_eq!(report, Some(PathBuf::from("r.json")));
        }
    }

    #[test]
    fn bad_words_say_what_is_wrong() {
        let e = |s: &str| parse_words(&words(s)).err().unwrap_or_default();
        assert!(e("127.0.0.1:7 clients 2").contains("pingpong PAYLOAD` or `throughput"));
        assert!(e("127.0.0.1:7 clients x pingpong a").contains("expected a number, found \"x\""));
        assert!(e("127.0.0.1:7 pingpong a sni x").contains("go with tls"));
        assert!(e("127.0.0.1:7 pingpong a throughput 10 tls").contains("over tls"));
        assert!(e("127.0.0.1:7 pingpong a report r.txt").contains(".csv or .json"));
        assert!(e("127.0.0.1:7 pingpong a bogus").contains("`clients N`"));
        assert!(e("127.0.0.1:7 pingpong").contains("a payload after `pingpong`"));
        assert!(e("nowhere pingpong a").contains("is not a server's address"));
        assert!(e("$srv pingpong a").contains("no socket srv"));
    }
}
