//! ADDR values: `HOST:PORT`, `[IPV6]:PORT`, `*:PORT` and `$ID`, parsed to an [`AddrSpec`];
//! for Unix domain sockets a path (starting with `/`, `./` or `../`, no blanks) or
//! `@NAME` in Linux's abstract namespace.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::engine::{Addr, AddrSpec};

use super::error::{ParseError, Src};
use super::lexer::Token;
use super::sockref::parse_sock;

/// What an address looks like, for `expected` in errors.
pub(crate) const ADDR_FORMS: &str =
    "an address (HOST:PORT, [IPV6]:PORT, *:PORT, $ID, /PATH or @NAME)";

/// Whether `host` may be a host name: ASCII letters, digits, `-`, `.` and `_`, not only
/// digits and dots (those must be an IPv4 address).
fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        && !host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// Parses an address word.
pub(crate) fn parse_addr(src: Src<'_>, tok: &Token<'_>) -> Result<AddrSpec, ParseError> {
    let Some(text) = tok.bare() else {
        return Err(src.at_text(tok.start, ADDR_FORMS, tok.text));
    };
    let start = tok.start;
    if let Some(sock) = text.strip_prefix('$') {
        if sock.is_empty() {
            return Err(src.at_text(start, "a socket id or name after $", text));
        }
        return Ok(AddrSpec::LocalOf(parse_sock(src, sock, start + 1)?));
    }
    if text.starts_with('/') || text.starts_with("./") || text.starts_with("../") {
        return Ok(AddrSpec::Exact(Addr::Path(text.into())));
    }
    if let Some(name) = text.strip_prefix('@') {
        if name.is_empty() {
            return Err(src.at_text(start, "an abstract socket name after @", text));
        }
        return Ok(AddrSpec::Exact(Addr::Abstract(name.to_string())));
    }
    if let Some(rest) = text.strip_prefix('[') {
        return parse_v6(src, text, rest, start);
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(src.at_text(start, ADDR_FORMS, text));
    };
    let port_at = start + host.len() + 1;
    if host == "*" {
        return Ok(AddrSpec::Any(parse_port(src, port, port_at)?));
    }
    if host.contains(':') {
        return Err(src.at_text(start, "an IPv6 address in brackets, as in [::1]:80", text));
    }
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        let port = parse_port(src, port, port_at)?;
        return Ok(AddrSpec::Exact(Addr::Ip(SocketAddr::V4(
            SocketAddrV4::new(ip, port),
        ))));
    }
    if host.is_empty() {
        return Err(src.at_text(start, "a host before :PORT", text));
    }
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(src.at_text(start, "an IPv4 address", host));
    }
    if !is_host_name(host) {
        return Err(src.at_text(
            start,
            "a host: an IP address or a name of letters, digits, `-`, `.` and `_`",
            host,
        ));
    }
    let port = parse_port(src, port, port_at)?;
    Ok(AddrSpec::Host(host.to_string(), port))
}

/// Parses `[IPV6%SCOPE]:PORT` (`rest` follows the `[`, the word `text` starts at byte
/// `start`).
fn parse_v6(src: Src<'_>, text: &str, rest: &str, start: usize) -> Result<AddrSpec, ParseError> {
    let Some((inside, after)) = rest.split_once(']') else {
        return Err(src.at_text(start, "an IPv6 address closed by ]", text));
    };
    let (ip_text, scope_text) = match inside.split_once('%') {
        Some((ip, scope)) => (ip, Some(scope)),
        None => (inside, None),
    };
    let Ok(ip) = ip_text.parse::<Ipv6Addr>() else {
        return Err(src.at_text(start + 1, "an IPv6 address", ip_text));
    };
    let scope = match scope_text {
        None => 0,
        Some(s) => match scope_id(s) {
            Some(n) => n,
            None => {
                let at = start + 2 + ip_text.len();
                return Err(src.at_text(
                    at,
                    "a scope id after %: a number or this machine's interface name",
                    s,
                ));
            }
        },
    };
    let port_at = start + 2 + inside.len();
    let Some(port) = after.strip_prefix(':') else {
        return Err(src.at_text(port_at, ":PORT after the IPv6 address", after));
    };
    let port = parse_port(src, port, port_at + 1)?;
    Ok(AddrSpec::Exact(Addr::Ip(SocketAddr::V6(
        SocketAddrV6::new(ip, port, 0, scope),
    ))))
}

/// Parses a port number at byte `start` of the line.
fn parse_port(src: Src<'_>, text: &str, start: usize) -> Result<u16, ParseError> {
    if text.is_empty() {
        return Err(src.at(start, "a port number after :", "nothing"));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(src.at_text(start, "a port number from 0 to 65535", text));
    }
    match text.parse::<u16>() {
        Ok(port) => Ok(port),
        Err(_) => Err(src.at(
            start,
            "a port number from 0 to 65535",
            format!("{} (out of range)", super::error::quote_found(text)),
        )),
    }
}

/// An IPv6 scope id: a number (`%2`) or an interface name of this machine (`%eth0`), as
/// `ping -6` and `ip` accept them.
fn scope_id(s: &str) -> Option<u32> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    crate::sys::net::if_nametoindex(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{SockId, SockRef};
    use crate::lang::lexer::Lexer;

    fn addr(line: &str) -> Result<AddrSpec, ParseError> {
        let src = Src { line };
        let tok = Lexer::new(src).next_token()?.expect("a word");
        parse_addr(src, &tok)
    }

    fn ip(s: &str) -> AddrSpec {
        AddrSpec::Exact(Addr::Ip(s.parse().expect("socket address")))
    }

    #[test]
    fn forms() {
        assert_eq!(addr("127.0.0.1:80"), Ok(ip("127.0.0.1:80")));
        assert_eq!(addr("0.0.0.0:0"), Ok(ip("0.0.0.0:0")));
        assert_eq!(addr("[::1]:65535"), Ok(ip("[::1]:65535")));
        assert_eq!(addr("[fe80::1%3]:80"), Ok(ip("[fe80::1%3]:80")));
        // An interface name becomes its index; every Linux machine has `lo`.
        let lo = crate::sys::net::if_nametoindex("lo").expect("the loopback interface");
        assert_eq!(
            addr("[fe80::1%lo]:80"),
            Ok(ip(&format!("[fe80::1%{lo}]:80")))
        );
        assert_eq!(addr("[::ffff:1.2.3.4]:80"), Ok(ip("[::ffff:1.2.3.4]:80")));
        assert_eq!(addr("*:8080"), Ok(AddrSpec::Any(8080)));
        assert_eq!(
            addr("localhost:80"),
            Ok(AddrSpec::Host("localhost".into(), 80))
        );
        assert_eq!(
            addr("my-host.example_1.com:1"),
            Ok(AddrSpec::Host("my-host.example_1.com".into(), 1))
        );
        assert_eq!(addr("$s1"), Ok(AddrSpec::LocalOf(SockRef::Id(SockId(1)))));
        assert_eq!(
            addr("$srv"),
            Ok(AddrSpec::LocalOf(SockRef::Name("srv".into())))
        );
        assert_eq!(addr("127.0.0.1:080"), Ok(ip("127.0.0.1:80")));
    }

    #[test]
    fn port_errors() {
        let e = addr("127.0.0.1:70000").unwrap_err();
        assert_eq!(e.col, 11);
        assert_eq!(e.found, "\"70000\" (out of range)");
        assert_eq!(e.expected, "a port number from 0 to 65535");
        let e = addr("localhost:http").unwrap_err();
        assert_eq!((e.col, e.found.as_str()), (11, "\"http\""));
        let e = addr("[::1]:").unwrap_err();
        assert_eq!((e.col, e.found.as_str()), (7, "nothing"));
        assert_eq!(addr("*:99999999999999999999").unwrap_err().col, 3);
        assert_eq!(addr("[::1]:-1").unwrap_err().col, 7);
    }

    #[test]
    fn host_errors() {
        assert_eq!(addr("localhost").unwrap_err().expected, ADDR_FORMS);
        assert!(addr("::1:80").unwrap_err().expected.contains("brackets"));
        assert_eq!(addr("1.2.3:80").unwrap_err().expected, "an IPv4 address");
        assert_eq!(
            addr("256.1.1.1:80").unwrap_err().expected,
            "an IPv4 address"
        );
        assert_eq!(addr(":80").unwrap_err().expected, "a host before :PORT");
        assert!(addr("a/b:80").unwrap_err().expected.starts_with("a host"));
        assert!(addr("é:80").is_err());
        let e = addr("[::g]:80").unwrap_err();
        assert_eq!((e.col, e.found.as_str()), (2, "\"::g\""));
        let e = addr("[fe80::1%no-such-if0]:80").unwrap_err();
        assert_eq!((e.col, e.found.as_str()), (10, "\"no-such-if0\""));
        assert!(e.expected.contains("interface name"), "{}", e.expected);
        assert!(addr("[fe80::1%]:80").is_err());
        assert!(addr("[::1]80").unwrap_err().expected.starts_with(":PORT"));
        assert!(addr("[::1:80").is_err());
        assert!(addr("$").is_err());
        assert!(addr("$a.b").is_err());
        assert!(addr("\"x:1\"").is_err());
        assert!(addr("[%]:1").is_err());
    }
}
