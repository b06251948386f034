//! Echo round trip: a std `TcpStream` client (TCP_NODELAY) sends 64 bytes and waits for the
//! 64 bytes back, 10,000 times; p50 and p99 through a sockscope echo responder (`Respond
//! Echo` on an auto-accepting listener, logging on) against socat's echo servers
//! `socat TCP-LISTEN:PORT,reuseaddr,fork EXEC:cat` and `… PIPE`.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::{Ctl, Section};
use sockscope::engine::{Command, Responder};
use sockscope::log::SessionLog;

/// Unmeasured rounds before the measured ones.
const WARMUP: usize = 500;
/// Bytes per ping.
const SIZE: usize = 64;

/// p50 and p99 of one client run, in microseconds.
#[derive(Clone, Copy, Debug)]
struct Rtt {
    p50: f64,
    p99: f64,
}

/// Ping-pongs `rounds` times with the echo server at `to`.
fn ping_pong(to: SocketAddr, rounds: usize) -> Rtt {
    let mut s = TcpStream::connect_timeout(&to, Duration::from_secs(5)).expect("connect");
    s.set_nodelay(true).expect("nodelay");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let ping = [0x61u8; SIZE];
    let mut pong = [0u8; SIZE];
    let mut samples = Vec::with_capacity(rounds);
    for i in 0..WARMUP + rounds {
        let t = Instant::now();
        s.write_all(&ping).expect("send ping");
        s.read_exact(&mut pong).expect("echo comes back");
        if i >= WARMUP {
            samples.push(t.elapsed().as_nanos() as f64 / 1000.0);
        }
    }
    assert_eq!(pong, ping, "the echo is the ping");
    let _ = socket2::SockRef::from(&s).set_linger(Some(Duration::ZERO));
    Rtt {
        p50: common::percentile(&mut samples, 50.0),
        p99: common::percentile(&mut samples, 99.0),
    }
}

/// sockscope: echo responder on an auto-accepting listener; a consumer logs every event.
fn sockscope_echo(rounds: usize) -> Rtt {
    let mut ctl = Ctl::start();
    let (listener, addr) = ctl.auto_listener(None);
    // Subscribed before the last setup command: once its outcome is back, the subscription is live.
    // Events taken as the app takes them (see `common::drain_until`).
    let sub = common::subscribe_bell(&ctl.engine);
    ctl.run(Command::Respond {
        sock: listener.into(),
        responder: Responder::Echo,
    });
    ctl.release();
    let stop = Arc::new(AtomicBool::new(false));
    let consumer = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut log = SessionLog::new();
            common::drain_until(&sub, &stop, |ev| log.push_event(ev));
            log.totals()
        })
    };
    let rtt = ping_pong(addr, rounds);
    thread::sleep(Duration::from_millis(50));
    stop.store(true, Ordering::Release);
    let totals = consumer.join().expect("consumer");
    ctl.engine.shutdown();
    let bytes = ((WARMUP + rounds) * SIZE) as u64;
    assert_eq!(totals.traffic.bytes_in, bytes, "the log saw every ping");
    assert_eq!(totals.traffic.bytes_out, bytes, "the log saw every echo");
    rtt
}

/// socat's echo with the given right-hand address (`EXEC:cat` or `PIPE`).
fn socat_echo(right: &str, rounds: usize) -> Rtt {
    let port = common::free_tcp_port();
    let listen = format!("TCP-LISTEN:{port},reuseaddr,fork,bind=127.0.0.1");
    let mut child = common::serve("socat", &[listen, right.to_string()], port);
    let rtt = ping_pong(SocketAddr::from((Ipv4Addr::LOCALHOST, port)), rounds);
    common::stop(&mut child);
    rtt
}

fn main() {
    let bench = common::bench_mode();
    let socat = common::use_tool("socat");
    let rounds = if bench { 10_000 } else { 500 };
    let reps = common::reps(3);
    let (mut ours, mut exec, mut pipe) = (Vec::new(), Vec::new(), Vec::new());
    for rep in 1..=reps {
        let r = sockscope_echo(rounds);
        eprintln!("rep {rep}: sockscope {r:?}");
        ours.push(r);
        if socat {
            let r = socat_echo("EXEC:cat", rounds);
            eprintln!("rep {rep}: socat EXEC:cat {r:?}");
            exec.push(r);
            let r = socat_echo("PIPE", rounds);
            eprintln!("rep {rep}: socat PIPE {r:?}");
            pipe.push(r);
        }
    }
    let med = |v: &[Rtt]| {
        let mut a: Vec<f64> = v.iter().map(|r| r.p50).collect();
        let mut b: Vec<f64> = v.iter().map(|r| r.p99).collect();
        Rtt {
            p50: common::median(&mut a),
            p99: common::median(&mut b),
        }
    };
    let o = med(&ours);
    let mut s = Section::new("echo_rtt", "5. Echo round trip, 64 bytes");
    let refs: Vec<(&str, Option<Rtt>)> = vec![
        ("socat … EXEC:cat", socat.then(|| med(&exec))),
        ("socat … PIPE", socat.then(|| med(&pipe))),
    ];
    for (name, r) in refs.into_iter().take(if socat { 2 } else { 1 }) {
        for (q, ours, theirs) in [
            ("p50", o.p50, r.map(|r| r.p50)),
            ("p99", o.p99, r.map(|r| r.p99)),
        ] {
            match theirs {
                Some(t) => s.row(
                    format!("{q} vs {name}"),
                    format!("{ours:.1} µs"),
                    format!("{t:.1} µs"),
                    Some(ours / t),
                    "≤ 1.2×",
                    Some(ours / t <= 1.2),
                ),
                None => s.row(
                    q,
                    format!("{ours:.1} µs"),
                    common::missing("socat"),
                    None,
                    "≤ 1.2×",
                    None,
                ),
            }
        }
    }
    s.note(format!(
        "{rounds} measured rounds after {WARMUP} unmeasured, per run; median over {reps} interleaved runs of each run's p50 and p99; \
         one connection per run; client: std `TcpStream`, TCP_NODELAY, `write_all` then `read_exact`"
    ));
    s.note("sockscope: `Respond { Echo }` on an auto-accepting engine listener; a consumer thread, woken once per engine poll round as the app is, pushes every event (`Received`, `Sent`) into a `SessionLog`");
    s.note("socat: `socat TCP-LISTEN:PORT,reuseaddr,fork,bind=127.0.0.1 EXEC:cat` (a forked socat plus a cat process, two pipes) and `… PIPE` (the forked socat echoes through one pipe)");
    s.finish();
}
