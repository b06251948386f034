//! A child process holding many idle TCP clients, for the benches that need thousands of
//! connections: the bench re-runs its own binary with `--role clients --port P --n N`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Child, ChildStdout, Command as Proc, Stdio};
use std::time::{Duration, Instant};

/// The child's side: connects `n` clients to `port` one after another, prints
/// `ready SECONDS`, holds them until its stdin closes, then resets them (linger 0).
pub fn clients(port: u16, n: usize) {
    super::raise_nofile();
    let to = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let start = Instant::now();
    let mut held = Vec::with_capacity(n);
    for i in 0..n {
        match TcpStream::connect_timeout(&to, Duration::from_secs(10)) {
            Ok(s) => held.push(s),
            Err(e) => {
                println!("error connection {i}: {e}");
                return;
            }
        }
    }
    println!("ready {}", start.elapsed().as_secs_f64());
    let _ = std::io::stdout().flush();
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    for s in &held {
        let _ = socket2::SockRef::from(s).set_linger(Some(Duration::ZERO));
    }
}

/// Starts the clients' process; returns it with its stdout.
pub fn spawn_clients(port: u16, n: usize) -> (Child, BufReader<ChildStdout>) {
    let exe = std::env::current_exe().expect("own path");
    let mut child = Proc::new(exe)
        .args([
            "--role",
            "clients",
            "--port",
            &port.to_string(),
            "--n",
            &n.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the clients' process");
    let out = BufReader::new(child.stdout.take().expect("clients' stdout"));
    (child, out)
}

/// Reads the clients' `ready SECONDS` line: the seconds their connects took.
pub fn clients_ready(out: &mut BufReader<ChildStdout>) -> f64 {
    let mut line = String::new();
    let _ = out.read_line(&mut line);
    line.strip_prefix("ready ")
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("clients failed: {line}"))
}

/// Lets the clients' process close its connections and exit.
pub fn end_clients(mut child: Child) {
    drop(child.stdin.take());
    let _ = super::wait_exit(&mut child, Duration::from_secs(30));
}
