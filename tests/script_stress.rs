//! The `stress` statement in `sockscope run` (issue 18 §1): a script that opens its own echo
//! server and stresses it through `$srv`, the final report on stdout and in `report FILE`,
//! a reply mismatch failing the script as an unmet `expect` does, `--json` lines, TLS
//! against the script's own self-signed server, and Ctrl-C stopping the test with its
//! report still printed. The real binary, loopback only.

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::proc::stdout_lines;

/// How long a run may take on a loaded 2-core machine (debug builds of ring and rustls).
const LONG: Duration = Duration::from_secs(120);

/// The script's own echo server, `srv` (TLS with `tls`, its certificate saved to `cert`).
fn echo_server(responder: &str, tls: Option<&Path>) -> String {
    let mut s = String::from("socket tcp as srv\nbind srv 127.0.0.1:0\nlisten srv\n");
    if let Some(cert) = tls {
        s.push_str(&format!(
            "tls srv server self-signed localhost\ntls srv save-cert {}\n",
            cert.display()
        ));
    }
    s.push_str(&format!("accept srv auto\nrespond srv {responder}\n"));
    s
}

fn spawn(dir: &Path, script: &str, args: &[&str]) -> Child {
    let file = dir.join("stress.scope");
    std::fs::write(&file, script).expect("write the script");
    Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .env("SOCKSCOPE_DATA_DIR", dir.join("data"))
        .arg("run")
        .arg("--no-journal")
        .args(args)
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Waits for the run's end (reading its output as it comes, so a full pipe never stalls
/// it); kills it after [`LONG`].
fn finish(child: Child) -> Output {
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(LONG) {
        Ok(out) => out.expect("output"),
        Err(_) => {
            // SAFETY: kills the child this test started, which did not end in time.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("sockscope run did not end");
        }
    }
}

fn run(dir: &Path, script: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = finish(spawn(dir, script, args));
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// The `final: …` lines of a text run.
fn finals(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("final: "))
        .collect()
}

/// The number after `word ` in a figures line (`ok 200`, `p50 31.4`).
fn figure(line: &str, word: &str) -> f64 {
    let at = line
        .find(&format!(" {word} "))
        .unwrap_or_else(|| panic!("no {word} in {line}"));
    line[at + word.len() + 2..]
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {word} in {line}"))
}

#[test]
fn a_script_stresses_its_own_echo_server_and_the_saved_report_matches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("r.json");
    let script = format!(
        "{}stress $srv clients 4 pingpong hi count 200 report {}\n",
        echo_server("echo", None),
        report.display()
    );
    let (code, stdout, stderr) = run(dir.path(), &script, &[]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let f = finals(&stdout);
    assert_eq!(f.len(), 1, "{stdout}");
    let last = f[0];
    assert!(last.contains(" sent 200 ok 200 failed 0,"), "{last}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).expect("the report is saved"))
            .expect("JSON");
    assert_eq!(
        (
            &saved["sent"],
            &saved["ok"],
            &saved["failed"],
            &saved["connects"]
        ),
        (&200.into(), &200.into(), &0.into(), &4.into()),
        "{saved}"
    );
    for (col, word) in [("p50_us", "p50"), ("p99_us", "p99"), ("max_us", "max")] {
        // The line shows a tenth of a µs; the report keeps the ns.
        let saved = saved[col].as_f64().unwrap_or(-1.0);
        assert!(
            (saved - figure(last, word)).abs() <= 0.05,
            "{col}: {saved} in the report, {last}"
        );
    }
    assert_eq!(saved["bytes_in"].as_u64(), Some(400), "{saved}");
}

#[test]
fn a_reply_mismatch_fails_the_script_like_an_unmet_expect() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = format!(
        "{}stress $srv clients 2 pingpong hi expect HI count 20\n\
         stress $srv clients 2 pingpong hi count 20\nstatus\n",
        echo_server("upper", None)
    );
    let (code, stdout, stderr) = run(dir.path(), &script, &[]);
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    let f = finals(&stdout);
    assert_eq!(f.len(), 2, "both tests print their report: {stdout}");
    assert!(f[0].contains(" ok 20 failed 0,"), "{}", f[0]);
    assert!(
        f[1].contains(" ok 0 failed 20,") && f[1].ends_with("reply_mismatch 20"),
        "{}",
        f[1]
    );
    assert!(
        stderr.contains(":7: stress $srv clients 2 pingpong hi count 20")
            && stderr.contains("stress $srv: 20 of 20 requests failed (reply_mismatch 20)"),
        "{stderr}"
    );
}

#[test]
fn json_lines_carry_every_update_of_the_test() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = format!(
        "{}stress $srv clients 2 pingpong ping for 1s rate 200/s\n",
        echo_server("echo", None)
    );
    let (code, stdout, stderr) = run(dir.path(), &script, &["--json"]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let updates: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["event"] == "stress")
        .collect();
    let (done, live): (Vec<_>, Vec<_>) = updates.iter().partition(|v| v["done"] == true);
    assert_eq!(done.len(), 1, "{stdout}");
    assert!(!live.is_empty(), "live figures within a 1 s test: {stdout}");
    let last = done[0];
    assert!(last["ts"].is_string(), "{last}");
    assert_eq!(last["failed"], 0, "{last}");
    let ok = last["ok"].as_u64().unwrap_or_default();
    assert!(
        (100..=210).contains(&ok),
        "about 200 at 200/s for 1 s: {last}"
    );
    assert!(
        live.iter()
            .all(|v| v["ok"].as_u64().unwrap_or(u64::MAX) <= ok),
        "{stdout}"
    );
}

#[test]
fn stress_over_tls_against_the_scripts_own_tls_echo_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = dir.path().join("c.pem");
    let script = format!(
        "{}stress $srv clients 2 pingpong hello count 40 tls ca {c}\n\
         stress $srv clients 2 pingpong hello count 10 connect per-request tls sni localhost ca {c}\n\
         stress $srv clients 1 pingpong hello count 5 tls insecure\n\
         stress $srv clients 1 pingpong hello count 5 tls\n",
        echo_server("echo", Some(&cert)),
        c = cert.display()
    );
    let (code, stdout, stderr) = run(dir.path(), &script, &[]);
    assert_eq!(code, Some(1), "the untrusted one fails: {stdout}\n{stderr}");
    let f = finals(&stdout);
    assert_eq!(f.len(), 4, "{stdout}");
    assert!(f[0].contains(" ok 40 failed 0,"), "{}", f[0]);
    assert!(f[1].contains(" ok 10 failed 0,"), "{}", f[1]);
    assert!(f[2].contains(" ok 5 failed 0,"), "{}", f[2]);
    assert!(
        f[3].contains(" ok 0 failed 5,") && f[3].ends_with("tls_failed 5"),
        "{}",
        f[3]
    );
    assert!(stderr.contains("(tls_failed 5)"), "{stderr}");
    // The engine's server saw a handshake per connection: 2 + 10 + 1 clients, and the
    // refused ones.
    let handshakes = stdout.matches("tls handshake TLS").count();
    assert!(handshakes >= 13, "{handshakes} handshakes: {stdout}");
}

#[test]
fn ctrl_c_stops_the_test_and_its_report_is_still_printed_and_saved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("r.csv");
    let script = format!(
        "{}stress $srv clients 2 pingpong hi for 600s rate 100/s report {}\n",
        echo_server("echo", None),
        report.display()
    );
    let mut child = spawn(dir.path(), &script, &[]);
    let rx = stdout_lines(&mut child);
    let deadline = Instant::now() + LONG;
    loop {
        let line = rx.recv_deadline(deadline).expect("a live line");
        if line.contains(" req/s (peak ") && figure(&line, "ok") > 0.0 {
            break;
        }
    }
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    // SAFETY: sends SIGINT to the child this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let out = finish(child);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let rest: Vec<String> = rx.iter().collect();
    let last = rest
        .iter()
        .find(|l| l.starts_with("final: "))
        .unwrap_or_else(|| panic!("a final report after Ctrl-C: {rest:?}"));
    assert!(
        figure(last, "ok") > 0.0 && last.contains(" 0 active,"),
        "{last}"
    );
    let csv = std::fs::read_to_string(&report).expect("the report is saved");
    assert!(csv.starts_with("secs,qps,"), "{csv}");
}

#[test]
fn the_shell_runs_stress_and_goes_on_after_a_failed_one() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .env("SOCKSCOPE_DATA_DIR", dir.path().join("data"))
        .args(["shell", "--no-journal"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the shell starts");
    let lines = format!(
        "{}stress $srv clients 2 pingpong hi count 20\n\
         stress $srv clients 1 pingpong hi expect NO count 3\nstatus srv\nquit\n",
        echo_server("echo", None)
    );
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(lines.as_bytes())
        .expect("type the lines");
    let out = finish(child);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{all}");
    let f = finals(&all);
    assert_eq!(f.len(), 2, "{all}");
    assert!(f[0].contains(" ok 20 failed 0,"), "{}", f[0]);
    assert!(f[1].ends_with("reply_mismatch 3"), "{}", f[1]);
    assert!(
        all.contains("error: stress $srv: 3 of 3 requests failed (reply_mismatch 3)"),
        "{all}"
    );
    assert!(all.contains("status: "), "the shell went on: {all}");
}
