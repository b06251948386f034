//! Reading saved logs back: `.jsonl` (and journals) and `.csv` into comparable [`Row`]s; pcaps
//! with `super::read_pcap`'s reader.
//! Tests use it to check that every format round-trips; recovery uses it to read journals.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

pub use super::read_pcap::{Packet, parse_frame, read_pcap};
use super::row::Direction;

pub use super::row::Row;

/// Why a saved log could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A line or record is not what the format says.
    #[error("{}:{line}: {what}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line (1-based; for CSV, the record number counting the header as 1).
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// The pcap container itself is broken.
    #[error("cannot read {} as pcap: {source}", path.display())]
    Pcap {
        /// The file.
        path: PathBuf,
        /// What the pcap reader said.
        source: pcap_file::PcapError,
    },
}

fn read_text(path: &Path) -> Result<String, ReadError> {
    let mut s = String::new();
    File::open(path)
        .and_then(|f| BufReader::new(f).read_to_string(&mut s))
        .map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(s)
}

/// Decodes lower- or upper-case hex without separators.
pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|p| {
            let hi = (p[0] as char).to_digit(16)?;
            let lo = (p[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

fn opt_str(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A row from one JSON object of the `--json` schema (a `.jsonl` line or a journal line).
pub fn row_from_json(v: &Value) -> Result<Row, String> {
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    let ts = opt_str(v, "ts").ok_or("no \"ts\"")?;
    let event = opt_str(v, "event").ok_or("no \"event\"")?;
    let len = match v.get("len") {
        None | Some(Value::Null) => None,
        Some(n) => Some(n.as_u64().ok_or("\"len\" is not a count")? as usize),
    };
    let payload: Option<Arc<[u8]>> = match opt_str(v, "hex") {
        Some(h) => Some(Arc::from(decode_hex(&h).ok_or("\"hex\" is not hex")?)),
        None => None,
    };
    if let (Some(n), Some(p)) = (len, &payload)
        && n != p.len()
    {
        return Err(format!(
            "\"len\" is {n} but \"hex\" holds {} bytes",
            p.len()
        ));
    }
    Ok(Row {
        seq: v.get("seq").and_then(Value::as_u64),
        ts,
        t: v.get("t").and_then(Value::as_f64).unwrap_or(0.0),
        socket: opt_str(v, "socket"),
        name: opt_str(v, "name"),
        direction: Direction::of_event(&event),
        event,
        local: opt_str(v, "local"),
        peer: opt_str(v, "peer"),
        len,
        payload,
        text: opt_str(v, "text").filter(|s| !s.is_empty()),
        command: opt_str(v, "command"),
        error: opt_str(v, "error"),
        summary: opt_str(v, "summary"),
        evicted: v.get("evicted").and_then(Value::as_bool).unwrap_or(false),
        ..Row::default()
    })
}

/// Parses JSON lines; blank lines are skipped. Errors carry the 1-based line number.
pub fn parse_jsonl(text: &str) -> Result<Vec<Row>, (usize, String)> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| (i + 1, e.to_string()))?;
        rows.push(row_from_json(&v).map_err(|e| (i + 1, e))?);
    }
    Ok(rows)
}

/// Reads a `.jsonl` log.
pub fn read_jsonl(path: &Path) -> Result<Vec<Row>, ReadError> {
    parse_jsonl(&read_text(path)?).map_err(|(line, what)| ReadError::Parse {
        path: path.to_path_buf(),
        line,
        what,
    })
}

/// Splits CSV text (RFC 4180: `"` quotes, `""` inside quotes, CRLF or LF) into records.
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, (usize, String)> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    let mut dirty = false; // something was read for the current record
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    match chars.peek() {
                        None | Some(',') | Some('\n') | Some('\r') => {}
                        Some(other) => {
                            return Err((line, format!("{other:?} after a closing quote")));
                        }
                    }
                }
                c => {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                }
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                dirty = true;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                dirty = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                dirty = false;
                line += 1;
            }
            c => {
                field.push(c);
                dirty = true;
            }
        }
    }
    if quoted {
        return Err((line, "a quoted field is not closed".into()));
    }
    if dirty {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// The columns of a saved `.csv` log, in order.
pub const CSV_COLUMNS: [&str; 10] = [
    "time",
    "t",
    "socket",
    "direction",
    "event",
    "local",
    "peer",
    "length",
    "text",
    "hex",
];

/// Parses a `.csv` log (header and rows as [`super::save`] writes them).
pub fn parse_csv_log(text: &str) -> Result<Vec<Row>, (usize, String)> {
    let records = parse_csv(text)?;
    let mut it = records.into_iter();
    match it.next() {
        Some(h) if h == CSV_COLUMNS => {}
        Some(h) => return Err((1, format!("unexpected header {h:?}"))),
        None => return Err((1, "empty file, no header".into())),
    }
    let mut rows = Vec::new();
    for (i, rec) in it.enumerate() {
        let n = i + 2;
        let [
            time,
            t,
            socket,
            direction,
            event,
            local,
            peer,
            length,
            text,
            hex,
        ]: [String; 10] = rec
            .try_into()
            .map_err(|r: Vec<String>| (n, format!("{} fields instead of 10", r.len())))?;
        let some = |s: String| if s.is_empty() { None } else { Some(s) };
        let len = match length.as_str() {
            "" => None,
            s => Some(
                s.parse::<usize>()
                    .map_err(|_| (n, format!("length {s:?}")))?,
            ),
        };
        let evicted = len.is_some_and(|l| l > 0) && hex.is_empty();
        let payload = match (len, evicted) {
            (Some(_), false) => {
                let bytes =
                    decode_hex(&hex).ok_or_else(|| (n, "hex column is not hex".to_string()))?;
                Some(Arc::from(bytes))
            }
            _ => None,
        };
        let mut row = Row {
            ts: time,
            t: t.parse().map_err(|_| (n, format!("t {t:?}")))?,
            socket: some(socket),
            local: some(local),
            peer: some(peer),
            len,
            payload,
            evicted,
            ..Row::default()
        };
        let direction = Direction::from_name(&direction)
            .ok_or_else(|| (n, format!("direction {direction:?}")))?;
        match direction {
            Direction::Command => row.command = Some(text),
            Direction::Error => {
                row.error = Some(text.strip_prefix("error: ").unwrap_or(&text).to_string());
                row.summary = Some(text);
            }
            _ if len.is_some() => row.text = some(text),
            _ => row.summary = some(text),
        }
        row.direction = direction;
        row.event = event;
        rows.push(row);
    }
    Ok(rows)
}

/// Reads a `.csv` log.
pub fn read_csv(path: &Path) -> Result<Vec<Row>, ReadError> {
    parse_csv_log(&read_text(path)?).map_err(|(line, what)| ReadError::Parse {
        path: path.to_path_buf(),
        line,
        what,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_csv_parser_handles_quotes_and_newlines() {
        let text = "a,b,c\r\n\"x,1\",\"he said \"\"hi\"\"\",\"two\nlines\"\r\n,,\n";
        let recs = parse_csv(text).unwrap();
        assert_eq!(
            recs,
            vec![
                vec!["a", "b", "c"],
                vec!["x,1", "he said \"hi\"", "two\nlines"],
                vec!["", "", ""],
            ]
        );
        assert!(parse_csv("\"open").is_err());
        assert!(parse_csv("\"a\"b").is_err());
    }

    #[test]
    fn log_decode_hex() {
        assert_eq!(decode_hex("00ff7A"), Some(vec![0, 255, 0x7a]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(decode_hex(""), Some(vec![]));
    }

    #[test]
    fn log_json_row_checks_len_against_hex() {
        let v: Value = serde_json::json!({"ts": "x", "event": "sent", "len": 3, "hex": "0102"});
        assert!(row_from_json(&v).is_err());
        let v: Value = serde_json::json!({"ts": "x", "event": "sent", "len": 2, "hex": "0102"});
        assert_eq!(
            row_from_json(&v).unwrap().payload.as_deref(),
            Some(&[1u8, 2][..])
        );
    }
}
