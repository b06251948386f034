//! `file:` payloads: only regular files are sent, a datagram's file is refused over the UDP
//! limit before it is read, and a stream send reads its file in chunks off the engine
//! thread — bounded memory, exact progress, every byte in order, other sockets served.

mod common;

use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::time::{Duration, Instant};

use common::Rig;
use sockscope::engine::{Command, EventKind, Family, Payload, Proto, Responder, SockId};

/// The resident memory of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .expect("VmRSS")
}

/// A loopback TCP peer that reads everything and returns what it read (or its length).
fn sink(
    keep: bool,
) -> (
    std::net::SocketAddr,
    std::thread::JoinHandle<(u64, Vec<u8>)>,
) {
    let l = TcpListener::bind("127.0.0.1:0").expect("listen");
    let addr = l.local_addr().expect("addr");
    let h = std::thread::spawn(move || {
        let (mut c, _) = l.accept().expect("accept");
        let mut buf = vec![0u8; 1 << 16];
        let (mut n, mut kept) = (0u64, Vec::new());
        loop {
            match c.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(k) => {
                    n += k as u64;
                    if keep {
                        kept.extend_from_slice(&buf[..k]);
                    }
                }
            }
        }
        (n, kept)
    });
    (addr, h)
}

/// A connected TCP client of the engine, to a sink.
fn client_to_sink(rig: &mut Rig, keep: bool) -> (SockId, std::thread::JoinHandle<(u64, Vec<u8>)>) {
    let (addr, h) = sink(keep);
    let c = rig.socket(Proto::Tcp, Family::V4);
    rig.ok(common::connect(c, addr));
    (c, h)
}

#[test]
fn a_fifo_or_a_device_is_refused_at_once_and_the_engine_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let mut rig = Rig::new();
    let (c, _h) = client_to_sink(&mut rig, false);
    let (u, at) = rig.bound_udp();
    for (path, what) in [(fifo.clone(), "FIFO"), ("/dev/zero".into(), "device")] {
        let t = Instant::now();
        let e = rig.err(Command::Send {
            sock: c.into(),
            payload: Payload::File(path.clone()),
        });
        assert!(e.to_string().contains(what), "{e}");
        let e = rig.err(Command::SendTo {
            sock: u.into(),
            addr: at.into(),
            payload: Payload::File(path.clone()),
        });
        assert!(e.to_string().contains(what), "{e}");
        let e = rig.err(Command::Repeat {
            sock: c.into(),
            count: Some(1),
            every: Duration::from_millis(1),
            payload: Payload::File(path),
            to: None,
        });
        assert!(e.to_string().contains(what), "{e}");
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }
    rig.send(c, b"still here");
}

#[test]
fn a_datagram_file_over_the_udp_limit_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = dir.path().join("sparse.bin");
    let f = std::fs::File::create(&big).expect("create");
    f.set_len(5 << 30).expect("a 5 GB sparse file");
    let just = dir.path().join("just.bin");
    std::fs::write(&just, vec![b'x'; 65_507]).expect("write");
    let over = dir.path().join("over.bin");
    std::fs::write(&over, vec![b'x'; 65_508]).expect("write");
    let mut rig = Rig::new();
    let (sink, at) = rig.bound_udp();
    let u = rig.udp();
    let before = rss();
    let t = Instant::now();
    for path in [&big, &over] {
        let e = rig.err(Command::SendTo {
            sock: u.into(),
            addr: at.into(),
            payload: Payload::File(path.clone()),
        });
        assert!(e.to_string().contains("at most 65507 bytes"), "{e}");
    }
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert!(rss() < before + (64 << 20), "nothing was read");
    rig.ok(Command::SendTo {
        sock: u.into(),
        addr: at.into(),
        payload: Payload::File(just),
    });
    let got = rig.recv_until(sink, b"xxxx");
    assert_eq!(got.len(), 65_507);
}

#[test]
fn a_stream_send_of_a_file_arrives_whole_in_order_with_exact_progress() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("data.bin");
    let bytes: Vec<u8> = (0..5_000_003u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &bytes).expect("write");
    let mut rig = Rig::new();
    let (c, h) = client_to_sink(&mut rig, true);
    let id = rig.engine.submit(Command::Send {
        sock: c.into(),
        payload: Payload::File(path),
    });
    let (mut sent, mut last_progress) = (0u64, None);
    let limit = Duration::from_secs(60);
    rig.follow(limit, "the send did not finish", |ev| match &ev.kind {
        EventKind::Sent { data, .. } if ev.socket == Some(c) => {
            sent += data.len() as u64;
            ev.cmd == Some(id)
        }
        EventKind::SendProgress { sent, total } => {
            last_progress = Some((*sent, *total));
            false
        }
        _ => false,
    });
    assert_eq!(
        sent,
        bytes.len() as u64,
        "the Sent events add up to the file"
    );
    let n = bytes.len() as u64;
    assert_eq!(
        last_progress,
        Some((n, n)),
        "the last progress is the whole file"
    );
    rig.ok(Command::Close { sock: c.into() });
    let (got, kept) = h.join().expect("the sink");
    assert_eq!(got, n);
    assert!(kept == bytes, "the bytes arrive in order");
}

#[test]
fn a_big_file_streams_in_bounded_memory_while_other_sockets_are_served() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sparse.bin");
    let size: u64 = 768 << 20;
    std::fs::File::create(&path)
        .and_then(|f| f.set_len(size))
        .expect("a sparse file");
    let mut rig = Rig::new();
    let (echo, echo_at) = rig.bound_udp();
    rig.ok(Command::Respond {
        sock: echo.into(),
        responder: Responder::Echo,
    });
    let (c, h) = client_to_sink(&mut rig, false);
    let probe = UdpSocket::bind("127.0.0.1:0").expect("probe");
    probe
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    let before = rss();
    let id = rig.engine.submit(Command::Send {
        sock: c.into(),
        payload: Payload::File(path),
    });
    // Events are taken (and their chunks dropped) as they come, on a thread of their own,
    // so that what is measured is the engine's memory, not a backlog of unread events.
    let rx = rig.rx.clone();
    let drain = std::thread::spawn(move || {
        let mut sent = 0u64;
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            let Ok(ev) = rx.recv_timeout(Duration::from_millis(500)) else {
                continue;
            };
            match ev.kind {
                EventKind::Sent { data, .. } if ev.socket == Some(c) => {
                    sent += data.len() as u64;
                    if ev.cmd == Some(id) {
                        return Ok(sent);
                    }
                }
                EventKind::Failed(e) => return Err(e.to_string()),
                _ => {}
            }
        }
        Err(format!("the send did not finish ({sent} bytes)"))
    });
    let (mut peak, mut echoes) = (before, 0u32);
    while !drain.is_finished() {
        probe.send_to(b"ping", echo_at).expect("probe send");
        let mut b = [0u8; 8];
        if probe.recv_from(&mut b).is_ok() {
            echoes += 1;
        }
        peak = peak.max(rss());
    }
    let sent = drain
        .join()
        .expect("the drain")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent, size);
    let grew = peak.saturating_sub(before);
    eprintln!(
        "a {size}-byte file send grew the process by {grew} bytes; {echoes} echoes meanwhile"
    );
    assert!(
        grew < 96 << 20,
        "a {size}-byte file send grew the process by {grew} bytes"
    );
    assert!(echoes > 0, "the UDP echo answered while the file streamed");
    rig.ok(Command::Close { sock: c.into() });
    assert_eq!(h.join().expect("the sink").0, size);
}
