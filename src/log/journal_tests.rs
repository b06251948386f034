//! Unit tests of the session journal: flushing, naming, budget, finish, torn tails.

use super::*;
use crate::log::SessionLog;

fn tempdir() -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "sockscope-journal-unit-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = fs::remove_dir_all(&d);
    d
}

#[test]
fn log_journal_flushes_on_its_own_and_recovers() {
    let dir = tempdir();
    let mut log = SessionLog::new();
    log.attach_journal(Journal::create_in(&dir).unwrap());
    let path = log.journal().unwrap().path().to_path_buf();
    for i in 0..5 {
        log.push_command(format!("sleep {i}ms"));
    }
    // No explicit flush: the writer must get the records to the OS within ~100 ms.
    std::thread::sleep(FLUSH_INTERVAL * 4);
    let rows = Journal::recover(&path).unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4].seq, Some(4));
    assert_eq!(rows[4].command.as_deref(), Some("sleep 4ms"));
    // Held by us: not a leftover. Dropped without finish: a leftover.
    assert!(Journal::leftovers(&dir).unwrap().is_empty());
    drop(log.take_journal());
    assert_eq!(Journal::leftovers(&dir).unwrap(), vec![path.clone()]);
    Journal::discard(&path).unwrap();
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn log_journals_made_back_to_back_never_share_a_file() {
    let dir = tempdir();
    let mut paths = Vec::new();
    for i in 0..20 {
        let mut log = SessionLog::new();
        log.attach_journal(Journal::create_in(&dir).unwrap());
        log.push_command(format!("sleep {i}ms"));
        let j = log.take_journal().unwrap();
        paths.push(j.path().to_path_buf());
        drop(j);
    }
    let mut unique = paths.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 20, "{paths:?}");
    for (i, p) in paths.iter().enumerate() {
        let rows = Journal::recover(p).unwrap();
        assert_eq!(rows.len(), 1, "{}", p.display());
        assert_eq!(
            rows[0].command.as_deref(),
            Some(format!("sleep {i}ms").as_str())
        );
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn log_journal_payloads_past_the_budget_keep_only_their_length() {
    let dir = tempdir();
    let mut j = Journal::create_in(&dir).unwrap();
    j.set_payload_budget(20);
    assert_eq!(j.payload_budget(), 20);
    let mut log = SessionLog::new();
    log.attach_journal(j);
    for i in 0..3u8 {
        log.push_event(crate::engine::Event {
            at: SystemTime::now(),
            socket: Some(crate::engine::SockId(1)),
            cmd: None,
            kind: crate::engine::EventKind::Received {
                peer: None,
                data: vec![b'a' + i; 8].into(),
                truncated_from: None,
            },
        });
    }
    let j = log.take_journal().unwrap();
    assert_eq!(
        j.over_budget(),
        Omitted {
            records: 1,
            bytes: 8
        }
    );
    assert_eq!(j.omitted(), Omitted::default(), "the writer was not behind");
    assert_eq!(j.left_out(), j.over_budget());
    let path = j.path().to_path_buf();
    drop(j);
    let rows = Journal::recover(&path).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1].payload.as_deref(), Some(&b"bbbbbbbb"[..]));
    assert_eq!((rows[2].len, rows[2].payload.as_deref()), (Some(8), None));
    // The in-memory log still has all three payloads.
    assert_eq!(log.totals().traffic.bytes_in, 24);
    assert_eq!(log.evicted().records, 0);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn log_journal_finish_deletes_and_in_use_is_refused() {
    let dir = tempdir();
    let path = dir.join("x.journal.jsonl");
    let j = Journal::create_at(&path).unwrap();
    assert!(matches!(
        Journal::create_at(&path),
        Err(JournalError::InUse { .. })
    ));
    j.finish().unwrap();
    assert!(!path.exists());
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn log_journal_tolerates_torn_tail_only_at_the_end() {
    let dir = tempdir();
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("t.journal.jsonl");
    let good = r#"{"seq":0,"ts":"2024-01-01T00:00:00.000000Z","t":0.0,"event":"command","command":"status"}"#;
    fs::write(
        &path,
        format!("{{\"{HEADER_KEY}\":1}}\n{good}\n{{\"seq\":1,\"ts\":\"2024-01"),
    )
    .unwrap();
    let rec = Journal::recover_report(&path).unwrap();
    assert_eq!(rec.rows.len(), 1);
    assert!(rec.torn_tail);
    assert_eq!(rec.bad_lines, 0);
    fs::write(&path, format!("{{\"{HEADER_KEY}\":1}}\nnot json\n{good}\n")).unwrap();
    let rec = Journal::recover_report(&path).unwrap();
    assert_eq!(
        (rec.rows.len(), rec.bad_lines, rec.torn_tail),
        (1, 1, false)
    );
    fs::write(&path, format!("{good}\n")).unwrap();
    assert!(matches!(
        Journal::recover(&path),
        Err(JournalError::NotAJournal { .. })
    ));
    let _ = fs::remove_dir_all(&dir);
}
