//! Engine tests of the relay (issue 17 §3), on loopback only: `curl` through a relay to
//! `python3 -m http.server`, delays and throttles measured, a 64 MiB transfer each way
//! compared by sha256, half-closes and resets passed through.

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener};
use std::process::{Command as Proc, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::relay::*;
use common::{Rig, WAIT};
use sockscope::engine::{Dir, EventKind, Fault, SockState};

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
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: curl is not installed (.ci/run installs it where it can)");
        return;
    }
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

#[test]
fn a_64_mib_transfer_each_way_arrives_identical() {
    const SIZE: usize = 64 << 20;
    let down = noise(SIZE, 7);
    let up = noise(SIZE, 11);
    let want_down = sha256(&down);
    let want_up = sha256(&up);
    let mut rig = Rig::new();
    let (srv_addr, srv) = server(move |s| send_and_read_to_end(s, down, "server"));
    let (_, addr) = relay(&mut rig, srv_addr);
    let job = std::thread::spawn(move || send_and_read_to_end(client(addr), up, "client"));
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
