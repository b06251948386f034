//! One record of the log as every file format sees it: a [`Row`], converted once from a
//! live [`Record`] ([`Row::from_record`]) or read back from a saved file or a journal
//! ([`super::read`]); the writers of `super::writer` (text, JSON lines, CSV) take rows only.

use std::sync::Arc;

use serde_json::{Value, json};

use super::format::{self, addresses_in, payload_len, rfc3339};
use super::{LogContext, Record};
use crate::engine::{EventKind, SocketInfo};

/// Which way a record goes, for the log's direction column and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// A command issued by the user.
    Command,
    /// Bytes sent.
    Sent,
    /// Bytes received.
    Received,
    /// Any other event (bound, accepted, closed, …).
    #[default]
    Event,
    /// A failure.
    Error,
}

impl Direction {
    /// Every direction, in the order of the log's filter bar.
    pub const ALL: [Direction; 5] = [
        Direction::Command,
        Direction::Sent,
        Direction::Received,
        Direction::Event,
        Direction::Error,
    ];

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

    /// The direction a [`Direction::name`] names, if any.
    pub fn from_name(name: &str) -> Option<Direction> {
        Direction::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The direction of an event by its JSON name (`sent`, `message`, `bound`, …).
    pub fn of_event(event: &str) -> Direction {
        match event {
            "command" => Direction::Command,
            "sent" => Direction::Sent,
            "received" | "message" => Direction::Received,
            "error" => Direction::Error,
            _ => Direction::Event,
        }
    }

    /// The direction of a record.
    pub fn of(rec: &Record) -> Direction {
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
}

/// One record of the log, as far as the formats agree on it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    /// The record's number in the session (journals only).
    pub seq: Option<u64>,
    /// Wall-clock time, RFC 3339 UTC with microseconds.
    pub ts: String,
    /// Seconds since the session started.
    pub t: f64,
    /// The socket id (`s3`).
    pub socket: Option<String>,
    /// The socket's name (JSON only).
    pub name: Option<String>,
    /// The event's name (`sent`, `bound`, …, or `command`).
    pub event: String,
    /// Which way the record goes.
    pub direction: Direction,
    /// Local address.
    pub local: Option<String>,
    /// Peer address.
    pub peer: Option<String>,
    /// Payload length (also when the payload itself was evicted).
    pub len: Option<usize>,
    /// The payload bytes, when the record (or file) has them.
    pub payload: Option<Arc<[u8]>>,
    /// The payload as text, as a file read back gave it (when valid, non-empty UTF-8); the
    /// writers derive it from `payload`.
    pub text: Option<String>,
    /// The command line, for commands.
    pub command: Option<String>,
    /// The error message, for failures.
    pub error: Option<String>,
    /// The one-line summary ([`Row::with_summary`]; read back from CSV and journals).
    pub summary: Option<String>,
    /// True when the payload had left memory when the row was made.
    pub evicted: bool,
    /// The JSON keys only some events carry (`errno`, `backlog`, `sockets`, …), written
    /// after the common ones in key order; empty for rows read back.
    pub extra: Vec<(&'static str, Value)>,
    /// Lines the text log writes under the row's own (a `status`'s sockets).
    pub details: Vec<String>,
}

impl Row {
    /// The row of a live record. `ctx` (the log's [`LogContext`], or the journal writer's
    /// mirror of it) gives the times, names and local addresses; no summary yet.
    pub fn from_record(rec: &Record, ctx: &LogContext) -> Row {
        let at = rec.at();
        let (local, peer) = addresses_in(rec, ctx);
        let mut row = Row {
            ts: rfc3339(at),
            t: at
                .duration_since(ctx.started())
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0),
            socket: rec.socket().map(|id| id.to_string()),
            name: rec.socket().and_then(|id| ctx.names().get(&id).cloned()),
            direction: Direction::of(rec),
            local: local.map(ToString::to_string),
            peer: peer.map(ToString::to_string),
            len: payload_len(rec),
            evicted: format::is_evicted(rec),
            ..Row::default()
        };
        match rec {
            Record::Command { line, .. } => {
                row.event = "command".into();
                row.command = Some(line.clone());
            }
            Record::Event(ev) => {
                row.event = ev.kind.name().into();
                row.payload = if row.evicted {
                    None
                } else {
                    payload_arc(&ev.kind)
                };
                if let EventKind::Failed(e) = &ev.kind {
                    row.error = Some(e.to_string());
                }
                row.extra = extra_keys(&ev.kind);
                if format::is_traffic(rec) && rec.socket().is_some_and(|id| ctx.decrypted(id)) {
                    row.extra.push(("decrypted", json!(true))); // TLS: the plaintext, not the records
                }
                if let EventKind::Status(list) = &ev.kind {
                    row.details = list.iter().map(format::status_line).collect();
                }
            }
        }
        row
    }

    /// The row with its summary ([`format::summary`], payloads cut after `max` bytes).
    pub fn with_summary(mut self, rec: &Record, ctx: &LogContext, max: usize) -> Row {
        self.summary = Some(format::summary(rec, ctx, max));
        self
    }

    /// How the text log names the row's socket: its name, else its id, else `-`.
    pub fn label(&self) -> &str {
        self.name
            .as_deref()
            .or(self.socket.as_deref())
            .unwrap_or("-")
    }
}

/// The payload of a payload-carrying event, shared with the event (no copy).
fn payload_arc(kind: &EventKind) -> Option<Arc<[u8]>> {
    match kind {
        EventKind::Sent { data, .. }
        | EventKind::Received { data, .. }
        | EventKind::Message { data, .. } => Some(data.clone()),
        _ => None,
    }
}

/// The JSON keys an event carries besides the common ones.
fn extra_keys(kind: &EventKind) -> Vec<(&'static str, Value)> {
    match kind {
        EventKind::Failed(e) => match e.cause.errno() {
            Some(n) => {
                let mut v = vec![("errno", json!(n))];
                if let Some(name) = crate::engine::errno_name(n) {
                    v.push(("errno_name", json!(name)));
                }
                v
            }
            None => Vec::new(),
        },
        EventKind::Received {
            truncated_from: Some(n),
            ..
        } => vec![("truncated_from", json!(n))],
        EventKind::Sent { reply: true, .. } => vec![("reply", json!(true))],
        EventKind::Accepted { listener, .. } => vec![("listener", json!(listener.to_string()))],
        EventKind::Listening { backlog, .. } => vec![("backlog", json!(backlog))],
        EventKind::Status(list) => vec![(
            "sockets",
            Value::Array(list.iter().map(status_json).collect()),
        )],
        EventKind::Readiness {
            readable,
            writable,
            pending,
        } => vec![
            ("readable", json!(readable)),
            ("writable", json!(writable)),
            ("pending", json!(pending)),
        ],
        EventKind::Set(setting) => vec![("setting", json!(setting.to_string()))],
        EventKind::RepeatDone { sent } => vec![("sent", json!(sent))],
        EventKind::Flooded { msgs, bytes } => vec![("msgs", json!(msgs)), ("bytes", json!(bytes))],
        EventKind::Stats(s) => vec![
            ("bytes_in", json!(s.counters.bytes_in)),
            ("bytes_out", json!(s.counters.bytes_out)),
            ("msgs_in", json!(s.counters.msgs_in)),
            ("msgs_out", json!(s.counters.msgs_out)),
            ("secs", json!(s.secs)),
            ("rate_in", json!(s.rate_in)),
            ("rate_out", json!(s.rate_out)),
        ],
        EventKind::Tls(t) => vec![("tls", serde_json::to_value(t).unwrap_or(Value::Null))],
        _ => Vec::new(),
    }
}

/// One socket of a `status` as a JSON object.
fn status_json(s: &SocketInfo) -> Value {
    json!({
        "socket": s.id.to_string(),
        "name": s.name,
        "proto": s.proto.to_string(),
        "family": s.family.to_string(),
        "state": s.state.to_string(),
        "local": s.local.as_ref().map(|a| a.to_string()),
        "peer": s.peer.as_ref().map(|a| a.to_string()),
        "bytes_in": s.counters.bytes_in,
        "bytes_out": s.counters.bytes_out,
        "tcp_state": s.tcp_state,
        "onclose": s.on_close.map(|p| p.map_or("default".to_string(), |p| p.to_string())),
    })
}
