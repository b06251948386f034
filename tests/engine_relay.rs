//! Engine tests of the relay (issue 17 §3), on loopback only: `curl` through a relay to
//! `python3 -m http.server`, delays and throttles measured, a 64 MiB transfer each way
//! compared by sha256, half-closes and resets passed through, cut and stall, backpressure,
//! and UDP sessions with their idle time.

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Command as Proc, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{Rig, WAIT};
use sockscope::engine::{
    Command, Dir, EventKind, Family, Fault, Ppm, Proto, Setting, SockId, SockState, SocketInfo,
};

/// A generous limit for a whole exchange on a loaded machine.
const LONG: Duration = Duration::from_secs(60);

/// A relaying listener on 127.0.0.1 to `upstream`: (its id, its address).
fn relay(rig: &mut Rig, upstream: SocketAddr) -> (SockId, SocketAddr) {
    let (l, addr) = rig.listener();
    rig.ok(Command::Relay {
        sock: l.into(),
        to: Some(upstream.into()),
        idle: None,
    });
    (l, addr)
}

fn fault(rig: &mut Rig, l: SockId, dir: Option<Dir>, f: Fault) {
    rig.ok(Command::Fault {
        sock: l.into(),
        dir,
        fault: f,
    });
}

/// Drains the rig's events (keeping none) until `job` ends, so the engine never waits
/// for a congested subscriber; returns the job's result.
fn drain_until<T>(rig: &mut Rig, job: JoinHandle<T>) -> T {
    let deadline = Instant::now() + LONG;
    while !job.is_finished() {
        assert!(
            Instant::now() < deadline,
            "the exchange did not end in time"
        );
        let _ = rig.rx.recv_timeout(Duration::from_millis(20));
    }
    job.join().expect("the exchange's thread")
}

/// Keeps every event until `job` ends (for tests that look at the log).
fn collect_until<T>(rig: &mut Rig, job: JoinHandle<T>) -> T {
    let deadline = Instant::now() + LONG;
    while !job.is_finished() {
        assert!(
            Instant::now() < deadline,
            "the exchange did not end in time"
        );
        if let Ok(ev) = rig.rx.recv_timeout(Duration::from_millis(20)) {
            rig.seen.push(ev);
        }
    }
    while let Ok(ev) = rig.rx.recv_timeout(Duration::from_millis(200)) {
        rig.seen.push(ev);
    }
    job.join().expect("the exchange's thread")
}

/// A std server that accepts one connection and runs `serve` on it in a thread.
fn server<T: Send + 'static>(
    serve: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (SocketAddr, JoinHandle<T>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("address");
    let h = std::thread::spawn(move || {
        let (s, _) = l.accept().expect("accept");
        s.set_read_timeout(Some(LONG)).expect("timeout");
        serve(s)
    });
    (addr, h)
}

fn client(addr: SocketAddr) -> TcpStream {
    let c = TcpStream::connect(addr).expect("connect to the relay");
    c.set_read_timeout(Some(LONG)).expect("timeout");
    c
}

fn status(rig: &mut Rig) -> Vec<SocketInfo> {
    match rig.ok(Command::Status).kind {
        EventKind::Status(list) => list,
        other => panic!("expected status, got {other:?}"),
    }
}

/// The relayed pairs seen in the log: (client side, upstream side).
fn pairs(rig: &Rig) -> Vec<(SockId, SockId)> {
    rig.seen
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Set(Setting::RelayLink {
                partner,
                upstream: false,
            }) => Some((e.socket.expect("a socket"), *partner)),
            _ => None,
        })
        .collect()
}

fn sent(rig: &Rig, sock: SockId) -> Vec<u8> {
    let mut out = Vec::new();
    for ev in &rig.seen {
        if ev.socket == Some(sock)
            && let EventKind::Sent { data, .. } = &ev.kind
        {
            out.extend_from_slice(data);
        }
    }
    out
}

/// `python3 -m http.server` on a free loopback port, serving `dir`.
struct HttpServer {
    child: std::process::Child,
    addr: SocketAddr,
}

impl HttpServer {
    fn start(dir: &std::path::Path) -> HttpServer {
        let mut child = Proc::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let out = child.stdout.take().expect("its stdout");
        let mut line = String::new();
        BufReader::new(out)
            .read_line(&mut line)
            .expect("its banner");
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port: u16 = line
            .split(" port ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        HttpServer {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn curl_through_the_relay_gets_200_and_the_log_holds_both_directions() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("hello.txt"), b"hello through the relay\n").expect("file");
    let http = HttpServer::start(dir.path());
    let mut rig = Rig::new();
    let (_, addr) = relay(&mut rig, http.addr);
    let url = format!("http://{addr}/hello.txt");
    let job = std::thread::spawn(move || {
        Proc::new("curl")
            .args(["-s", "--noproxy", "*", "--max-time", "30", "-D", "-", &url])
            .output()
            .expect("curl runs")
    });
    let out = collect_until(&mut rig, job);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.starts_with("HTTP/1.0 200"), "curl got {text:?}");
    assert!(text.contains("hello through the relay"), "{text:?}");
    let pairs = pairs(&rig);
    assert_eq!(pairs.len(), 1, "one connection, one pair");
    let (c, u) = pairs[0];
    // Up: what curl sent arrived on the client side and left on the upstream side.
    assert!(rig.received(c).starts_with(b"GET /hello.txt HTTP/1.1\r\n"));
    assert_eq!(sent(&rig, u), rig.received(c));
    // Down: what the server answered arrived upstream and left towards curl, unchanged.
    assert!(rig.received(u).starts_with(b"HTTP/1.0 200"));
    assert_eq!(sent(&rig, c), rig.received(u));
}

/// The round trip of one byte through the relay to an echo server.
fn echo_round_trip(rig: &mut Rig, addr: SocketAddr) -> Duration {
    let job = std::thread::spawn(move || {
        let mut c = client(addr);
        let mut b = [0u8; 1];
        c.write_all(b"x").expect("send");
        let t0 = Instant::now();
        c.write_all(b"y").expect("send");
        c.read_exact(&mut b).expect("echo of x");
        c.read_exact(&mut b).expect("echo of y");
        t0.elapsed()
    });
    drain_until(rig, job)
}

fn echo_server() -> (SocketAddr, JoinHandle<()>) {
    server(|mut s| {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if s.write_all(&buf[..n]).is_err() {
                        return;
                    }
                }
            }
        }
    })
}

#[test]
fn a_delay_of_200ms_each_way_makes_the_round_trip_at_least_400ms() {
    let mut rig = Rig::new();
    let (up, _srv) = echo_server();
    let (l, addr) = relay(&mut rig, up);
    fault(
        &mut rig,
        l,
        None,
        Fault::Delay {
            delay: Duration::from_millis(200),
            jitter: Duration::ZERO,
        },
    );
    let rtt = echo_round_trip(&mut rig, addr);
    assert!(rtt >= Duration::from_millis(400), "round trip {rtt:?}");
    assert!(rtt < Duration::from_secs(5), "round trip {rtt:?}");
    // Without the fault the same exchange is fast: the delay is the relay's doing.
    let (up, _srv) = echo_server();
    let (_, addr) = relay(&mut rig, up);
    let rtt = echo_round_trip(&mut rig, addr);
    assert!(
        rtt < Duration::from_millis(400),
        "round trip {rtt:?} without a delay"
    );
}

#[test]
fn a_throttle_holds_the_rate_within_ten_percent_of_its_setting() {
    let mut rig = Rig::new();
    const TOTAL: usize = 2 << 20;
    let (up, _srv) = server(|mut s| {
        let _ = s.write_all(&vec![0x5a; TOTAL]);
    });
    let (l, addr) = relay(&mut rig, up);
    let rate = 512u64 << 10;
    fault(&mut rig, l, Some(Dir::Down), Fault::Throttle(Some(rate)));
    let job = std::thread::spawn(move || {
        let mut c = client(addr);
        let mut buf = vec![0u8; 65_536];
        let mut got = 0usize;
        let mut first = None;
        while got < TOTAL {
            let n = c.read(&mut buf).expect("read");
            assert!(n > 0, "the stream ended after {got} bytes");
            first.get_or_insert_with(Instant::now);
            got += n;
        }
        (got, first.map(|t| t.elapsed()))
    });
    let (got, took) = drain_until(&mut rig, job);
    let took = took.expect("some bytes").as_secs_f64();
    let measured = got as f64 / took;
    let ratio = measured / rate as f64;
    assert!(
        (0.9..=1.1).contains(&ratio),
        "{got} bytes in {took:.2} s: {measured:.0} B/s for a setting of {rate} B/s"
    );
}

/// Bytes that are not all alike: a xorshift stream.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// The sha256 of `data`, by `sha256sum`.
fn sha256(data: &[u8]) -> String {
    let mut child = Proc::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sha256sum runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(data)
        .expect("hashing");
    let out = child.wait_with_output().expect("sha256sum ends");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn read_to_end(s: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    s.read_to_end(&mut got).expect("read to the end");
    got
}

#[test]
fn a_64_mib_transfer_each_way_arrives_identical() {
    const SIZE: usize = 64 << 20;
    let down = noise(SIZE, 7);
    let up = noise(SIZE, 11);
    let want_down = sha256(&down);
    let want_up = sha256(&up);
    let mut rig = Rig::new();
    let (srv_addr, srv) = server(move |mut s| {
        let mut w = s.try_clone().expect("clone");
        let writer = std::thread::spawn(move || {
            w.write_all(&down).expect("server sends");
            w.shutdown(Shutdown::Write).expect("server's FIN");
        });
        let got = read_to_end(&mut s);
        writer.join().expect("writer");
        got
    });
    let (_, addr) = relay(&mut rig, srv_addr);
    let job = std::thread::spawn(move || {
        let mut c = client(addr);
        let mut w = c.try_clone().expect("clone");
        let writer = std::thread::spawn(move || {
            w.write_all(&up).expect("client sends");
            w.shutdown(Shutdown::Write).expect("client's FIN");
        });
        let got = read_to_end(&mut c);
        writer.join().expect("writer");
        got
    });
    let t0 = Instant::now();
    let at_client = drain_until(&mut rig, job);
    let secs = t0.elapsed().as_secs_f64();
    let at_server = srv.join().expect("server");
    assert_eq!(at_client.len(), SIZE);
    assert_eq!(at_server.len(), SIZE);
    assert_eq!(sha256(&at_client), want_down);
    assert_eq!(sha256(&at_server), want_up);
    eprintln!("128 MiB relayed (64 MiB each way) in {secs:.2} s");
}

#[test]
fn a_half_close_passes_through_and_the_other_way_goes_on() {
    let mut rig = Rig::new();
    let (srv_addr, srv) = server(|mut s| {
        let got = read_to_end(&mut s); // ends only if the client's FIN came through
        s.write_all(b"bye after ").expect("answer");
        s.write_all(&got).expect("answer");
        got
    });
    let (_, addr) = relay(&mut rig, srv_addr);
    let job = std::thread::spawn(move || {
        let mut c = client(addr);
        c.write_all(b"hello").expect("send");
        c.shutdown(Shutdown::Write).expect("half-close");
        read_to_end(&mut c) // ends only if the server's close came through
    });
    let answer = collect_until(&mut rig, job);
    assert_eq!(srv.join().expect("server"), b"hello");
    assert_eq!(answer, b"bye after hello");
    let (c, u) = pairs(&rig)[0];
    let shut_upstream = rig.seen.iter().any(|e| {
        e.socket == Some(u)
            && matches!(
                e.kind,
                EventKind::Shut {
                    how: sockscope::engine::How::Write
                }
            )
    });
    assert!(
        shut_upstream,
        "the client's FIN became a shutdown of the upstream side"
    );
    // Once both directions closed, both sides are closed.
    let deadline = Instant::now() + WAIT;
    loop {
        let list = status(&mut rig);
        let closed = |id| {
            list.iter()
                .any(|s| s.id == id && s.state == SockState::Closed)
        };
        if closed(c) && closed(u) {
            break;
        }
        assert!(Instant::now() < deadline, "both sides close: {list:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_reset_from_the_server_reaches_the_client_as_a_reset() {
    let mut rig = Rig::new();
    let (srv_addr, srv) = server(|mut s| {
        let mut b = [0u8; 5];
        s.read_exact(&mut b).expect("the client's bytes");
        socket2::SockRef::from(&s)
            .set_linger(Some(Duration::ZERO))
            .expect("linger 0");
        drop(s); // RST
    });
    let (_, addr) = relay(&mut rig, srv_addr);
    let job = std::thread::spawn(move || {
        let mut c = client(addr);
        c.write_all(b"hello").expect("send");
        let mut buf = [0u8; 16];
        c.read(&mut buf).map_err(|e| e.kind())
    });
    let got = drain_until(&mut rig, job);
    srv.join().expect("server");
    assert_eq!(got, Err(ErrorKind::ConnectionReset));
}

#[test]
fn an_upstream_that_refuses_resets_the_client() {
    let mut rig = Rig::new();
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let nowhere = closed.local_addr().expect("address");
    drop(closed);
    let (_, addr) = relay(&mut rig, nowhere);
    let job = std::thread::spawn(move || {
        let mut c = client(addr);
        let mut buf = [0u8; 16];
        c.read(&mut buf).map_err(|e| e.kind())
    });
    assert_eq!(drain_until(&mut rig, job), Err(ErrorKind::ConnectionReset));
}

#[test]
fn cut_resets_both_sides_after_its_count_and_stall_stops_reading() {
    let mut rig = Rig::new();
    // cut: the client gets at most 100 KiB, then a reset.
    let (srv_addr, _srv) = server(|mut s| {
        let _ = s.write_all(&vec![1u8; 1 << 20]);
    });
    let (l, addr) = relay(&mut rig, srv_addr);
    fault(&mut rig, l, Some(Dir::Down), Fault::Cut(Some(100 << 10)));
    let job = std::thread::spawn(move || {
        let mut c = client(addr);
        let mut buf = vec![0u8; 65_536];
        let mut got = 0;
        loop {
            match c.read(&mut buf) {
                Ok(0) => return (got, None),
                Ok(n) => got += n,
                Err(e) => return (got, Some(e.kind())),
            }
        }
    });
    let (got, end) = drain_until(&mut rig, job);
    assert!(got <= 100 << 10, "{got} bytes passed a cut at 100 KiB");
    assert_eq!(end, Some(ErrorKind::ConnectionReset));

    // stall: exactly 1000 bytes pass, then nothing until the stall is lifted.
    let (srv_addr, _srv) = server(|mut s| {
        let _ = s.write_all(&[2u8; 5000]);
        std::thread::sleep(Duration::from_secs(10));
    });
    let (l, addr) = relay(&mut rig, srv_addr);
    fault(&mut rig, l, Some(Dir::Down), Fault::Stall(Some(1000)));
    let mut c = client(addr);
    c.set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    let quiet_from = Instant::now() + Duration::from_millis(800);
    while Instant::now() < quiet_from {
        let _ = rig.rx.try_recv();
        if let Ok(n) = c.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
    }
    assert_eq!(got.len(), 1000, "a stall after 1000 bytes");
    fault(&mut rig, l, Some(Dir::Down), Fault::Stall(None));
    let deadline = Instant::now() + WAIT;
    while got.len() < 5000 && Instant::now() < deadline {
        let _ = rig.rx.try_recv();
        if let Ok(n) = c.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
    }
    assert_eq!(got.len(), 5000, "the rest once the stall is lifted");
}

#[test]
fn a_client_that_does_not_read_stops_the_relay_reading_the_server() {
    let mut rig = Rig::new();
    let (srv_addr, _srv) = server(|mut s| {
        let _ = s.write_all(&vec![3u8; 64 << 20]);
    });
    let (_, addr) = relay(&mut rig, srv_addr);
    let c = client(addr); // never reads
    // Wait until the relay stops taking bytes (the counters hold still), then check
    // what it holds: read from the server and not yet written to the client.
    let mut last = (0, 0);
    let mut still = 0;
    let deadline = Instant::now() + LONG;
    let held = loop {
        std::thread::sleep(Duration::from_millis(100));
        let list = status(&mut rig);
        rig.seen.clear();
        let side = |upstream: bool| {
            list.iter()
                .find(|s| {
                    s.parent.is_some()
                        && (s.peer.as_ref().and_then(|p| p.ip()) == Some(srv_addr)) == upstream
                })
                .map(|s| if upstream { s.bytes_in } else { s.bytes_out })
                .unwrap_or(0)
        };
        let now = (side(true), side(false));
        still = if now == last && now.0 > 0 {
            still + 1
        } else {
            0
        };
        last = now;
        if still >= 5 {
            break now.0 - now.1;
        }
        assert!(
            Instant::now() < deadline,
            "the relay never stopped reading: {now:?}"
        );
    };
    assert!(
        held <= sockscope::engine::relay::BOUND + 65_536,
        "the relay holds {held} bytes for a client that does not read"
    );
    drop(c);
}

#[test]
fn corrupt_changes_bytes_and_a_udp_relay_keeps_a_session_per_client() {
    let mut rig = Rig::new();
    // corrupt 100% up: every byte the server gets differs from what was sent.
    let (srv_addr, srv) = server(|mut s| {
        let mut b = vec![0u8; 1000];
        s.read_exact(&mut b).expect("the bytes");
        b
    });
    let (l, addr) = relay(&mut rig, srv_addr);
    fault(&mut rig, l, Some(Dir::Up), Fault::Corrupt(Ppm::ALL));
    let job = std::thread::spawn(move || {
        let mut c = client(addr);
        c.write_all(&[0u8; 1000]).expect("send");
        std::thread::sleep(Duration::from_millis(200));
    });
    drain_until(&mut rig, job);
    let got = srv.join().expect("server");
    assert!(got.iter().all(|b| *b != 0), "every byte corrupted");

    // UDP: an echo server sees one source port per client; replies come back via the relay.
    let echo = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let echo_addr = echo.local_addr().expect("address");
    echo.set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let echoer = std::thread::spawn(move || {
        let mut seen = std::collections::BTreeSet::new();
        let mut buf = [0u8; 2048];
        let until = Instant::now() + Duration::from_secs(20);
        while Instant::now() < until {
            if let Ok((n, from)) = echo.recv_from(&mut buf) {
                if &buf[..n] == b"done" {
                    break;
                }
                seen.insert(from);
                let _ = echo.send_to(&buf[..n], from);
            }
        }
        seen
    });
    let u = rig.socket(Proto::Udp, Family::V4);
    let relay_addr = rig.bind(u, "127.0.0.1:0");
    rig.ok(Command::Relay {
        sock: u.into(),
        to: Some(echo_addr.into()),
        idle: Some(Duration::from_millis(300)),
    });
    let ask = |c: &UdpSocket, rig: &mut Rig, msg: &[u8]| {
        c.send_to(msg, relay_addr).expect("send");
        let mut buf = [0u8; 2048];
        let deadline = Instant::now() + WAIT;
        loop {
            let _ = rig.rx.try_recv();
            if let Ok((n, from)) = c.recv_from(&mut buf) {
                assert_eq!(from, relay_addr, "the reply comes from the relay");
                return buf[..n].to_vec();
            }
            assert!(Instant::now() < deadline, "no reply through the UDP relay");
        }
    };
    let a = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let b = UdpSocket::bind("127.0.0.1:0").expect("bind");
    for s in [&a, &b] {
        s.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
    }
    assert_eq!(ask(&a, &mut rig, b"one"), b"one");
    assert_eq!(ask(&b, &mut rig, b"two"), b"two");
    assert_eq!(ask(&a, &mut rig, b"three"), b"three");
    // After its idle time a session ends; the client's next datagram opens a new one.
    let sessions_closed = |rig: &Rig| {
        let sessions: Vec<Option<SockId>> = rig
            .seen
            .iter()
            .filter(|e| {
                matches!(e.kind, EventKind::Set(Setting::RelayLink { partner, upstream: true }) if partner == u)
            })
            .map(|e| e.socket)
            .collect();
        rig.seen
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Closed) && sessions.contains(&e.socket))
            .count()
    };
    let deadline = Instant::now() + WAIT;
    while sessions_closed(&rig) < 2 {
        assert!(Instant::now() < deadline, "the idle sessions never ended");
        if let Ok(ev) = rig.rx.recv_timeout(Duration::from_millis(50)) {
            rig.seen.push(ev);
        }
    }
    assert_eq!(ask(&a, &mut rig, b"four"), b"four");
    let _ = UdpSocket::bind("127.0.0.1:0").and_then(|s| s.send_to(b"done", echo_addr));
    let sources = echoer.join().expect("echo server");
    assert_eq!(sources.len(), 3, "a, b, then a's new session: {sources:?}");
}
