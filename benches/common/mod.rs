//! Helpers shared by the benchmark binaries: driving the engine, starting and timing the
//! reference tools (socat, iperf3), reading the kernel's counters, and writing a bench's
//! section of `BENCHMARKS.md`.
//!
//! Every bench binary runs its full measurement only when cargo passes `--bench`
//! (`cargo bench`); under `cargo test --benches` it runs a small smoke version without the
//! reference tools and writes nothing.
#![allow(dead_code)]

pub mod clients;
pub mod plain;

use std::fmt::Write as _;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::Receiver;
use sockscope::engine::{Command, Engine, Event, EventKind, Family, Proto, SockId};

/// How long one engine command may take before the bench gives up.
pub const CMD_WAIT: Duration = Duration::from_secs(10);

/// True when cargo runs the binary as a benchmark (`cargo bench` passes `--bench`).
pub fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// True when `SOCKSCOPE_BENCH_OURS_ONLY` is set: measure sockscope alone, once, without the
/// reference tools and without writing `BENCHMARKS.md` (for profiling it with perf).
pub fn ours_only() -> bool {
    std::env::var_os("SOCKSCOPE_BENCH_OURS_ONLY").is_some()
}

/// Whether to measure the reference `tool`: in bench mode, unless profiling, when installed.
pub fn use_tool(tool: &str) -> bool {
    bench_mode() && !ours_only() && have(tool)
}

/// How many repetitions to run: `n` in bench mode, one when profiling or smoke-testing.
pub fn reps(n: usize) -> usize {
    if bench_mode() && !ours_only() { n } else { 1 }
}

/// The value following `--flag` on the command line.
pub fn arg_value(flag: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
}

/// An engine with a control subscription used while setting sockets up.
///
/// Call [`Ctl::release`] before traffic starts: a subscription nobody drains would pass the
/// engine's high-water mark and stop it from reading.
pub struct Ctl {
    /// The engine.
    pub engine: Engine,
    rx: Option<Receiver<Event>>,
}

impl Ctl {
    /// Starts an engine and subscribes to it.
    pub fn start() -> Ctl {
        let engine = Engine::start().expect("engine starts");
        let rx = engine.subscribe();
        Ctl {
            engine,
            rx: Some(rx),
        }
    }

    /// Runs a command that must succeed and returns its final event.
    pub fn run(&self, cmd: Command) -> Event {
        let rx = self.rx.as_ref().expect("control subscription still held");
        let id = self.engine.submit(cmd.clone());
        let deadline = Instant::now() + CMD_WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let ev = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no outcome for {cmd:?} within {CMD_WAIT:?}"));
            if ev.cmd == Some(id) {
                if let EventKind::Failed(e) = &ev.kind {
                    panic!("{cmd:?} failed: {e}");
                }
                return ev;
            }
        }
    }

    /// Creates a socket and returns its id.
    pub fn socket(&self, proto: Proto) -> SockId {
        let ev = self.run(Command::Socket {
            proto,
            family: Family::V4,
            name: None,
        });
        ev.socket.expect("created event names its socket")
    }

    /// Creates a socket bound to `127.0.0.1:0` and returns it with the port the OS chose.
    pub fn bound(&self, proto: Proto) -> (SockId, SocketAddr) {
        let id = self.socket(proto);
        let ev = self.run(Command::Bind {
            sock: id.into(),
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into(),
        });
        let EventKind::Bound { local, .. } = ev.kind else {
            panic!("bind answered {:?}", ev.kind);
        };
        (id, local.ip().expect("an IP address"))
    }

    /// A TCP listener on `127.0.0.1:0` that accepts every connection by itself.
    pub fn auto_listener(&self, backlog: Option<u32>) -> (SockId, SocketAddr) {
        let (id, addr) = self.bound(Proto::Tcp);
        self.run(Command::Listen {
            sock: id.into(),
            backlog,
        });
        self.run(Command::AcceptAuto {
            sock: id.into(),
            on: true,
        });
        (id, addr)
    }

    /// Returns once every message posted before (such as a new subscription) has been handled.
    pub fn sync(&self) {
        self.run(Command::Status);
    }

    /// Drops the control subscription (the engine forgets it at its next event).
    pub fn release(&mut self) {
        self.rx = None;
    }
}

/// Starts a reference server (`program args…`, its standard output discarded) and waits
/// until it listens on 127.0.0.1:`port`.
pub fn serve(program: &str, args: &[String], port: u16) -> Child {
    let child = std::process::Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {program}: {e}"));
    assert!(
        wait_listening(port, Duration::from_secs(5)),
        "{program} listens on {port}"
    );
    child
}

/// A subscription taken the way the app takes events: the engine's notify callback rings a
/// doorbell once per poll round, and the consumer drains the queue without blocking, so
/// the engine does not wake a parked receiver for every event.
pub fn subscribe_bell(engine: &Engine) -> (Receiver<Event>, Receiver<()>) {
    let (ring, bell) = crossbeam_channel::bounded(1);
    let rx = engine.subscribe_with(Some(std::sync::Arc::new(move || {
        let _ = ring.try_send(());
    })));
    (rx, bell)
}

/// Hands every event of `rx` to `each` as the app takes them (at each ring of `bell`, the
/// queue drained without blocking) until `stop` is set, then drains what is left.
pub fn drain_until(
    (rx, bell): &(Receiver<Event>, Receiver<()>),
    stop: &std::sync::atomic::AtomicBool,
    mut each: impl FnMut(Event),
) {
    while !stop.load(std::sync::atomic::Ordering::Acquire) {
        let _ = bell.recv_timeout(Duration::from_millis(20));
        rx.try_iter().for_each(&mut each);
    }
    rx.try_iter().for_each(each);
}

/// True when `tool` is on the PATH.
pub fn have(tool: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

/// A TCP port on loopback that was free a moment ago.
pub fn free_tcp_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// A UDP port on loopback that was free a moment ago.
pub fn free_udp_port() -> u16 {
    let s = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    s.local_addr().expect("local addr").port()
}

/// The lines of `/proc/net/{tcp,tcp6,udp,udp6}` whose local port is `port`, split in fields.
fn proc_net_rows(files: &[&str], port: u16) -> Vec<Vec<String>> {
    let want = format!(":{port:04X}");
    let mut rows = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(format!("/proc/net/{f}")) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<String> = line.split_whitespace().map(str::to_string).collect();
            if fields.get(1).is_some_and(|l| l.ends_with(&want)) {
                rows.push(fields);
            }
        }
    }
    rows
}

/// Waits until something listens on TCP `port` (IPv4 or IPv6); false on timeout.
///
/// Reads `/proc/net/tcp*` instead of connecting, so that a one-shot server (`iperf3 -1`)
/// does not take the probe for its test.
pub fn wait_listening(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let rows = proc_net_rows(&["tcp", "tcp6"], port);
        if rows.iter().any(|r| r.get(3).is_some_and(|s| s == "0A")) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

/// Waits until a UDP socket is bound to `port`; false on timeout.
pub fn wait_udp_bound(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if !proc_net_rows(&["udp", "udp6"], port).is_empty() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

/// The kernel's count of datagrams dropped on the UDP socket bound to `port`
/// (the last column of `/proc/net/udp`): the receive buffer was full.
pub fn udp_drops(port: u16) -> Option<u64> {
    proc_net_rows(&["udp", "udp6"], port)
        .iter()
        .filter_map(|r| r.last().and_then(|d| d.parse::<u64>().ok()))
        .reduce(|a, b| a + b)
}

/// Waits for a child to exit, polling every 200 µs; kills it when `timeout` passes.
/// Returns the exit status and the moment the exit was seen.
pub fn wait_exit(child: &mut Child, timeout: Duration) -> (Option<ExitStatus>, Instant) {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(st)) = child.try_wait() {
            return (Some(st), Instant::now());
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return (None, Instant::now());
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Kills a child we started (if still running) and reaps it.
pub fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Reads the whole of a child's pipe on a thread (so the child never blocks on it).
pub fn drain<R: Read + Send + 'static>(mut r: R) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = r.read_to_end(&mut out);
        out
    })
}

/// The resident set size of this process in KiB (`VmRSS` of `/proc/self/status`).
pub fn rss_kib() -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The kernel's slab memory in KiB (`Slab` of `/proc/meminfo`): where socket, file and epoll
/// structures live. Machine-wide, so other programs' activity adds noise.
pub fn slab_kib() -> u64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("Slab:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Raises the soft limit of open files to the hard limit; returns `(soft, hard)` after.
pub fn raise_nofile() -> (u64, u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return (0, 0);
        }
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
    }
    (lim.rlim_cur, lim.rlim_max)
}

fn rusage_s(who: libc::c_int) -> f64 {
    // SAFETY: an all-zero rusage is a valid value, and getrusage only writes into it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, writable rusage.
    unsafe { libc::getrusage(who, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// CPU seconds (user + system) used so far by this process, all threads.
pub fn cpu_self_s() -> f64 {
    rusage_s(libc::RUSAGE_SELF)
}

/// CPU seconds used by the children this process has waited for (and their waited-for
/// descendants).
pub fn cpu_children_s() -> f64 {
    rusage_s(libc::RUSAGE_CHILDREN)
}

/// CPU seconds used so far by the calling thread.
pub fn cpu_thread_s() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// The median of some samples (sorted in place).
pub fn median(v: &mut [f64]) -> f64 {
    percentile(v, 50.0)
}

/// The `p`-th percentile (nearest rank) of some samples (sorted in place).
pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

/// Bytes per second as `1.23 GiB/s`.
pub fn gib_s(bytes_per_s: f64) -> String {
    format!("{:.2} GiB/s", bytes_per_s / (1u64 << 30) as f64)
}

/// A count per second as `1.23 M/s` or `456.7 k/s`.
pub fn per_s(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.2} M/s", n / 1e6)
    } else {
        format!("{:.1} k/s", n / 1e3)
    }
}

/// One row of a bench's figures table.
pub struct Row {
    /// What is measured.
    pub what: String,
    /// sockscope's figure.
    pub ours: String,
    /// The reference's figure (and which reference).
    pub reference: String,
    /// ours / reference.
    pub ratio: Option<f64>,
    /// The goal, as text.
    pub goal: String,
    /// Whether the goal is met (`None`: no goal for this row).
    pub met: Option<bool>,
}

/// A bench's results: a table and notes, printed and written to `BENCHMARKS.md`.
pub struct Section {
    /// The bench binary's name (also the marker in `BENCHMARKS.md`).
    pub name: &'static str,
    /// The heading.
    pub title: &'static str,
    /// The figures.
    pub rows: Vec<Row>,
    /// Free-form lines under the table.
    pub notes: Vec<String>,
    started: SystemTime,
    load_at_start: String,
}

impl Section {
    /// A section for bench `name`, noting the time and the machine's load now.
    pub fn new(name: &'static str, title: &'static str) -> Section {
        Section {
            name,
            title,
            rows: Vec::new(),
            notes: Vec::new(),
            started: SystemTime::now(),
            load_at_start: loadavg(),
        }
    }

    /// Adds a row.
    pub fn row(
        &mut self,
        what: impl Into<String>,
        ours: impl Into<String>,
        reference: impl Into<String>,
        ratio: Option<f64>,
        goal: impl Into<String>,
        met: Option<bool>,
    ) {
        self.rows.push(Row {
            what: what.into(),
            ours: ours.into(),
            reference: reference.into(),
            ratio,
            goal: goal.into(),
            met,
        });
    }

    /// Adds a note.
    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// The section as Markdown.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "### {}\n", self.title);
        let cmd = format!("cargo bench --bench {}", self.name);
        let via = std::env::var("SOCKSCOPE_BENCH_VIA").unwrap_or_default();
        let date = chrono::DateTime::<chrono::Utc>::from(self.started).format("%Y-%m-%d %H:%M UTC");
        let _ = writeln!(
            s,
            "Command: `{cmd}`{} · {date} · {} · load average at start {} · commit {}\n",
            if via.is_empty() {
                String::new()
            } else {
                format!(" (run by `{via}`)")
            },
            machine(),
            self.load_at_start,
            env!("SOCKSCOPE_COMMIT"),
        );
        let _ = writeln!(
            s,
            "| figure | sockscope | reference | ratio | goal | met |\n|---|---|---|---|---|---|"
        );
        for r in &self.rows {
            let ratio = r.ratio.map_or("–".into(), |x| format!("{x:.2}×"));
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "–",
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {ratio} | {} | {met} |",
                r.what, r.ours, r.reference, r.goal
            );
        }
        if !self.notes.is_empty() {
            s.push('\n');
            for n in &self.notes {
                let _ = writeln!(s, "- {n}");
            }
        }
        s
    }

    /// Prints the section; in bench mode also replaces its block in `BENCHMARKS.md`.
    pub fn finish(&self) {
        let md = self.markdown();
        println!("\n{md}");
        if bench_mode() && !ours_only() && std::env::var_os("SOCKSCOPE_BENCH_NO_WRITE").is_none() {
            match write_block(self.name, &md) {
                Ok(path) => println!("(written to {})", path.display()),
                Err(e) => eprintln!("could not update BENCHMARKS.md: {e}"),
            }
        }
    }
}

/// Replaces the text between `<!-- bench:NAME:begin -->` and `<!-- bench:NAME:end -->` in
/// `BENCHMARKS.md` (appending the block when the markers are missing).
fn write_block(name: &str, md: &str) -> std::io::Result<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let begin = format!("<!-- bench:{name}:begin -->");
    let end = format!("<!-- bench:{name}:end -->");
    let block = format!("{begin}\n{md}{end}");
    let new = match (text.find(&begin), text.find(&end)) {
        (Some(b), Some(e)) if e > b => {
            format!("{}{block}{}", &text[..b], &text[e + end.len()..])
        }
        _ => format!("{}\n{block}\n", text.trim_end()),
    };
    std::fs::write(&path, new)?;
    Ok(path)
}

/// The machine in a few words: cores, CPU model, kernel, memory.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map_or(0, |kib| (kib + (1 << 19)) >> 20);
    format!("{cores} cores ({cpu}), {mem_gib} GiB, Linux {kernel}")
}

/// The 1-minute load average.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// Says why a reference is missing, pointing at the script that installs it.
pub fn missing(tool: &str) -> String {
    if !bench_mode() || ours_only() {
        format!("{tool} not run in this mode (smoke test or profiling)")
    } else {
        format!("{tool} not installed: run benches/run.sh (it installs socat and iperf3)")
    }
}
