//! `sockscope run` and its `--log`: early checks of the log path, what a format could not
//! hold, script-mode defaults (`accept`, `expect` on a missing socket), error lines, and a
//! session saved as a script that replays. The real binary, real sockets on loopback.

mod common;

use std::io::ErrorKind;
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::proc::{
    exit_with, finish_within, script_file, sockscope_in, start, stdout_lines, succeeded, test_data,
    text,
};

fn spawn(args: &[&std::ffi::OsStr]) -> Child {
    start(
        sockscope_in(&test_data()).args(args),
        Stdio::null(),
        Stdio::piped(),
    )
}

/// `sockscope run EXTRA… SCRIPT`, which must end within [`LONG`].
fn run_file(script: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["run".as_ref()];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    args.push(script.as_os_str());
    finish_within(spawn(&args), LONG, &format!("run {}", script.display()))
}

const LONG: Duration = Duration::from_secs(60);

#[test]
fn an_unusable_log_path_exits_2_before_anything_runs() {
    let witness = UdpSocket::bind("127.0.0.1:0").expect("witness socket");
    witness.set_nonblocking(true).expect("nonblocking");
    let port = witness.local_addr().expect("port").port();
    let (dir, script) = script_file(
        "ran.scope",
        &format!("socket udp as a\nsendto a 127.0.0.1:{port} \"ran\"\n"),
    );
    std::fs::create_dir(dir.path().join("folder.txt")).expect("a folder");
    let cases = [
        ("x.foo", "extension .foo"),
        ("missing/x.txt", "temporary file"),
        ("folder.txt", "folder"),
    ];
    for (log, says) in cases {
        let target = dir.path().join(log);
        let target = target.to_str().expect("utf-8 path");
        let out = run_file(&script, &["--log", target]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--log {log}: {stderr}");
        assert!(stderr.contains(says), "--log {log}: {stderr}");
        assert!(out.stdout.is_empty(), "--log {log}: {}", text(&out.stdout));
        // Loopback delivers a datagram before `sendto` returns: had the script run, it
        // would be waiting in the witness socket now that the process has exited.
        let mut buf = [0u8; 16];
        let got = witness.recv(&mut buf);
        assert!(
            matches!(&got, Err(e) if e.kind() == ErrorKind::WouldBlock),
            "--log {log}: the script ran ({got:?})"
        );
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.ends_with(".tmp")),
        "no temporary file stays: {names:?}"
    );
}

#[test]
fn a_pcap_of_unix_sockets_says_on_stderr_what_it_left_out() {
    let sockets = tempfile::tempdir().expect("tempdir");
    let sock = sockets.path().join("srv.sock");
    let sock = sock.to_str().expect("utf-8 path");
    let (dir, script) = script_file(
        "unix.scope",
        &format!(
            "socket unix as srv\nbind srv {sock}\nlisten srv\nsocket unix as cli\n\
             connect cli {sock}\naccept srv as conn 10s\nsend cli \"over unix\"\n\
             expect conn \"over unix\" 10s\n"
        ),
    );
    let pcap = dir.path().join("unix.pcap");
    let out = run_file(&script, &["--log", pcap.to_str().expect("utf-8 path")]);
    exit_with(&out, 0, "the run");
    let stderr = text(&out.stderr);
    assert!(pcap.exists(), "the pcap is written");
    // One `sent` and one `received` payload, both on Unix sockets.
    assert!(
        stderr.contains("2 records this format cannot hold") && stderr.contains("Unix"),
        "{stderr}"
    );
}

#[test]
fn expect_on_a_socket_that_does_not_exist_fails_at_once() {
    let (_dir, script) = script_file("s99.scope", "socket udp\nexpect s99 \"x\" 30s\n");
    let started = Instant::now();
    let out = run_file(&script, &[]);
    let took = started.elapsed();
    exit_with(&out, 1, "the run");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("there is no socket s99"), "{stderr}");
    assert!(
        took < Duration::from_secs(20),
        "it said so at once, not after the 30 s wait: {took:?}"
    );
}

#[test]
fn accept_without_a_duration_gives_up_after_the_script_default() {
    let (_dir, script) = script_file(
        "accept.scope",
        "socket tcp as l\nbind l 127.0.0.1:0\nlisten l\naccept l\n",
    );
    let out = run_file(&script, &[]);
    exit_with(&out, 1, "the run");
    let stderr = text(&out.stderr);
    assert!(stderr.contains(":4: accept l:"), "names the line: {stderr}");
}

#[test]
fn a_runtime_error_shows_its_line_cut_and_escaped() {
    let payload = "\u{1b}[2J\u{0}".to_string() + &"z".repeat(10 << 20);
    let (_dir, script) = script_file(
        "long.scope",
        &format!("socket tcp as a\nsend a \"{payload}\"\n"),
    );
    let out = run_file(&script, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", stderr.len());
    assert!(stderr.len() < 1000, "{} bytes on stderr", stderr.len());
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{0}'),
        "{stderr:?}"
    );
    assert!(stderr.contains("send a \"\\x1b[2J\\x00zzz"), "{stderr:?}");
    assert!(stderr.contains("not connected"), "and says why: {stderr}");
}

#[test]
fn counts_of_one_read_singular() {
    let (_dir, script) = script_file(
        "one.scope",
        "socket udp as a\nbind a 127.0.0.1:0\nsendto a $a \"x\"\nexpect a \"x\" 10s\nstatus\n",
    );
    let out = run_file(&script, &[]);
    let stdout = succeeded(&out, "the run");
    assert!(stdout.contains("status: 1 socket\n"), "{stdout}");
    assert!(stdout.contains("sent 1 byte to"), "{stdout}");
    assert!(stdout.contains("received 1 byte from"), "{stdout}");
}

#[test]
fn run_log_scope_saves_a_session_that_replays_on_fresh_ports() {
    let (dir, script) = script_file(
        "first.scope",
        "socket tcp as srv\nbind srv 127.0.0.1:0\nlisten srv\nrespond srv upper\n\
         socket tcp as cli\nconnect cli $srv\naccept srv\nsend cli \"hello\"\n\
         expect cli \"HELLO\" 10s\nclose cli\n",
    );
    let saved = dir.path().join("saved.scope");
    let out = run_file(&script, &["--log", saved.to_str().expect("utf-8 path")]);
    succeeded(&out, "the run");
    let body = std::fs::read_to_string(&saved).expect("saved script");
    assert!(body.contains("connect cli $srv\n"), "{body}");
    assert!(body.contains("bind srv 127.0.0.1:0\n"), "{body}");
    assert!(body.contains("accept srv 10s\n"), "{body}");
    let replay = run_file(&saved, &[]);
    succeeded(&replay, "replay");
}

#[test]
fn ctrl_c_ends_a_waiting_run_cleanly_and_saves_its_log() {
    let (dir, script) = script_file(
        "wait.scope",
        "socket tcp as l\nbind l 127.0.0.1:0\nlisten l\naccept l 600s\n",
    );
    let log = dir.path().join("wait.jsonl");
    let mut child = spawn(&[
        "run".as_ref(),
        "--log".as_ref(),
        log.as_os_str(),
        script.as_os_str(),
    ]);
    let rx = stdout_lines(&mut child);
    let deadline = Instant::now() + LONG;
    loop {
        let line = rx
            .recv_deadline(deadline)
            .expect("the run prints its listening line");
        if line.contains("listening") {
            break;
        }
    }
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    // SAFETY: sends SIGINT to the child this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let out = finish_within(child, LONG, "the interrupted run");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains(":4: accept l 600s: interrupted"),
        "{stderr}"
    );
    let saved = std::fs::read_to_string(&log).expect("the log is saved");
    assert!(saved.contains("\"listening\""), "{saved}");
}

#[test]
fn expect_waits_for_a_connection_an_auto_accepting_listener_has_yet_to_take() {
    let (_dir, script) = script_file(
        "auto.scope",
        "socket tcp as srv\nbind srv 127.0.0.1:0\nlisten srv\naccept srv auto\n\
         socket tcp as cli\nconnect cli $srv\nsend cli \"x\"\nexpect s3 \"x\" 30s\n",
    );
    let out = run_file(&script, &[]);
    succeeded(&out, "the run");
}
