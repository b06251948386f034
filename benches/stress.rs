//! The stress test (`sockscope::stress`) against echo servers: one connection's ping-pong
//! latency against `sockperf ping-pong`, 1,000 concurrent connections (rate, p99, memory per
//! connection, nothing left open), and the connection rate with `connect per-request`
//! against a plain std client doing the same.
//!
//! The echo servers: a plain Rust thread-per-connection echo (this binary again, as a child
//! process: `--role echo`), and `socat TCP-LISTEN:PORT,fork PIPE`. sockperf only talks to its
//! own server (its client drops replies without its header), so sockperf's figure is its
//! client against `sockperf server`, sockscope's is its client against the Rust echo.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command as Proc, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::Section;
use socket2::{Domain, Socket, Type};
use sockscope::stress::{Connect, Figures, Limit, Stress, StressConfig};

/// Bytes per ping.
const SIZE: usize = 64;
/// Concurrent connections of the load figure.
const MANY: usize = 1_000;
/// Client threads of the connection-rate figure.
const RATE_CLIENTS: usize = 4;

/// The child's side of `--role echo`: a thread-per-connection echo on 127.0.0.1, its port
/// printed as `port P`; runs until killed.
fn echo_server() {
    common::raise_nofile();
    // A backlog of 4096 (std's `TcpListener::bind` listens with 128: a thousand clients
    // connecting at once overflow it, and the kernel drops what overflows).
    let sock = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
    sock.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())
        .expect("bind the echo server");
    sock.listen(4096).expect("listen");
    let l: TcpListener = sock.into();
    let port = l.local_addr().expect("its port").port();
    println!("port {port}");
    let _ = std::io::stdout().flush();
    for conn in l.incoming() {
        let Ok(mut c) = conn else { continue };
        let _ = thread::Builder::new().stack_size(64 << 10).spawn(move || {
            let _ = c.set_nodelay(true);
            let mut buf = [0u8; 16 << 10];
            while let Ok(n @ 1..) = c.read(&mut buf) {
                if c.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
    }
}

/// An echo server in a child process.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// The Rust echo (this binary with `--role echo`).
    fn rust() -> Server {
        let exe = std::env::current_exe().expect("own path");
        let mut child = Proc::new(exe)
            .args(["--role", "echo"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the echo server");
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().expect("its stdout"));
        let _ = out.read_line(&mut line);
        let port: u16 = line
            .strip_prefix("port ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the echo server said {line:?}"));
        Server {
            child,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        }
    }

    /// `socat TCP-LISTEN:PORT,reuseaddr,fork,bind=127.0.0.1 PIPE`.
    fn socat() -> Server {
        let port = common::free_tcp_port();
        let listen = format!("TCP-LISTEN:{port},reuseaddr,fork,backlog=4096,bind=127.0.0.1");
        let child = common::serve("socat", &[listen, "PIPE".into()], port);
        Server {
            child,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        }
    }

    /// TCP connections on the server's port now, either end, the listener and TIME_WAIT
    /// left out (a TIME_WAIT entry is the kernel's memory of a closed connection, no
    /// socket): their `/proc/net/tcp` states (`01` established, `08` close-wait, …).
    fn connections(&self) -> Vec<String> {
        let port = format!(":{:04X}", self.addr.port());
        std::fs::read_to_string("/proc/net/tcp")
            .unwrap_or_default()
            .lines()
            .skip(1)
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                let ours = f.len() > 3 && (f[1].ends_with(&port) || f[2].ends_with(&port));
                (ours && f[3] != "0A" && f[3] != "06").then(|| f[3].to_string())
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        common::stop(&mut self.child);
    }
}

/// A stress run's figures with the bench process's RSS growth at its peak and the socket
/// descriptors it still had open at the end.
struct Run {
    f: Figures,
    rss_kib: u64,
    fds_left: i64,
}

/// Socket descriptors open in this process.
fn socket_fds() -> i64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| {
        d.flatten()
            .filter(|e| {
                std::fs::read_link(e.path())
                    .is_ok_and(|t| t.to_string_lossy().starts_with("socket:"))
            })
            .count() as i64
    })
}

/// Runs one stress test to its end, sampling RSS at every live update.
fn stress(cfg: StressConfig) -> Run {
    let (fds0, rss0) = (socket_fds(), common::rss_kib());
    let s = Stress::start(cfg).expect("the stress test starts");
    let mut peak = rss0;
    while let Ok(u) = s.updates().recv() {
        peak = peak.max(common::rss_kib());
        if u.done {
            break;
        }
    }
    let f = s.wait();
    Run {
        f,
        rss_kib: peak.saturating_sub(rss0),
        fds_left: socket_fds() - fds0,
    }
}

fn ping(addr: SocketAddr, clients: usize, secs: f64, connect: Connect) -> StressConfig {
    let mut cfg = StressConfig::pingpong(
        addr,
        clients,
        &[b'a'; SIZE],
        Limit::For(Duration::from_secs_f64(secs)),
    );
    cfg.connect = connect;
    cfg
}

/// sockperf's client against its server: (p50, p99) round trip in µs.
fn sockperf(secs: f64) -> (f64, f64) {
    let port = common::free_tcp_port();
    let server_args = [
        "server",
        "--tcp",
        "-i",
        "127.0.0.1",
        "-p",
        &port.to_string(),
    ];
    let mut server = common::serve("sockperf", &server_args.map(str::to_string), port);
    let out = Proc::new("sockperf")
        .args([
            "ping-pong",
            "--tcp",
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-m",
            &SIZE.to_string(),
            "-t",
            &format!("{}", secs.ceil() as u64),
            "--full-rtt",
        ])
        .output()
        .expect("run sockperf ping-pong");
    common::stop(&mut server);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let at = |p: &str| {
        text.lines()
            .find(|l| l.contains(&format!("percentile {p} =")))
            .and_then(|l| l.rsplit('=').next())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no percentile {p} in sockperf's output:\n{text}"))
    };
    (at("50.000"), at("99.000"))
}

/// A plain std client doing what `connect per-request` does: `threads` threads, each
/// connect, 64 bytes out, 64 back, close, for `secs`; connections per second.
fn plain_per_request(addr: SocketAddr, threads: usize, secs: f64) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(secs);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let done = Arc::clone(&done);
            thread::spawn(move || {
                let mut buf = [0u8; SIZE];
                while Instant::now() < end {
                    let Ok(mut c) = TcpStream::connect(addr) else {
                        continue;
                    };
                    let _ = c.set_nodelay(true);
                    if c.write_all(&[b'a'; SIZE]).is_ok() && c.read_exact(&mut buf).is_ok() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// What a plain std client of `threads` threads (one connection each, started together)
/// gets from the server in `secs`: requests/s, p99 and max in µs, and how many waited
/// longer than sockscope's 5 s receive timeout.
struct Plain {
    qps: f64,
    p99: f64,
    max: f64,
    over_5s: usize,
}

fn plain_many(addr: SocketAddr, threads: usize, secs: f64) -> Plain {
    let gate = Arc::new(std::sync::Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let gate = Arc::clone(&gate);
            thread::Builder::new()
                .stack_size(64 << 10)
                .spawn(move || {
                    let mut lat = Vec::new();
                    let c = TcpStream::connect(addr);
                    gate.wait();
                    let Ok(mut c) = c else { return lat };
                    let _ = c.set_nodelay(true);
                    let end = Instant::now() + Duration::from_secs_f64(secs);
                    let mut buf = [0u8; SIZE];
                    while Instant::now() < end {
                        let t = Instant::now();
                        if c.write_all(&[b'a'; SIZE]).is_err() || c.read_exact(&mut buf).is_err() {
                            break;
                        }
                        lat.push(t.elapsed().as_nanos() as f64 / 1e3);
                    }
                    lat
                })
                .expect("a client thread")
        })
        .collect();
    gate.wait();
    let start = Instant::now();
    let mut all: Vec<f64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap_or_default())
        .collect();
    let took = start.elapsed().as_secs_f64();
    Plain {
        qps: all.len() as f64 / took,
        over_5s: all.iter().filter(|l| **l > 5e6).count(),
        max: all.iter().copied().fold(0.0, f64::max),
        p99: common::percentile(&mut all, 99.0),
    }
}

fn us(x: f64) -> String {
    format!("{x:.1} µs")
}

/// Single-connection ping-pong: sockscope → Rust echo against sockperf → sockperf server,
/// interleaved `reps` times; the medians of p50 and p99.
fn single(s: &mut Section, reps: usize, secs: f64, with_sockperf: bool) {
    let (mut ours, mut theirs) = ((vec![], vec![]), (vec![], vec![]));
    for rep in 1..=reps {
        let srv = Server::rust();
        let r = stress(ping(srv.addr, 1, secs, Connect::Once));
        assert_eq!(r.f.failed, 0, "no request fails: {}", r.f);
        eprintln!("rep {rep}: sockscope 1 client: {}", r.f);
        ours.0.push(r.f.p50_us);
        ours.1.push(r.f.p99_us);
        if with_sockperf {
            let (p50, p99) = sockperf(secs);
            eprintln!("rep {rep}: sockperf p50 {p50} µs p99 {p99} µs");
            theirs.0.push(p50);
            theirs.1.push(p99);
        }
    }
    for (q, o, t) in [
        ("p50", &mut ours.0, &mut theirs.0),
        ("p99", &mut ours.1, &mut theirs.1),
    ] {
        let o = common::median(o);
        if with_sockperf {
            let t = common::median(t);
            s.row(
                format!("one connection, ping-pong {SIZE} B, {q} round trip vs sockperf ping-pong"),
                us(o),
                format!("{} (sockperf → sockperf server)", us(t)),
                Some(o / t),
                "≤ 1.1×",
                Some(o / t <= 1.1),
            );
        } else {
            s.row(
                format!("one connection, ping-pong {SIZE} B, {q}"),
                us(o),
                common::missing("sockperf"),
                None,
                "≤ 1.1×",
                None,
            );
        }
    }
}

/// 1,000 connections against one server: a row for its rate and p99, one for memory, one
/// for what is left open.
fn many(s: &mut Section, name: &str, srv: &Server, secs: f64, clients: usize) -> Run {
    let r = stress(ping(srv.addr, clients, secs, Connect::Once));
    thread::sleep(Duration::from_millis(300));
    let states = srv.connections();
    let left = states.len();
    eprintln!("{clients} clients vs {name}: {}; left: {states:?}", r.f);
    let p = plain_many(srv.addr, clients, secs);
    eprintln!(
        "{clients} plain std clients vs {name}: {:.0} req/s p99 {:.1} µs max {:.1} µs, {} over 5 s",
        p.qps, p.p99, p.max, p.over_5s
    );
    s.row(
        format!("{clients} connections, ping-pong {SIZE} B for {secs} s vs {name}: rate (p99) against a plain std client"),
        format!("{} ({})", common::per_s(r.f.qps), us(r.f.p99_us)),
        format!("{} ({}) (std, {clients} threads)", common::per_s(p.qps), us(p.p99)),
        Some(r.f.qps / p.qps),
        "reported",
        None,
    );
    s.note(format!(
        "{clients} plain std clients vs {name}: max {}, {} requests waited over 5 s (sockscope's receive timeout: a request that waits longer counts as `recv_timed_out`)",
        us(p.max),
        p.over_5s
    ));
    s.note(format!(
        "{clients} connections vs {name}: {} connects, sent {} ok {} failed {} (by kind: {:?}), p50 {} p95 {} p99 {} max {}, {} connections on the server's port (either end, TIME_WAIT apart) 300 ms after, {} sockets left open in the bench process",
        r.f.connects,
        r.f.sent,
        r.f.ok,
        r.f.failed,
        r.f.failures,
        us(r.f.p50_us),
        us(r.f.p95_us),
        us(r.f.p99_us),
        us(r.f.max_us),
        left,
        r.fds_left
    ));
    assert!(
        left == 0 && r.fds_left == 0 && r.f.active == 0,
        "connections left behind: server {left}, ours {}, active {}",
        r.fds_left,
        r.f.active
    );
    r
}

fn main() {
    if common::arg_value("--role").as_deref() == Some("echo") {
        echo_server();
        return;
    }
    common::raise_nofile();
    let bench = common::bench_mode();
    let (sockperf_on, socat) = (common::use_tool("sockperf"), common::use_tool("socat"));
    let reps = common::reps(5);
    let (secs, many_secs, clients) = if bench {
        (5.0, 10.0, MANY)
    } else {
        (0.3, 0.5, 50)
    };
    let mut s = Section::new(
        "stress",
        "11. Stress test: latency, 1,000 connections, connection rate",
    );
    single(&mut s, reps, secs, sockperf_on);

    let srv = Server::rust();
    let r = many(&mut s, "the Rust echo", &srv, many_secs, clients);
    let per_conn = r.rss_kib as f64 / clients as f64;
    s.row(
        format!("memory per connection ({clients}, bench process RSS growth at its peak)"),
        format!("{per_conn:.1} KiB"),
        "–",
        None,
        "≤ 64 KiB",
        Some(per_conn <= 64.0),
    );
    s.row(
        "connections left open after the test (ours + the server's)",
        format!("{}", r.fds_left + srv.connections().len() as i64),
        "–",
        None,
        "0",
        Some(r.fds_left == 0),
    );
    if socat {
        let srv = Server::socat();
        many(&mut s, "socat PIPE", &srv, many_secs, clients);
    }

    let rate = stress(ping(srv.addr, RATE_CLIENTS, secs, Connect::PerRequest));
    let conn_s = rate.f.connects as f64 / rate.f.secs;
    eprintln!("per-request: {}", rate.f);
    let plain = plain_per_request(srv.addr, RATE_CLIENTS, secs);
    s.row(
        format!("connection rate, `connect per-request`, {RATE_CLIENTS} clients, {SIZE} B each, vs a plain std client"),
        common::per_s(conn_s),
        format!("{} (std: connect, write, read, close)", common::per_s(plain)),
        Some(conn_s / plain),
        "≥ 10,000 /s",
        Some(conn_s >= 10_000.0 || !bench),
    );
    s.note(format!(
        "per-request: {} connects in {:.2} s, ok {} failed {} ({:?}), p50 {} p99 {} (a request's latency counts its connect)",
        rate.f.connects,
        rate.f.secs,
        rate.f.ok,
        rate.f.failed,
        rate.f.failures,
        us(rate.f.p50_us),
        us(rate.f.p99_us)
    ));
    s.note(format!(
        "latency: {secs} s per run, median of {reps} interleaved runs of each run's p50 and p99; sockscope's from its HDR histogram (ns, 3 significant digits), sockperf's `--full-rtt` percentiles of `sockperf ping-pong --tcp -m {SIZE}` against `sockperf server --tcp` (sockperf's client drops an echo without its own header, so it cannot use the Rust echo)"
    ));
    s.note("the Rust echo: a child process, one thread per connection (64 KiB stacks, TCP_NODELAY, 16 KiB reads); socat: `socat TCP-LISTEN:PORT,reuseaddr,fork,backlog=4096,bind=127.0.0.1 PIPE` (a process per connection)");
    s.note("sockscope: `sockscope::stress` in the bench process, one blocking thread per client (as `sockscope stress` runs it); memory = the bench process's VmRSS sampled at every live update (4 per second), peak − before; left open = socket descriptors in /proc/self/fd after − before, and the server's established sockets in /proc/net/tcp");
    drop(srv);
    s.finish();
}
