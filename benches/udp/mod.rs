//! The UDP figures at the kernel's limit: sockscope's sink against the plain `recvmmsg`
//! receiver, its flood against the plain `sendmmsg` sender, and `sockscope run` as a
//! headless sink, each fed in the same run by the same one sending thread.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Command as Proc, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::common::{self, Ctl, plain};
use sockscope::engine::{Command, EventKind, FloodLimit, Proto};
use sockscope::log::SessionLog;

/// What one receiver took from one flood.
#[derive(Clone, Copy, Debug)]
pub struct Taken {
    pub sent: u64,
    pub received: u64,
    pub kernel_drops: u64,
    pub rate: f64,
}

/// The plain receiver fed by `send` (the bench's one sending thread).
pub fn plain_receiver(size: usize, count: u64, send: fn(SocketAddr, usize, u64) -> u64) -> Taken {
    let start = Instant::now();
    let r = plain::Receiver::start(start);
    let addr = r.addr;
    let sent = send(addr, size, count);
    let (received, last_ns) = settle(&r.counts);
    let kernel_drops = common::udp_drops(addr.port()).unwrap_or(0);
    r.stop();
    Taken {
        sent,
        received,
        kernel_drops,
        rate: received as f64 / (last_ns.max(1) as f64 / 1e9),
    }
}

fn settle(c: &plain::Counts) -> (u64, u64) {
    use std::sync::atomic::Ordering;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = (u64::MAX, Instant::now());
    loop {
        let n = c.msgs.load(Ordering::Acquire);
        if n != last.0 {
            last = (n, Instant::now());
        } else if last.1.elapsed() >= Duration::from_millis(300) || Instant::now() >= deadline {
            return (n, c.last_ns.load(Ordering::Acquire));
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// sockscope's flood of `count` datagrams to the plain receiver, every event logged:
/// datagrams per second from the command to its `RepeatDone`. `connected`: the socket is
/// connected to the receiver first and floods without a destination (as the plain sender
/// does); otherwise it floods `to` the receiver, an address with every datagram.
pub fn sockscope_flood(size: usize, count: u64, connected: bool) -> (f64, Taken) {
    let start = Instant::now();
    let r = plain::Receiver::start(start);
    let mut ctl = Ctl::start();
    let rx = ctl.engine.subscribe();
    let src = ctl.socket(Proto::Udp);
    if connected {
        let ev = ctl.run(Command::Connect {
            sock: src.into(),
            addr: r.addr.into(),
            timeout: None,
        });
        assert!(
            matches!(ev.kind, EventKind::Connected { .. }),
            "{:?}",
            ev.kind
        );
    }
    ctl.release();
    let mut log = SessionLog::new();
    let t0 = Instant::now();
    ctl.engine.submit(Command::Flood {
        sock: src.into(),
        size,
        rate: None,
        limit: FloodLimit::Count(count),
        to: (!connected).then(|| r.addr.into()),
    });
    let mut sent = 0;
    let mut secs = 0.0;
    while let Ok(ev) = rx.recv_timeout(Duration::from_secs(30)) {
        let done = matches!(ev.kind, EventKind::RepeatDone { .. });
        if let EventKind::RepeatDone { sent: n } = ev.kind {
            sent = n;
            secs = t0.elapsed().as_secs_f64();
        }
        log.push_event(ev);
        if done {
            break;
        }
    }
    let (received, last_ns) = settle(&r.counts);
    let kernel_drops = common::udp_drops(r.addr.port()).unwrap_or(0);
    r.stop();
    ctl.engine.shutdown();
    let taken = Taken {
        sent,
        received,
        kernel_drops,
        rate: received as f64 / (last_ns.max(1) as f64 / 1e9),
    };
    (sent as f64 / secs.max(1e-9), taken)
}

/// The plain `sendmmsg` sender's rate to the plain receiver, from a connected socket or
/// naming the receiver in every datagram.
pub fn plain_flood(size: usize, count: u64, connected: bool) -> (f64, Taken) {
    let start = Instant::now();
    let r = plain::Receiver::start(start);
    let (sent, secs) = plain::send(r.addr, size, count, connected);
    let (received, last_ns) = settle(&r.counts);
    let kernel_drops = common::udp_drops(r.addr.port()).unwrap_or(0);
    r.stop();
    let taken = Taken {
        sent,
        received,
        kernel_drops,
        rate: received as f64 / (last_ns.max(1) as f64 / 1e9),
    };
    (sent as f64 / secs.max(1e-9), taken)
}

const SCRIPT: &str =
    "socket udp as sink\nbind sink 127.0.0.1:0\nexpect sink \"THE-END\" 300s\nstatus\n";

/// `sockscope run` (the release binary, text output read by the bench) as the sink of
/// `count` datagrams from `send`; the datagrams its `status` counted.
pub fn run_sink(size: usize, count: u64, send: fn(SocketAddr, usize, u64) -> u64) -> Taken {
    let dir = std::env::temp_dir().join(format!("sockscope-bench-sink-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let script = dir.join("sink.scope");
    std::fs::File::create(&script)
        .and_then(|mut f| f.write_all(SCRIPT.as_bytes()))
        .expect("script");
    let mut child = Proc::new(env!("CARGO_BIN_EXE_sockscope"))
        .args(["run", "--no-journal"])
        .arg(&script)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start sockscope run");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let port = loop {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap_or(0) == 0 {
            panic!("sockscope run printed no address");
        }
        if let Some(at) = line.find("127.0.0.1:") {
            let d: String = line[at + 10..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            break d.parse::<u16>().expect("port");
        }
    };
    let reader = thread::spawn(move || {
        let mut rest = String::new();
        let _ = out.read_to_string(&mut rest);
        rest
    });
    let to = SocketAddr::from(([127, 0, 0, 1], port));
    let t0 = Instant::now();
    let sent = send(to, size, count);
    let secs = t0.elapsed().as_secs_f64();
    thread::sleep(Duration::from_millis(200));
    let kernel_drops = common::udp_drops(port).unwrap_or(0);
    let tx = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let mut marker = b"THE-END".to_vec();
    marker.resize(size, b'.');
    let deadline = Instant::now() + Duration::from_secs(300);
    while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
        let _ = tx.send_to(&marker, to);
        thread::sleep(Duration::from_millis(50));
    }
    let _ = child.wait();
    let text = reader.join().unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    let bytes: u64 = text
        .lines()
        .find(|l| l.contains(" udp v4 ") && l.contains(" in "))
        .and_then(|l| l.split(" in ").nth(1))
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    // The markers that arrived are counted too: every datagram is `size` bytes.
    let received = (bytes / size as u64).min(sent);
    Taken {
        sent,
        received,
        kernel_drops,
        rate: sent as f64 / secs.max(1e-9),
    }
}
