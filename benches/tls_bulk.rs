//! TLS bulk throughput on loopback: sockscope's TLS client (`tls ID client` then a `flood`
//! of 64 KiB sends) against `socat … OPENSSL:` and `openssl s_client`, each feeding the same
//! bytes from its standard input, all into the same sink, a sockscope TLS server (self-signed), run after
//! run, interleaved. (`openssl s_server -quiet` was tried as the sink: it reads at about
//! 9 MB/s here and would measure only itself.) Under `cargo test --benches` (smoke) no
//! reference runs.

mod common;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command as Proc, Stdio};
use std::time::{Duration, Instant};

use common::{Ctl, Section};
use sockscope::engine::{Command, EventKind, Proto};
use sockscope::lang::{Statement, parse_line};

/// Bytes per send.
const SIZE: u64 = 65_536;

fn cmd(line: &str) -> Command {
    match parse_line(line) {
        Ok(Some(Statement::Engine(c))) => c,
        other => panic!("{line}: {other:?}"),
    }
}

/// sockscope's client: connect, handshake, then a flood of `total` bytes; seconds of the flood.
fn ours(to: SocketAddr, ca: &Path, total: u64) -> f64 {
    let ctl = Ctl::start();
    let rx = ctl.engine.subscribe();
    ctl.sync();
    let c = ctl.socket(Proto::Tcp);
    ctl.run(cmd(&format!("connect {c} {to}")));
    ctl.run(cmd(&format!("tls {c} client ca {}", ca.display())));
    let started = Instant::now();
    ctl.engine
        .submit(cmd(&format!("flood {c} {SIZE} max {}", total / SIZE)));
    let deadline = started + Duration::from_secs(600);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ev = rx.recv_timeout(left).expect("the flood ends");
        if ev.socket == Some(c) {
            match ev.kind {
                EventKind::RepeatDone { .. } => break,
                EventKind::Failed(e) => panic!("flood failed: {e}"),
                _ => {}
            }
        }
    }
    started.elapsed().as_secs_f64()
}

/// The reference clients: each reads the bytes to send from its standard input.
#[derive(Clone, Copy)]
enum Peer {
    /// `openssl s_client -quiet -no_ign_eof`.
    SClient,
    /// `socat -u -b 65536 STDIN OPENSSL:…` (verifying against the sink's certificate).
    Socat,
}

/// A reference client sending `total` bytes from its standard input; seconds to its exit.
fn theirs(peer: Peer, to: SocketAddr, ca: &Path, total: u64) -> f64 {
    let started = Instant::now();
    let mut proc = match peer {
        Peer::SClient => {
            let mut p = Proc::new("openssl");
            p.args(["s_client", "-quiet", "-no_ign_eof", "-connect"])
                .arg(to.to_string())
                .arg("-CAfile")
                .arg(ca);
            p
        }
        Peer::Socat => {
            let mut p = Proc::new("socat");
            p.args(["-u", "-b", "65536", "STDIN"]).arg(format!(
                "OPENSSL:{to},cafile={},commonname=localhost",
                ca.display()
            ));
            p
        }
    };
    let mut child = proc
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the reference client starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let chunk = vec![0x61u8; SIZE as usize];
    for _ in 0..total / SIZE {
        stdin.write_all(&chunk).expect("the client takes its input");
    }
    drop(stdin);
    let (status, ended) = common::wait_exit(&mut child, Duration::from_secs(600));
    assert!(status.is_some_and(|s| s.success()), "the client ended well");
    (ended - started).as_secs_f64()
}

/// The sink: a sockscope TLS server (self-signed, auto-accepting) in an engine of its own,
/// its address and the file of its certificate.
fn sink() -> ((Ctl, tempfile::TempDir), SocketAddr, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Ctl::start();
    let (l, addr) = server.auto_listener(None);
    server.run(cmd(&format!("tls {l} server self-signed")));
    let ca = dir.path().join("c.pem");
    server.run(cmd(&format!("tls {l} save-cert {}", ca.display())));
    // Nobody reads its events: an undrained subscriber would pause its reads (congestion).
    let mut server = server;
    server.release();
    ((server, dir), addr, ca)
}

/// Smoke: sockscope's client into sockscope's own TLS server.
fn smoke(total: u64) -> f64 {
    let (_sink, addr, ca) = sink();
    ours(addr, &ca, total)
}

fn main() {
    let bench = common::bench_mode();
    let openssl = common::use_tool("openssl");
    let total: u64 = if bench { 256 << 20 } else { 8 << 20 };
    let gib = total as f64 / (1u64 << 30) as f64;
    let mut s = Section::new("tls_bulk", "9. TLS bulk on loopback (TLS 1.3, AES-128-GCM)");
    if !openssl {
        let secs = smoke(total);
        s.row(
            "sockscope TLS client → sockscope TLS server",
            format!("{:.2} GiB/s", gib / secs),
            common::missing("openssl"),
            None,
            "≥ 1.0×",
            None,
        );
        s.finish();
        return;
    }
    let socat = common::use_tool("socat");
    let reps = common::reps(3);
    let (mut o, mut t, mut sc) = (Vec::new(), Vec::new(), Vec::new());
    for rep in 1..=reps {
        let (srv, addr, ca) = sink();
        let secs = ours(addr, &ca, total);
        drop(srv);
        eprintln!("rep {rep}: sockscope {:.2} GiB/s", gib / secs);
        o.push(gib / secs);
        let (srv, addr, ca) = sink();
        let secs = theirs(Peer::SClient, addr, &ca, total);
        drop(srv);
        eprintln!("rep {rep}: openssl s_client {:.2} GiB/s", gib / secs);
        t.push(gib / secs);
        if socat {
            let (srv, addr, ca) = sink();
            let secs = theirs(Peer::Socat, addr, &ca, total);
            drop(srv);
            eprintln!("rep {rep}: socat OPENSSL {:.2} GiB/s", gib / secs);
            sc.push(gib / secs);
        }
    }
    let ours_rate = common::median(&mut o);
    if socat {
        let socat_rate = common::median(&mut sc);
        let ratio = ours_rate / socat_rate;
        s.row(
            "sockscope TLS client vs socat OPENSSL, both into a sockscope TLS server",
            format!("{ours_rate:.2} GiB/s"),
            format!("{socat_rate:.2} GiB/s (socat OPENSSL)"),
            Some(ratio),
            "≥ 1.0×",
            Some(ratio >= 1.0),
        );
    }
    let their_rate = common::median(&mut t);
    let ratio = ours_rate / their_rate;
    s.row(
        "sockscope TLS client vs openssl s_client, both into a sockscope TLS server",
        format!("{ours_rate:.2} GiB/s"),
        format!("{their_rate:.2} GiB/s (openssl s_client)"),
        Some(ratio),
        "≥ 1.0×",
        Some(ratio >= 1.0),
    );
    s.note(format!(
        "{:.0} MiB per run in 64 KiB sends; median of {reps} interleaved runs; a fresh sockscope engine with an auto-accepting `tls ID server self-signed` listener as the sink of each run", gib * 1024.0
    ));
    s.note("sockscope: `connect`, `tls ID client ca FILE` (rustls, ring), then `flood ID 65536 max N`, timed from the flood's start to its end (all bytes handed to the socket)");
    s.note("socat: `socat -u -b 65536 STDIN OPENSSL:ADDR,cafile=FILE,commonname=localhost` and openssl: `openssl s_client -quiet -no_ign_eof -CAfile FILE`, each fed the same bytes on standard input by the bench, timed from its start to its exit (handshake included: a few ms of the run)");
    s.finish();
}
