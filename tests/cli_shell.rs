//! `sockscope shell` in a real terminal (a pty driven by Python's `pty` module): Ctrl-C
//! while `accept` or `sleep` runs interrupts that statement and the shell stays, with its
//! sockets; the history is on disk line by line, before the shell ends; EOF (Ctrl-D) ends it
//! with status 0 and its journal ended cleanly. Skipped where `python3` is missing.

use std::path::Path;
use std::process::Command;

/// The terminal side: prints a transcript, exits 0 when every step saw what it waited for.
const DRIVER: &str = r#"
import fcntl, os, pty, select, struct, sys, termios, time
binary, data = sys.argv[1], sys.argv[2]
pid, fd = pty.fork()
if pid == 0:
    os.environ["SOCKSCOPE_DATA_DIR"] = data
    os.environ["TERM"] = "xterm"
    os.execv(binary, [binary, "shell"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
buf = b""
def fail(why):
    sys.stdout.write("FAIL: " + why + "\n--- output so far:\n" + buf.decode("utf-8", "replace"))
    sys.exit(1)
def read_for(seconds):
    global buf
    end = time.time() + seconds
    while True:
        left = end - time.time()
        if left <= 0:
            return
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
def until(pat, timeout=30.0):
    global buf
    end = time.time() + timeout
    while pat not in buf:
        left = end - time.time()
        if left <= 0:
            fail("no %r within %ss" % (pat, timeout))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                fail("the shell ended while waiting for %r" % pat)
            if not chunk:
                fail("the shell ended while waiting for %r" % pat)
            buf += chunk
    i = buf.index(pat) + len(pat)
    seen, buf = buf[:i], buf[i:]
    sys.stdout.write(seen.decode("utf-8", "replace"))
    return seen
PROMPT = b"sockscope> "
def line(text):
    os.write(fd, text.encode() + b"\r")
until(PROMPT)
for cmd in ["socket tcp as srv", "bind srv 127.0.0.1:0", "listen srv"]:
    line(cmd)
    until(PROMPT)
history = os.path.join(data, "shell_history.txt")
for cmd, word in [("accept srv", b"accept srv"), ("sleep 60s", b"sleep 60s")]:
    line(cmd)
    until(word)
    read_for(0.5)
    if PROMPT in buf:
        fail("%s returned by itself" % cmd)
    # Line by line: the history has the line while its statement still runs.
    with open(history) as f:
        if cmd not in f.read():
            fail("%s is not in the history file while it runs" % cmd)
    t0 = time.time()
    os.write(fd, b"\x03")
    until(b"interrupted", 10.0)
    until(PROMPT, 10.0)
    sys.stdout.write("\n[%s interrupted in %.0f ms]\n" % (cmd, (time.time() - t0) * 1000))
line("status srv")
until(b"listening", 10.0)
until(PROMPT)
os.write(fd, b"\x04")
read_for(0.2)
_, status = os.waitpid(pid, 0)
if not os.WIFEXITED(status):
    fail("the shell was killed by signal %d" % os.WTERMSIG(status))
code = os.WEXITSTATUS(status)
sys.stdout.write("\n[exit %d]\n" % code)
sys.exit(0 if code == 0 else 1)
"#;

fn has_python() -> bool {
    Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn journals(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.flatten()
            .filter(|e| e.path().to_string_lossy().ends_with(".journal.jsonl"))
            .count()
    })
}

#[test]
fn ctrl_c_interrupts_accept_and_sleep_and_the_shell_stays() {
    if !has_python() {
        eprintln!("skipped: python3 is not installed (it drives the pty)");
        return;
    }
    let data = tempfile::tempdir().expect("tempdir");
    let out = Command::new("python3")
        .args(["-c", DRIVER, env!("CARGO_BIN_EXE_sockscope")])
        .arg(data.path())
        .output()
        .expect("python3 runs");
    let transcript = String::from_utf8_lossy(&out.stdout);
    println!("{transcript}");
    assert!(
        out.status.success(),
        "{transcript}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(transcript.contains("[exit 0]"), "{transcript}");
    let history = std::fs::read_to_string(data.path().join("shell_history.txt")).expect("history");
    for line in ["listen srv", "accept srv", "sleep 60s", "status srv"] {
        assert!(history.contains(line), "{line} not in {history}");
    }
    assert_eq!(journals(data.path()), 0, "EOF ends the journal cleanly");
}

/// Pastes one line of `size` bytes (no bracketed paste: the terminal just types it) and
/// prints `[output N bytes in S s]`; exits 0 once the shell ran the whole line.
const PASTE_DRIVER: &str = r#"
import fcntl, os, pty, select, struct, sys, termios, threading, time
binary, data, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
pid, fd = pty.fork()
if pid == 0:
    os.environ["SOCKSCOPE_DATA_DIR"] = data
    os.environ["TERM"] = "xterm"
    os.execv(binary, [binary, "shell", "--no-journal"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
tail = bytearray(); total = [0]; lock = threading.Lock()
def reader():
    while True:
        try:
            c = os.read(fd, 1 << 16)
        except OSError:
            return
        if not c:
            return
        with lock:
            total[0] += len(c)
            tail.extend(c)
            del tail[:-65536]
threading.Thread(target=reader, daemon=True).start()
def wait_for(pat, seconds):
    end = time.time() + seconds
    while time.time() < end:
        with lock:
            if pat in tail:
                tail.clear()
                return True
        time.sleep(0.01)
    with lock:
        sys.stdout.write("no %r; output ends with %r\n" % (pat, bytes(tail[-300:])))
    sys.exit(1)
wait_for(b"sockscope> ", 30)
os.write(fd, b"socket udp as u\r")
wait_for(b"sockscope> ", 30)
line = b'respond u "' + b"x" * size + b'"\r'
with lock:
    before = total[0]
t0 = time.time()
for i in range(0, len(line), 4096):
    os.write(fd, line[i:i + 4096])
wait_for(b"(+%d bytes)" % (size - 64), 120)
with lock:
    out = total[0] - before
sys.stdout.write("[output %d bytes in %.2f s]\n" % (out, time.time() - t0))
os.write(fd, b"quit\r")
os.waitpid(pid, 0)
"#;

#[test]
fn a_long_pasted_line_costs_linear_time_and_output() {
    if !has_python() {
        eprintln!("skipped: python3 is not installed (it drives the pty)");
        return;
    }
    const SIZE: usize = 200_000;
    let data = tempfile::tempdir().expect("tempdir");
    let out = Command::new("python3")
        .args(["-c", PASTE_DRIVER, env!("CARGO_BIN_EXE_sockscope")])
        .arg(data.path())
        .arg(SIZE.to_string())
        .output()
        .expect("python3 runs");
    let said = String::from_utf8_lossy(&out.stdout);
    println!("{said}");
    assert!(out.status.success(), "{said}");
    let written: usize = said
        .split("[output ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the driver says how much the shell wrote");
    // Redrawing the line at each wrap wrote about SIZE²/(2·100) bytes (200 MB here); the
    // shell now shows the first 4 KiB of a long line and then takes the rest silently.
    assert!(
        written < 1_000_000,
        "{written} bytes of terminal output for a {SIZE}-byte line"
    );
}
