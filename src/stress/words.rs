//! The stress statement's words: `stress ADDR clients N (pingpong PAYLOAD [expect PAYLOAD]
//! | throughput SIZE) [for DURATION | count K] [rate R/s] [connect per-request|once]
//! [tcp|udp|tls]` (everything after `stress`), as `sockscope stress` takes them.

use std::time::Duration;

use super::config::{Connect, Limit, Mode, StressConfig, Transport};

/// The test the words describe (a test with neither `for` nor `count` lasts 10 s).
pub fn parse_words(words: &[String]) -> Result<StressConfig, String> {
    let mut it = words.iter().map(String::as_str);
    let addr = it.next().ok_or("stress: expected ADDR (host:port)")?;
    let addr = std::net::ToSocketAddrs::to_socket_addrs(addr)
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| format!("stress: {addr:?} is not an address (host:port)"))?;
    let mut cfg = StressConfig::pingpong(addr, 1, b"ping", Limit::For(Duration::from_secs(10)));
    let mut mode_given = false;
    while let Some(w) = it.next() {
        let mut value = |what: &str| {
            it.next()
                .map(str::to_string)
                .ok_or_else(|| format!("stress: {w} needs {what}"))
        };
        match w {
            "clients" => cfg.clients = number(&value("a number")?)? as usize,
            "pingpong" => {
                cfg.mode = Mode::PingPong {
                    payload: payload(&value("a payload")?)?,
                    expect: None,
                };
                mode_given = true;
            }
            "expect" => {
                let want = payload(&value("a payload")?)?;
                match &mut cfg.mode {
                    Mode::PingPong { expect, .. } if mode_given => *expect = Some(want),
                    _ => return Err("stress: expect follows pingpong PAYLOAD".into()),
                }
            }
            "throughput" => {
                cfg.mode = Mode::Throughput {
                    size: number(&value("a size in bytes")?)? as usize,
                };
                mode_given = true;
            }
            "for" => {
                let d = crate::lang::parse_duration(&value("a duration")?)
                    .map_err(|e| format!("stress: for: {e}"))?;
                cfg.limit = Limit::For(d);
            }
            "count" => cfg.limit = Limit::Count(number(&value("a number")?)?),
            "rate" => {
                let r = value("a rate (N/s)")?;
                cfg.rate = Some(number(r.strip_suffix("/s").unwrap_or(&r))?);
            }
            "connect" => {
                cfg.connect = match value("per-request or once")?.as_str() {
                    "per-request" => Connect::PerRequest,
                    "once" => Connect::Once,
                    other => return Err(format!("stress: connect {other}: per-request or once")),
                }
            }
            "tcp" => cfg.transport = Transport::Tcp,
            "udp" => cfg.transport = Transport::Udp,
            "tls" => cfg.transport = Transport::Tls,
            other => return Err(format!("stress: unexpected {other:?}")),
        }
    }
    if !mode_given {
        return Err("stress: expected pingpong PAYLOAD or throughput SIZE".into());
    }
    cfg.check()
        .map(|()| cfg)
        .map_err(|e| format!("stress: {e}"))
}

fn number(w: &str) -> Result<u64, String> {
    w.replace('_', "")
        .parse()
        .map_err(|_| format!("stress: {w:?} is not a number"))
}

/// A payload as the language writes it (`"text"`, `hex:…`), or a bare word as its bytes
/// (what a shell leaves of `pingpong hello`).
fn payload(w: &str) -> Result<std::sync::Arc<[u8]>, String> {
    let quoted = w.starts_with('"') || w.starts_with("hex:") || w.starts_with("file:");
    if !quoted && !w.is_empty() {
        return Ok(w.as_bytes().into());
    }
    match crate::lang::parse_payload_word(w) {
        Ok(crate::engine::Payload::Bytes(b)) => Ok(b),
        Ok(_) => Err("stress: a payload is text or hex:, not a file".into()),
        Err(e) => Err(format!("stress: {e}")),
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
    }

    #[test]
    fn bad_words_say_what_is_wrong() {
        let e = |s: &str| parse_words(&words(s)).err().unwrap_or_default();
        assert!(e("127.0.0.1:7 clients 2").contains("pingpong PAYLOAD or throughput"));
        assert!(e("127.0.0.1:7 clients x pingpong a").contains("not a number"));
        assert!(e("127.0.0.1:7 pingpong a tls").contains("not available yet"));
        assert!(e("nowhere pingpong a").contains("not an address"));
    }
}
