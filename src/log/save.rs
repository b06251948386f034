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

mod atomic;
mod rows;
pub mod script;
pub mod stream;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use atomic::{AtomicFile, write_atomic};
pub use rows::save_rows;

use super::writer::RowSink;
use super::{Record, SessionLog, format, writer};

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
    /// `.svg`: the exchange as a sequence (ladder) diagram, for a browser.
    Svg,
    /// The session's commands as a script (written by [`save_script`], never chosen by an
    /// extension).
    Script,
}

impl Format {
    /// The formats a log can be saved in, in the order a save dialog lists them.
    pub const LOG_FORMATS: [Format; 5] = [
        Format::Txt,
        Format::Jsonl,
        Format::Csv,
        Format::Pcap,
        Format::Svg,
    ];

    /// The format the path's extension names (case-insensitive), if any: a log format, or
    /// `.scope` for the session's commands as a script.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Format::LOG_FORMATS
            .into_iter()
            .chain([Format::Script])
            .find(|f| f.extension() == ext)
    }

    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Pcap => "pcap",
            Format::Svg => "svg",
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
            Format::Svg => "Sequence diagram (SVG)",
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
        "cannot save {}: {} names no log format; end the file name with .txt (text), .jsonl (JSON lines), .csv (table), .pcap (Wireshark) or .scope (the commands as a script)",
        path.display(),
        match ext { Some(e) => format!("the extension .{e}"), None => "a file name without extension".to_string() }
    )]
    UnknownFormat {
        /// The file asked for.
        path: PathBuf,
        /// Its extension, if it has one.
        ext: Option<String>,
    },
    /// The path names a folder.
    #[error("cannot save {}: that is a folder; give the name of a file in it", path.display())]
    Folder {
        /// The path asked for.
        path: PathBuf,
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
    save_into(log, AtomicFile::create(path)?, format)
}

/// Saves the log in `format` into `file`, created beforehand (so that a caller can check
/// that the file can be written before the session runs) and put in place at the end.
pub fn save_into(
    log: &SessionLog,
    mut file: AtomicFile,
    format: Format,
) -> Result<SavedInfo, SaveError> {
    if format == Format::Script {
        return script::save_script_into(log, file);
    }
    let path = file.path().to_path_buf();
    let mut info = SavedInfo::new(&path, format);
    let io_err = |source| SaveError::Io {
        path: path.clone(),
        step: "writing".into(),
        source,
    };
    let w = file.writer();
    let counted = match format {
        Format::Pcap => {
            let c = super::pcap::write_pcap(log, w).map_err(|source| match source {
                pcap_file::PcapError::IoError(e) => io_err(e),
                source => SaveError::Pcap {
                    path: path.clone(),
                    source,
                },
            })?;
            (c.records, c.evicted, c.skipped, c.deduplicated, c.packets)
        }
        Format::Svg => {
            let ladder = crate::diagram::Ladder::of_log(log);
            crate::diagram::svg::write_svg(&ladder, log.started(), w).map_err(io_err)?;
            // Arrows of payloads that had left memory show their length only.
            let evicted = ladder
                .steps
                .iter()
                .filter(|s| s.kind == crate::diagram::StepKind::Data)
                .filter(|s| log.get(s.record).is_some_and(|r| format::is_evicted(&r)))
                .count();
            (ladder.steps.len(), evicted, 0, 0, 0)
        }
        _ => {
            let (records, evicted) = write_log(log, format, w).map_err(io_err)?;
            (records, evicted, 0, 0, 0)
        }
    };
    (
        info.records,
        info.evicted,
        info.skipped,
        info.deduplicated,
        info.packets,
    ) = counted;
    info.bytes = file.commit()?;
    Ok(info)
}

/// The header line of the `.txt` log.
pub(crate) fn txt_header(log: &SessionLog, records: usize) -> String {
    format!(
        "# sockscope session log, started {}, {records} records\n",
        format::rfc3339(log.started())
    )
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
    if format == Format::Txt {
        w.write_all(txt_header(log, log.len()).as_bytes())?;
        let ev = log.evicted();
        if ev.records > 0 {
            writeln!(
                w,
                "# {} ({}) had left memory to keep within the payload budget; the journal has them",
                format::plural(ev.records, "payload"),
                format::plural(ev.bytes, "byte")
            )?;
        }
    }
    let mut sink = RowSink::new(format, w)?;
    for rec in log.iter() {
        let rec: &Record = &rec;
        if format::is_evicted(rec) {
            evicted += 1;
        }
        sink.write(&writer::row_for(rec, log.context(), format))?;
    }
    sink.finish()?;
    Ok((log.len(), evicted))
}

/// Writes one record as text, a JSON line or a CSV row.
pub(crate) fn write_record(
    rec: &Record,
    log: &SessionLog,
    format: Format,
    w: &mut dyn Write,
) -> io::Result<()> {
    let row = writer::row_for(rec, log.context(), format);
    match format {
        Format::Txt => writer::text::write(w, &row),
        Format::Jsonl => writer::json::write(w, &row),
        Format::Csv => writer::csv::write(w, &row),
        Format::Pcap | Format::Svg | Format::Script => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "write_log writes text, JSON lines and CSV only",
        )),
    }
}

/// Saves the session's commands as a script `sockscope run` replays (see
/// [`script::script_text`]).
pub fn save_script(log: &SessionLog, path: &Path) -> Result<SavedInfo, SaveError> {
    script::save_script_into(log, AtomicFile::create(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::row::Row;

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

    /// Why saving an empty log to `path` fails, checked to name the file.
    fn refused(path: &str) -> String {
        let msg = match save(&SessionLog::new(), Path::new(path)) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{path} was saved"),
        };
        let file = path.rsplit('/').next().unwrap_or(path);
        assert!(msg.contains(file), "{msg}");
        msg
    }

    #[test]
    fn log_unknown_extension_lists_formats() {
        let msg = refused("/tmp/nowhere/session.xlsx");
        for ext in [".txt", ".jsonl", ".csv", ".pcap"] {
            assert!(msg.contains(ext), "{msg}");
        }
        let msg = refused("/tmp/nowhere/session");
        assert!(msg.contains("without extension"), "{msg}");
    }

    #[test]
    fn log_csv_fields_are_quoted_only_where_needed() {
        let row = Row {
            ts: "plain".into(),
            socket: Some("a,b".into()),
            event: "say \"hi\"\n".into(),
            local: Some("cr\r".into()),
            ..Row::default()
        };
        let mut out = Vec::new();
        writer::csv::write(&mut out, &row).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "plain,0.000000,\"a,b\",event,\"say \"\"hi\"\"\n\",\"cr\r\",,,,\r\n"
        );
    }

    #[test]
    fn log_save_error_names_path_and_cause() {
        let msg = refused("/nonexistent-dir-sockscope/x.txt");
        assert!(msg.contains("/nonexistent-dir-sockscope/x.txt"), "{msg}");
        assert!(msg.contains("temporary file"), "{msg}");
    }
}
