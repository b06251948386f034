//! The session log's memory stays bounded however many records come (issue 19 item 6): a
//! child process logs 2.5 million datagrams with the default settings and reports how much
//! its resident memory grew. Kept in memory, 2.5 M records take 300 MB (120 B each); the log
//! keeps a window of about 1 M in memory and spills the rest, so it must stay under 200 MiB.

use std::process::Command;
use std::sync::Arc;
use std::time::SystemTime;

use sockscope::engine::{Addr, Event, EventKind, SockId};
use sockscope::log::SessionLog;

const CHILD: &str = "SOCKSCOPE_LOG_MEMORY_CHILD";
const RECORDS: usize = 2_500_000;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The child's part: logs the datagrams, prints `grew KIB`.
fn log_datagrams() {
    let peer = Addr::Ip("127.0.0.1:5000".parse().expect("literal address"));
    let data: Arc<[u8]> = Arc::from(&b"datagram"[..]);
    let mut log = SessionLog::new();
    let before = rss_kib();
    for i in 0..RECORDS {
        log.push_event(Event {
            at: SystemTime::now(),
            socket: Some(SockId(1 + (i % 4) as u32)),
            cmd: None,
            kind: EventKind::Received {
                peer: Some(peer.clone()),
                data: data.clone(),
                truncated_from: None,
            },
        });
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
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "log_memory_stays_bounded_past_millions_of_records",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("XDG_DATA_HOME", dir.path())
        .env("TMPDIR", dir.path())
        .output()
        .expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let grew: u64 = text
        .lines()
        .find_map(|l| l.split_once("grew ").map(|(_, v)| v))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no figure in: {text}"));
    println!("RSS grew {} MiB for {RECORDS} records", grew / 1024);
    assert!(
        grew < 200 * 1024,
        "RSS grew {} MiB for {RECORDS} records (kept in memory they take 300 MB)",
        grew / 1024
    );
}
