//! Saving rows read back from a file or recovered from a journal, as `.txt`, `.jsonl` or
//! `.csv`, with the same columns and keys as a live log's files.

use std::io;
use std::path::Path;

use super::{Format, SaveError, SavedInfo, write_atomic};
use crate::log::row::Row;
use crate::log::writer::RowSink;

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
        let mut sink = RowSink::new(format, w).map_err(io_err)?;
        for row in rows {
            sink.write(row).map_err(io_err)?;
        }
        sink.finish().map_err(io_err)?;
        Ok(rows.iter().filter(|r| r.evicted).count())
    })?;
    info.records = rows.len();
    info.evicted = evicted;
    info.bytes = bytes;
    Ok(info)
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
