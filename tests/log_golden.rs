//! The bytes of every log format, pinned: a fixed session holding every kind of record is
//! saved as `.txt`, `.jsonl`, `.csv` and `.pcap`, journaled, and compared byte for byte with
//! the files in `tests/golden/` (written by the code before the formats were rebuilt on one
//! row type; `SOCKSCOPE_BLESS=1` writes them again after a deliberate change).

#[path = "log_rig/golden.rs"]
mod golden;

use std::path::Path;
use std::time::{Duration, SystemTime};

use golden::golden_session;
use sockscope::log::journal::Journal;
use sockscope::log::save;

/// Compares `got` with the golden file `name`, or writes it when blessing.
fn check(name: &str, got: &[u8]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("SOCKSCOPE_BLESS").is_some() {
        std::fs::write(&path, got).expect("write golden");
        return;
    }
    let want = std::fs::read(&path).expect("golden file");
    if got != want.as_slice() {
        let (g, w) = (String::from_utf8_lossy(got), String::from_utf8_lossy(&want));
        for (i, (a, b)) in g.lines().zip(w.lines()).enumerate() {
            assert_eq!(a, b, "{name}: line {} differs", i + 1);
        }
        panic!("{name}: {} bytes instead of {}", got.len(), want.len());
    }
}

#[test]
fn log_every_format_writes_the_same_bytes_as_before() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = golden_session(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    for ext in ["txt", "jsonl", "csv", "pcap"] {
        let path = dir.path().join(format!("golden.{ext}"));
        save::save(&log, &path).expect("save");
        check(
            &format!("session.{ext}"),
            &std::fs::read(&path).expect("read"),
        );
    }
}

#[test]
fn log_journal_writes_the_same_lines_as_before() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("golden.journal.jsonl");
    let mut log = golden_session(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    log.attach_journal(Journal::create_at(&path).expect("journal"));
    log.journal().expect("attached").flush().expect("flush");
    let text = std::fs::read_to_string(&path).expect("read");
    // The header names the process and the file; the lines after it are the records.
    let body: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    check("session.journal.jsonl", body.as_bytes());
}
