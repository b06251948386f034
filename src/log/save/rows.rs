//! Saving rows read back from a file or recovered from a journal, as `.txt`, `.jsonl` or
//! `.csv`, with the same columns and keys as a live log's files.

use std::io;
use std::path::Path;

use super::{Format, SaveError, SavedInfo, csv_field, csv_header, write_atomic};
use crate::log::format;
use crate::log::read::Row;

/// Saves rows read back from a file or recovered from a journal
/// ([`super::journal::Journal::recover`]) as `.txt`, `.jsonl` or `.csv`, by the extension;
/// the same columns and keys as a live log's files. A pcap needs the live log (socket
/// protocols and addresses over time), so `.pcap` is refused with a clear error.
pub fn save_rows(rows: &[Row], path: &Path) -> Result<SavedInfo, SaveError> {
    let format = match Format::from_path(path) {
        Some(f @ (Format::Pcap | Format::Script)) => {
            return Err(SaveError::Io {
                path: path.to_path_buf(),
                step: "a recovered log can be saved as .txt, .jsonl or .csv".into(),
                source: io::Error::new(
                    io::ErrorKind::Unsupported,
                    format!(".{} needs the live session", f.extension()),
                ),
            });
        }
        Some(f) => f,
        None => {
            return Err(SaveError::UnknownFormat {
                path: path.to_path_buf(),
                ext: path.extension().map(|e| e.to_string_lossy().into_owned()),
            });
        }
    };
    let mut info = SavedInfo::new(path, format);
    let io_err = |source| SaveError::Io {
        path: path.to_path_buf(),
        step: "writing".into(),
        source,
    };
    let (evicted, bytes) = write_atomic(path, |w| {
        let mut evicted = 0;
        if format == Format::Csv {
            w.write_all(csv_header().as_bytes()).map_err(io_err)?;
        }
        for row in rows {
            evicted += usize::from(row.evicted);
            let line = match format {
                Format::Jsonl => row_json(row).to_string() + "\n",
                Format::Csv => row_csv(row),
                _ => row_text(row) + "\n",
            };
            w.write_all(line.as_bytes()).map_err(io_err)?;
        }
        Ok(evicted)
    })?;
    info.records = rows.len();
    info.evicted = evicted;
    info.bytes = bytes;
    Ok(info)
}

fn row_json(row: &Row) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    let mut put = |k: &str, v: serde_json::Value| {
        m.insert(k.to_string(), v);
    };
    put("ts", row.ts.clone().into());
    put("t", row.t.into());
    let opt = |v: &Option<String>| v.clone().map(serde_json::Value::from);
    for (k, v) in [
        ("socket", &row.socket),
        ("name", &row.name),
        ("local", &row.local),
        ("peer", &row.peer),
        ("command", &row.command),
        ("error", &row.error),
        ("summary", &row.summary),
    ] {
        if let Some(v) = opt(v) {
            put(k, v);
        }
    }
    put("event", row.event.clone().into());
    if let Some(n) = row.len {
        put("len", n.into());
    }
    if let Some(p) = &row.payload {
        if let Ok(t) = std::str::from_utf8(p) {
            put("text", t.into());
        }
        put("hex", format::hex(p).into());
    }
    if row.evicted {
        put("evicted", true.into());
    }
    if let Some(seq) = row.seq {
        put("seq", seq.into());
    }
    serde_json::Value::Object(m)
}

fn row_csv(row: &Row) -> String {
    let text = match (&row.command, &row.payload, row.len) {
        (Some(c), _, _) => c.clone(),
        (_, Some(p), _) => std::str::from_utf8(p).unwrap_or_default().to_string(),
        (_, None, Some(_)) => String::new(),
        _ => row
            .summary
            .clone()
            .or_else(|| row.error.as_ref().map(|e| format!("error: {e}")))
            .unwrap_or_default(),
    };
    let fields = [
        row.ts.clone(),
        format!("{:.6}", row.t),
        row.socket.clone().unwrap_or_default(),
        row.direction.clone(),
        row.event.clone(),
        row.local.clone().unwrap_or_default(),
        row.peer.clone().unwrap_or_default(),
        row.len.map(|n| n.to_string()).unwrap_or_default(),
        text,
        row.payload.as_deref().map(format::hex).unwrap_or_default(),
    ];
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(&mut out, f);
    }
    out.push_str("\r\n");
    out
}

fn row_text(row: &Row) -> String {
    let sock = row.name.as_deref().or(row.socket.as_deref()).unwrap_or("-");
    let what = if let Some(c) = &row.command {
        format!("> {c}")
    } else if let Some(n) = row.len {
        let (verb, dir) = match row.direction.as_str() {
            "sent" => (row.event.as_str(), "to"),
            _ => (row.event.as_str(), "from"),
        };
        let shown = match &row.payload {
            Some(p) => format::show_bytes(p, usize::MAX),
            None => format::EVICTED_NOTE.to_string(),
        };
        let peer = row.peer.as_deref().unwrap_or("?");
        format!(
            "{verb} {} {dir} {peer}: {shown}",
            format::plural(n as u64, "byte")
        )
    } else if let Some(s) = &row.summary {
        s.clone()
    } else if let Some(e) = &row.error {
        format!("error: {e}")
    } else {
        row.event.clone()
    };
    format!("{:>11.6} {sock:<6} {what}", row.t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovered_rows_are_not_saved_as_pcap_or_script() {
        let dir = tempfile::tempdir().expect("tempdir");
        for ext in ["pcap", "scope"] {
            let path = dir.path().join(format!("recovered.{ext}"));
            let e = save_rows(&[], &path).expect_err("refused");
            assert!(e.to_string().contains("needs the live session"), "{e}");
            assert!(!path.exists());
        }
    }
}
