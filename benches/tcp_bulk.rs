//! TCP bulk transfer on loopback: sockscope → sockscope with logging on, against
//! socat → socat and against iperf3, measured in the same run.
//!
//! sockscope: an engine client sends the bytes in large `Send` payloads (two in flight) to a
//! connection accepted by an auto-accepting engine listener; a consumer thread per engine
//! pushes every event into a `SessionLog`, and the receiver's consumer stops the clock when
//! its `Received` events add up to the total. Measured with two engines (one per end, as two
//! app instances and like two socat processes) and with one engine holding both ends.

mod common;

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::Command as Proc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{Ctl, Section};
use crossbeam_channel::Receiver;
use sockscope::engine::{CmdId, Command, Engine, Event, EventKind, Payload, Proto, SockId};
use sockscope::log::SessionLog;

/// Bytes per `Send` command in the main runs.
const CHUNK: usize = 1 << 20;
/// Bytes per `Send` command in the run with very large payloads.
const BIG_CHUNK: usize = 64 << 20;
/// Bytes per `read`/`write` of the plain std reference.
const STD_READ: usize = 64 << 10;
/// `Send` commands in flight at once.
const WINDOW: usize = 2;
/// How long one transfer may take before the bench gives up.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// Keeps `WINDOW` sends in flight on one socket until `chunks` have been sent.
struct Driver {
    engine: Engine,
    sock: SockId,
    /// The payload of every send: one shared buffer, as the app passes a loaded file or a
    /// repeated payload (sending it copies nothing).
    chunk: Arc<[u8]>,
    to_submit: usize,
    in_flight: HashSet<CmdId>,
}

impl Driver {
    fn top_up(&mut self) {
        while self.to_submit > 0 && self.in_flight.len() < WINDOW {
            let id = self.engine.submit(Command::Send {
                sock: self.sock.into(),
                payload: Payload::Bytes(self.chunk.clone()),
            });
            self.in_flight.insert(id);
            self.to_submit -= 1;
        }
    }

    fn done(&self) -> bool {
        self.to_submit == 0 && self.in_flight.is_empty()
    }
}

/// What a consumer thread saw.
#[derive(Clone, Copy)]
struct Seen {
    /// When the driver submitted the first send.
    started: Option<Instant>,
    /// When the received bytes reached the expected total.
    finished: Option<Instant>,
    /// Records in its log.
    records: usize,
    /// The log's byte counters.
    bytes_in: u64,
    bytes_out: u64,
}

/// Logs every event; drives the sends and/or counts the bytes received on connections
/// accepted from `listener`, until both are done.
///
/// Events are taken the way the app takes them: the engine's notify callback rings a
/// doorbell once per poll round, and the consumer then drains the queue without blocking
/// (the app drains it once per frame); it never parks on the event channel itself.
fn consume(
    (rx, bell): (Receiver<Event>, Receiver<()>),
    mut driver: Option<Driver>,
    count: Option<(SockId, u64)>,
) -> Seen {
    let mut log = SessionLog::new();
    let mut seen = Seen {
        started: None,
        finished: None,
        records: 0,
        bytes_in: 0,
        bytes_out: 0,
    };
    if let Some(d) = driver.as_mut() {
        seen.started = Some(Instant::now());
        d.top_up();
    }
    let mut conns: HashSet<SockId> = HashSet::new();
    let mut got = 0u64;
    let deadline = Instant::now() + RUN_LIMIT;
    loop {
        let drive_done = driver.as_ref().is_none_or(Driver::done);
        let count_done = count.is_none() || seen.finished.is_some();
        if drive_done && count_done {
            break;
        }
        let ev = match rx.try_recv() {
            Ok(ev) => ev,
            Err(_) => {
                let left = deadline.saturating_duration_since(Instant::now());
                assert!(
                    bell.recv_timeout(left).is_ok(),
                    "transfer did not finish within {RUN_LIMIT:?} (received {got} bytes)"
                );
                continue;
            }
        };
        match &ev.kind {
            EventKind::Accepted { listener, .. } => {
                if count.is_some_and(|(l, _)| l == *listener)
                    && let Some(id) = ev.socket
                {
                    conns.insert(id);
                }
            }
            EventKind::Received { data, .. } => {
                if let Some((_, total)) = count
                    && ev.socket.is_some_and(|s| conns.contains(&s))
                {
                    got += data.len() as u64;
                    if got >= total && seen.finished.is_none() {
                        seen.finished = Some(Instant::now());
                    }
                }
            }
            EventKind::Failed(e) => panic!("engine reported an error: {e}"),
            _ => {}
        }
        if let (Some(d), Some(cmd)) = (driver.as_mut(), ev.cmd)
            && d.in_flight.remove(&cmd)
        {
            d.top_up();
        }
        log.push_event(ev);
    }
    seen.records = log.len();
    seen.bytes_in = log.totals().traffic.bytes_in;
    seen.bytes_out = log.totals().traffic.bytes_out;
    seen
}

/// One transfer's figures.
#[derive(Clone, Copy, Debug)]
struct Run {
    /// Bytes per second at the receiver.
    rate: f64,
    /// CPU seconds (user + system, every thread and process involved) per GiB moved.
    cpu_per_gib: f64,
}

impl Run {
    fn new(bytes: u64, secs: f64, cpu_s: f64) -> Run {
        let gib = bytes as f64 / (1u64 << 30) as f64;
        Run {
            rate: bytes as f64 / secs,
            cpu_per_gib: cpu_s / gib,
        }
    }
}

/// One sockscope → sockscope transfer of `total` bytes in `chunk`-byte `Send` commands.
fn sockscope_bulk(total: u64, two_engines: bool, chunk: usize) -> Run {
    let cpu0 = common::cpu_self_s();
    let mut server = Ctl::start();
    let mut client = if two_engines {
        Some(Ctl::start())
    } else {
        None
    };
    let (listener, addr) = server.auto_listener(None);
    let srv_rx = common::subscribe_bell(&server.engine);
    let cli_rx = client.as_ref().map(|c| common::subscribe_bell(&c.engine));
    server.sync();
    let cli = client.as_ref().unwrap_or(&server);
    let sock = cli.socket(Proto::Tcp);
    cli.run(Command::Connect {
        sock: sock.into(),
        addr: addr.into(),
        timeout: None,
    });
    let client_engine = cli.engine.clone();
    server.release();
    if let Some(c) = client.as_mut() {
        c.release();
    }
    let chunks = total.div_ceil(chunk as u64) as usize;
    let driver = Driver {
        engine: client_engine,
        sock,
        chunk: vec![0u8; chunk].into(),
        to_submit: chunks,
        in_flight: HashSet::new(),
    };
    let expect = (chunks * chunk) as u64;
    let (sent, recvd) = match cli_rx {
        Some(cli_rx) => {
            let r = thread::spawn(move || consume(srv_rx, None, Some((listener, expect))));
            let s = thread::spawn(move || consume(cli_rx, Some(driver), None));
            (
                s.join().expect("sender consumer"),
                r.join().expect("receiver consumer"),
            )
        }
        None => {
            let both = consume(srv_rx, Some(driver), Some((listener, expect)));
            (both, both)
        }
    };
    server.engine.shutdown();
    if let Some(c) = client {
        c.engine.shutdown();
    }
    let cpu = common::cpu_self_s() - cpu0;
    assert_eq!(
        recvd.bytes_in, expect,
        "the receiver's log counts every byte"
    );
    assert_eq!(sent.bytes_out, expect, "the sender's log counts every byte");
    let start = sent.started.expect("sender started");
    let end = recvd.finished.expect("receiver finished");
    let run = Run::new(expect, (end - start).as_secs_f64(), cpu);
    eprintln!(
        "  sockscope ({}, {} KiB sends): {:.3} s, {run:?}, {} + {} log records",
        if two_engines {
            "two engines"
        } else {
            "one engine"
        },
        chunk >> 10,
        (end - start).as_secs_f64(),
        sent.records,
        if two_engines { recvd.records } else { 0 },
    );
    run
}

/// `head -c N /dev/zero | socat -u - TCP:…` into `socat -u TCP-LISTEN:… - > /dev/null`.
fn socat_bulk(total: u64) -> Run {
    let cpu0 = common::cpu_children_s();
    let port = common::free_tcp_port();
    let listen = format!("TCP-LISTEN:{port},reuseaddr,bind=127.0.0.1");
    let mut rx = common::serve("socat", &["-u".into(), listen, "-".into()], port);
    let start = Instant::now();
    let mut tx = Proc::new("sh")
        .args([
            "-c",
            &format!("head -c {total} /dev/zero | socat -u - TCP:127.0.0.1:{port}"),
        ])
        .spawn()
        .expect("start socat sender");
    let (status, end) = common::wait_exit(&mut rx, RUN_LIMIT);
    let _ = common::wait_exit(&mut tx, Duration::from_secs(5));
    assert!(
        status.is_some_and(|s| s.success()),
        "socat receiver: {status:?}"
    );
    let run = Run::new(
        total,
        (end - start).as_secs_f64(),
        common::cpu_children_s() - cpu0,
    );
    eprintln!("  socat: {:.3} s, {run:?}", (end - start).as_secs_f64());
    run
}

/// `iperf3 -s -1` and `iperf3 -c 127.0.0.1 -n N -J`: the receiver's rate from the JSON.
fn iperf_bulk(total: u64) -> Run {
    let cpu0 = common::cpu_children_s();
    let port = common::free_tcp_port();
    let args = ["-s", "-1", "-B", "127.0.0.1", "-p", &port.to_string()].map(str::to_string);
    let mut srv = common::serve("iperf3", &args, port);
    let out = Proc::new("timeout")
        .args([
            "60",
            "iperf3",
            "-c",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-n",
            &total.to_string(),
            "-J",
        ])
        .output()
        .expect("run iperf3 client");
    let _ = common::wait_exit(&mut srv, Duration::from_secs(5));
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("iperf3 -J prints JSON");
    let recv = &json["end"]["sum_received"];
    let bps = recv["bits_per_second"]
        .as_f64()
        .unwrap_or_else(|| panic!("no end.sum_received in iperf3 output: {json}"));
    let bytes = recv["bytes"].as_u64().unwrap_or(total);
    let secs = bytes as f64 * 8.0 / bps;
    let run = Run::new(bytes, secs, common::cpu_children_s() - cpu0);
    eprintln!("  iperf3: {secs:.3} s, {run:?}");
    run
}

/// The kernel's share: two std threads in this process, a writer of 1 MiB `write_all`s and a
/// reader of 64 KiB `read`s into one reused buffer; no events, no log, no copies.
fn std_bulk(total: u64) -> Run {
    let cpu0 = common::cpu_self_s();
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let addr = listener.local_addr().expect("addr");
    let start = Instant::now();
    let writer = thread::spawn(move || {
        let mut s = TcpStream::connect(addr).expect("connect");
        let buf = vec![0u8; CHUNK];
        let mut left = total;
        while left > 0 {
            let n = left.min(CHUNK as u64) as usize;
            s.write_all(&buf[..n]).expect("write");
            left -= n as u64;
        }
    });
    let (mut conn, _) = listener.accept().expect("accept");
    let mut buf = vec![0u8; STD_READ];
    let mut got = 0u64;
    while got < total {
        let n = conn.read(&mut buf).expect("read");
        assert!(n > 0, "early end of stream");
        got += n as u64;
    }
    let end = Instant::now();
    writer.join().expect("writer");
    let run = Run::new(
        total,
        (end - start).as_secs_f64(),
        common::cpu_self_s() - cpu0,
    );
    eprintln!(
        "  std threads: {:.3} s, {run:?}",
        (end - start).as_secs_f64()
    );
    run
}

fn main() {
    let bench = common::bench_mode();
    let total: u64 = if bench { 2 << 30 } else { 128 << 20 };
    if let Ok(part) = std::env::var("SOCKSCOPE_BENCH_PART") {
        // Profiling one variant alone (`two`, `one` or `big`), nothing written.
        let r = match part.as_str() {
            "one" => sockscope_bulk(total, false, CHUNK),
            "big" => sockscope_bulk(total, true, BIG_CHUNK),
            _ => sockscope_bulk(total, true, CHUNK),
        };
        println!("{part}: {}", common::gib_s(r.rate));
        return;
    }
    let reps = common::reps(5);
    let socat = common::use_tool("socat");
    let iperf = common::use_tool("iperf3");
    let mut runs: Vec<(&str, Vec<Run>)> = vec![
        ("two", Vec::new()),
        ("one", Vec::new()),
        ("big", Vec::new()),
        ("std", Vec::new()),
        ("socat", Vec::new()),
        ("iperf3", Vec::new()),
    ];
    for rep in 1..=reps {
        eprintln!("rep {rep}/{reps}:");
        runs[0].1.push(sockscope_bulk(total, true, CHUNK));
        if socat {
            runs[4].1.push(socat_bulk(total));
        }
        runs[1].1.push(sockscope_bulk(total, false, CHUNK));
        if iperf {
            runs[5].1.push(iperf_bulk(total));
        }
        runs[2].1.push(sockscope_bulk(total, true, BIG_CHUNK));
        runs[3].1.push(std_bulk(total));
    }
    let med = |i: usize| -> Option<Run> {
        let v = &runs[i].1;
        if v.is_empty() {
            return None;
        }
        let mut r: Vec<f64> = v.iter().map(|x| x.rate).collect();
        let mut c: Vec<f64> = v.iter().map(|x| x.cpu_per_gib).collect();
        Some(Run {
            rate: common::median(&mut r),
            cpu_per_gib: common::median(&mut c),
        })
    };
    let (two, one, big, plain) = (
        med(0).expect("ran"),
        med(1).expect("ran"),
        med(2).expect("ran"),
        med(3).expect("ran"),
    );
    let (so, ip) = (med(4), med(5));

    let mut s = Section::new("tcp_bulk", "1. TCP bulk on loopback (logging on)");
    let size = if total >= 1 << 30 {
        format!("{} GiB", total >> 30)
    } else {
        format!("{} MiB", total >> 20)
    };
    let ours = [
        ("two engines, 1 MiB sends", two),
        ("one engine (both ends), 1 MiB sends", one),
        ("two engines, 64 MiB sends", big),
    ];
    for (label, o) in ours {
        match so {
            Some(r) => s.row(
                format!("sockscope → sockscope, {label} vs socat → socat"),
                common::gib_s(o.rate),
                format!("{} (socat)", common::gib_s(r.rate)),
                Some(o.rate / r.rate),
                "≥ 1.0×",
                Some(o.rate / r.rate >= 1.0),
            ),
            None => s.row(
                format!("sockscope → sockscope, {label}"),
                common::gib_s(o.rate),
                common::missing("socat"),
                None,
                "≥ 1.0×",
                None,
            ),
        }
        match ip {
            Some(r) => s.row(
                format!("sockscope → sockscope, {label} vs iperf3"),
                common::gib_s(o.rate),
                format!("{} (iperf3)", common::gib_s(r.rate)),
                Some(o.rate / r.rate),
                "≥ 0.8×",
                Some(o.rate / r.rate >= 0.8),
            ),
            None => s.row(
                format!("sockscope → sockscope, {label}"),
                common::gib_s(o.rate),
                common::missing("iperf3"),
                None,
                "≥ 0.8×",
                None,
            ),
        }
    }
    s.row(
        "kernel's share: two plain std threads in one process (64 KiB reads), vs iperf3",
        "–",
        format!(
            "{} (std threads) / {}",
            common::gib_s(plain.rate),
            ip.map_or("–".into(), |r| format!(
                "{} (iperf3)",
                common::gib_s(r.rate)
            ))
        ),
        ip.map(|r| plain.rate / r.rate),
        "–",
        None,
    );
    let cpu = |r: Option<Run>| r.map_or("–".into(), |r| format!("{:.2} s", r.cpu_per_gib));
    s.row(
        "CPU seconds per GiB, all threads and processes (two engines, 1 MiB / 64 MiB sends)",
        format!("{} / {}", cpu(Some(two)), cpu(Some(big))),
        format!(
            "{} (socat) · {} (iperf3) · {} (std threads)",
            cpu(so),
            cpu(ip),
            cpu(Some(plain))
        ),
        ip.map(|r| two.cpu_per_gib / r.cpu_per_gib),
        "–",
        None,
    );
    s.note(format!(
        "{size} per run, median of {reps} interleaved runs; sockscope sends `Send` payloads of 1 MiB \
         (or 64 MiB), {WINDOW} in flight, each the same shared buffer (`Payload::Bytes` is an \
         `Arc<[u8]>`, as a loaded file or a repeated payload is: the engine copies nothing); rate = bytes counted from the receiver's `Received` \
         events / (first `Send` submitted → last byte counted); every event of both ends goes into \
         a `SessionLog` (payload budget 256 MiB, older payloads evicted)"
    ));
    s.note(
        "socat: `socat -u TCP-LISTEN:PORT,reuseaddr,bind=127.0.0.1 - > /dev/null` fed by \
         `head -c N /dev/zero | socat -u - TCP:127.0.0.1:PORT`, timed from starting the sender \
         to the receiver's exit",
    );
    s.note(
        "iperf3: `iperf3 -s -1 -B 127.0.0.1 -p PORT` and `iperf3 -c 127.0.0.1 -p PORT -n N -J`, \
         `end.sum_received.bits_per_second`",
    );
    s.note(
        "CPU: `getrusage` of this process (sockscope, std) or of the waited-for children \
         (socat, head, sh, iperf3); the CPU ratio is sockscope (two engines, 1 MiB) / iperf3",
    );
    s.finish();
}
