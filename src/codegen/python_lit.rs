//! Python literals: bytes, strings, addresses, payloads and durations as a program writes them.

use std::time::Duration;

use crate::engine::{Addr, AddrSpec, Family, Payload};

use super::names::Names;

/// `b"..."` holding exactly these bytes.
pub(crate) fn py_bytes(bytes: &[u8]) -> String {
    let mut out = String::from("b\"");
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// `"..."` holding this text, with everything but printable ASCII escaped.
pub(crate) fn py_str(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            ' '..='~' => out.push(c),
            c if u32::from(c) < 0x100 => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c if u32::from(c) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// The payload as a Python expression giving its bytes.
pub(crate) fn py_payload(p: &Payload) -> String {
    match p {
        Payload::Bytes(b) => py_bytes(b),
        Payload::File(path) => format!("open({}, \"rb\").read()", py_str(&path.to_string_lossy())),
    }
}

/// A duration in seconds, as Python writes a float.
pub(crate) fn py_secs(d: Duration) -> String {
    let s = format!("{}", d.as_secs_f64());
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

/// The address as Python's socket calls take it, for a socket of `family`; `None` when it
/// names a socket the script never made.
pub(crate) fn py_addr(spec: &AddrSpec, family: Family, names: &Names) -> Option<String> {
    Some(match spec {
        AddrSpec::Exact(a) => exact_addr(a),
        AddrSpec::Any(port) => match family {
            Family::V6 => format!("(\"::\", {port})"),
            _ => format!("(\"0.0.0.0\", {port})"),
        },
        AddrSpec::Host(host, port) => format!("({}, {port})", py_str(host)),
        AddrSpec::LocalOf(r) => format!("reachable({}.getsockname())", names.get(r)?.var),
    })
}

fn exact_addr(a: &Addr) -> String {
    match a {
        Addr::Ip(std::net::SocketAddr::V4(v4)) => format!("(\"{}\", {})", v4.ip(), v4.port()),
        Addr::Ip(std::net::SocketAddr::V6(v6)) => {
            format!("(\"{}\", {}, 0, {})", v6.ip(), v6.port(), v6.scope_id())
        }
        Addr::Path(p) => py_str(&p.to_string_lossy()),
        Addr::Abstract(name) => py_str(&format!("\0{name}")),
        Addr::Unnamed => "\"\"".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_strings_escape_what_python_needs() {
        assert_eq!(py_bytes(b"a\"\\\n\x00\xff"), r#"b"a\"\\\n\x00\xff""#);
        assert_eq!(py_str("\0é\u{1F600}"), r#""\x00\xe9\U0001f600""#);
        assert_eq!(py_secs(Duration::from_millis(20)), "0.02");
        assert_eq!(py_secs(Duration::from_secs(2)), "2.0");
    }
}
