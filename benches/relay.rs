//! Relay throughput and added latency: a sockscope relay (`relay ID to ADDR` on a
//! listener, every event logged into a `SessionLog`) against
//! `socat TCP-LISTEN:PORT,fork,reuseaddr TCP:127.0.0.1:UPSTREAM`, in the same run.
//!
//! Throughput: a std client writes N bytes through the relay to a std sink that answers one
//! byte once it has them all. Latency: 64-byte ping-pongs with a std echo server, directly
//! and through each relay; the *added* round trip is the relayed p50 minus the direct p50.
//! `cargo bench --bench relay` measures and writes section 9 of BENCHMARKS.md; without
//! `--bench` (under `cargo test --all-targets`) it runs a small smoke version.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::{Ctl, Section};
use sockscope::engine::Command;
use sockscope::log::SessionLog;

/// Bytes per ping.
const PING: usize = 64;
/// Unmeasured rounds before the measured ones.
const WARMUP: usize = 300;

/// A std server on loopback running `serve` for every connection, each in a thread.
fn serve_forever(serve: fn(TcpStream)) -> SocketAddr {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let addr = l.local_addr().expect("address");
    thread::spawn(move || {
        for s in l.incoming().flatten() {
            thread::spawn(move || serve(s));
        }
    });
    addr
}

/// Reads until the peer's FIN, then answers one byte: the count is complete.
fn sink(mut s: TcpStream) {
    let mut buf = vec![0u8; 1 << 16];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            let _ = s.write_all(b"k");
            return;
        }
    }
}

fn echo(mut s: TcpStream) {
    let _ = s.set_nodelay(true);
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 || s.write_all(&buf[..n]).is_err() {
            return;
        }
    }
}

/// Bytes a second that `total` bytes take through `to` (write all, half-close, wait for
/// the sink's answer).
fn throughput(to: SocketAddr, total: usize) -> f64 {
    let mut s = TcpStream::connect_timeout(&to, Duration::from_secs(5)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120)))
        .expect("timeout");
    let chunk = vec![0x42u8; 1 << 17];
    let t0 = Instant::now();
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk.len());
        s.write_all(&chunk[..n]).expect("send");
        left -= n;
    }
    s.shutdown(std::net::Shutdown::Write).expect("FIN");
    let mut k = [0u8; 1];
    s.read_exact(&mut k).expect("the sink's answer");
    total as f64 / t0.elapsed().as_secs_f64()
}

/// The p50 round trip in µs of `rounds` ping-pongs through `to`.
fn rtt_p50(to: SocketAddr, rounds: usize) -> f64 {
    let mut s = TcpStream::connect_timeout(&to, Duration::from_secs(5)).expect("connect");
    s.set_nodelay(true).expect("nodelay");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let ping = [0x61u8; PING];
    let mut pong = [0u8; PING];
    let mut samples = Vec::with_capacity(rounds);
    for i in 0..WARMUP + rounds {
        let t = Instant::now();
        s.write_all(&ping).expect("ping");
        s.read_exact(&mut pong).expect("pong");
        if i >= WARMUP {
            samples.push(t.elapsed().as_nanos() as f64 / 1000.0);
        }
    }
    assert_eq!(pong, ping);
    common::percentile(&mut samples, 50.0)
}

/// A sockscope relay to `upstream` with a consumer logging every event; runs `job` on its
/// address and returns what it measured with the bytes the log saw.
fn with_sockscope<T>(upstream: SocketAddr, job: impl FnOnce(SocketAddr) -> T) -> (T, u64) {
    let mut ctl = Ctl::start();
    let (l, addr) = ctl.bound(sockscope::engine::Proto::Tcp);
    ctl.run(Command::Listen {
        sock: l.into(),
        backlog: None,
    });
    let sub = common::subscribe_bell(&ctl.engine);
    ctl.run(Command::Relay {
        sock: l.into(),
        to: Some(upstream.into()),
        idle: None,
    });
    ctl.release();
    let stop = Arc::new(AtomicBool::new(false));
    let consumer = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut log = SessionLog::new();
            common::drain_until(&sub, &stop, |ev| log.push_event(ev));
            log.totals().traffic.bytes_in
        })
    };
    let out = job(addr);
    thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::Release);
    let logged = consumer.join().expect("consumer");
    ctl.engine.shutdown();
    (out, logged)
}

/// `socat TCP-LISTEN:PORT,fork,reuseaddr TCP:UPSTREAM`; runs `job` on its address.
fn with_socat<T>(upstream: SocketAddr, job: impl FnOnce(SocketAddr) -> T) -> T {
    let port = common::free_tcp_port();
    let args = [
        format!("TCP-LISTEN:{port},fork,reuseaddr,bind=127.0.0.1"),
        format!("TCP:{upstream}"),
    ];
    let mut child = common::serve("socat", &args, port);
    let out = job(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    common::stop(&mut child);
    out
}

/// The table's rows: (bytes a second, added µs) for sockscope and, when run, socat.
fn figures(s: &mut Section, ours: (f64, f64), theirs: Option<(f64, f64)>) {
    let (o_bw, o_added) = ours;
    let Some((t_bw, t_added)) = theirs else {
        let none = common::missing("socat");
        s.row(
            "throughput",
            common::gib_s(o_bw),
            none.clone(),
            None,
            "≥ 1.0×",
            None,
        );
        let added = format!("{o_added:.1} µs");
        s.row("added round trip (p50)", added, none, None, "≤ 1.2×", None);
        return;
    };
    let r = o_bw / t_bw;
    s.row(
        "throughput vs socat relay",
        common::gib_s(o_bw),
        common::gib_s(t_bw),
        Some(r),
        "≥ 1.0×",
        Some(r >= 1.0),
    );
    let r = o_added / t_added;
    s.row(
        "added round trip (p50) vs socat relay",
        format!("{o_added:.1} µs"),
        format!("{t_added:.1} µs"),
        Some(r),
        "≤ 1.2×",
        Some(r <= 1.2),
    );
}

fn main() {
    let bench = common::bench_mode();
    let socat = common::use_tool("socat");
    let total = if bench { 1 << 30 } else { 16 << 20 };
    let rounds = if bench { 5_000 } else { 200 };
    let reps = common::reps(3);
    let sink_at = serve_forever(sink);
    let echo_at = serve_forever(echo);
    let (mut ours_bw, mut theirs_bw) = (Vec::new(), Vec::new());
    let (mut direct, mut ours_rtt, mut theirs_rtt) = (Vec::new(), Vec::new(), Vec::new());
    for rep in 1..=reps {
        let (bw, logged) = with_sockscope(sink_at, |a| throughput(a, total));
        assert!(
            logged >= total as u64,
            "the log saw every byte ({logged} of {total})"
        );
        eprintln!("rep {rep}: sockscope {}", common::gib_s(bw));
        ours_bw.push(bw);
        let (rtt, _) = with_sockscope(echo_at, |a| rtt_p50(a, rounds));
        ours_rtt.push(rtt);
        let d = rtt_p50(echo_at, rounds);
        direct.push(d);
        eprintln!("rep {rep}: rtt direct {d:.1} µs, via sockscope {rtt:.1} µs");
        if socat {
            let bw = with_socat(sink_at, |a| throughput(a, total));
            eprintln!("rep {rep}: socat {}", common::gib_s(bw));
            theirs_bw.push(bw);
            let rtt = with_socat(echo_at, |a| rtt_p50(a, rounds));
            eprintln!("rep {rep}: rtt via socat {rtt:.1} µs");
            theirs_rtt.push(rtt);
        }
    }
    let d = common::median(&mut direct);
    let ours = (
        common::median(&mut ours_bw),
        common::median(&mut ours_rtt) - d,
    );
    let theirs = socat.then(|| {
        (
            common::median(&mut theirs_bw),
            common::median(&mut theirs_rtt) - d,
        )
    });
    let mut s = Section::new(
        "relay",
        "10. Relay: throughput and added round trip, against socat",
    );
    figures(&mut s, ours, theirs);
    s.note(format!(
        "throughput: {} MiB written by a std client (128 KiB writes), then FIN; timed until the std sink behind the relay answers one byte after the FIN; median of {reps} interleaved runs",
        total >> 20
    ));
    s.note(format!(
        "added round trip: {PING}-byte ping-pongs, {rounds} measured after {WARMUP}, std client and std echo server with TCP_NODELAY; the relay's p50 minus the direct p50 ({d:.1} µs); median of {reps} runs"
    ));
    s.note("sockscope: `relay ID to ADDR` on an engine listener; a consumer thread, woken once per engine poll round as the app is (the engine's notify callback), pushes every event (`Received`, `Sent` on both sides) into a `SessionLog`");
    s.note("socat: `socat TCP-LISTEN:PORT,fork,reuseaddr,bind=127.0.0.1 TCP:127.0.0.1:UPSTREAM` (a forked socat per connection, its default 8 KiB buffer)");
    s.finish();
}
