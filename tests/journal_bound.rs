//! What a `kill -9` can cost the session journal: a child process journals records (steady
//! traffic, a quiet spell, one last short burst) and announces each batch it has handed to
//! the journal; it is killed with SIGKILL, and every record announced longer ago than the
//! promised bound ([`PROMISE`], the README's "Crash safety" number, with slack for a loaded
//! machine) must be recovered.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use common::proc::start;
use sockscope::engine::{Event, EventKind, SockId};
use sockscope::log::SessionLog;
use sockscope::log::journal::{FLUSH_INTERVAL, Journal};

/// The promise: a record reaches the kernel within 10 ms of being handed to the journal.
const PROMISE: Duration = Duration::from_millis(10);
const CHILD_ENV: &str = "SOCKSCOPE_BOUND_TEST_JOURNAL";
/// Scheduling slack on top of the promised bound: the writer thread may wait this long for a
/// core on a loaded 2-core machine. Far below the 100 ms the writer used to hold records.
const SLACK: Duration = Duration::from_millis(40);
/// Records in the last burst: fewer than a count-triggered flush, so only time flushes them.
const LAST_BURST: usize = 100;

fn line_event(i: usize) -> Event {
    Event {
        at: SystemTime::now(),
        socket: Some(SockId(1)),
        cmd: None,
        kind: EventKind::Received {
            peer: None,
            data: format!("line {i:08}\n").into_bytes().into(),
            truncated_from: None,
        },
    }
}

/// Run as a child by `records_older_than_the_bound_survive_sigkill`: journals about 20,000
/// records a second for a second, then nothing for 300 ms, then [`LAST_BURST`] records; it
/// prints `pushed N` after each batch and `done N` after the last, then waits to be killed.
#[test]
#[ignore = "helper run as a child process by records_older_than_the_bound_survive_sigkill"]
fn journal_bound_child() {
    if let Some(path) = std::env::var_os(CHILD_ENV) {
        journal_then_wait(Journal::create_at(Path::new(&path)).expect("journal"));
    }
}

/// The child's part: the batches, the quiet spell and the last burst into `journal`.
fn journal_then_wait(journal: Journal) {
    let mut log = SessionLog::new();
    log.attach_journal(journal);
    let mut out = std::io::stdout().lock();
    let mut announce = |what: &str, n: usize| {
        writeln!(out, "{what} {n}")
            .and_then(|()| out.flush())
            .expect("stdout");
    };
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < Duration::from_secs(1) {
        for _ in 0..100 {
            log.push_event(line_event(n));
            n += 1;
        }
        announce("pushed", n);
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..LAST_BURST {
        log.push_event(line_event(n));
        n += 1;
    }
    announce("done", n);
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn records_older_than_the_bound_survive_sigkill() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bound.journal.jsonl");
    let mut child = start(
        std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args(["journal_bound_child", "--exact", "--ignored", "--nocapture"])
            .args(["--test-threads", "1"])
            .env(CHILD_ENV, &path),
        Stdio::null(),
        Stdio::null(),
    );
    let stdout = child.stdout.take().expect("stdout");
    let mut announced: Vec<(Instant, usize)> = Vec::new();
    let mut done = None;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let now = Instant::now();
        if let Some(n) = line.strip_prefix("pushed ").and_then(|n| n.parse().ok()) {
            announced.push((now, n));
        } else if let Some(n) = line.strip_prefix("done ").and_then(|n| n.parse().ok()) {
            announced.push((now, n));
            done = Some(n);
            break;
        }
    }
    let Some(total) = done else {
        let _ = child.kill();
        panic!("the child stopped before its last burst ({announced:?})");
    };
    // Kill once the last burst is older than the bound (and its slack).
    assert!(FLUSH_INTERVAL <= PROMISE, "the journal keeps the promise");
    std::thread::sleep(PROMISE + SLACK);
    let killed_at = Instant::now();
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("child ends");
    assert_eq!(status.signal(), Some(9), "killed by SIGKILL");

    let rec = Journal::recover_report(&path).expect("recover");
    assert_eq!(rec.bad_lines, 0);
    for (k, row) in rec.rows.iter().enumerate() {
        assert_eq!(row.seq, Some(k as u64), "no gap, no duplicate");
    }
    let got = rec.rows.len();
    let lost_age = announced
        .iter()
        .find(|(_, n)| *n > got)
        .map(|(t, _)| killed_at - *t);
    println!(
        "{got} of {total} records recovered; oldest lost announcement: {lost_age:?} before the kill"
    );
    for (t, n) in &announced {
        let age = killed_at - *t;
        assert!(
            age < PROMISE + SLACK || got >= *n,
            "records 0..{n} were handed to the journal {age:?} before the kill, only {got} recovered"
        );
    }
    assert_eq!(got, total, "the last burst is older than the bound");
    let last = rec
        .rows
        .last()
        .and_then(|r| r.payload.as_deref().map(<[u8]>::to_vec));
    assert_eq!(last, Some(format!("line {:08}\n", total - 1).into_bytes()));
}
