//! The stress test's client pool against real servers on loopback: a thread-per-connection
//! echo, a UDP echo, and servers that refuse, reset, stay silent or answer wrong; every
//! request is counted once, as ok or under its failure's kind.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::time::{Duration, Instant};

#[path = "common/tcp_server.rs"]
mod tcp_server;

use sockscope::stress::{Connect, Failure, Limit, Mode, Stress, StressConfig, Transport};
use tcp_server::{echo, server};

/// Runs `cfg` to its end; the final figures and how many live updates came before.
fn run(cfg: StressConfig) -> (sockscope::stress::Figures, usize) {
    let st = Stress::start(cfg).expect("starts");
    let mut live = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let u = st
            .updates()
            .recv_timeout(Duration::from_secs(30))
            .expect("an update at least every 250 ms");
        if u.done {
            return (u.figures, live);
        }
        live += 1;
        assert!(Instant::now() < deadline, "the test ends");
    }
}

#[test]
fn ping_pong_against_an_echo_counts_every_request_with_its_latency() {
    let addr = server(echo);
    let (f, _) = run(StressConfig::pingpong(
        addr,
        8,
        b"ping 0123456789",
        Limit::Count(2_000),
    ));
    assert_eq!((f.sent, f.ok, f.failed), (2_000, 2_000, 0), "{f}");
    assert_eq!(f.connects, 8, "one connection per client");
    assert_eq!(f.active, 0, "no connection left behind");
    assert_eq!((f.bytes_out, f.bytes_in), (2_000 * 15, 2_000 * 15));
    assert!(f.p50_us > 0.0 && f.p50_us <= f.p95_us && f.p95_us <= f.p99_us && f.p99_us <= f.max_us);
    assert!(f.qps > 0.0 && f.qps_peak >= f.qps * 0.5, "{f}");
}

#[test]
fn connect_per_request_opens_a_connection_for_every_request() {
    let addr = server(echo);
    let mut cfg = StressConfig::pingpong(addr, 4, b"x", Limit::Count(300));
    cfg.connect = Connect::PerRequest;
    let (f, _) = run(cfg);
    assert_eq!((f.ok, f.connects, f.active), (300, 300, 0), "{f}");
}

#[test]
fn a_test_for_a_duration_reports_live_four_times_a_second_and_ends_on_time() {
    let addr = server(echo);
    let t0 = Instant::now();
    let mut cfg = StressConfig::pingpong(addr, 2, b"abc", Limit::For(Duration::from_millis(1_500)));
    cfg.rate = Some(400);
    let (f, live) = run(cfg);
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(1_500) && took < Duration::from_secs(20),
        "{took:?}"
    );
    assert!(live >= 3, "{live} live updates in {took:?}");
    // 400 requests a second for 1.5 s, give or take the last round.
    assert!((500..=700).contains(&f.ok), "{f}");
}

#[test]
fn a_closed_port_counts_as_refused() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let (f, _) = run(StressConfig::pingpong(port, 2, b"x", Limit::Count(10)));
    assert_eq!(f.failures, vec![(Failure::ConnectRefused, 10)], "{f}");
    assert_eq!(f.ok, 0);
}

#[test]
fn a_wrong_reply_a_silent_server_and_a_closing_server_are_told_apart() {
    let wrong = server(|mut c| {
        let mut b = [0u8; 4];
        while c.read_exact(&mut b).is_ok() && c.write_all(b"nope").is_ok() {}
    });
    let mut cfg = StressConfig::pingpong(wrong, 1, b"ping", Limit::Count(5));
    cfg.mode = Mode::PingPong {
        payload: b"ping"[..].into(),
        expect: Some(b"pong"[..].into()),
    };
    let (f, _) = run(cfg);
    assert_eq!(f.failures, vec![(Failure::Mismatch, 5)], "{f}");

    let silent = server(|c| {
        let mut c = c;
        let mut b = [0u8; 64];
        while matches!(c.read(&mut b), Ok(n) if n > 0) {}
    });
    let mut cfg = StressConfig::pingpong(silent, 1, b"ping", Limit::Count(2));
    cfg.timeout = Duration::from_millis(200);
    let (f, _) = run(cfg);
    assert_eq!(f.failures, vec![(Failure::RecvTimedOut, 2)], "{f}");

    let closing = server(drop);
    let (f, _) = run(StressConfig::pingpong(closing, 1, b"ping", Limit::Count(3)));
    let kinds: u64 = f
        .failures
        .iter()
        .filter(|(k, _)| matches!(k, Failure::ClosedByPeer | Failure::Reset))
        .map(|(_, n)| n)
        .sum();
    assert_eq!((kinds, f.ok), (3, 0), "{f}");
}

#[test]
fn tls_handshakes_that_fail_count_as_tls_failed_not_as_requests_answered() {
    // A plaintext echo sends the ClientHello back: no TLS server answers like that.
    let mut cfg = StressConfig::pingpong(server(echo), 2, b"ping", Limit::Count(6));
    cfg.transport = Transport::Tls;
    cfg.tls.insecure = true;
    let (f, _) = run(cfg.clone());
    assert_eq!(f.failures, vec![(Failure::TlsFailed, 6)], "{f}");
    assert_eq!((f.ok, f.connects, f.active), (0, 0, 0), "{f}");
    // A server that takes the connection and stays silent: the handshake times out.
    let silent = server(|c| {
        let mut c = c;
        let mut b = [0u8; 64];
        while matches!(c.read(&mut b), Ok(n) if n > 0) {}
    });
    cfg.addr = silent;
    cfg.limit = Limit::Count(2);
    cfg.timeout = Duration::from_millis(200);
    let (f, _) = run(cfg);
    assert_eq!(f.failures, vec![(Failure::TlsFailed, 2)], "{f}");
}

#[test]
fn udp_ping_pong_against_an_echo() {
    let u = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let addr = u.local_addr().expect("addr");
    std::thread::spawn(move || {
        let mut b = [0u8; 2048];
        while let Ok((n, from)) = u.recv_from(&mut b) {
            let _ = u.send_to(&b[..n], from);
        }
    });
    let mut cfg = StressConfig::pingpong(addr, 3, b"hello", Limit::Count(300));
    cfg.transport = Transport::Udp;
    let (f, _) = run(cfg);
    assert_eq!((f.ok, f.failed), (300, 0), "{f}");
}

#[test]
fn throughput_writes_blocks_to_an_echo_and_drains_what_comes_back() {
    let addr = server(echo);
    let mut cfg = StressConfig::pingpong(addr, 2, b"x", Limit::Count(200));
    cfg.mode = Mode::Throughput { size: 16 << 10 };
    let (f, _) = run(cfg);
    assert_eq!(
        (f.ok, f.failed, f.bytes_out),
        (200, 0, 200 * (16 << 10)),
        "{f}"
    );
}

#[test]
fn impossible_tests_are_refused_in_plain_words() {
    let addr: SocketAddr = "127.0.0.1:9".parse().expect("addr");
    let mut cfg = StressConfig::pingpong(addr, 1, b"x", Limit::Count(1));
    cfg.tls.insecure = true;
    let e = Stress::start(cfg.clone()).err().expect("refused");
    assert!(e.contains("go with tls"), "{e}");
    cfg.transport = Transport::Tls;
    cfg.tls.ca = Some("/nonexistent/ca.pem".into());
    let e = Stress::start(cfg).err().expect("refused");
    assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    let e = Stress::start(StressConfig::pingpong(addr, 0, b"x", Limit::Count(1)))
        .err()
        .expect("refused");
    assert!(e.contains("1 to"), "{e}");
}
