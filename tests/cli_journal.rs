//! The crash journal of `sockscope run` and `sockscope recover`, end to end: the real binary
//! serving a line-echoing server on loopback is killed with SIGKILL, and what the client saw
//! acknowledged is recovered without the window. Every test sets `SOCKSCOPE_DATA_DIR` to a
//! temporary folder.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::proc::{port_from, sockscope_in as sockscope, start_fed, succeeded};
use sockscope::log::read::read_jsonl;

/// Bytes of one line the client sends (and the server echoes).
const LINE: usize = 9;
/// What the run may still lose at the kill: records the engine reported in the last this
/// long (engine → runner → journal → kernel, on a loaded 2-core machine).
const LOSS_WINDOW: Duration = Duration::from_millis(500);

fn output(data: &Path, args: &[&str]) -> Output {
    sockscope(data)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

fn journals(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".journal.jsonl"))
        .collect();
    v.sort();
    v
}

/// Starts `sockscope run` on `script` (standard input) and returns it with the port of the
/// first `bound` line it prints, once it has printed a line holding `ready` too (for a
/// server, its `responder` line): a client never meets a server not yet listening and answering.
/// The rest of its output is drained on a thread.
fn start_run(data: &Path, script: &str, extra: &[&str], ready: &'static str) -> (Child, u16) {
    let mut cmd = sockscope(data);
    let child = start_fed(
        cmd.arg("run").args(extra).arg("-"),
        script.as_bytes(),
        Stdio::null(),
    );
    let mut bound = None;
    port_from(child, Duration::from_secs(30), move |line| {
        if let Some(port) = line
            .split_once("bound 127.0.0.1:")
            .and_then(|(_, p)| p.trim().parse::<u16>().ok())
        {
            bound.get_or_insert(port);
        }
        bound.filter(|_| line.contains(ready))
    })
}

const SERVER: &str = "socket tcp as srv\nbind srv 127.0.0.1:0\nlisten srv\naccept srv auto\nrespond srv echo\nsleep 60s\n";

#[test]
fn a_run_killed_with_sigkill_is_recovered_by_sockscope_recover() {
    let data = tempfile::tempdir().expect("tempdir");
    let (mut child, port) = start_run(data.path(), SERVER, &[], " responder ");
    let conn = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    conn.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let acked = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    // The client: 100 lines every 2 ms; a reader counts the echoed bytes, with the time.
    let writer = {
        let mut conn = conn.try_clone().expect("clone");
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let mut batch = Vec::with_capacity(100 * LINE);
                for _ in 0..100 {
                    batch.extend_from_slice(format!("{:08}\n", i % 100_000_000).as_bytes());
                    i += 1;
                }
                if conn.write_all(&batch).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let reader = {
        let mut conn = conn.try_clone().expect("clone");
        let acked = acked.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            let mut buf = vec![0u8; 64 * 1024];
            while !stop.load(Ordering::Relaxed) {
                match conn.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let total = acked.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
                        samples.push((Instant::now(), total));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => break,
                }
            }
            samples
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.load(Ordering::Relaxed) < 200_000 * LINE as u64 / 10 {
        assert!(Instant::now() < deadline, "the server echoed too little");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let killed_at = Instant::now();
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("ends");
    assert_eq!(status.signal(), Some(9));
    stop.store(true, Ordering::Relaxed);
    drop(conn);
    let _ = writer.join();
    let samples = reader.join().expect("reader");
    let must_have = samples
        .iter()
        .rev()
        .find(|(t, _)| killed_at.duration_since(*t) >= LOSS_WINDOW)
        .map_or(0, |(_, n)| *n);
    let seen = samples.last().map_or(0, |(_, n)| *n);

    let left = journals(data.path());
    assert_eq!(left.len(), 1, "the killed run left its journal: {left:?}");
    let listed = output(data.path(), &["recover", "--list"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(listed.status.code(), Some(0), "{text}");
    assert!(text.contains(&left[0].display().to_string()), "{text}");
    let saved = data.path().join("recovered.jsonl");
    let out = output(
        data.path(),
        &["recover", "--save", saved.to_str().expect("utf-8")],
    );
    let said = succeeded(&out, "recover --save");
    assert!(said.contains("the journal was deleted"), "{said}");
    assert!(journals(data.path()).is_empty(), "deleted once saved");

    let rows = read_jsonl(&saved).expect("the saved log reads back");
    let received: u64 = rows
        .iter()
        .filter(|r| r.event == "received")
        .map(|r| r.len.unwrap_or(0) as u64)
        .sum();
    println!(
        "client saw {} lines acknowledged; {} recovered; {} acknowledged {LOSS_WINDOW:?} before the kill",
        seen / LINE as u64,
        received / LINE as u64,
        must_have / LINE as u64
    );
    assert!(must_have > 0);
    assert!(
        received >= must_have,
        "recovered {received} bytes received, the client had {must_have} acknowledged {LOSS_WINDOW:?} before the kill"
    );
    assert!(
        rows.iter()
            .any(|r| r.command.as_deref() == Some("respond srv echo"))
    );
}

#[test]
fn a_finished_run_ends_its_journal_and_no_journal_keeps_none() {
    let data = tempfile::tempdir().expect("tempdir");
    let out = sockscope(data.path())
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .and_then(|mut c| {
            if let Some(mut i) = c.stdin.take() {
                i.write_all(b"socket udp\nbind s1 127.0.0.1:0\n")?;
            }
            c.wait()
        })
        .expect("runs");
    assert_eq!(out.code(), Some(0));
    assert!(journals(data.path()).is_empty(), "a clean end deletes it");

    // While running, a journal exists, unless --no-journal.
    for (extra, expected) in [(&[][..], 1), (&["--no-journal"][..], 0)] {
        let data = tempfile::tempdir().expect("tempdir");
        let (mut child, _) = start_run(
            data.path(),
            "socket udp\nbind s1 127.0.0.1:0\nsleep 60s\n",
            extra,
            "bound ",
        );
        let found = journals(data.path()).len();
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(found, expected, "{extra:?}");
    }
}

#[test]
fn recover_with_nothing_left_says_so_and_fails() {
    let data = tempfile::tempdir().expect("tempdir");
    let out = output(data.path(), &["recover"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no journal left by an unfinished session"),
        "{err}"
    );
    let out = output(data.path(), &["recover", "--list"]);
    assert_eq!(out.status.code(), Some(0));
}
