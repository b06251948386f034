//! End-to-end tests of a `sockscope run` server under connection churn, in a child process
//! whose descriptor limits the test sets: the server releases each finished connection's
//! descriptor and serves for ever, and sockscope raises its soft limit to the hard one.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);

/// Kills the child when the test ends, however it ends.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid())).map_or(0, |d| d.count())
    }

    /// A line of /proc/PID/status (`VmRSS:`), its number.
    fn status_kb(&self, key: &str) -> u64 {
        let text =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

/// Starts `sockscope run` on `script` with RLIMIT_NOFILE set to (soft, hard) in the child,
/// and reads the port it bound from its output (which a thread keeps draining).
fn start(script: &str, soft: u64, hard: u64) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("server.scope");
    std::fs::write(&path, script).expect("script");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sockscope"));
    cmd.arg("run")
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // SAFETY: setrlimit is async-signal-safe; the closure touches nothing else.
    unsafe {
        cmd.pre_exec(move || {
            let r = libc::rlimit {
                rlim_cur: soft,
                rlim_max: hard,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &r) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("sockscope starts");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _dir = dir; // the script lives until the server has read it
        let mut bound = None;
        let mut sent = false;
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if bound.is_none()
                && let Some(at) = line.find("bound ")
            {
                let word = line[at + 6..].split_whitespace().next().unwrap_or("");
                bound = word.parse::<SocketAddr>().ok();
            }
            // Ready once it accepts (the script's last step before it sleeps).
            if !sent && line.contains("auto-accept on") {
                if let Some(a) = bound {
                    let _ = tx.send(a);
                }
                sent = true;
            }
        }
    });
    let addr = rx
        .recv_timeout(WAIT)
        .expect("the server says where it listens, then that it accepts");
    Server { child, addr }
}

const ECHO_SERVER: &str = "socket tcp as srv\nbind srv 127.0.0.1:0\nlisten srv\n\
respond srv echo\naccept srv auto\nsleep 600s\n";

/// One short connection: connect, send, read the echo, close.
fn exchange(addr: SocketAddr, i: usize) -> Result<(), String> {
    let mut c = TcpStream::connect(addr).map_err(|e| format!("connect {i}: {e}"))?;
    c.set_read_timeout(Some(WAIT)).map_err(|e| e.to_string())?;
    let msg = format!("hello {i}\n");
    c.write_all(msg.as_bytes())
        .map_err(|e| format!("send {i}: {e}"))?;
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.len() < msg.len() {
        let n = c.read(&mut buf).map_err(|e| format!("read {i}: {e}"))?;
        if n == 0 {
            return Err(format!("connection {i} closed before its echo"));
        }
        got.extend_from_slice(&buf[..n]);
    }
    if got != msg.as_bytes() {
        return Err(format!("connection {i}: echo {got:?}"));
    }
    Ok(())
}

#[test]
fn an_echo_server_with_256_descriptors_serves_2000_short_connections() {
    let server = start(ECHO_SERVER, 256, 256);
    let started = Instant::now();
    for i in 0..2000 {
        if let Err(e) = exchange(server.addr, i) {
            panic!(
                "{e} (after {:?}; the server holds {} descriptors)",
                started.elapsed(),
                server.open_fds()
            );
        }
    }
    // The last connections' descriptors are released as their close arrives.
    let deadline = Instant::now() + WAIT;
    while server.open_fds() > 32 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let fds = server.open_fds();
    eprintln!(
        "2000 connections in {:?}; {fds} descriptors open after; VmRSS {} kB",
        started.elapsed(),
        server.status_kb("VmRSS:")
    );
    assert!(fds <= 32, "{fds} descriptors still open");
}

#[test]
fn the_soft_descriptor_limit_is_raised_to_the_hard_one() {
    let server = start(ECHO_SERVER, 64, 1024);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.pid()))
        .expect("limits of the child");
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("a line for open files")
        .to_string();
    let nums: Vec<&str> = line.split_whitespace().skip(3).take(2).collect();
    assert_eq!(nums, ["1024", "1024"], "{line}");
}
