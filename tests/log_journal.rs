//! The journal survives SIGKILL mid-traffic: a child process writes it, is killed, and the
//! journal recovers every record handed over before the kill.

mod common;
mod log_rig;

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;

use common::proc::start;
use log_rig::prelude::*;
use sockscope::engine::{AddrSpec, Family, Proto};
use sockscope::log::journal::Journal;

/// Run as a child process by `journal_survives_sigkill_mid_traffic`: writes real UDP
/// traffic to a journal until it is killed, printing `flushed N` after each flush.
#[test]
#[ignore = "helper run as a child process by journal_survives_sigkill_mid_traffic"]
fn journal_child_writer() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let mut lab = Lab::new();
    lab.log
        .attach_journal(Journal::create_at(Path::new(&path)).expect("journal"));
    let a = lab.socket("socket udp as a", Proto::Udp, Family::V4, Some("a"));
    let b = lab.socket("socket udp as b", Proto::Udp, Family::V4, Some("b"));
    for s in [a, b] {
        lab.bind(s, &s.to_string(), "127.0.0.1:0");
    }
    let start = Instant::now();
    let mut i: u64 = 0;
    while start.elapsed() < Duration::from_secs(60) {
        let mut data = format!("msg {i:08} ").into_bytes();
        data.extend_from_slice(&[0xff, 0x00, i as u8]);
        lab.ok(
            &format!("sendto a $b hex:{}", format::hex(&data)),
            Command::SendTo {
                sock: id(a),
                addr: AddrSpec::LocalOf(id(b)),
                payload: Payload::from(data),
            },
        );
        i += 1;
        if i.is_multiple_of(25) {
            lab.log.journal().expect("journal").flush().expect("flush");
            println!("flushed {}", lab.log.len());
        }
    }
}

#[test]
fn journal_survives_sigkill_mid_traffic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("killed.journal.jsonl");
    let mut cmd = std::process::Command::new(std::env::current_exe().expect("test binary"));
    cmd.args([
        "journal_child_writer",
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads",
        "1",
    ])
    .env(CHILD_ENV, &path);
    let mut child = start(&mut cmd, Stdio::null(), Stdio::null());
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = crossbeam_channel::unbounded();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(n) = line
                .strip_prefix("flushed ")
                .and_then(|n| n.parse::<usize>().ok())
            {
                let _ = tx.send(n);
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut flushed = 0;
    // A send is three records (the command, `sent`, `received`): 1,000 flushed records
    // promise the 300 sends checked below, however slowly the child runs on a busy machine.
    while flushed < 1_000 {
        match rx.recv_deadline(deadline) {
            Ok(n) => flushed = n,
            Err(_) => {
                let _ = child.kill();
                panic!("the child journaled only {flushed} records");
            }
        }
    }
    // Let it run on a little so the kill lands between flushes, mid-traffic.
    std::thread::sleep(Duration::from_millis(37));
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("child ends");
    assert_eq!(status.signal(), Some(9), "killed by SIGKILL");
    reader.join().expect("reader");
    // Every `flushed N` printed before the kill is a promise: records 0..N are in the file.
    let promised = rx.try_iter().fold(flushed, usize::max);

    assert_eq!(
        Journal::leftovers(dir.path()).expect("list"),
        vec![path.clone()]
    );
    assert_eq!(mode(&path), 0o600);
    let rec = Journal::recover_report(&path).expect("recover");
    assert_eq!(rec.bad_lines, 0);
    assert!(
        rec.rows.len() >= promised,
        "{} rows recovered, {promised} were flushed before the kill",
        rec.rows.len()
    );
    let mut next_msg = 0u64;
    for (k, row) in rec.rows.iter().enumerate() {
        assert_eq!(row.seq, Some(k as u64), "no gap, no duplicate");
        if row.event == "sent" {
            let p = row.payload.as_ref().expect("payload in the journal");
            assert_eq!(row.len, Some(p.len()));
            let mut want = format!("msg {next_msg:08} ").into_bytes();
            want.extend_from_slice(&[0xff, 0x00, next_msg as u8]);
            assert_eq!(&p[..], &want[..], "sends in order");
            next_msg += 1;
        }
    }
    assert!(next_msg >= 300, "{next_msg} sends recovered");
    let bound = rec
        .rows
        .iter()
        .find(|r| r.event == "bound")
        .expect("bound row");
    assert!(
        bound
            .summary
            .as_deref()
            .is_some_and(|s| s.starts_with("bound 127.0.0.1:"))
    );

    // The recovered session saves like a live one (but not as pcap).
    for ext in ["jsonl", "csv", "txt"] {
        let out = dir.path().join(format!("recovered.{ext}"));
        let info = save::save_rows(&rec.rows, &out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(info.records, rec.rows.len());
        assert_eq!(mode(&out), 0o600);
    }
    assert!(save::save_rows(&rec.rows, &dir.path().join("recovered.pcap")).is_err());
    let jsonl = read::read_jsonl(&dir.path().join("recovered.jsonl")).expect("jsonl");
    assert_eq!(jsonl.len(), rec.rows.len());
    for (a, b) in jsonl.iter().zip(&rec.rows) {
        assert_eq!(a, b, "jsonl keeps every field");
    }
    let csv = read::read_csv(&dir.path().join("recovered.csv")).expect("csv");
    assert_eq!(csv.len(), rec.rows.len());
    for (a, b) in csv.iter().zip(&rec.rows) {
        assert_eq!(
            (
                &a.ts,
                &a.socket,
                &a.event,
                &a.direction,
                a.len,
                &a.payload,
                &a.command
            ),
            (
                &b.ts,
                &b.socket,
                &b.event,
                &b.direction,
                b.len,
                &b.payload,
                &b.command
            )
        );
    }
    let txt = std::fs::read_to_string(dir.path().join("recovered.txt")).expect("txt");
    assert_eq!(txt.lines().count(), rec.rows.len());
    assert!(
        txt.contains(" a      sent 16 bytes to 127.0.0.1:"),
        "{}",
        &txt[..txt.len().min(2000)]
    );
}
