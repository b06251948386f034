//! Helpers of the relay tests (`engine_relay*.rs`): a relaying listener, faults, std
//! servers and clients on loopback, and event draining that never congests the engine.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::Command as Proc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Rig;
use sockscope::engine::{Command, Dir, EventKind, Fault, Setting, SockId, SocketInfo};

/// A generous limit for a whole exchange on a loaded machine.
pub const LONG: Duration = Duration::from_secs(60);

/// A relaying listener on 127.0.0.1 to `upstream`: (its id, its address).
pub fn relay(rig: &mut Rig, upstream: SocketAddr) -> (SockId, SocketAddr) {
    let (l, addr) = rig.listener();
    rig.ok(Command::Relay {
        sock: l.into(),
        to: Some(upstream.into()),
        idle: None,
    });
    (l, addr)
}

pub fn fault(rig: &mut Rig, l: SockId, dir: Option<Dir>, f: Fault) {
    rig.ok(Command::Fault {
        sock: l.into(),
        dir,
        fault: f,
    });
}

/// Drains the rig's events (keeping none) until `job` ends, so the engine never waits
/// for a congested subscriber; returns the job's result.
pub fn drain_until<T>(rig: &mut Rig, job: JoinHandle<T>) -> T {
    pump_until(rig, job, false)
}

/// Keeps every event until `job` ends (for tests that look at the log).
pub fn collect_until<T>(rig: &mut Rig, job: JoinHandle<T>) -> T {
    let out = pump_until(rig, job, true);
    while let Ok(ev) = rig.rx.recv_timeout(Duration::from_millis(200)) {
        rig.seen.push(ev);
    }
    out
}

/// Takes the rig's events (keeping them if `keep`) until `job` ends, within [`LONG`].
fn pump_until<T>(rig: &mut Rig, job: JoinHandle<T>, keep: bool) -> T {
    let deadline = Instant::now() + LONG;
    while !job.is_finished() {
        assert!(
            Instant::now() < deadline,
            "the exchange did not end in time"
        );
        if let Ok(ev) = rig.rx.recv_timeout(Duration::from_millis(20))
            && keep
        {
            rig.seen.push(ev);
        }
    }
    job.join().expect("the exchange's thread")
}

/// Sends `data` on `s` from a thread of its own, then its FIN, while reading everything
/// `s` receives to the end; returns what it read.
pub fn send_and_read_to_end(mut s: TcpStream, data: Vec<u8>, who: &str) -> Vec<u8> {
    let mut w = s.try_clone().expect("clone");
    let who = who.to_string();
    let writer = std::thread::spawn(move || {
        w.write_all(&data)
            .unwrap_or_else(|e| panic!("{who} sends: {e}"));
        w.shutdown(Shutdown::Write)
            .unwrap_or_else(|e| panic!("{who}'s FIN: {e}"));
    });
    let got = read_to_end(&mut s);
    writer.join().expect("writer");
    got
}

/// A std server that writes `len` bytes of `byte` to the one connection it accepts, as
/// fast as the relay takes them (a write cut short by a reset or a close ends it).
pub fn pouring_server(byte: u8, len: usize) -> (SocketAddr, JoinHandle<()>) {
    server(move |mut s| {
        let _ = s.write_all(&vec![byte; len]);
    })
}

/// A std server that accepts one connection and runs `serve` on it in a thread.
pub fn server<T: Send + 'static>(
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

pub fn client(addr: SocketAddr) -> TcpStream {
    let c = TcpStream::connect(addr).expect("connect to the relay");
    c.set_read_timeout(Some(LONG)).expect("timeout");
    c
}

pub fn status(rig: &mut Rig) -> Vec<SocketInfo> {
    match rig.ok(Command::Status).kind {
        EventKind::Status(list) => list,
        other => panic!("expected status, got {other:?}"),
    }
}

/// The relayed pairs seen in the log: (client side, upstream side).
pub fn pairs(rig: &Rig) -> Vec<(SockId, SockId)> {
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

/// Everything `sock` sent among the events seen so far.
pub fn sent(rig: &Rig, sock: SockId) -> Vec<u8> {
    rig.chunks(sock, super::sent_data).concat()
}

/// Bytes that are not all alike: a xorshift stream.
pub fn noise(n: usize, seed: u64) -> Vec<u8> {
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
pub fn sha256(data: &[u8]) -> String {
    let out = super::proc::feed(&mut Proc::new("sha256sum"), data);
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

pub fn read_to_end(s: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    s.read_to_end(&mut got).expect("read to the end");
    got
}
