//! UDP receive rate, 64-byte and 1400-byte datagrams: datagrams per second counted from a
//! sockscope engine socket's `Received` events (logging on) against `socat -u UDP-RECV:PORT -`
//! (bytes on its stdout / size), both fed by the same sender: a std `UdpSocket` in this
//! process sending a fixed count as fast as it can.
//!
//! Then the lossless check: at a paced rate the kernel keeps up with, the count sockscope
//! reports must equal the sender's count exactly; in every run, the app's count plus the
//! kernel's drop counter of the receiving socket (`/proc/net/udp`) must equal what was sent.

mod common;
mod udp;

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::process::{Command as Proc, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::{Ctl, Section};
use crossbeam_channel::RecvTimeoutError;
use sockscope::engine::{EventKind, Proto};
use sockscope::log::SessionLog;

/// The receiver counts as finished when nothing arrived for this long after the last send.
const IDLE: Duration = Duration::from_millis(300);
/// Hard limit of one run.
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// What a receiver has counted so far, shared with the thread that counts.
#[derive(Default)]
struct Counters {
    bytes: AtomicU64,
    msgs: AtomicU64,
    /// Nanoseconds from the shared start instant to the last arrival.
    last_ns: AtomicU64,
}

/// The outcome of one run.
#[derive(Clone, Copy, Debug)]
struct Outcome {
    sent: u64,
    received: u64,
    kernel_drops: u64,
    /// Datagrams per second: received / (start of sending → last arrival).
    rate: f64,
    /// CPU seconds the receiving side used (sockscope: this process minus the sender's thread;
    /// socat: the socat process plus the thread reading its stdout).
    cpu_s: f64,
}

/// Sends `count` datagrams of `size` bytes to `to`, at `pace` per second or as fast as
/// possible; returns how many the OS accepted and the CPU seconds this thread used.
fn send(to: SocketAddr, size: usize, count: u64, pace: Option<f64>) -> (u64, f64) {
    let cpu0 = common::cpu_thread_s();
    let s = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("sender binds");
    let buf = vec![0x5au8; size];
    let start = Instant::now();
    let mut sent = 0;
    for i in 0..count {
        if let Some(rate) = pace {
            let due = start + Duration::from_secs_f64(i as f64 / rate);
            let now = Instant::now();
            if due > now {
                thread::sleep(due - now);
            }
        }
        if s.send_to(&buf, to).is_ok() {
            sent += 1;
        }
    }
    (sent, common::cpu_thread_s() - cpu0)
}

/// The bench's one sending thread as fast as it goes (for the plain receiver and `run`).
fn send_fast(to: SocketAddr, size: usize, count: u64) -> u64 {
    send(to, size, count, None).0
}

/// Waits until the counters stop moving after the sender finished; returns the counts.
fn settle(c: &Counters) -> (u64, u64) {
    let deadline = Instant::now() + RUN_LIMIT;
    let mut last = (u64::MAX, Instant::now());
    loop {
        let n = c.msgs.load(Ordering::Acquire);
        if n != last.0 {
            last = (n, Instant::now());
        } else if last.1.elapsed() >= IDLE || Instant::now() >= deadline {
            return (n, c.last_ns.load(Ordering::Acquire));
        }
        thread::sleep(Duration::from_millis(10));
    }
}

fn outcome(sent: u64, received: u64, last_ns: u64, kernel_drops: u64, cpu_s: f64) -> Outcome {
    Outcome {
        sent,
        received,
        kernel_drops,
        rate: received as f64 / (last_ns.max(1) as f64 / 1e9),
        cpu_s,
    }
}

/// sockscope: an engine UDP socket; a consumer logs every event and counts `Received`.
fn sockscope_run(size: usize, count: u64, pace: Option<f64>) -> Outcome {
    let mut ctl = Ctl::start();
    // Subscribed before the bind: once the bind's outcome is back, the subscription is live.
    let rx = ctl.engine.subscribe();
    let (sock, addr) = ctl.bound(Proto::Udp);
    ctl.release();
    let counters = Arc::new(Counters::default());
    let stop = Arc::new(AtomicBool::new(false));
    let cpu0 = common::cpu_self_s();
    let start = Instant::now();
    let consumer = {
        let (counters, stop) = (counters.clone(), stop.clone());
        thread::spawn(move || {
            let mut log = SessionLog::new();
            while !stop.load(Ordering::Acquire) {
                let ev = match rx.recv_timeout(Duration::from_millis(20)) {
                    Ok(ev) => ev,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => break,
                };
                if let EventKind::Received { data, .. } = &ev.kind
                    && ev.socket == Some(sock)
                {
                    counters
                        .bytes
                        .fetch_add(data.len() as u64, Ordering::Relaxed);
                    counters
                        .last_ns
                        .store(start.elapsed().as_nanos() as u64, Ordering::Release);
                    counters.msgs.fetch_add(1, Ordering::Release);
                }
                log.push_event(ev);
            }
            log.totals().traffic.msgs_in
        })
    };
    let (sent, sender_cpu) = send(addr, size, count, pace);
    let (received, last_ns) = settle(&counters);
    let drops = common::udp_drops(addr.port()).unwrap_or(0);
    stop.store(true, Ordering::Release);
    let logged = consumer.join().expect("consumer");
    let cpu = common::cpu_self_s() - cpu0 - sender_cpu;
    ctl.engine.shutdown();
    assert_eq!(logged, received, "the log counts what the consumer counted");
    outcome(sent, received, last_ns, drops, cpu)
}

/// socat: `socat -u UDP-RECV:PORT -`, its stdout counted by a reader thread.
fn socat_run(size: usize, count: u64, pace: Option<f64>) -> Outcome {
    let port = common::free_udp_port();
    let mut child = Proc::new("socat")
        .args(["-u", &format!("UDP-RECV:{port},bind=127.0.0.1"), "-"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start socat");
    assert!(
        common::wait_udp_bound(port, Duration::from_secs(5)),
        "socat binds"
    );
    let counters = Arc::new(Counters::default());
    let cpu0 = common::cpu_children_s();
    let start = Instant::now();
    let reader = {
        let counters = counters.clone();
        let mut out = child.stdout.take().expect("socat stdout");
        thread::spawn(move || {
            let mut buf = vec![0u8; 1 << 16];
            let mut bytes = 0u64;
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                bytes += n as u64;
                counters.bytes.store(bytes, Ordering::Relaxed);
                counters
                    .last_ns
                    .store(start.elapsed().as_nanos() as u64, Ordering::Release);
                counters.msgs.store(bytes / size as u64, Ordering::Release);
            }
            common::cpu_thread_s()
        })
    };
    let (sent, _) = send(
        SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        size,
        count,
        pace,
    );
    let (received, last_ns) = settle(&counters);
    let drops = common::udp_drops(port).unwrap_or(0);
    common::stop(&mut child);
    let reader_cpu = reader.join().unwrap_or(0.0);
    let cpu = common::cpu_children_s() - cpu0 + reader_cpu;
    outcome(sent, received, last_ns, drops, cpu)
}

/// Profiling one part alone (`SOCKSCOPE_BENCH_PART`: `sink`, `plain`, `flood`, `plainflood`,
/// `floodto`, `plainfloodto`,
/// with `SOCKSCOPE_BENCH_SIZE` bytes, 64 unless set); nothing is written.
fn part(part: &str) {
    let size: usize = std::env::var("SOCKSCOPE_BENCH_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    let count = if size > 1000 { 500_000 } else { 1_000_000 };
    match part {
        "plain" => println!("{:?}", udp::plain_receiver(size, count, send_fast)),
        "flood" => println!("{:?}", udp::sockscope_flood(size, count, true)),
        "plainflood" => println!("{:?}", udp::plain_flood(size, count, true)),
        "floodto" => println!("{:?}", udp::sockscope_flood(size, count, false)),
        "plainfloodto" => println!("{:?}", udp::plain_flood(size, count, false)),
        _ => println!("{:?}", sockscope_run(size, count, None)),
    }
}

fn main() {
    if let Ok(p) = std::env::var("SOCKSCOPE_BENCH_PART") {
        return part(&p);
    }
    let bench = common::bench_mode();
    let socat = common::use_tool("socat");
    let reps = common::reps(3);
    let flood: [(usize, u64); 2] = if bench {
        [(64, 1_000_000), (1400, 500_000)]
    } else {
        [(64, 20_000), (1400, 10_000)]
    };
    let (paced_count, pace) = if bench {
        (20_000u64, 5_000.0)
    } else {
        (2_000, 20_000.0)
    };

    let mut s = Section::new(
        "udp_rate",
        "2. UDP datagrams received per second (logging on)",
    );
    let mut accounting = Vec::new();
    let mut cpu_rows = Vec::new();
    let mut kernel_rows = Vec::new();
    for (size, count) in flood {
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        let (mut ours_cpu, mut theirs_cpu) = (Vec::new(), Vec::new());
        let (mut plain_rates, mut drops) = (Vec::new(), Vec::new());
        for rep in 1..=reps {
            let o = sockscope_run(size, count, None);
            eprintln!("{size} B rep {rep}: sockscope {o:?}");
            accounting.push(("sockscope", size, o));
            drops.push(o.kernel_drops);
            let p = udp::plain_receiver(size, count, send_fast);
            eprintln!("{size} B rep {rep}: plain recvmmsg {p:?}");
            plain_rates.push(p.rate);
            ours.push(o.rate);
            ours_cpu.push(o.cpu_s * 1e6 / o.received.max(1) as f64);
            if socat {
                let t = socat_run(size, count, None);
                eprintln!("{size} B rep {rep}: socat     {t:?}");
                accounting.push(("socat", size, t));
                theirs.push(t.rate);
                theirs_cpu.push(t.cpu_s * 1e6 / t.received.max(1) as f64);
            }
        }
        let mut ours_again = ours.clone();
        kernel_rows.push((
            size,
            count,
            common::median(&mut ours_again),
            common::median(&mut plain_rates),
            drops,
        ));
        let oc = common::median(&mut ours_cpu);
        let tc = socat.then(|| common::median(&mut theirs_cpu));
        cpu_rows.push((size, oc, tc));
        let ours = common::median(&mut ours);
        let what = format!("{size}-byte datagrams, flood of {count}");
        if socat {
            let r = common::median(&mut theirs);
            s.row(
                what,
                common::per_s(ours),
                format!("{} (socat)", common::per_s(r)),
                Some(ours / r),
                "≥ 1.0×",
                Some(ours / r >= 1.0),
            );
        } else {
            s.row(
                what,
                common::per_s(ours),
                common::missing("socat"),
                None,
                "≥ 1.0×",
                None,
            );
        }
    }

    kernel_limit_rows(&mut s, kernel_rows, flood, reps);
    for (size, oc, tc) in cpu_rows {
        s.row(
            format!("receiver CPU per datagram received, {size} bytes (flood)"),
            format!("{oc:.2} µs"),
            tc.map_or(common::missing("socat"), |t| format!("{t:.2} µs (socat)")),
            tc.map(|t| oc / t),
            "–",
            None,
        );
    }
    for size in [64usize, 1400] {
        let o = sockscope_run(size, paced_count, Some(pace));
        eprintln!("{size} B paced: sockscope {o:?}");
        accounting.push(("sockscope (paced)", size, o));
        let reference = if socat {
            let t = socat_run(size, paced_count, Some(pace));
            eprintln!("{size} B paced: socat     {t:?}");
            accounting.push(("socat (paced)", size, t));
            format!(
                "{} of {} ({} dropped by the kernel) (socat)",
                t.received, t.sent, t.kernel_drops
            )
        } else {
            common::missing("socat")
        };
        s.row(
            format!("lossless: {size}-byte datagrams paced at {pace} /s"),
            format!(
                "{} of {} counted ({} dropped by the kernel)",
                o.received, o.sent, o.kernel_drops
            ),
            reference,
            None,
            "all counted",
            Some(o.received == o.sent && o.sent == paced_count),
        );
    }

    let ok = accounting
        .iter()
        .filter(|(who, ..)| who.starts_with("sockscope"))
        .all(|(_, _, o)| o.received + o.kernel_drops == o.sent);
    s.row(
        "no datagram lost inside the app: app count + kernel drops = sent, every sockscope run",
        if ok { "holds" } else { "**fails**" },
        "",
        None,
        "holds",
        Some(ok),
    );
    s.note(format!(
        "flood: median of {reps} interleaved runs; rate = datagrams counted / (first send → last arrival); \
         the sender is one thread with a std `UdpSocket`, in the bench process for both receivers"
    ));
    s.note("socat: `socat -u UDP-RECV:PORT,bind=127.0.0.1 -`, its stdout read by the bench; count = bytes / size");
    s.note(
        "receiver CPU: sockscope = `getrusage` of this process minus the sender thread's own CPU \
         time (engine thread + consumer with its log); socat = the socat process + the thread \
         reading its stdout; divided by the datagrams it counted",
    );
    let mut table = String::from(
        "per run (sent / counted by the receiver / dropped by the kernel at the socket's receive buffer):",
    );
    for (who, size, o) in &accounting {
        table.push_str(&format!(
            " {who} {size} B {}/{}/{};",
            o.sent, o.received, o.kernel_drops
        ));
    }
    s.note(table.trim_end_matches(';').to_string());
    s.finish();
}

/// The rows against the plain references: the sink against `recvmmsg` (rate, and kernel
/// drops in every run), the flood against `sendmmsg`, and `sockscope run` as the sink.
fn kernel_limit_rows(
    s: &mut Section,
    rows: Vec<(usize, u64, f64, f64, Vec<u64>)>,
    flood: [(usize, u64); 2],
    reps: usize,
) {
    for (size, count, ours, plain, drops) in rows {
        let ratio = ours / plain;
        let clean = drops.iter().all(|&d| d == 0);
        s.row(
            format!("{size}-byte flood of {count}: sink vs plain recvmmsg receiver; kernel drops per run {drops:?}"),
            common::per_s(ours),
            format!("{} (plain recvmmsg)", common::per_s(plain)),
            Some(ratio),
            "≥ 0.95×, 0 dropped",
            Some(ratio >= 0.95 && clean),
        );
    }
    for (size, count) in flood {
        for connected in [true, false] {
            let (mut ours, mut plain) = (Vec::new(), Vec::new());
            for rep in 1..=reps {
                let (r, t) = udp::sockscope_flood(size, count, connected);
                eprintln!("{size} B rep {rep}: sockscope flood {r:.0}/s {t:?}");
                ours.push(r);
                let (r, t) = udp::plain_flood(size, count, connected);
                eprintln!("{size} B rep {rep}: plain sendmmsg {r:.0}/s {t:?}");
                plain.push(r);
            }
            let (o, p) = (common::median(&mut ours), common::median(&mut plain));
            let how = if connected {
                "connected socket"
            } else {
                "unconnected, `to` the receiver"
            };
            s.row(
                format!("UDP flood generator, {size}-byte datagrams × {count}, {how} (logging on)"),
                common::per_s(o),
                format!("{} (plain sendmmsg, the same way)", common::per_s(p)),
                Some(o / p),
                "≥ 0.9×",
                Some(o / p >= 0.9),
            );
        }
    }
    let (size, count) = flood[0];
    let mut runs = Vec::new();
    for rep in 1..=reps {
        let t = udp::run_sink(size, count, send_fast);
        eprintln!("{size} B rep {rep}: sockscope run sink {t:?}");
        runs.push(t);
    }
    let all = runs
        .iter()
        .all(|t| t.kernel_drops == 0 && t.received == t.sent);
    let shown: Vec<String> = runs
        .iter()
        .map(|t| format!("{}/{} ({} dropped)", t.received, t.sent, t.kernel_drops))
        .collect();
    s.row(
        format!("`sockscope run` as a headless sink, {size}-byte flood of {count}, text output"),
        shown.join(", "),
        "every datagram the sender sent",
        None,
        "all counted, 0 dropped",
        Some(all),
    );
}
