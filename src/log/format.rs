//! How log records read: escaped payloads, one-line summaries, addresses and times; the
//! text and JSON lines of one record (written by [`super::writer`]).

use std::fmt::Write as _;
use std::time::SystemTime;

use super::row::Row;
use super::{LogContext, Record, SessionLog, writer};
use crate::engine::{Addr, EventKind, Responder, SocketInfo};
use chrono::{DateTime, SecondsFormat, Utc};

pub use super::row::Direction;

/// The direction of a record ([`Direction::of`]).
pub fn direction(rec: &Record) -> Direction {
    Direction::of(rec)
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
pub(crate) fn is_traffic(rec: &Record) -> bool {
    matches!(rec, Record::Event(ev) if matches!(ev.kind, EventKind::Sent { .. } | EventKind::Received { .. } | EventKind::Message { .. }))
}

fn summary_of<L: AsRef<LogContext> + ?Sized>(rec: &Record, log: &L, max: usize) -> String {
    let ev = match rec {
        Record::Command { line, .. } => return format!("> {line}"),
        Record::Event(ev) => ev,
    };
    match &ev.kind {
        EventKind::Sent { .. } | EventKind::Received { .. } | EventKind::Message { .. } => {
            traffic_summary(rec, &ev.kind, max)
        }
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
        kind => other_summary(kind),
    }
}

/// The summary of a payload record: what, how many bytes, the peer, the bytes shown.
fn traffic_summary(rec: &Record, kind: &EventKind, max: usize) -> String {
    let opt = |a: &Option<Addr>| {
        a.as_ref()
            .map(|a| a.to_string())
            .unwrap_or_else(|| "?".into())
    };
    let bytes = || plural(payload_len(rec).unwrap_or(0) as u64, "byte");
    match kind {
        EventKind::Sent { peer, reply, .. } => format!(
            "{} {} to {}: {}",
            if *reply { "replied" } else { "sent" },
            bytes(),
            opt(peer),
            shown_payload(rec, max)
        ),
        EventKind::Received {
            peer,
            truncated_from,
            ..
        } => {
            let mut s = format!(
                "received {} from {}: {}",
                bytes(),
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
        EventKind::Message { peer, .. } => format!(
            "message of {} from {}: {}",
            bytes(),
            opt(peer),
            shown_payload(rec, max)
        ),
        _ => String::new(),
    }
}

/// The summary of an event that carries neither payload nor addresses.
fn other_summary(kind: &EventKind) -> String {
    match kind {
        EventKind::SendProgress { sent, total } => {
            format!("sending: {sent} of {}", plural(*total, "byte"))
        }
        EventKind::PeerClosed => "peer closed its side (recv returned 0)".into(),
        EventKind::Shut { how } => format!("shutdown {how}"),
        EventKind::AutoAccept { on } => format!("auto-accept {}", if *on { "on" } else { "off" }),
        EventKind::Responding { responder } => format!("responder {}", responder_text(responder)),
        EventKind::Closed => "closed".into(),
        EventKind::Reset => "reset by the peer (RST): the connection is gone both ways".into(),
        EventKind::Status(list) => format!("status: {}", plural(list.len() as u64, "socket")),
        EventKind::Failed(e) => format!("error: {e}"),
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
            s.counters.bytes_in,
            s.counters.msgs_in,
            s.counters.bytes_out,
            s.counters.msgs_out,
            s.secs,
            s.rate_in,
            s.rate_out
        ),
        EventKind::Tls(t) => t.describe(),
        // Summarized by `summary` itself (listed, so that a new kind must be taught here).
        EventKind::Sent { .. }
        | EventKind::Received { .. }
        | EventKind::Message { .. }
        | EventKind::Created { .. }
        | EventKind::Bound { .. }
        | EventKind::Listening { .. }
        | EventKind::Accepted { .. }
        | EventKind::Connecting { .. }
        | EventKind::Connected { .. } => String::new(),
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
        s.counters.bytes_in,
        s.counters.bytes_out
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

/// The record as a line of the text log: time since start, socket, summary (payloads cut
/// after `max` bytes).
pub fn text_line(rec: &Record, log: &SessionLog, max: usize) -> String {
    let ctx = log.context();
    writer::text::line(&Row::from_record(rec, ctx).with_summary(rec, ctx, max))
}

/// The record as one JSON line (the schema of `sockscope run --json`, [`writer::json`]).
pub fn json_line(rec: &Record, log: &SessionLog) -> String {
    writer::json::line(&Row::from_record(rec, log.context()))
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
