//! End-to-end tests of `sockscope run`: the real binary, real peers on loopback.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::process::Output;
use std::time::Duration;

use common::proc::{exit_with, feed, run_script, sockscope_in, succeeded, test_data, text};

/// `sockscope ARGS…` on the shared test data folder, `stdin` (if any) on its input.
fn sockscope(args: &[&str], stdin: Option<&[u8]>) -> Output {
    feed(
        sockscope_in(&test_data()).args(args),
        stdin.unwrap_or_default(),
    )
}

fn run_stdin(script: &str, extra: &[&str]) -> Output {
    run_script(&mut sockscope_in(&test_data()), extra, script)
}

#[test]
fn every_example_script_succeeds() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("examples folder") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("scope") {
            continue;
        }
        count += 1;
        let out = sockscope(&["run", path.to_str().expect("utf-8 path")], None);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{} failed:\nstdout:\n{}\nstderr:\n{}",
            path.display(),
            text(&out.stdout),
            text(&out.stderr)
        );
    }
    assert!(count >= 5, "the seeds' examples are there");
}

#[test]
fn bound_line_shows_the_port_the_os_chose() {
    let out = run_stdin("socket udp as u\nbind u 127.0.0.1:0\n", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("bound"))
        .expect("a bound line");
    let port: u16 = line
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .expect("bound line ends with the port");
    assert_ne!(port, 0, "{line}");
}

#[test]
fn json_lines_carry_the_contract_fields() {
    let script = "socket udp as a\nbind a 127.0.0.1:0\nsocket udp as b\nbind b 127.0.0.1:0\n\
                  sendto a $b hex:00ff41\nsendto a $b \"hi\"\nexpect b \"hi\"\n";
    let out = run_stdin(script, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let events: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    for ev in &events {
        let ts = ev["ts"].as_str().expect("ts");
        assert!(
            ts.ends_with('Z') && ts.len() == "2026-01-01T00:00:00.000000Z".len(),
            "RFC 3339 µs UTC: {ts}"
        );
        assert!(ev["event"].is_string());
    }
    let received: Vec<_> = events.iter().filter(|e| e["event"] == "received").collect();
    assert_eq!(received.len(), 2, "{events:?}");
    assert_eq!(received[0]["hex"], "00ff41");
    assert_eq!(received[0]["len"], 3);
    assert!(
        received[0].get("text").is_none() || received[0]["text"].is_null(),
        "\\xff is not UTF-8"
    );
    assert_eq!(received[1]["text"], "hi");
    assert_eq!(received[1]["socket"], "s2");
    assert!(
        received[1]["peer"]
            .as_str()
            .is_some_and(|p| p.starts_with("127.0.0.1:"))
    );
    assert!(
        received[1]["local"]
            .as_str()
            .is_some_and(|l| l.starts_with("127.0.0.1:")),
        "a received event names the local address too: {}",
        received[1]
    );
}

#[test]
fn a_failing_expect_exits_1_and_shows_what_arrived() {
    let script = "socket udp as a\nbind a 127.0.0.1:0\nsocket udp as b\nbind b 127.0.0.1:0\n\
                  sendto a $b \"Err\"\nexpect b \"OK\" 300ms\nsend a \"never runs\"\n";
    let out = run_stdin(script, &[]);
    exit_with(&out, 1, "the failing expect");
    let err = text(&out.stderr);
    assert!(err.contains("-:6:"), "names the line: {err}");
    assert!(err.contains("expect b"), "names the command: {err}");
    assert!(err.contains("\"Err\""), "shows what did arrive: {err}");
    assert!(err.contains("300ms"), "says how long it waited: {err}");
}

#[test]
fn a_syntax_error_exits_2_with_line_and_column_before_anything_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("ran");
    let script = dir.path().join("bad.scope");
    std::fs::write(
        &script,
        format!(
            "socket udp\nsend s1 file:{}\nbind s1 127.0.0.1:notaport\n",
            marker.display()
        ),
    )
    .expect("write script");
    let out = sockscope(&["run", script.to_str().expect("path")], None);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    let want = format!("{}:3:19:", script.display());
    assert!(err.starts_with(&want), "FILE:LINE:COLUMN first: {err}");
    assert!(err.contains("notaport"), "shows what was found: {err}");
    assert!(out.stdout.is_empty(), "nothing ran: {}", text(&out.stdout));
}

#[test]
fn a_command_failing_at_run_time_exits_1_naming_it() {
    let probe = TcpListener::bind("127.0.0.1:0").expect("probe");
    let port = probe.local_addr().expect("addr").port();
    drop(probe); // nothing listens there now
    let out = run_stdin(
        &format!("socket tcp\nconnect s1 127.0.0.1:{port}\nstatus\n"),
        &[],
    );
    exit_with(&out, 1, "the refused connect");
    let err = text(&out.stderr);
    assert!(err.contains("-:2: connect s1"), "{err}");
    assert!(err.contains("refused"), "{err}");
}

#[test]
fn talks_to_a_real_tcp_peer() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accept");
        conn.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut buf = [0u8; 64];
        let n = conn.read(&mut buf).expect("read");
        conn.write_all(&buf[..n].to_ascii_uppercase())
            .expect("write");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let out = run_stdin(
        &format!(
            "socket tcp as c\nconnect c 127.0.0.1:{port}\nsend c \"shout\\n\"\nexpect c \"SHOUT\\n\"\n"
        ),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(server.join().expect("server thread"), "shout\n");
}

#[test]
fn talks_to_a_real_udp_peer() {
    let peer = UdpSocket::bind("127.0.0.1:0").expect("bind");
    peer.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let addr = peer.local_addr().expect("addr");
    let echo = std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        let (n, from) = peer.recv_from(&mut buf).expect("recv");
        let msg = String::from_utf8_lossy(&buf[..n]).into_owned();
        let reply = if n % 2 == 1 { "Err" } else { "OK" };
        peer.send_to(reply.as_bytes(), from).expect("send");
        msg
    });
    let out = run_stdin(
        &format!("socket udp as c\nsendto c {addr} \"odd\"\nexpect c \"Err\"\n"),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(echo.join().expect("peer thread"), "odd");
}

#[test]
fn random_bytes_as_a_script_never_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for round in 0..40 {
        let mut bytes = Vec::new();
        for _ in 0..(round * 7 % 200) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            bytes.push((seed & 0xff) as u8);
        }
        let out = sockscope(&["run", "-"], Some(&bytes));
        let code = out.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "exit {code:?} for {bytes:?}: {}",
            text(&out.stderr)
        );
        assert!(
            !text(&out.stderr).contains("panicked"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn version_names_the_commit() {
    let out = sockscope(&["--version"], None);
    let v = succeeded(&out, "--version");
    assert!(v.starts_with("sockscope 0."), "{v}");
    assert!(v.contains('('), "{v}");
}

#[test]
fn the_shell_runs_lines_and_keeps_history_across_runs() {
    let data = tempfile::tempdir().expect("tempdir");
    let run = |input: &str| {
        let mut shell = sockscope_in(&data.path().join("sockscope"));
        shell.arg("shell").env("XDG_DATA_HOME", data.path());
        feed(&mut shell, input.as_bytes())
    };
    let out = run("socket udp as u\nbind u 127.0.0.1:0\nbnd oops\nquit\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("bound 127.0.0.1:"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("1:1: expected a command"),
        "{}",
        text(&out.stderr)
    );
    let history = std::fs::read_to_string(data.path().join("sockscope/shell_history.txt"))
        .expect("history saved");
    assert!(history.contains("bind u 127.0.0.1:0"), "{history}");
    // A second run starts with that history (and adds to it).
    let out = run("status\nquit\n");
    assert_eq!(out.status.code(), Some(0));
    let history = std::fs::read_to_string(data.path().join("sockscope/shell_history.txt"))
        .expect("history saved");
    assert!(
        history.contains("bind u 127.0.0.1:0") && history.contains("status"),
        "{history}"
    );
}

#[test]
fn run_log_saves_the_session_in_the_format_of_its_extension() {
    let dir = tempfile::tempdir().expect("tempdir");
    for ext in ["jsonl", "csv", "txt"] {
        let path = dir.path().join(format!("session.{ext}"));
        let out = sockscope(
            &["run", "--log", path.to_str().expect("path"), "-"],
            Some(b"socket udp as a\nbind a 127.0.0.1:0\nsendto a $a \"to myself\"\nexpect a \"to myself\"\n"),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let saved = std::fs::read_to_string(&path).expect("log written");
        assert!(saved.contains("to myself"), "{ext}: {saved}");
        assert!(
            saved.contains("bind a 127.0.0.1:0"),
            "the commands are in the log too ({ext})"
        );
    }
    let bad = dir.path().join("session.doc");
    let out = sockscope(
        &["run", "--log", bad.to_str().expect("path"), "-"],
        Some(b"status\n"),
    );
    // A log file of no known format is refused before the script runs (exit 2, as for a
    // script that does not parse): nothing runs whose log would be lost.
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(".jsonl"),
        "lists the formats: {}",
        text(&out.stderr)
    );
}
