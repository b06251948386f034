//! The session log's memory stays bounded however many records come (issue 19 item 6): a
//! child process logs 2.5 million datagrams with the default settings and reports how much
//! its resident memory grew. Kept in memory, 2.5 M records take 300 MB (120 B each); the log
//! keeps a window of about 1 M in memory and spills the rest, so it must stay under 200 MiB.

mod common;
mod log_rig;

use std::sync::Arc;

use common::proc::rerun_self;
use log_rig::memory::{figures_after, local_peer, received_at, rss_kib};
use sockscope::log::SessionLog;

const CHILD: &str = "SOCKSCOPE_LOG_MEMORY_CHILD";
const RECORDS: usize = 2_500_000;

/// The child's part: logs the datagrams, prints `grew KIB`.
fn log_datagrams() {
    let peer = local_peer();
    let data: Arc<[u8]> = Arc::from(&b"datagram"[..]);
    let mut log = SessionLog::new();
    let before = rss_kib();
    for i in 0..RECORDS {
        log.push_event(received_at(1 + (i % 4) as u32, &peer, data.clone()));
    }
    assert_eq!(log.len(), RECORDS);
    println!("grew {}", rss_kib().saturating_sub(before));
}

#[test]
fn log_memory_stays_bounded_past_millions_of_records() {
    if std::env::var_os(CHILD).is_some() {
        log_datagrams();
        return;
    }
    // A child process of its own, so that other tests' memory does not count; its data
    // folder (where the log spills) is a temporary one.
    let dir = tempfile::tempdir().expect("temp dir");
    let text = rerun_self(
        "log_memory_stays_bounded_past_millions_of_records",
        &[
            (CHILD, "1".as_ref()),
            ("XDG_DATA_HOME", dir.path().as_os_str()),
            ("TMPDIR", dir.path().as_os_str()),
        ],
    );
    let grew = figures_after(&text, "grew ")
        .first()
        .copied()
        .unwrap_or_else(|| panic!("no figure in: {text}"));
    println!("RSS grew {} MiB for {RECORDS} records", grew / 1024);
    assert!(
        grew < 200 * 1024,
        "RSS grew {} MiB for {RECORDS} records (kept in memory they take 300 MB)",
        grew / 1024
    );
}
