//! The client pool: one blocking thread per client, tallies in a few shared stripes (an
//! HDR histogram each, merged by the gatherer four times a second), a shared ticket
//! counter for the request count and the rate. Every client waits at a gate until all are
//! started, so that a thousand clients begin together and the clock starts with them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use socket2::{Domain, Socket, Type};

use super::config::{Connect, Limit, Mode, StressConfig, Transport};
use super::figures::{Failure, Figures, Tally};
use super::tls::{TlsClient, TlsStream};

/// How often live figures come.
pub const EVERY: Duration = Duration::from_millis(250);
/// Tally stripes the clients share (client `i` uses stripe `i % STRIPES`).
const STRIPES: usize = 16;
/// Stack of a client thread.
const CLIENT_STACK: usize = 64 << 10;

/// Live figures, or the final ones (`done`).
#[derive(Debug, Clone, PartialEq)]
pub struct StressUpdate {
    /// The figures.
    pub figures: Figures,
    /// True for the last update: every client has stopped.
    pub done: bool,
}

struct Shared {
    cfg: StressConfig,
    /// When the gate opened (every client started).
    start: OnceLock<Instant>,
    /// When the last client stopped, ns after the start (the final figures' span).
    ended_ns: AtomicU64,
    stripes: Vec<Mutex<Tally>>,
    tickets: AtomicU64,
    active: AtomicU64,
    stop: AtomicBool,
    /// The TLS client every connection uses (`tls` only).
    tls: Option<TlsClient>,
    /// The final figures, once every client has stopped.
    last: Mutex<Option<Figures>>,
}

fn lock(m: &Mutex<Tally>) -> MutexGuard<'_, Tally> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// When the test started: the gate's opening.
    fn start(&self) -> Instant {
        *self.start.get_or_init(Instant::now)
    }

    /// Notes that a client has stopped (the test's span ends with the last one).
    fn client_ended(&self) {
        let ns = u64::try_from(self.start().elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.ended_ns.fetch_max(ns, Ordering::Relaxed);
    }

    /// The next request's go-ahead, paced to the rate; false when the test is over.
    fn ticket(&self) -> bool {
        if self.stop.load(Ordering::Relaxed) {
            return false;
        }
        let n = self.tickets.fetch_add(1, Ordering::Relaxed);
        match self.cfg.limit {
            Limit::Count(k) if n >= k => return false,
            Limit::For(d) if self.start().elapsed() >= d => return false,
            _ => {}
        }
        if let Some(r) = self.cfg.rate {
            let due = self.start() + Duration::from_secs_f64(n as f64 / r as f64);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        !self.stop.load(Ordering::Relaxed)
    }
}

/// A running stress test.
pub struct Stress {
    updates: Receiver<StressUpdate>,
    shared: Arc<Shared>,
    gatherer: Option<JoinHandle<()>>,
}

impl Stress {
    /// Starts the clients; refuses a test that cannot run (no clients, an unreadable CA
    /// file, …).
    pub fn start(cfg: StressConfig) -> Result<Stress, String> {
        cfg.check()?;
        let tls = match cfg.transport {
            Transport::Tls => Some(TlsClient::new(&cfg)?),
            _ => None,
        };
        let shared = Arc::new(Shared {
            tls,
            start: OnceLock::new(),
            ended_ns: AtomicU64::new(0),
            last: Mutex::new(None),
            stripes: (0..STRIPES).map(|_| Mutex::new(Tally::default())).collect(),
            tickets: AtomicU64::new(0),
            active: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            cfg,
        });
        // The gate: every client blocks on it until `open` is dropped.
        let (open, gate) = crossbeam_channel::bounded::<()>(0);
        let mut clients = Vec::with_capacity(shared.cfg.clients);
        for i in 0..shared.cfg.clients {
            let (s, gate) = (Arc::clone(&shared), gate.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("sockscope-stress-{i}"))
                .stack_size(CLIENT_STACK)
                .spawn(move || {
                    let _ = gate.recv();
                    client(&s, i % STRIPES);
                    s.client_ended();
                });
            match spawned {
                Ok(h) => clients.push(h),
                Err(e) => {
                    shared.stop.store(true, Ordering::Relaxed);
                    drop(open);
                    for h in clients {
                        let _ = h.join();
                    }
                    return Err(format!("cannot start client {}: {e}", i + 1));
                }
            }
        }
        shared.start();
        drop(open);
        let (tx, updates) = crossbeam_channel::unbounded();
        let s = Arc::clone(&shared);
        let gatherer = std::thread::Builder::new()
            .name("sockscope-stress".into())
            .spawn(move || gather(&s, clients, &tx))
            .map_err(|e| format!("cannot start the stress gatherer: {e}"))?;
        Ok(Stress {
            updates,
            shared,
            gatherer: Some(gatherer),
        })
    }

    /// The live figures (four times a second), the last one with `done`.
    pub fn updates(&self) -> &Receiver<StressUpdate> {
        &self.updates
    }

    /// Asks the clients to stop after their request under way.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }

    /// Waits for the end; the final figures (also when the caller has taken the last
    /// update from [`Stress::updates`]).
    pub fn wait(mut self) -> Figures {
        if let Some(g) = self.gatherer.take() {
            let _ = g.join();
        }
        let last = self.shared.last.lock().map(|mut l| l.take());
        last.ok()
            .flatten()
            .unwrap_or_else(|| figures_now(&self.shared, 0.0, 0.0))
    }
}

impl Drop for Stress {
    fn drop(&mut self) {
        self.stop();
        if let Some(g) = self.gatherer.take() {
            let _ = g.join();
        }
    }
}

fn figures_now(s: &Shared, qps: f64, peak: f64) -> Figures {
    let mut all = Tally::default();
    for stripe in &s.stripes {
        all.add(&lock(stripe));
    }
    let secs = s.start().elapsed().as_secs_f64();
    Figures::of(&all, secs, qps, peak, s.active.load(Ordering::Relaxed))
}

/// Sends figures every [`EVERY`] until every client has stopped, then the final ones.
fn gather(s: &Shared, clients: Vec<JoinHandle<()>>, tx: &Sender<StressUpdate>) {
    let (mut last_ok, mut last_at, mut peak) = (0u64, Instant::now(), 0.0f64);
    loop {
        let done = clients.iter().all(JoinHandle::is_finished);
        if !done {
            std::thread::sleep(EVERY);
        }
        let mut f = figures_now(s, 0.0, 0.0);
        if !done {
            let dt = last_at.elapsed().as_secs_f64().max(1e-6);
            f.qps = (f.ok - last_ok) as f64 / dt;
            peak = peak.max(f.qps);
            f.qps_peak = peak;
            (last_ok, last_at) = (f.ok, Instant::now());
        } else {
            // The final figures span the start to the last client's end, and their rate
            // is the whole test's.
            f.secs = s.ended_ns.load(Ordering::Relaxed) as f64 / 1e9;
            // (The interval since the last update is a sliver: its rate would be noise.)
            f.qps = f.ok as f64 / f.secs.max(1e-6);
            f.qps_peak = peak.max(f.qps);
            if let Ok(mut last) = s.last.lock() {
                *last = Some(f.clone());
            }
        }
        let _ = tx.send(StressUpdate { figures: f, done });
        if done {
            break;
        }
    }
    for c in clients {
        let _ = c.join();
    }
}

/// One client: requests until the test ends.
fn client(s: &Shared, stripe: usize) {
    let cfg = &s.cfg;
    let mut conn: Option<Conn> = None;
    let mut buf = vec![0u8; buf_len(&cfg.mode)];
    while s.ticket() {
        if conn.is_none() {
            match Conn::open(cfg, s.tls.as_ref()) {
                Ok(c) => {
                    s.active.fetch_add(1, Ordering::Relaxed);
                    lock(&s.stripes[stripe]).connects += 1;
                    conn = Some(c);
                }
                Err(why) => {
                    let mut t = lock(&s.stripes[stripe]);
                    t.sent += 1;
                    t.fail(why);
                    continue;
                }
            }
        }
        let Some(c) = conn.as_mut() else { continue };
        let outcome = exchange(c, &cfg.mode, &mut buf);
        let keep = {
            let mut t = lock(&s.stripes[stripe]);
            t.sent += 1;
            t.bytes_out += outcome.out;
            t.bytes_in += outcome.got;
            match outcome.result {
                Ok(took) => t.answered(took),
                Err(why) => t.fail(why),
            }
            outcome.result.is_ok() && cfg.connect == Connect::Once
        };
        if !keep {
            conn = None;
            s.active.fetch_sub(1, Ordering::Relaxed);
        }
    }
    if conn.is_some() {
        s.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A client's buffer: a ping-pong's reply and one byte, or a throughput block and 16 KiB
/// to drain replies into.
fn buf_len(mode: &Mode) -> usize {
    match mode {
        Mode::PingPong { payload, expect } => expect.as_ref().unwrap_or(payload).len() + 1,
        Mode::Throughput { size } => size + (16 << 10),
    }
}

enum Conn {
    Tcp(TcpStream),
    Udp(UdpSocket),
    Tls(Box<TlsStream>),
}

impl Conn {
    /// Connects (and over TLS, handshakes); a failure as the kind it counts under.
    fn open(cfg: &StressConfig, tls: Option<&TlsClient>) -> Result<Conn, Failure> {
        let conn = Conn::connect(cfg).map_err(|e| match e.raw_os_error() {
            // A blocking connect that outlived SO_SNDTIMEO.
            Some(libc::EINPROGRESS) => Failure::ConnectTimedOut,
            _ => Failure::of(&e, true),
        })?;
        match (conn, tls) {
            (Conn::Tcp(t), Some(tls)) => match tls.handshake(t) {
                Ok(s) => Ok(Conn::Tls(Box::new(s))),
                Err(_) => Err(Failure::TlsFailed),
            },
            (conn, _) => Ok(conn),
        }
    }

    fn connect(cfg: &StressConfig) -> std::io::Result<Conn> {
        match cfg.transport {
            Transport::Udp => {
                let local: SocketAddr = if cfg.addr.is_ipv4() {
                    ([0, 0, 0, 0], 0).into()
                } else {
                    (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
                };
                let u = UdpSocket::bind(local)?;
                u.connect(cfg.addr)?;
                u.set_read_timeout(Some(cfg.timeout))?;
                Ok(Conn::Udp(u))
            }
            _ => {
                // Five system calls: a blocking connect bounded by the send timeout (Linux
                // applies SO_SNDTIMEO to connect), where `connect_timeout` would add a
                // non-blocking round of fcntl and poll, which a per-request test pays on
                // every request.
                let t = Socket::new(Domain::for_address(cfg.addr), Type::STREAM, None)?;
                t.set_tcp_nodelay(true)?;
                t.set_read_timeout(Some(cfg.timeout))?;
                t.set_write_timeout(Some(cfg.timeout))?;
                t.connect(&cfg.addr.into())?;
                Ok(Conn::Tcp(t.into()))
            }
        }
    }
}

struct Outcome {
    result: Result<Duration, Failure>,
    out: u64,
    got: u64,
}

/// One request: send, and (ping-pong) wait for the whole reply; `buf` holds a reply (or
/// a throughput block and room to drain what the server sends back).
fn exchange(c: &mut Conn, mode: &Mode, buf: &mut [u8]) -> Outcome {
    match mode {
        Mode::PingPong { payload, expect } => {
            ping_pong(c, payload, expect.as_deref().unwrap_or(payload), buf)
        }
        Mode::Throughput { size } => block(c, *size, buf),
    }
}

fn ping_pong(c: &mut Conn, payload: &[u8], want: &[u8], buf: &mut [u8]) -> Outcome {
    let t0 = Instant::now();
    let out = payload.len() as u64;
    let sent = match c {
        Conn::Tcp(t) => t.write_all(payload),
        Conn::Udp(u) => u.send(payload).map(|_| ()),
        Conn::Tls(t) => t.write_all(payload),
    };
    if let Err(e) = sent {
        return failed(Failure::of(&e, false), 0, 0);
    }
    let got = match c {
        Conn::Tcp(t) => t.read_exact(&mut buf[..want.len()]).map(|()| want.len()),
        // One byte more than the reply, so that a longer datagram shows as a mismatch.
        Conn::Udp(u) => u.recv(&mut buf[..want.len() + 1]),
        Conn::Tls(t) => t.read_exact(&mut buf[..want.len()]).map(|()| want.len()),
    };
    match got {
        Ok(n) if &buf[..n] == want => Outcome {
            result: Ok(t0.elapsed()),
            out,
            got: n as u64,
        },
        Ok(n) => failed(Failure::Mismatch, out, n as u64),
        Err(e) => failed(Failure::of(&e, false), out, 0),
    }
}

/// A throughput block: written whole, then whatever the server sent back is read and
/// dropped without waiting (an echo server would otherwise stall on its full buffer).
fn block(c: &mut Conn, size: usize, buf: &mut [u8]) -> Outcome {
    let t0 = Instant::now();
    let Conn::Tcp(t) = c else {
        return failed(Failure::Other, 0, 0);
    };
    let (data, rest) = buf.split_at_mut(size.min(buf.len()));
    if let Err(e) = t.write_all(data) {
        return failed(Failure::of(&e, false), 0, 0);
    }
    let mut got = 0u64;
    let sock = socket2::SockRef::from(&*t);
    loop {
        let room: &mut [std::mem::MaybeUninit<u8>] = crate::sys::mem::as_recv_room(rest);
        match sock.recv_with_flags(room, libc::MSG_DONTWAIT) {
            Ok(0) => return failed(Failure::ClosedByPeer, size as u64, got),
            Ok(n) => got += n as u64,
            Err(_) => break,
        }
    }
    Outcome {
        result: Ok(t0.elapsed()),
        out: size as u64,
        got,
    }
}

fn failed(why: Failure, out: u64, got: u64) -> Outcome {
    Outcome {
        result: Err(why),
        out,
        got,
    }
}
