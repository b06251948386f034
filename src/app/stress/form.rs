//! The *Stress* window's form as text fields, and the checks that make it a
//! [`StressConfig`]: each field is read on its own (so the window can turn that field red
//! with the accepted form), then the whole test is checked by [`StressConfig::check`].
//! Nothing is parsed as a console line: the form builds the config directly.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::app::widgets::fields::number;
use crate::engine::Payload;
use crate::stress::config::MAX_CLIENTS;
use crate::stress::{Connect, Limit, Mode, StressConfig, Transport};

/// Accepted form of the server address.
pub const ADDR_FORM: &str =
    "IP:PORT or localhost:PORT, port 1–65535 (127.0.0.1:7, [::1]:7, localhost:8080)";
/// Accepted form of the client count.
pub const CLIENTS_FORM: &str = "a whole number of clients, 1 to 10000";
/// Accepted form of a payload.
pub const PAYLOAD_FORM: &str =
    "at least 1 byte: text as typed, \"quoted\\r\\n\" with escapes, or hex:\"70 69 6e 67\"";
/// Accepted form of a throughput block size.
pub const SIZE_FORM: &str = "bytes per send, 1 to 1048576 (1 MiB)";
/// Accepted form of a duration.
pub const DURATION_FORM: &str = "a duration with ms or s (500ms, 10s, 1.5s), more than 0";
/// Accepted form of a request count.
pub const COUNT_FORM: &str = "a whole number of requests in all, at least 1";
/// Accepted form of a rate.
pub const RATE_FORM: &str =
    "empty for as fast as the server answers, or requests per second in all (1000 or 1000/s)";

/// Accepted form of the CA file.
pub const CA_FORM: &str =
    "empty for the built-in roots, or a PEM file of the certificates to trust";

/// What each client repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeChoice {
    /// Send a payload, wait for its reply.
    PingPong,
    /// Send blocks as fast as the server takes them.
    Throughput,
}

/// When the test ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitChoice {
    /// After a duration.
    For,
    /// After a count of requests.
    Count,
}

/// The form's fields, as typed.
#[derive(Debug, Clone)]
pub struct StressForm {
    /// The server, `HOST:PORT`.
    pub addr: String,
    /// Concurrent clients.
    pub clients: String,
    /// Ping-pong or throughput.
    pub mode: ModeChoice,
    /// The ping-pong payload.
    pub payload: String,
    /// The expected reply; empty: the payload echoed.
    pub expect: String,
    /// The throughput block size.
    pub size: String,
    /// For a duration or a count.
    pub limit: LimitChoice,
    /// The duration (`10s`).
    pub duration: String,
    /// The count.
    pub count: String,
    /// Requests per second in all; empty: as fast as the server answers.
    pub rate: String,
    /// Connect once or per request.
    pub connect: Connect,
    /// TCP, UDP or TLS.
    pub transport: Transport,
    /// With TLS: the server name sent and checked; empty: the server's IP address.
    pub sni: String,
    /// With TLS: a PEM file of the certificates to trust; empty: the built-in roots.
    pub ca: String,
    /// With TLS: accept any certificate (a self-signed test server's).
    pub insecure: bool,
}

impl Default for StressForm {
    fn default() -> StressForm {
        StressForm {
            addr: String::new(),
            clients: "10".into(),
            mode: ModeChoice::PingPong,
            payload: "ping".into(),
            expect: String::new(),
            size: "65536".into(),
            limit: LimitChoice::For,
            duration: "10s".into(),
            count: "10000".into(),
            rate: String::new(),
            connect: Connect::Once,
            transport: Transport::Tcp,
            sni: String::new(),
            ca: String::new(),
            insecure: false,
        }
    }
}

/// The server address: an IP literal with a port, or `localhost:PORT` (never resolved
/// through DNS in a frame). Port 0 reaches no server.
pub fn addr(text: &str) -> Result<SocketAddr, String> {
    let t = text.trim();
    let parsed = t.parse::<SocketAddr>().ok().or_else(|| {
        let port = t.strip_prefix("localhost:")?.parse::<u16>().ok()?;
        Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port))
    });
    match parsed {
        Some(a) if a.port() != 0 => Ok(a),
        _ => Err(ADDR_FORM.into()),
    }
}

/// The number of clients.
pub fn clients(text: &str) -> Result<usize, String> {
    number(text, 1, MAX_CLIENTS as u64, CLIENTS_FORM).map(|n| n as usize)
}

/// A payload: `hex:…` and `"…"` as the command language reads them, anything else as
/// typed (what `sockscope stress … pingpong hello` takes too).
pub fn payload(text: &str) -> Result<Arc<[u8]>, String> {
    let quoted = text.starts_with('"') || text.starts_with("hex:");
    if !quoted {
        return match text.is_empty() {
            true => Err(PAYLOAD_FORM.into()),
            false => Ok(text.as_bytes().into()),
        };
    }
    match crate::lang::parse_payload_word(text) {
        Ok(Payload::Bytes(b)) if !b.is_empty() => Ok(b),
        _ => Err(PAYLOAD_FORM.into()),
    }
}

/// The expected reply: empty for the payload echoed.
pub fn expect(text: &str) -> Result<Option<Arc<[u8]>>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    payload(text).map(Some)
}

/// A throughput block size.
pub fn size(text: &str) -> Result<usize, String> {
    number(text, 1, 1 << 20, SIZE_FORM).map(|n| n as usize)
}

/// How long the test lasts.
pub fn duration(text: &str) -> Result<Duration, String> {
    match crate::lang::parse_duration(text.trim()) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(DURATION_FORM.into()),
    }
}

/// How many requests in all.
pub fn count(text: &str) -> Result<u64, String> {
    number(text, 1, u64::MAX, COUNT_FORM)
}

/// The CA file: `None` when empty; a path that is not a file is refused here, before the
/// test starts.
pub fn ca(text: &str) -> Result<Option<PathBuf>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let path = PathBuf::from(t);
    match path.is_file() {
        true => Ok(Some(path)),
        false => Err(format!("{t}: no such file; {CA_FORM}")),
    }
}

/// The rate: `None` when empty.
pub fn rate(text: &str) -> Result<Option<u64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let n = t.strip_suffix("/s").unwrap_or(t);
    number(n, 1, u64::MAX, RATE_FORM).map(Some)
}

impl StressForm {
    /// The exchange the form describes.
    fn mode(&self) -> Result<Mode, String> {
        Ok(match self.mode {
            ModeChoice::PingPong => Mode::PingPong {
                payload: payload(&self.payload)?,
                expect: expect(&self.expect)?,
            },
            ModeChoice::Throughput => Mode::Throughput {
                size: size(&self.size)?,
            },
        })
    }

    /// When the test the form describes ends.
    fn limit(&self) -> Result<Limit, String> {
        Ok(match self.limit {
            LimitChoice::For => Limit::For(duration(&self.duration)?),
            LimitChoice::Count => Limit::Count(count(&self.count)?),
        })
    }

    /// The test, or why the form does not make one (the first field in error, or what
    /// [`StressConfig::check`] refuses, such as throughput over UDP).
    pub fn config(&self) -> Result<StressConfig, String> {
        let at = addr(&self.addr).map_err(|e| format!("Server: {e}"))?;
        let n = clients(&self.clients).map_err(|e| format!("Clients: {e}"))?;
        let mut cfg = StressConfig::pingpong(at, n, b"ping", self.limit()?);
        cfg.mode = self.mode()?;
        cfg.rate = rate(&self.rate).map_err(|e| format!("Rate: {e}"))?;
        cfg.connect = self.connect;
        cfg.transport = self.transport;
        if self.transport == Transport::Tls {
            let sni = self.sni.trim();
            cfg.tls.sni = (!sni.is_empty()).then(|| sni.to_string());
            cfg.tls.ca = ca(&self.ca).map_err(|e| format!("CA file: {e}"))?;
            cfg.tls.insecure = self.insecure;
        }
        cfg.check()?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_what_the_forms_say() {
        assert_eq!(addr(" 127.0.0.1:7 "), Ok(([127, 0, 0, 1], 7).into()));
        assert_eq!(addr("localhost:80"), Ok(([127, 0, 0, 1], 80).into()));
        assert!(addr("[::1]:9").is_ok_and(|a| a.is_ipv6()));
        for bad in ["", "127.0.0.1", "127.0.0.1:0", "nowhere:80", "::1:80"] {
            assert_eq!(addr(bad), Err(ADDR_FORM.into()), "{bad:?}");
        }
        assert_eq!(clients("4"), Ok(4));
        assert!(clients("0").is_err() && clients("10001").is_err() && clients("x").is_err());
        assert_eq!(payload("hi there").as_deref(), Ok(&b"hi there"[..]));
        assert_eq!(payload("hex:\"70 69\"").as_deref(), Ok(&b"pi"[..]));
        assert_eq!(payload("\"a\\r\\n\"").as_deref(), Ok(&b"a\r\n"[..]));
        assert!(payload("").is_err() && payload("hex:\"zz\"").is_err());
        assert_eq!(expect(""), Ok(None));
        assert_eq!(duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(duration("0s").is_err() && duration("10").is_err());
        assert_eq!(rate(""), Ok(None));
        assert_eq!(rate("500/s"), Ok(Some(500)));
        assert!(rate("0").is_err() && rate("fast").is_err());
        assert!(size("0").is_err() && size("1048577").is_err());
    }

    #[test]
    fn the_form_makes_the_test_or_says_why_not() {
        let mut f = StressForm {
            addr: "127.0.0.1:7".into(),
            limit: LimitChoice::Count,
            count: "200".into(),
            rate: "100".into(),
            ..StressForm::default()
        };
        let cfg = f.config().expect("a test");
        assert_eq!((cfg.clients, cfg.limit), (10, Limit::Count(200)));
        assert_eq!(cfg.rate, Some(100));
        assert!(
            matches!(cfg.mode, Mode::PingPong { ref payload, expect: None } if &payload[..] == b"ping")
        );
        f.clients = "0".into();
        assert_eq!(f.config().err(), Some(format!("Clients: {CLIENTS_FORM}")));
        f.clients = "2".into();
        (f.transport, f.sni, f.insecure) = (Transport::Tls, " localhost ".into(), true);
        let tls = f.config().expect("a TLS test").tls;
        assert_eq!(
            (tls.sni.as_deref(), tls.ca, tls.insecure),
            (Some("localhost"), None, true)
        );
        f.ca = "/no/such/ca.pem".into();
        assert!(
            f.config()
                .is_err_and(|e| e.starts_with("CA file: /no/such/ca.pem: no such file"))
        );
        f.transport = Transport::Tcp;
        assert!(
            f.config().is_ok_and(|c| c.tls == Default::default()),
            "TLS fields only with tls"
        );
        (f.mode, f.transport) = (ModeChoice::Throughput, Transport::Udp);
        assert!(
            f.config()
                .is_err_and(|e| e.contains("throughput is measured over tcp"))
        );
    }
}
