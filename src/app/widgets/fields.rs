//! Checks of the UI's input fields (port, backlog, host, address, payload). Each returns
//! the value or the accepted form, which the UI shows in red under the field; nothing is
//! sent while a field is invalid.
//!
//! Addresses and payloads go through the command language's own parser
//! ([`crate::lang::parse_addr_word`], [`crate::lang::parse_payload_word`]), so a field
//! accepts exactly what a console line accepts in that place.

use std::net::IpAddr;

use crate::engine::{Addr, AddrSpec, Family, Payload};
use crate::lang::{parse_addr_word, parse_payload_word};

use crate::app::model::settings::SendMode;

/// Accepted form of a port field.
pub const PORT_FORM: &str = "a port number 0–65535 (0 = any free port)";
/// Accepted form of a host field.
pub const HOST_FORM: &str =
    "an IPv4 or IPv6 address (127.0.0.1, ::1), * for any, or a host name such as localhost";
/// Accepted form of an address field.
pub const ADDR_FORM: &str = "HOST:PORT, [IPV6]:PORT, *:PORT or $ID (e.g. 127.0.0.1:8080)";
/// Accepted form of a Unix socket address field.
pub const UNIX_FORM: &str =
    "a path (/tmp/demo.sock, ./demo.sock) or @NAME in the abstract namespace, without blanks";
/// Accepted form of a multicast group field.
pub const GROUP_FORM: &str = "a multicast address: IPv4 224.0.0.0–239.255.255.255 (e.g. 239.1.2.3) or IPv6 ff00::/8 (e.g. ff02::1234)";
/// Accepted form of a backlog field.
pub const BACKLOG_FORM: &str = "a whole number of at least 1 (default 128)";
/// Accepted form of hex input.
pub const HEX_FORM: &str = "pairs of hex digits, optionally separated by spaces or : (48 65 6c)";
/// Accepted form of escaped text.
pub const ESCAPED_FORM: &str = "text with the escapes \\n \\r \\t \\0 \\\\ \\\" \\xHH";

/// A port field: a number 0–65535.
pub fn port(text: &str) -> Result<u16, String> {
    let t = text.trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit()) {
        return Err(PORT_FORM.into());
    }
    t.parse::<u16>().map_err(|_| PORT_FORM.into())
}

/// A backlog field; empty means the default.
pub fn backlog(text: &str) -> Result<Option<u32>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(BACKLOG_FORM.into()),
    }
}

/// Reads an address with the language's parser.
fn lang_addr(word: &str) -> Option<AddrSpec> {
    parse_addr_word(word).ok()
}

/// Refuses an IPv6 address for an IPv4 socket (the engine would refuse it too).
fn fit_family(spec: AddrSpec, family: Family) -> Result<AddrSpec, String> {
    if let AddrSpec::Exact(Addr::Ip(a)) = &spec
        && a.is_ipv6()
        && family == Family::V4
    {
        return Err(format!(
            "{} is IPv6 and this socket is IPv4: use an IPv4 address (127.0.0.1, 0.0.0.0) or create the socket with IPv6",
            a.ip()
        ));
    }
    Ok(spec)
}

/// A host field and a port, made into the address a command names. `family` is the
/// socket's, so an IPv6 address on an IPv4 socket is refused here.
pub fn host_port(host: &str, port: u16, family: Family) -> Result<AddrSpec, String> {
    let h = host.trim();
    let word = if h.parse::<IpAddr>().is_ok_and(|ip| ip.is_ipv6()) {
        format!("[{h}]:{port}")
    } else {
        format!("{h}:{port}")
    };
    let spec = lang_addr(&word).ok_or_else(|| HOST_FORM.to_string())?;
    if matches!(spec, AddrSpec::LocalOf(_)) {
        return Err(HOST_FORM.into());
    }
    fit_family(spec, family)
}

/// An address field: `HOST:PORT`, `[IPV6]:PORT`, `*:PORT` or `$ID`; for a Unix socket
/// (`family` Unix) a path or `@NAME`. Which family an address has is the engine's to check.
pub fn address(text: &str, family: Family) -> Result<AddrSpec, String> {
    let t = text.trim();
    if family == Family::Unix {
        return match lang_addr(t) {
            Some(spec) => Ok(spec),
            None => Err(UNIX_FORM.to_string()),
        };
    }
    let spec = lang_addr(t).ok_or_else(|| {
        let port_ok = t.rsplit_once(':').is_some_and(|(_, p)| port(p).is_ok());
        if t.starts_with('$') {
            ADDR_FORM.to_string()
        } else if !port_ok {
            format!("a port 0–65535 after the last ':'; {ADDR_FORM}")
        } else if t.matches(':').count() > 1 && !t.starts_with('[') {
            format!("an IPv6 address needs brackets, e.g. [::1]:8080; {ADDR_FORM}")
        } else {
            ADDR_FORM.to_string()
        }
    })?;
    fit_family(spec, family)
}

/// A whole number field between `min` and `max`; `form` says what is accepted.
pub fn number(text: &str, min: u64, max: u64, form: &str) -> Result<u64, String> {
    let t = text.trim();
    match t.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) && t.chars().all(|c| c.is_ascii_digit()) => Ok(n),
        _ => Err(form.to_string()),
    }
}

/// A multicast group field.
pub fn group(text: &str) -> Result<IpAddr, String> {
    match text.trim().parse::<IpAddr>() {
        Ok(ip) if ip.is_multicast() => Ok(ip),
        _ => Err(GROUP_FORM.to_string()),
    }
}

/// The send box's text as bytes, read in `mode`.
pub fn payload(text: &str, mode: SendMode) -> Result<Vec<u8>, String> {
    match mode {
        SendMode::Text => Ok(text.as_bytes().to_vec()),
        SendMode::Hex => {
            let body: String = text
                .chars()
                .map(|c| if c.is_whitespace() { ' ' } else { c })
                .collect();
            if body.contains('"') {
                return Err(HEX_FORM.into());
            }
            lang_payload(&format!("hex:\"{body}\""), HEX_FORM)
        }
        SendMode::Escaped => {
            // A line break typed in the box stands for itself.
            let body = text.replace('\r', "\\r").replace('\n', "\\n");
            lang_payload(&format!("\"{body}\""), ESCAPED_FORM)
        }
    }
}

/// Reads an inline payload with the language's parser and returns its bytes.
fn lang_payload(word: &str, form: &str) -> Result<Vec<u8>, String> {
    match parse_payload_word(word) {
        Ok(Payload::Bytes(b)) => Ok(b.to_vec()),
        Ok(Payload::File(_)) => Err(form.to_string()),
        Err(e) => Err(format!(
            "expected {}, found {}; {form}",
            e.expected, e.found
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{SockId, SockRef};

    #[test]
    fn ports() {
        assert_eq!(port("0"), Ok(0));
        assert_eq!(port(" 8080 "), Ok(8080));
        assert!(port("65536").is_err());
        assert!(port("-1").is_err());
        assert!(port("abc").is_err());
        assert!(port("").is_err());
        assert_eq!(backlog(""), Ok(None));
        assert!(backlog("0").is_err());
    }

    #[test]
    fn addresses() {
        let spec = address("127.0.0.1:80", Family::V4).expect("v4");
        assert_eq!(spec.to_string(), "127.0.0.1:80");
        assert_eq!(
            address("[::1]:80", Family::V6).expect("v6").to_string(),
            "[::1]:80"
        );
        assert_eq!(address("*:9", Family::V4), Ok(AddrSpec::Any(9)));
        assert_eq!(
            address("localhost:1", Family::V4),
            Ok(AddrSpec::Host("localhost".into(), 1))
        );
        assert_eq!(
            address("$s3", Family::V4),
            Ok(AddrSpec::LocalOf(SockRef::Id(SockId(3))))
        );
        assert!(address("::1:80", Family::V6).is_err());
        assert!(address("[::1]:80", Family::V4).is_err());
        assert!(address("127.0.0.1", Family::V4).is_err());
        assert!(address("127.0.0.1:99999", Family::V4).is_err());
        assert!(address("bad host:1", Family::V4).is_err());
    }

    #[test]
    fn hosts() {
        assert_eq!(
            host_port("::1", 5, Family::V6).expect("v6").to_string(),
            "[::1]:5"
        );
        assert_eq!(host_port("*", 5, Family::V4), Ok(AddrSpec::Any(5)));
        assert!(host_port("::", 0, Family::V4).is_err());
        assert!(host_port("no way", 0, Family::V4).is_err());
    }

    #[test]
    fn unix_addresses_numbers_and_groups() {
        assert_eq!(
            address("/tmp/a.sock", Family::Unix).map(|a| a.to_string()),
            Ok("/tmp/a.sock".to_string())
        );
        assert_eq!(
            address("@demo", Family::Unix).map(|a| a.to_string()),
            Ok("@demo".to_string())
        );
        assert_eq!(address("tmp/a.sock", Family::Unix), Err(UNIX_FORM.into()));
        assert!(address("@", Family::Unix).is_err());
        assert_eq!(number("4096", 1, 65_536, "n"), Ok(4096));
        assert!(number("0", 1, 65_536, "n").is_err());
        assert!(number("+5", 1, 65_536, "n").is_err());
        assert!(number("", 1, 65_536, "n").is_err());
        assert_eq!(
            group("239.1.2.3").map(|g| g.to_string()),
            Ok("239.1.2.3".into())
        );
        assert!(group("ff02::1234").is_ok());
        assert!(group("10.0.0.1").is_err());
        assert!(group("nope").is_err());
    }

    #[test]
    fn payloads() {
        assert_eq!(payload("hi\n", SendMode::Text), Ok(b"hi\n".to_vec()));
        assert_eq!(payload("48 65:6c6c", SendMode::Hex), Ok(b"Hell".to_vec()));
        assert!(payload("4", SendMode::Hex).is_err());
        assert!(payload("zz", SendMode::Hex).is_err());
        assert_eq!(
            payload("a\\tb\\x00\\\"", SendMode::Escaped),
            Ok(b"a\tb\0\"".to_vec())
        );
        assert!(payload("bad \\q", SendMode::Escaped).is_err());
    }
}
