//! JSON lines: one object a row, keys in order, written by serde_json straight into the
//! file (a payload's hex digits are streamed, never built as one string).

use std::fmt;
use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::log::format::hex_pair;
use crate::log::row::Row;

/// One value of a row's object.
enum Field<'a> {
    Str(&'a str),
    F64(f64),
    U64(u64),
    Bool(bool),
    Hex(&'a [u8]),
    Json(&'a Value),
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Str(v) => s.serialize_str(v),
            Field::F64(v) => s.serialize_f64(*v),
            Field::U64(v) => s.serialize_u64(*v),
            Field::Bool(v) => s.serialize_bool(*v),
            Field::Hex(data) => s.collect_str(&Hex(data)),
            Field::Json(v) => v.serialize(s),
        }
    }
}

/// Bytes shown as lower-case hex digits, a buffer at a time.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 8192];
        for chunk in self.0.chunks(buf.len() / 2) {
            for (pair, &b) in buf.chunks_exact_mut(2).zip(chunk) {
                pair.copy_from_slice(&hex_pair(b));
            }
            // Hex digits are ASCII: never the empty fallback.
            f.write_str(std::str::from_utf8(&buf[..chunk.len() * 2]).unwrap_or_default())?;
        }
        Ok(())
    }
}

/// A row as the JSON object of `sockscope run --json`: `ts`, `t`, `socket`, `name`,
/// `event`, `local`, `peer`, `len`, `text`, `hex`, `evicted`, `command`, `error`,
/// `summary`, `seq` when the row has them, and the event's own keys; in key order.
pub struct JsonRow<'a>(pub &'a Row);

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = fields(self.0);
        let mut map = s.serialize_map(Some(fields.len()))?;
        for (k, v) in &fields {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The row's keys and values, sorted by key.
fn fields(row: &Row) -> Vec<(&str, Field<'_>)> {
    let mut f = vec![
        ("ts", Field::Str(&row.ts)),
        ("t", Field::F64(row.t)),
        ("event", Field::Str(&row.event)),
    ];
    for (k, v) in [
        ("socket", &row.socket),
        ("name", &row.name),
        ("local", &row.local),
        ("peer", &row.peer),
        ("command", &row.command),
        ("error", &row.error),
        ("summary", &row.summary),
    ] {
        if let Some(v) = v {
            f.push((k, Field::Str(v)));
        }
    }
    if let Some(n) = row.len {
        f.push(("len", Field::U64(n as u64)));
    }
    if let Some(p) = &row.payload {
        if let Ok(t) = std::str::from_utf8(p) {
            f.push(("text", Field::Str(t)));
        }
        f.push(("hex", Field::Hex(p)));
    }
    if row.evicted {
        f.push(("evicted", Field::Bool(true)));
    }
    if let Some(seq) = row.seq {
        f.push(("seq", Field::U64(seq)));
    }
    f.extend(row.extra.iter().map(|(k, v)| (*k, Field::Json(v))));
    f.sort_by(|a, b| a.0.cmp(b.0));
    f
}

/// Writes the row as one JSON line.
pub fn write(w: &mut dyn Write, row: &Row) -> io::Result<()> {
    serde_json::to_writer(&mut *w, &JsonRow(row)).map_err(io::Error::from)?;
    w.write_all(b"\n")
}

/// The row as one JSON line, without a newline.
pub fn line(row: &Row) -> String {
    // Serializing a row cannot fail: its keys are strings and its floats become `null`
    // when not finite.
    serde_json::to_string(&JsonRow(row)).unwrap_or_default()
}
