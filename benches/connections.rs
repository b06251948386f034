//! 10,000 concurrent TCP connections to one auto-accepting engine listener: the time to
//! accept them all and the memory each idle connection costs, against a plain std listener
//! that holds its accepted streams in a `Vec` (the control).
//!
//! Each server runs in a child process of its own (this binary with `--role …`), so that its
//! resident set starts clean; its clients run in a further child process (`--role clients`),
//! so the server's RSS delta holds no client socket. Every process raises `RLIMIT_NOFILE`.

mod common;

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Command as Proc, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::clients::{clients, clients_ready, end_clients, spawn_clients};
use common::{Ctl, Section};
use sockscope::engine::EventKind;
use sockscope::log::SessionLog;

/// The listen backlog of both servers.
const BACKLOG: u32 = 4096;
/// How long accepting all connections may take.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// What a server role reports (one line of JSON on stdout).
#[derive(Clone, Copy, Debug, Default)]
struct Measure {
    accept_s: f64,
    connect_s: f64,
    rss_before_kib: u64,
    rss_after_kib: u64,
    kernel_before_kib: u64,
    kernel_after_kib: u64,
    log_records: u64,
}

impl Measure {
    fn per_conn_bytes(&self, n: u64) -> f64 {
        (self.rss_after_kib as f64 - self.rss_before_kib as f64) * 1024.0 / n as f64
    }

    fn kernel_per_conn_bytes(&self, n: u64) -> f64 {
        (self.kernel_after_kib as f64 - self.kernel_before_kib as f64) * 1024.0 / n as f64
    }

    fn to_json(self) -> String {
        serde_json::json!({
            "accept_s": self.accept_s,
            "connect_s": self.connect_s,
            "rss_before_kib": self.rss_before_kib,
            "rss_after_kib": self.rss_after_kib,
            "kernel_before_kib": self.kernel_before_kib,
            "kernel_after_kib": self.kernel_after_kib,
            "log_records": self.log_records,
        })
        .to_string()
    }

    fn from_json(line: &str) -> Measure {
        let v: serde_json::Value = serde_json::from_str(line).expect("a server's JSON line");
        let u = |k: &str| v[k].as_u64().unwrap_or(0);
        Measure {
            accept_s: v["accept_s"].as_f64().unwrap_or(f64::NAN),
            connect_s: v["connect_s"].as_f64().unwrap_or(f64::NAN),
            rss_before_kib: u("rss_before_kib"),
            rss_after_kib: u("rss_after_kib"),
            kernel_before_kib: u("kernel_before_kib"),
            kernel_after_kib: u("kernel_after_kib"),
            log_records: u("log_records"),
        }
    }
}

/// Role `server-std`: a std listener that accepts into a `Vec<TcpStream>`.
fn server_std(n: usize) -> Measure {
    common::raise_nofile();
    let sock =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let _ = sock.set_reuse_address(true);
    sock.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())
        .expect("bind");
    sock.listen(BACKLOG as i32).expect("listen");
    let listener: TcpListener = sock.into();
    let port = listener.local_addr().expect("addr").port();
    let mut held: Vec<TcpStream> = Vec::new();
    thread::sleep(Duration::from_millis(100));
    let rss0 = common::rss_kib();
    let kern0 = common::slab_kib();
    let start = Instant::now();
    let (child, mut out) = spawn_clients(port, n);
    while held.len() < n {
        let (s, _) = listener.accept().expect("accept");
        held.push(s);
    }
    let accept_s = start.elapsed().as_secs_f64();
    let connect_s = clients_ready(&mut out);
    thread::sleep(Duration::from_millis(300));
    let m = Measure {
        accept_s,
        connect_s,
        rss_before_kib: rss0,
        rss_after_kib: common::rss_kib(),
        kernel_before_kib: kern0,
        kernel_after_kib: common::slab_kib(),
        log_records: 0,
    };
    end_clients(child);
    drop(held);
    m
}

/// Role `server-engine`: an auto-accepting engine listener; a consumer thread counts the
/// `Accepted` events and, with `log`, pushes every event into a `SessionLog`.
fn server_engine(n: usize, log: bool) -> Measure {
    common::raise_nofile();
    let mut ctl = Ctl::start();
    // Subscribed before the listener is set up: once that is done, the subscription is live.
    // Events are taken as the app takes them (see `common::drain_until`); a consumer parked
    // on the channel measured the same here.
    let sub = common::subscribe_bell(&ctl.engine);
    let (listener, addr) = ctl.auto_listener(Some(BACKLOG));
    ctl.release();
    let (done_tx, done_rx) = crossbeam_channel::bounded::<Instant>(1);
    let stop = Arc::new(AtomicBool::new(false));
    let consumer = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut session = log.then(SessionLog::new);
            let mut accepted = 0usize;
            common::drain_until(&sub, &stop, |ev| {
                match &ev.kind {
                    EventKind::Accepted { listener: l, .. } if *l == listener => {
                        accepted += 1;
                        if accepted == n {
                            let _ = done_tx.send(Instant::now());
                        }
                    }
                    EventKind::Failed(e) => eprintln!("engine error: {e}"),
                    _ => {}
                }
                if let Some(s) = session.as_mut() {
                    s.push_event(ev);
                }
            });
            session.map_or(0, |s| s.len() as u64)
        })
    };
    thread::sleep(Duration::from_millis(100));
    let rss0 = common::rss_kib();
    let kern0 = common::slab_kib();
    let start = Instant::now();
    let (child, mut out) = spawn_clients(addr.port(), n);
    let done = done_rx
        .recv_timeout(RUN_LIMIT)
        .expect("the engine accepts every connection in time");
    let accept_s = (done - start).as_secs_f64();
    let connect_s = clients_ready(&mut out);
    thread::sleep(Duration::from_millis(300));
    let rss1 = common::rss_kib();
    let kern1 = common::slab_kib();
    stop.store(true, Ordering::Release);
    let records = consumer.join().expect("consumer");
    end_clients(child);
    ctl.engine.shutdown();
    Measure {
        accept_s,
        connect_s,
        rss_before_kib: rss0,
        rss_after_kib: rss1,
        kernel_before_kib: kern0,
        kernel_after_kib: kern1,
        log_records: records,
    }
}

/// Runs one server role in a child process and reads its measure.
fn run_role(role: &str, n: usize) -> Measure {
    let exe = std::env::current_exe().expect("own path");
    let out = Proc::new("timeout")
        .arg("120")
        .arg(exe)
        .args(["--role", role, "--n", &n.to_string()])
        .stderr(Stdio::inherit())
        .output()
        .expect("run a server role");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("role {role} gave no result ({:?}): {text}", out.status));
    let m = Measure::from_json(line);
    eprintln!("  {role}: {m:?}");
    m
}

fn main() {
    if let Some(role) = common::arg_value("--role") {
        let n: usize = common::arg_value("--n")
            .and_then(|v| v.parse().ok())
            .expect("--n N");
        let m = match role.as_str() {
            "clients" => {
                let port = common::arg_value("--port")
                    .and_then(|v| v.parse().ok())
                    .expect("--port P");
                return clients(port, n);
            }
            "server-std" => server_std(n),
            "server-engine" => server_engine(n, true),
            "server-engine-nolog" => server_engine(n, false),
            other => panic!("unknown role {other}"),
        };
        println!("RESULT {}", m.to_json());
        return;
    }

    let bench = common::bench_mode();
    let (soft, hard) = common::raise_nofile();
    let want = if bench { 10_000 } else { 200 };
    // Each process holds one end of every connection, plus a few descriptors of its own.
    let n = want.min(hard.saturating_sub(64) as usize);
    let reps = common::reps(3);
    let (mut ctl, mut eng, mut nolog) = (Vec::new(), Vec::new(), Vec::new());
    for rep in 1..=reps {
        eprintln!("rep {rep}/{reps}:");
        ctl.push(run_role("server-std", n));
        eng.push(run_role("server-engine", n));
        nolog.push(run_role("server-engine-nolog", n));
    }
    let nn = n as u64;
    let med = |v: &[Measure], f: &dyn Fn(&Measure) -> f64| {
        let mut xs: Vec<f64> = v.iter().map(f).collect();
        common::median(&mut xs)
    };
    let e_mem = med(&eng, &|m| m.per_conn_bytes(nn));
    let n_mem = med(&nolog, &|m| m.per_conn_bytes(nn));
    let c_mem = med(&ctl, &|m| m.per_conn_bytes(nn));
    let e_kern = med(&eng, &|m| m.kernel_per_conn_bytes(nn));
    let c_kern = med(&ctl, &|m| m.kernel_per_conn_bytes(nn));
    let e_t = med(&eng, &|m| m.accept_s);
    let n_t = med(&nolog, &|m| m.accept_s);
    let c_t = med(&ctl, &|m| m.accept_s);
    let records = eng.first().map_or(0, |m| m.log_records);

    let mut s = Section::new("connections", "3. Concurrent TCP connections");
    s.row(
        format!("time to accept {n} connections (engine, logging on)"),
        format!("{e_t:.3} s"),
        format!("{c_t:.3} s (std listener, accept loop)"),
        Some(e_t / c_t),
        "–",
        None,
    );
    s.row(
        format!("time to accept {n} connections (engine, logging off)"),
        format!("{n_t:.3} s"),
        format!("{c_t:.3} s (std listener)"),
        Some(n_t / c_t),
        "–",
        None,
    );
    s.row(
        "memory per idle connection, process RSS delta (engine + log)",
        format!("{:.1} KiB", e_mem / 1024.0),
        format!("{:.2} KiB (std listener + Vec<TcpStream>)", c_mem / 1024.0),
        None,
        "≤ 64 KiB",
        Some(e_mem <= 64.0 * 1024.0),
    );
    s.row(
        "memory per idle connection, process RSS delta (engine, logging off)",
        format!("{:.1} KiB", n_mem / 1024.0),
        format!("{:.2} KiB (std)", c_mem / 1024.0),
        None,
        "≤ 64 KiB",
        Some(n_mem <= 64.0 * 1024.0),
    );
    s.row(
        "kernel slab memory per connection, both ends (`/proc/meminfo` Slab, machine-wide)",
        format!("{:.1} KiB", e_kern / 1024.0),
        format!("{:.1} KiB (std)", c_kern / 1024.0),
        None,
        "–",
        None,
    );
    s.note(format!(
        "median of {reps} interleaved runs; each server is a fresh child process, its {n} clients \
         (blocking `TcpStream::connect`, one after another) a further child process; backlog {BACKLOG}; \
         time = spawning the clients → the {n}th `Accepted` event seen by the consumer (engine) or \
         the {n}th `accept` returned (std)"
    ));
    s.note(format!(
        "memory = (VmRSS after all accepted and 300 ms idle − VmRSS before) / {n}; the engine's figure \
         with logging on includes the {records} log records of the run; the engine − std difference \
         (with log: {:.1} KiB) is what sockscope adds per connection",
        (e_mem - c_mem) / 1024.0
    ));
    s.note(format!(
        "RLIMIT_NOFILE raised inside every process to the hard limit: soft {soft}, hard {hard} (`ulimit -Hn`)"
    ));
    s.finish();
}
