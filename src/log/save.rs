//! Saving the session log to a file whose extension chooses the format (`.txt`, `.jsonl`,
//! `.csv`, `.pcap`), and saving its commands as a script that `sockscope run` replays.
//!
//! Every save is atomic and private: the file is written under a temporary name in the same
//! folder with mode 0600, flushed and synced, then renamed over the target, so a reader
//! sees the old file or the whole new one, never half of it, and a failed save leaves no
//! temporary file behind.
//!
//! Saving while traffic arrives: [`save`] reads a `&SessionLog`, so the caller saves a
//! snapshot. The app clones the log (payloads are shared `Arc`s, so the clone costs only
//! the records' metadata) while it holds it for a moment, and saves the clone on another
//! thread while the original goes on receiving; the file is exactly the snapshot.

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use super::format;
use super::read::{CSV_COLUMNS, Row};
use super::{Record, SessionLog};
use crate::engine::EventKind;

/// A file format of the session log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `.txt`: the log as it reads on screen, payloads in full.
    Txt,
    /// `.jsonl`: one JSON object a record, the schema of `sockscope run --json`.
    Jsonl,
    /// `.csv`: a header and one row a record.
    Csv,
    /// `.pcap`: the payloads in synthetic Ethernet/IP/TCP-or-UDP packets, for Wireshark.
    Pcap,
    /// The session's commands as a script (written by [`save_script`], never chosen by an
    /// extension).
    Script,
}

impl Format {
    /// The formats a log can be saved in, in the order a save dialog lists them.
    pub const LOG_FORMATS: [Format; 4] = [Format::Txt, Format::Jsonl, Format::Csv, Format::Pcap];

    /// The format the path's extension names (case-insensitive), if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Format::LOG_FORMATS
            .into_iter()
            .find(|f| f.extension() == ext)
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Pcap => "pcap",
            Format::Script => "scope",
        }
    }

    /// What the format is, for a save dialog's filter.
    pub fn describe(self) -> &'static str {
        match self {
            Format::Txt => "Text log",
            Format::Jsonl => "JSON lines",
            Format::Csv => "CSV table",
            Format::Pcap => "Packet capture (Wireshark)",
            Format::Script => "sockscope script",
        }
    }
}

/// What a save wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedInfo {
    /// The file written.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// Records written (pcap: payload records that became packets; script: commands).
    pub records: usize,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Records whose payload had left memory: written with their length but without bytes.
    pub evicted: usize,
    /// Records the format cannot hold (pcap: payloads on Unix sockets or with unknown
    /// addresses; script: command lines that span lines).
    pub skipped: usize,
    /// Pcap: received payloads already in the file as the sending socket's packets.
    pub deduplicated: usize,
    /// Pcap: packets written, handshakes and FINs included.
    pub packets: usize,
}

impl SavedInfo {
    fn new(path: &Path, format: Format) -> SavedInfo {
        SavedInfo {
            path: path.to_path_buf(),
            format,
            records: 0,
            bytes: 0,
            evicted: 0,
            skipped: 0,
            deduplicated: 0,
            packets: 0,
        }
    }
}

/// Why a save failed; each message names the file and the cause.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The extension names no format.
    #[error(
        "cannot save {}: {} names no log format; end the file name with .txt (text), .jsonl (JSON lines), .csv (table) or .pcap (Wireshark)",
        path.display(),
        match ext { Some(e) => format!("the extension .{e}"), None => "a file name without extension".to_string() }
    )]
    UnknownFormat {
        /// The file asked for.
        path: PathBuf,
        /// Its extension, if it has one.
        ext: Option<String>,
    },
    /// The path does not end in a file name.
    #[error("cannot save {}: that is not a file name", path.display())]
    NotAFile {
        /// The path asked for.
        path: PathBuf,
    },
    /// Reading or writing failed.
    #[error("cannot save {}: {step}: {source}", path.display())]
    Io {
        /// The file being saved.
        path: PathBuf,
        /// What was being done.
        step: String,
        /// The OS error.
        source: io::Error,
    },
    /// The pcap writer refused a packet.
    #[error("cannot save {} as pcap: {source}", path.display())]
    Pcap {
        /// The file being saved.
        path: PathBuf,
        /// What the pcap writer said.
        source: pcap_file::PcapError,
    },
}

/// Saves the log in the format its extension names (see [`Format::from_path`]).
pub fn save(log: &SessionLog, path: &Path) -> Result<SavedInfo, SaveError> {
    match Format::from_path(path) {
        Some(format) => save_as(log, path, format),
        None => Err(SaveError::UnknownFormat {
            path: path.to_path_buf(),
            ext: path.extension().map(|e| e.to_string_lossy().into_owned()),
        }),
    }
}

/// Saves the log in `format`, whatever the extension.
pub fn save_as(log: &SessionLog, path: &Path, format: Format) -> Result<SavedInfo, SaveError> {
    if format == Format::Script {
        return save_script(log, path);
    }
    let mut info = SavedInfo::new(path, format);
    let io_err = |source| SaveError::Io {
        path: path.to_path_buf(),
        step: "writing".into(),
        source,
    };
    let (counted, bytes) = write_atomic(path, |w| match format {
        Format::Pcap => {
            let c = super::pcap::write_pcap(log, w).map_err(|source| match source {
                pcap_file::PcapError::IoError(e) => io_err(e),
                source => SaveError::Pcap {
                    path: path.to_path_buf(),
                    source,
                },
            })?;
            Ok((c.records, c.evicted, c.skipped, c.deduplicated, c.packets))
        }
        _ => {
            let (records, evicted) = write_log(log, format, w).map_err(io_err)?;
            Ok((records, evicted, 0, 0, 0))
        }
    })?;
    (
        info.records,
        info.evicted,
        info.skipped,
        info.deduplicated,
        info.packets,
    ) = counted;
    info.bytes = bytes;
    Ok(info)
}

/// Writes the log as text, JSON lines or CSV to `w`; returns the records written and how many
/// of them had lost their payload to the memory budget. (Pcap and scripts have their own
/// writers: use [`save_as`] and [`save_script`].)
pub fn write_log(
    log: &SessionLog,
    format: Format,
    w: &mut dyn Write,
) -> io::Result<(usize, usize)> {
    let mut evicted = 0;
    match format {
        Format::Txt => {
            writeln!(
                w,
                "# sockscope session log, started {}, {} records",
                format::rfc3339(log.started()),
                log.len()
            )?;
            let ev = log.evicted();
            if ev.records > 0 {
                writeln!(
                    w,
                    "# {} payloads ({} bytes) had left memory to keep within the payload budget; the journal has them",
                    ev.records, ev.bytes
                )?;
            }
        }
        Format::Csv => w.write_all(csv_header().as_bytes())?,
        _ => {}
    }
    for rec in log.iter() {
        let rec: &Record = &rec;
        if format::is_evicted(rec) {
            evicted += 1;
        }
        match format {
            Format::Txt => {
                writeln!(w, "{}", format::text_line(rec, log, usize::MAX))?;
                if let Record::Event(ev) = rec
                    && let EventKind::Status(list) = &ev.kind
                {
                    for s in list {
                        writeln!(w, "    {}", format::status_line(s))?;
                    }
                }
            }
            Format::Jsonl => writeln!(w, "{}", format::json_line(rec, log))?,
            Format::Csv => w.write_all(csv_row(rec, log).as_bytes())?,
            Format::Pcap | Format::Script => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "write_log writes text, JSON lines and CSV only",
                ));
            }
        }
    }
    Ok((log.len(), evicted))
}

/// Appends `s` to `out` as one CSV field, quoted when it needs to be (RFC 4180).
fn csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// The header line of the `.csv` log, CRLF-terminated.
pub fn csv_header() -> String {
    let mut s = CSV_COLUMNS.join(",");
    s.push_str("\r\n");
    s
}

/// One record as a CSV row, CRLF-terminated: `time` (RFC 3339 UTC, microseconds), `t`
/// (seconds since the start), `socket` (its id), `direction`, `event`, `local`, `peer`,
/// `length` (payload records only), `text` (the payload when it is valid UTF-8; the command
/// line for commands; the summary for other events) and `hex` (the payload).
///
/// Payloads are written exactly, even when a spreadsheet could read them as a formula.
pub fn csv_row(rec: &Record, log: &SessionLog) -> String {
    let mut out = String::new();
    let (local, peer) = format::addresses_in(rec, log);
    let dir = format::direction(rec);
    let event = match rec {
        Record::Command { .. } => "command",
        Record::Event(ev) => ev.kind.name(),
    };
    let text = match (rec, format::payload(rec)) {
        (Record::Command { line, .. }, _) => line.clone(),
        (_, Some(data)) => std::str::from_utf8(data).unwrap_or_default().to_string(),
        _ if format::payload_len(rec).is_some() => String::new(),
        _ => format::summary(rec, log, usize::MAX),
    };
    let fields = [
        format::rfc3339(rec.at()),
        format!("{:.6}", format::since(log, rec.at())),
        rec.socket().map(|s| s.to_string()).unwrap_or_default(),
        dir.name().to_string(),
        event.to_string(),
        local.map(|a| a.to_string()).unwrap_or_default(),
        peer.map(|a| a.to_string()).unwrap_or_default(),
        format::payload_len(rec)
            .map(|n| n.to_string())
            .unwrap_or_default(),
        text,
        format::payload(rec).map(format::hex).unwrap_or_default(),
    ];
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(&mut out, f);
    }
    out.push_str("\r\n");
    out
}

/// Saves the session's commands as a script `sockscope run` replays: a `#` header, then one
/// command a line in the order they were issued.
pub fn save_script(log: &SessionLog, path: &Path) -> Result<SavedInfo, SaveError> {
    let mut info = SavedInfo::new(path, Format::Script);
    let io_err = |source| SaveError::Io {
        path: path.to_path_buf(),
        step: "writing".into(),
        source,
    };
    let ((records, skipped), bytes) = write_atomic(path, |w| {
        let lines: Vec<String> = log
            .iter()
            .filter_map(|r| match &*r {
                Record::Command { line, .. } => Some(line.clone()),
                Record::Event(_) => None,
            })
            .collect();
        let mut text = String::new();
        let _ = writeln!(
            text,
            "# sockscope script: the {} commands of the session started {}",
            lines.len(),
            format::rfc3339(log.started())
        );
        let _ = writeln!(text, "# replay with: sockscope run {}", path.display());
        let mut skipped = 0;
        for line in &lines {
            if line.contains(['\n', '\r']) {
                skipped += 1;
                let _ = writeln!(text, "# (left out: a command spanning lines)");
                continue;
            }
            let _ = writeln!(text, "{}", line.trim());
        }
        w.write_all(text.as_bytes()).map_err(io_err)?;
        Ok((lines.len() - skipped, skipped))
    })?;
    info.records = records;
    info.skipped = skipped;
    info.bytes = bytes;
    Ok(info)
}

/// Saves rows read back from a file or recovered from a journal
/// ([`super::journal::Journal::recover`]) as `.txt`, `.jsonl` or `.csv`, by the extension;
/// the same columns and keys as a live log's files. A pcap needs the live log (socket
/// protocols and addresses over time), so `.pcap` is refused with a clear error.
pub fn save_rows(rows: &[Row], path: &Path) -> Result<SavedInfo, SaveError> {
    let format = match Format::from_path(path) {
        Some(Format::Pcap) => {
            return Err(SaveError::Io {
                path: path.to_path_buf(),
                step: "a recovered log can be saved as .txt, .jsonl or .csv".into(),
                source: io::Error::new(io::ErrorKind::Unsupported, "pcap needs the live session"),
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
        format!("{verb} {n} bytes {dir} {peer}: {shown}")
    } else if let Some(s) = &row.summary {
        s.clone()
    } else if let Some(e) = &row.error {
        format!("error: {e}")
    } else {
        row.event.clone()
    };
    format!("{:>11.6} {sock:<6} {what}", row.t)
}

/// A temporary file that is removed unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(unix)]
fn private(opts: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    opts.mode(0o600);
}

#[cfg(not(unix))]
fn private(_opts: &mut OpenOptions) {}

#[cfg(unix)]
fn make_private(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn make_private(_file: &File) -> io::Result<()> {
    Ok(())
}

/// Writes a file atomically and privately: `write` fills a temporary file in the target's
/// folder (mode 0600), which is flushed, synced and renamed over `path`. Returns what
/// `write` returned and the file's size. On any failure the temporary file is removed and
/// the target is left as it was.
pub fn write_atomic<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T, SaveError>,
) -> Result<(T, u64), SaveError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let err = |step: String| {
        move |source| SaveError::Io {
            path: path.to_path_buf(),
            step,
            source,
        }
    };
    let Some(name) = path.file_name() else {
        return Err(SaveError::NotAFile {
            path: path.to_path_buf(),
        });
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let (file, temp) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(
            ".{}.{}-{nanos}-{n}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        private(&mut opts);
        match opts.open(&temp) {
            Ok(f) => {
                break (
                    f,
                    TempFile {
                        path: temp,
                        keep: false,
                    },
                );
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1_000_000 => continue,
            Err(e) => {
                return Err(err(format!(
                    "creating a temporary file in {}",
                    dir.display()
                ))(e));
            }
        }
    };
    let mut buf = BufWriter::with_capacity(256 * 1024, &file);
    let value = write(&mut buf)?;
    buf.flush().map_err(err("writing".into()))?;
    drop(buf);
    make_private(&file).map_err(err("making the file private (mode 0600)".into()))?;
    file.sync_all()
        .map_err(err("syncing the file to disk".into()))?;
    let bytes = file
        .metadata()
        .map(|m| m.len())
        .map_err(err("reading the file's size".into()))?;
    drop(file);
    fs::rename(&temp.path, path)
        .map_err(err(format!("renaming {} into place", temp.path.display())))?;
    let mut temp = temp;
    temp.keep = true;
    // Make the rename itself durable; a folder that cannot be synced is not an error.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok((value, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_format_from_extension() {
        assert_eq!(
            Format::from_path(Path::new("a/b.JSONL")),
            Some(Format::Jsonl)
        );
        assert_eq!(Format::from_path(Path::new("x.pcap")), Some(Format::Pcap));
        assert_eq!(Format::from_path(Path::new("x.json")), None);
        assert_eq!(Format::from_path(Path::new("noext")), None);
    }

    #[test]
    fn log_unknown_extension_lists_formats() {
        let log = SessionLog::new();
        let e = save(&log, Path::new("/tmp/nowhere/session.xlsx")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("session.xlsx"), "{msg}");
        for ext in [".txt", ".jsonl", ".csv", ".pcap"] {
            assert!(msg.contains(ext), "{msg}");
        }
        let e = save(&log, Path::new("/tmp/nowhere/session")).unwrap_err();
        assert!(e.to_string().contains("without extension"), "{e}");
    }

    #[test]
    fn log_csv_field_quoting() {
        let mut s = String::new();
        csv_field(&mut s, "plain");
        csv_field(&mut s, "a,b");
        csv_field(&mut s, "say \"hi\"\n");
        assert_eq!(s, "plain\"a,b\"\"say \"\"hi\"\"\n\"");
    }

    #[test]
    fn log_save_error_names_path_and_cause() {
        let log = SessionLog::new();
        let e = save(&log, Path::new("/nonexistent-dir-sockscope/x.txt")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("/nonexistent-dir-sockscope/x.txt"), "{msg}");
        assert!(msg.contains("temporary file"), "{msg}");
    }
}
