//! Other processes in a test: the `sockscope` binary fed a script, a tool or a Python peer,
//! each waited for with a deadline, a server's port read from its output, and one check
//! that a run ended with the exit code it should (showing both its outputs otherwise).

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_sockscope");

/// The data folder the runs share when a test does not make its own.
pub fn test_data() -> PathBuf {
    std::env::temp_dir().join("sockscope-test-data")
}

/// `sockscope` with no extra environment.
pub fn sockscope() -> Command {
    Command::new(BIN)
}

/// `sockscope` keeping its journals and history in `data`.
pub fn sockscope_in(data: &Path) -> Command {
    let mut c = sockscope();
    c.env("SOCKSCOPE_DATA_DIR", data);
    c
}

/// A fresh folder holding one script, `name`, that says `body`: the folder (removed when
/// dropped) and the script's path.
pub fn script_file(name: &str, body: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, body).expect("script written");
    (dir, path)
}

/// Bytes as text, for messages and checks.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Starts `cmd` with `stdin` and `stderr` as given and its stdout piped.
pub fn start(cmd: &mut Command, stdin: Stdio, stderr: Stdio) -> Child {
    cmd.stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?} does not start: {e}"))
}

/// Starts `cmd` with its standard input piped, writes `input` and closes it.
pub fn start_fed(cmd: &mut Command, input: &[u8], stderr: Stdio) -> Child {
    let mut child = start(cmd, Stdio::piped(), stderr);
    let mut stdin = child.stdin.take().expect("a piped stdin");
    stdin.write_all(input).expect("the input is written");
    child
}

/// Runs `cmd` to its end with `input` on its standard input.
pub fn feed(cmd: &mut Command, input: &[u8]) -> Output {
    let child = start_fed(cmd, input, Stdio::piped());
    child.wait_with_output().expect("the program finishes")
}

/// `sockscope run EXTRA… -` with `script` on its standard input, to its end.
pub fn run_script(cmd: &mut Command, extra: &[&str], script: &str) -> Output {
    feed(cmd.arg("run").args(extra).arg("-"), script.as_bytes())
}

/// Waits for `child` at most `limit`; past that kills it and fails naming `what`.
pub fn finish_within(mut child: Child, limit: Duration, what: &str) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().expect("output"),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let out = child.wait_with_output().expect("output");
                panic!(
                    "{what}: still running after {limit:?}\nstdout:\n{}\nstderr:\n{}",
                    text(&out.stdout),
                    text(&out.stderr)
                );
            }
        }
    }
}

/// Runs `cmd` (stdin empty) to its end within `limit`.
pub fn run_within(cmd: &mut Command, limit: Duration, what: &str) -> Output {
    finish_within(start(cmd, Stdio::null(), Stdio::piped()), limit, what)
}

/// Fails the test, naming `what` and showing both outputs, unless `out` ended with `code`;
/// returns its standard output.
pub fn exit_with(out: &Output, code: i32, what: &str) -> String {
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: exit {}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        text(&out.stderr)
    );
    stdout
}

/// [`exit_with`] 0: the run succeeded.
pub fn succeeded(out: &Output, what: &str) -> String {
    exit_with(out, 0, what)
}

/// `child`'s stdout, line by line, read on a thread of its own into a channel (so that a
/// test can wait for a line with a deadline).
pub fn stdout_lines(child: &mut Child) -> crossbeam_channel::Receiver<String> {
    let stdout = child.stdout.take().expect("a piped stdout");
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

/// Reads `child`'s stdout on a thread until `pick` finds a port in a line (the rest is
/// drained); kills the child and fails if none comes within `limit`.
pub fn port_from(
    mut child: Child,
    limit: Duration,
    mut pick: impl FnMut(&str) -> Option<u16> + Send + 'static,
) -> (Child, u16) {
    let stdout = child.stdout.take().expect("a piped stdout");
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(port) = pick(&line)
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(port);
            }
        }
    });
    match rx.recv_timeout(limit) {
        Ok(port) => (child, port),
        Err(_) => {
            let _ = child.kill();
            panic!("{child:?} said no port within {limit:?}");
        }
    }
}

/// Whether `python3` runs here; says so on stderr when it does not.
pub fn have_python() -> bool {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("python3 is not installed: skipping");
    }
    ok
}

/// A Python peer: `python3 -c PROGRAM ARGS…`, run to its end, which must succeed; its stdout.
pub fn python(program: &str, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(program)
        .args(args)
        .output()
        .expect("python3 runs");
    succeeded(&out, "the python peer")
}

/// This test binary run again as a child for test `name` with `env` set (it then does the
/// measuring part alone, in a fresh process); it must succeed; its stdout.
pub fn rerun_self(name: &str, env: &[(&str, &OsStr)]) -> String {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args(["--exact", name, "--nocapture", "--test-threads=1"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("child runs");
    succeeded(&out, "the child")
}
