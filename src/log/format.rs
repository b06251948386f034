//! How log records read: escaped payloads, one-line summaries, the text line and the JSON
//! line (the schema of `sockscope run --json`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::{LogContext, Record, SessionLog};
use crate::engine::{Addr, EventKind, Responder, SockId, SocketInfo};

/// Which way a record goes, for the log's direction column and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// A command issued by the user.
    Command,
    /// Bytes sent.
    Sent,
    /// Bytes received.
    Received,
    /// Any other event (bound, accepted, closed, …).
    Event,
    /// A failure.
    Error,
}

impl Direction {
    /// The direction's lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Command => "command",
            Direction::Sent => "sent",
            Direction::Received => "received",
            Direction::Event => "event",
            Direction::Error => "error",
        }
    }
}

/// The direction of a record.
pub fn direction(rec: &Record) -> Direction {
    match rec {
        Record::Command { .. } => Direction::Command,
        Record::Event(ev) => match ev.kind {
            EventKind::Sent { .. } => Direction::Sent,
            EventKind::Received { .. } | EventKind::Message { .. } => Direction::Received,
            EventKind::Failed(_) => Direction::Error,
            _ => Direction::Event,
        },
    }
}

/// The payload bytes a record carries, if any; `None` too when the payload has left memory
/// (see [`payload_len`] and [`is_evicted`]).
pub fn payload(rec: &Record) -> Option<&[u8]> {
    match rec {
        Record::Event(ev) => ev.payload(),
        Record::Command { .. } => None,
    }
}

/// The length of the payload a record carries, right even when the bytes have left memory.
pub fn payload_len(rec: &Record) -> Option<usize> {
    match rec {
        Record::Event(ev) => ev.payload_len(),
        Record::Command { .. } => None,
    }
}

/// True when the record's payload has left memory to keep the log within its budget.
pub fn is_evicted(rec: &Record) -> bool {
    matches!(rec, Record::Event(ev) if ev.evicted().is_some())
}

/// What stands for a payload that has left memory.
pub const EVICTED_NOTE: &str = "(payload no longer in memory; it is in the journal)";

/// The local and peer addresses a record names.
pub fn addresses(rec: &Record) -> (Option<&Addr>, Option<&Addr>) {
    match rec {
        Record::Event(ev) => event_addresses(&ev.kind),
        Record::Command { .. } => (None, None),
    }
}

/// The local and peer addresses an event names.
pub fn event_addresses(kind: &EventKind) -> (Option<&Addr>, Option<&Addr>) {
    match kind {
        EventKind::Bound { local, .. } | EventKind::Listening { local, .. } => (Some(local), None),
        EventKind::Accepted { local, peer, .. } | EventKind::Connected { local, peer } => {
            (Some(local), Some(peer))
        }
        EventKind::Connecting { peer } => (None, Some(peer)),
        EventKind::Sent { peer, .. }
        | EventKind::Received { peer, .. }
        | EventKind::Message { peer, .. } => (None, peer.as_ref()),
        EventKind::Failed(e) => (None, e.addr.as_ref()),
        _ => (None, None),
    }
}

/// The local and peer addresses of a record, the local one filled in from what the log
/// knows of its socket (a received chunk names only its peer). `log` is the
/// [`SessionLog`] or a [`LogContext`] (the journal writer's mirror of it).
pub fn addresses_in<'a, L: AsRef<LogContext> + ?Sized>(
    rec: &'a Record,
    log: &'a L,
) -> (Option<&'a Addr>, Option<&'a Addr>) {
    let ctx = log.as_ref();
    let (local, peer) = addresses(rec);
    let local = local.or_else(|| {
        let traffic = matches!(direction(rec), Direction::Sent | Direction::Received);
        traffic
            .then(|| rec.socket().and_then(|id| ctx.local_of(id)))
            .flatten()
    });
    (local, peer)
}

/// True when the bytes read well as text: valid UTF-8, mostly printable.
pub fn is_texty(data: &[u8]) -> bool {
    let s = match std::str::from_utf8(data) {
        Ok(s) => s,
        // A prefix cut inside its last character still counts as text.
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&data[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    let odd = s
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    odd * 4 <= s.chars().count()
}

/// Bytes as a quoted string with the language's escapes (`\n \r \t \0 \\ \" \xHH`), the
/// same text a command line would carry (it parses back to the same bytes).
pub fn quoted(data: &[u8]) -> String {
    format!("\"{}\"", crate::lang::escape_bytes(data))
}

/// A count and its noun, singular for one: `1 socket`, `2 sockets`, `0 errors`. `noun` is
/// the singular; the plural adds an `s`.
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Bytes as lower-case hex, no separators.
pub fn hex(data: &[u8]) -> String {
    let mut out = Vec::with_capacity(data.len() * 2);
    for &b in data {
        out.extend_from_slice(&hex_pair(b));
    }
    // Hex digits are ASCII: this never falls back to the empty string.
    String::from_utf8(out).unwrap_or_default()
}

/// One byte as its two lower-case hex digits (ASCII).
pub fn hex_pair(b: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]]
}

/// Bytes as a person reads them: quoted text when texty, else `hex:…`; at most `max` bytes
/// shown, the rest counted.
pub fn show_bytes(data: &[u8], max: usize) -> String {
    let cut = data.len().min(max);
    let shown = &data[..cut];
    // Text or binary is judged on what is shown (a 64 KiB chunk is not scanned for a line).
    let mut s = if is_texty(shown) {
        quoted(shown)
    } else {
        format!("hex:{}", hex(shown))
    };
    if cut < data.len() {
        let _ = write!(s, "…(+{})", plural((data.len() - cut) as u64, "byte"));
    }
    s
}

fn responder_text(r: &Responder) -> String {
    match r {
        Responder::Off => "off".into(),
        Responder::Echo => "echo".into(),
        Responder::Upper => "upper".into(),
        Responder::Fixed(crate::engine::Payload::Bytes(b)) => show_bytes(b, 64),
        Responder::Fixed(crate::engine::Payload::File(p)) => format!("file:{}", p.display()),
    }
}

/// One line saying what a record is, without time or socket; payloads cut after `max` bytes.
/// `log` is the [`SessionLog`] or a [`LogContext`] (the journal writer's mirror of it).
pub fn summary<L: AsRef<LogContext> + ?Sized>(rec: &Record, log: &L, max: usize) -> String {
    let line = summary_of(rec, log, max);
    if is_traffic(rec) && rec.socket().is_some_and(|id| log.as_ref().decrypted(id)) {
        return format!("{line} (decrypted TLS)");
    }
    line
}

/// True for a record carrying a payload that went over the wire (sent, received, a message).
fn is_traffic(rec: &Record) -> bool {
    matches!(rec, Record::Event(ev) if matches!(ev.kind, EventKind::Sent { .. } | EventKind::Received { .. } | EventKind::Message { .. }))
}

fn summary_of<L: AsRef<LogContext> + ?Sized>(rec: &Record, log: &L, max: usize) -> String {
    let ev = match rec {
        Record::Command { line, .. } => return format!("> {line}"),
        Record::Event(ev) => ev,
    };
    let opt = |a: &Option<Addr>| {
        a.as_ref()
            .map(|a| a.to_string())
            .unwrap_or_else(|| "?".into())
    };
    match &ev.kind {
        EventKind::Created {
            proto,
            family,
            name,
        } => match name {
            Some(n) => format!("created {proto} {family} socket as {n}"),
            None => format!("created {proto} {family} socket"),
        },
        EventKind::Bound { local, implicit } => {
            if *implicit {
                format!("bound {local} (chosen by the OS on first use)")
            } else {
                format!("bound {local}")
            }
        }
        EventKind::Listening { local, backlog } => {
            format!("listening on {local} (backlog {backlog})")
        }
        EventKind::Accepted {
            listener,
            local,
            peer,
            ..
        } => {
            format!(
                "accepted {peer} on {local} (from {})",
                log.as_ref().label(*listener)
            )
        }
        EventKind::Connecting { peer } => format!("connecting to {peer}"),
        EventKind::Connected { local, peer } => format!("connected {local} -> {peer}"),
        EventKind::Sent { peer, data, reply } => format!(
            "{} {} to {}: {}",
            if *reply { "replied" } else { "sent" },
            plural(ev.payload_len().unwrap_or(data.len()) as u64, "byte"),
            opt(peer),
            shown_payload(rec, max)
        ),
        EventKind::SendProgress { sent, total } => {
            format!("sending: {sent} of {}", plural(*total, "byte"))
        }
        EventKind::Received {
            peer,
            data,
            truncated_from,
        } => {
            let mut s = format!(
                "received {} from {}: {}",
                plural(ev.payload_len().unwrap_or(data.len()) as u64, "byte"),
                opt(peer),
                shown_payload(rec, max)
            );
            if let Some(real) = truncated_from {
                let _ = write!(
                    s,
                    " (datagram of {} truncated to the receive buffer)",
                    plural(*real as u64, "byte")
                );
            }
            s
        }
        EventKind::PeerClosed => "peer closed its side (recv returned 0)".into(),
        EventKind::Shut { how } => format!("shutdown {how}"),
        EventKind::AutoAccept { on } => format!("auto-accept {}", if *on { "on" } else { "off" }),
        EventKind::Responding { responder } => format!("responder {}", responder_text(responder)),
        EventKind::Closed => "closed".into(),
        EventKind::Reset => "reset by the peer (RST): the connection is gone both ways".into(),
        EventKind::Status(list) => format!("status: {}", plural(list.len() as u64, "socket")),
        EventKind::Failed(e) => format!("error: {e}"),
        EventKind::Message { peer, data } => format!(
            "message of {} from {}: {}",
            plural(ev.payload_len().unwrap_or(data.len()) as u64, "byte"),
            opt(peer),
            shown_payload(rec, max)
        ),
        EventKind::Readiness {
            readable,
            writable,
            pending,
        } => format!(
            "ready: {}readable, {}writable, {pending} bytes waiting",
            if *readable { "" } else { "not " },
            if *writable { "" } else { "not " }
        ),
        EventKind::WouldBlock => "recv would block: nothing to read".into(),
        EventKind::Set(setting) => setting.to_string(),
        EventKind::RepeatDone { sent } => format!("repeat done: {sent} sends"),
        EventKind::Flooded { msgs, bytes } => {
            format!("flood: {msgs} more sends, {bytes} more bytes")
        }
        EventKind::Stats(s) => format!(
            "in {} B in {} msgs, out {} B in {} msgs; over the last {:.3} s: in {:.0} B/s, out {:.0} B/s",
            s.bytes_in, s.msgs_in, s.bytes_out, s.msgs_out, s.secs, s.rate_in, s.rate_out
        ),
        EventKind::Tls(t) => t.describe(),
    }
}

/// The payload as [`show_bytes`] shows it, or [`EVICTED_NOTE`] once it has left memory.
fn shown_payload(rec: &Record, max: usize) -> String {
    match payload(rec) {
        Some(data) => show_bytes(data, max),
        None => EVICTED_NOTE.to_string(),
    }
}

/// One line of `status`: id, name, protocol, state, local and peer address, bytes in and out.
pub fn status_line(s: &SocketInfo) -> String {
    let opt = |a: &Option<Addr>| {
        a.as_ref()
            .map(|a| a.to_string())
            .unwrap_or_else(|| "-".into())
    };
    let mut line = format!(
        "{:<5} {:<10} {} {} {:<11} local {:<22} peer {:<22} in {} B out {} B",
        s.id.to_string(),
        s.name.as_deref().unwrap_or("-"),
        s.proto,
        s.family,
        s.state.to_string(),
        opt(&s.local),
        opt(&s.peer),
        s.bytes_in,
        s.bytes_out
    );
    if let Some(tcp) = s.tcp_state {
        line.push_str(" kernel ");
        line.push_str(tcp);
    }
    match s.on_close {
        Some(Some(p)) => line.push_str(&format!(" onclose {p}")),
        Some(None) => line.push_str(" onclose default (auto-accepted: close, accepted: keep)"),
        None => {}
    }
    if let Some(tls) = &s.tls {
        line.push_str(" tls ");
        line.push_str(tls);
    }
    line
}

/// Seconds since the session started.
pub fn since(log: &SessionLog, at: SystemTime) -> f64 {
    at.duration_since(log.started())
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// RFC 3339 UTC time with microseconds.
pub fn rfc3339(at: SystemTime) -> String {
    DateTime::<Utc>::from(at).to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The record as a line of the text log: time since start, socket, summary.
pub fn text_line(rec: &Record, log: &SessionLog, max: usize) -> String {
    let sock = rec
        .socket()
        .map(|id| log.label(id))
        .unwrap_or_else(|| "-".into());
    format!(
        "{:>11.6} {:<6} {}",
        since(log, rec.at()),
        sock,
        summary(rec, log, max)
    )
}

/// The record as a JSON object (`ts`, `t`, `socket`, `event`, `local`, `peer`, `len`,
/// `text`, `hex`, and per event more).
/// A payload that has left memory has `len` and `"evicted": true`, and no `text` or `hex`.
/// `log` is the [`SessionLog`] or a [`LogContext`] (the journal writer's mirror of it).
pub fn json_value<L: AsRef<LogContext> + ?Sized>(rec: &Record, log: &L) -> Value {
    Value::Object(json_object(rec, log.as_ref(), true))
}

/// The object of [`json_value`]; with `with_hex` false, a payload's `hex` is `null`, for a
/// writer that writes the hex digits itself instead of building the string (the journal's).
pub(super) fn json_object(rec: &Record, ctx: &LogContext, with_hex: bool) -> Map<String, Value> {
    let mut m = json_object_parts(rec, ctx.started(), ctx.names(), with_hex);
    if is_traffic(rec) && rec.socket().is_some_and(|id| ctx.decrypted(id)) {
        m.insert("decrypted".into(), json!(true)); // TLS: the plaintext, not the records
    }
    if let (Some(local), _) = addresses_in(rec, ctx)
        && !m.contains_key("local")
    {
        m.insert("local".into(), json!(local.to_string()));
    }
    m
}

/// [`json_value`] from the parts of the log it needs: the session's start and the names.
pub fn json_value_parts(
    rec: &Record,
    started: SystemTime,
    names: &HashMap<SockId, String>,
) -> Value {
    Value::Object(json_object_parts(rec, started, names, true))
}

fn json_object_parts(
    rec: &Record,
    started: SystemTime,
    names: &HashMap<SockId, String>,
    with_hex: bool,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("ts".into(), json!(rfc3339(rec.at())));
    let t = rec
        .at()
        .duration_since(started)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    m.insert("t".into(), json!(t));
    if let Some(id) = rec.socket() {
        m.insert("socket".into(), json!(id.to_string()));
        if let Some(n) = names.get(&id) {
            m.insert("name".into(), json!(n));
        }
    }
    let event = match rec {
        Record::Command { line, .. } => {
            m.insert("command".into(), json!(line));
            "command"
        }
        Record::Event(ev) => ev.kind.name(),
    };
    m.insert("event".into(), json!(event));
    let (local, peer) = addresses(rec);
    if let Some(a) = local {
        m.insert("local".into(), json!(a.to_string()));
    }
    if let Some(a) = peer {
        m.insert("peer".into(), json!(a.to_string()));
    }
    if let Some(len) = payload_len(rec) {
        m.insert("len".into(), json!(len));
        match payload(rec) {
            Some(data) => {
                if let Ok(s) = std::str::from_utf8(data) {
                    m.insert("text".into(), json!(s));
                }
                let digits = if with_hex {
                    json!(hex(data))
                } else {
                    Value::Null
                };
                m.insert("hex".into(), digits);
            }
            None => {
                m.insert("evicted".into(), json!(true));
            }
        }
    }
    if let Record::Event(ev) = rec {
        match &ev.kind {
            EventKind::Failed(e) => {
                m.insert("error".into(), json!(e.to_string()));
                if let Some(n) = e.cause.errno() {
                    m.insert("errno".into(), json!(n));
                    if let Some(name) = crate::engine::errno_name(n) {
                        m.insert("errno_name".into(), json!(name));
                    }
                }
            }
            EventKind::Received {
                truncated_from: Some(n),
                ..
            } => {
                m.insert("truncated_from".into(), json!(n));
            }
            EventKind::Sent { reply: true, .. } => {
                m.insert("reply".into(), json!(true));
            }
            EventKind::Accepted { listener, .. } => {
                m.insert("listener".into(), json!(listener.to_string()));
            }
            EventKind::Listening { backlog, .. } => {
                m.insert("backlog".into(), json!(backlog));
            }
            EventKind::Status(list) => {
                let rows: Vec<Value> = list.iter().map(status_json).collect();
                m.insert("sockets".into(), Value::Array(rows));
            }
            EventKind::Readiness {
                readable,
                writable,
                pending,
            } => {
                m.insert("readable".into(), json!(readable));
                m.insert("writable".into(), json!(writable));
                m.insert("pending".into(), json!(pending));
            }
            EventKind::Set(setting) => {
                m.insert("setting".into(), json!(setting.to_string()));
            }
            EventKind::RepeatDone { sent } => {
                m.insert("sent".into(), json!(sent));
            }
            EventKind::Flooded { msgs, bytes } => {
                m.insert("msgs".into(), json!(msgs));
                m.insert("bytes".into(), json!(bytes));
            }
            EventKind::Stats(s) => {
                m.insert("bytes_in".into(), json!(s.bytes_in));
                m.insert("bytes_out".into(), json!(s.bytes_out));
                m.insert("msgs_in".into(), json!(s.msgs_in));
                m.insert("msgs_out".into(), json!(s.msgs_out));
                m.insert("secs".into(), json!(s.secs));
                m.insert("rate_in".into(), json!(s.rate_in));
                m.insert("rate_out".into(), json!(s.rate_out));
            }
            EventKind::Tls(t) => {
                m.insert("tls".into(), serde_json::to_value(t).unwrap_or(Value::Null));
            }
            _ => {}
        }
    }
    m
}

fn status_json(s: &SocketInfo) -> Value {
    json!({
        "socket": s.id.to_string(),
        "name": s.name,
        "proto": s.proto.to_string(),
        "family": s.family.to_string(),
        "state": s.state.to_string(),
        "local": s.local.as_ref().map(|a| a.to_string()),
        "peer": s.peer.as_ref().map(|a| a.to_string()),
        "bytes_in": s.bytes_in,
        "bytes_out": s.bytes_out,
        "tcp_state": s.tcp_state,
        "onclose": s.on_close.map(|p| p.map_or("default".to_string(), |p| p.to_string())),
    })
}

/// The record as one JSON line.
pub fn json_line(rec: &Record, log: &SessionLog) -> String {
    json_value(rec, log).to_string()
}

#[cfg(test)]
mod shown_tests {
    use super::*;

    #[test]
    fn hex_and_shown_bytes() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(show_bytes(b"hello", 64), "\"hello\"");
        assert_eq!(show_bytes(&[0xde, 0xad, 0xbe, 0xef], 64), "hex:deadbeef");
        assert_eq!(show_bytes(b"hello world", 5), "\"hello\"…(+6 bytes)");
        // Cut inside a two-byte character: still text, the partial byte escaped.
        assert_eq!(show_bytes("aé".as_bytes(), 2), "\"a\\xc3\"…(+1 byte)");
        // Text first, binary later: judged on what is shown.
        let mut mixed = b"GET / HTTP/1.0".to_vec();
        mixed.extend([0u8; 100]);
        assert!(show_bytes(&mixed, 8).starts_with("\"GET / HT\""));
    }
}
