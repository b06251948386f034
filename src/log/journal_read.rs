//! Reading journals back: the ones left by sessions that did not end cleanly
//! ([`Journal::leftovers`]), their records ([`Journal::recover_report`]), and deleting them.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde_json::Value;

use super::journal::{
    HEADER_KEY, JOURNAL_SUFFIX, Journal, JournalError, RecoveredRow, Recovery, io_err, try_lock,
};
use super::read::row_from_json;

impl Journal {
    /// Whether a running sockscope holds the journal at `path` (is writing it now).
    pub fn is_held(path: &Path) -> bool {
        File::open(path)
            .ok()
            .is_some_and(|f| !try_lock(&f).unwrap_or(true))
    }

    /// Journals in `dir` left by sessions that did not end cleanly (not held by a running
    /// sockscope), newest first. A missing folder has none.
    pub fn leftovers(dir: &Path) -> Result<Vec<PathBuf>, JournalError> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(dir, "list the folder of")(e)),
        };
        let mut found = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let is_journal = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(JOURNAL_SUFFIX));
            if !is_journal {
                continue;
            }
            let Ok(file) = File::open(&path) else {
                continue;
            };
            if try_lock(&file).unwrap_or(false) {
                let modified = file
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(UNIX_EPOCH);
                found.push((modified, path));
            }
        }
        found.sort_by(|a, b| b.cmp(a));
        Ok(found.into_iter().map(|(_, p)| p).collect())
    }

    /// Reads a journal left by a previous run: its records, in order. A last line cut short
    /// by a kill is left out.
    pub fn recover(path: &Path) -> Result<Vec<RecoveredRow>, JournalError> {
        Ok(Journal::recover_report(path)?.rows)
    }

    /// Like [`Journal::recover`], with what was left out.
    pub fn recover_report(path: &Path) -> Result<Recovery, JournalError> {
        let file = File::open(path).map_err(io_err(path, "open"))?;
        let mut r = BufReader::new(file);
        let mut out = Recovery {
            rows: Vec::new(),
            torn_tail: false,
            bad_lines: 0,
            created: None,
        };
        let mut buf = Vec::new();
        let mut first = true;
        loop {
            buf.clear();
            let n = r
                .read_until(b'\n', &mut buf)
                .map_err(io_err(path, "read"))?;
            if n == 0 {
                break;
            }
            let complete = buf.last() == Some(&b'\n');
            let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let value = std::str::from_utf8(line)
                .ok()
                .and_then(|s| serde_json::from_str::<Value>(s).ok());
            if first {
                first = false;
                match value {
                    Some(v) if v.get(HEADER_KEY).is_some() => {
                        out.created = v.get("created").and_then(Value::as_str).map(String::from);
                        continue;
                    }
                    None if !complete => {
                        out.torn_tail = true;
                        break;
                    }
                    _ => {
                        return Err(JournalError::NotAJournal {
                            path: path.to_path_buf(),
                        });
                    }
                }
            }
            match value.as_ref().map(row_from_json) {
                Some(Ok(row)) => out.rows.push(row),
                _ if !complete => out.torn_tail = true,
                _ => out.bad_lines += 1,
            }
        }
        Ok(out)
    }

    /// Deletes a journal (after recovering it, or when the user declines); a missing file is
    /// not an error.
    pub fn discard(path: &Path) -> Result<(), JournalError> {
        match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_err(path, "delete")(e)),
            _ => Ok(()),
        }
    }
}
