//! Engine tests of the relay's faults and its UDP side, on loopback only: cut and stall,
//! backpressure against a client that does not read, corruption, and UDP sessions per
//! client with their idle time.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use common::relay::*;
use common::{Rig, WAIT};
use sockscope::engine::{Command, Dir, EventKind, Fault, Ppm, Setting, SockId};

#[test]
fn cut_resets_both_sides_after_its_count_and_stall_stops_reading() {
    let mut rig = Rig::new();
    // cut: the client gets at most 100 KiB, then a reset.
    let (srv_addr, _srv) = pouring_server(1, 1 << 20);
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
    let (srv_addr, _srv) = pouring_server(3, 64 << 20);
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
                .map(|s| {
                    if upstream {
                        s.counters.bytes_in
                    } else {
                        s.counters.bytes_out
                    }
                })
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
fn corrupt_changes_every_byte_at_100_percent() {
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
}

#[test]
fn a_udp_relay_keeps_a_session_per_client_until_its_idle_time() {
    let mut rig = Rig::new();
    // An echo server sees one source port per client; replies come back via the relay.
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
    let (u, relay_addr) = rig.bound_udp();
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
