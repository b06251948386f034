//! Test rig shared by the engine tests: an engine, its event stream, and helpers that run a
//! command and wait for its outcome.
#![allow(dead_code)]

pub mod proc;
pub mod relay;
pub mod script;
pub mod slow_peer;
pub mod std_peer;
pub mod tls;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use sockscope::engine::{
    Addr, AddrSpec, Command, Engine, Event, EventKind, Family, OpError, Payload, Proto, Responder,
    SockId, SockRef,
};

/// What one `Received` event carried.
pub struct Received {
    /// Who sent it.
    pub peer: Option<Addr>,
    /// The bytes.
    pub data: std::sync::Arc<[u8]>,
    /// A datagram's real length when it was cut.
    pub truncated_from: Option<usize>,
}

/// What a datagram flood came to, as its events told it ([`Rig::watch_flood`]).
#[derive(Debug, Default)]
pub struct FloodSeen {
    /// Datagrams the sink received.
    pub received: u64,
    /// The sends the source's progress reports add up to.
    pub flooded: u64,
    /// The sends the source's end reported, once it ended.
    pub done: Option<u64>,
}

/// How long any single wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(5);

/// An engine with a subscription and a memory of every event seen.
pub struct Rig {
    pub engine: Engine,
    pub rx: Receiver<Event>,
    pub seen: Vec<Event>,
}

impl Rig {
    pub fn new() -> Rig {
        let engine = Engine::start().expect("engine starts");
        let rx = engine.subscribe();
        Rig {
            engine,
            rx,
            seen: Vec::new(),
        }
    }

    /// Submits a command and returns its final event.
    pub fn run(&mut self, cmd: Command) -> Event {
        let id = self.engine.submit(cmd.clone());
        self.wait(|e| e.cmd == Some(id))
            .unwrap_or_else(|| panic!("no outcome for {cmd:?}"))
    }

    /// The final event of command `id`, among those seen or still to come.
    pub fn outcome(&mut self, id: sockscope::engine::CmdId) -> Option<Event> {
        if let Some(ev) = self.seen.iter().find(|e| e.cmd == Some(id)) {
            return Some(ev.clone());
        }
        self.wait(|e| e.cmd == Some(id))
    }

    /// Runs a command that must succeed.
    pub fn ok(&mut self, cmd: Command) -> Event {
        let ev = self.run(cmd.clone());
        if let EventKind::Failed(e) = &ev.kind {
            panic!("{cmd:?} failed: {e}");
        }
        ev
    }

    /// Runs a command that must fail, and returns its error.
    pub fn err(&mut self, cmd: Command) -> OpError {
        let ev = self.run(cmd.clone());
        match ev.kind {
            EventKind::Failed(e) => e,
            other => panic!("{cmd:?} should have failed, got {other:?}"),
        }
    }

    /// Waits for a new event matching `pred` (events already seen are not considered).
    pub fn wait(&mut self, pred: impl Fn(&Event) -> bool) -> Option<Event> {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let ev = self.rx.recv_timeout(left).ok()?;
            self.seen.push(ev.clone());
            if pred(&ev) {
                return Some(ev);
            }
        }
    }

    /// Hands each new event to `each` until it returns true, failing the test at a `Failed`
    /// event, or with `what` when `limit` passes first. The events are not kept in `seen`
    /// (a long transfer makes many).
    pub fn follow(&mut self, limit: Duration, what: &str, mut each: impl FnMut(&Event) -> bool) {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            let Ok(ev) = self.rx.recv_timeout(Duration::from_millis(500)) else {
                continue;
            };
            if let EventKind::Failed(e) = &ev.kind {
                panic!("{e}");
            }
            if each(&ev) {
                return;
            }
        }
        panic!("{what} within {limit:?}");
    }

    /// Follows a flood of `size`-byte datagrams from `src` to `sink` until it has ended and
    /// the sink has `count` of them, `limit` has passed, or no event came for `quiet`. Each
    /// datagram must be `size` bytes, each progress report `size` bytes a send; a `Failed`
    /// event fails the test.
    pub fn watch_flood(
        &mut self,
        (src, sink): (SockId, SockId),
        (size, count): (usize, u64),
        (limit, quiet): (Duration, Duration),
    ) -> FloodSeen {
        let mut seen = FloodSeen::default();
        let deadline = Instant::now() + limit;
        while (seen.done.is_none() || seen.received < count) && Instant::now() < deadline {
            let Ok(ev) = self.rx.recv_timeout(quiet) else {
                break;
            };
            match ev.kind {
                EventKind::Received { data, .. } if ev.socket == Some(sink) => {
                    assert_eq!(data.len(), size);
                    seen.received += 1;
                }
                EventKind::Flooded { msgs, bytes } if ev.socket == Some(src) => {
                    assert_eq!(bytes, msgs * size as u64);
                    seen.flooded += msgs;
                }
                EventKind::RepeatDone { sent } if ev.socket == Some(src) => seen.done = Some(sent),
                EventKind::Failed(e) => panic!("{e}"),
                _ => {}
            }
        }
        seen
    }

    /// Collects received bytes on `sock` until they contain `want`.
    pub fn recv_until(&mut self, sock: SockId, want: &[u8]) -> Vec<u8> {
        let mut got: Vec<u8> = self.received(sock);
        let deadline = Instant::now() + WAIT;
        while !contains(&got, want) {
            let left = deadline.saturating_duration_since(Instant::now());
            let ev = match self.rx.recv_timeout(left) {
                Ok(ev) => ev,
                Err(_) => panic!(
                    "{sock} never received {:?}; got {:?}",
                    String::from_utf8_lossy(want),
                    String::from_utf8_lossy(&got)
                ),
            };
            if ev.socket == Some(sock)
                && let EventKind::Received { data, .. } = &ev.kind
            {
                got.extend_from_slice(data);
            }
            self.seen.push(ev);
        }
        got
    }

    /// Everything `sock` received among the events seen so far.
    pub fn received(&self, sock: SockId) -> Vec<u8> {
        self.chunks(sock, received_data).concat()
    }

    /// The payload of each event on `sock` seen so far that `pick` takes one from, in order.
    pub fn chunks(&self, sock: SockId, pick: fn(&EventKind) -> Option<&[u8]>) -> Vec<Vec<u8>> {
        self.seen
            .iter()
            .filter(|e| e.socket == Some(sock))
            .filter_map(|e| pick(&e.kind).map(<[u8]>::to_vec))
            .collect()
    }

    /// Waits for an event on `sock` whose kind matches `pred`, failing the test with `what`.
    pub fn wait_on(&mut self, sock: SockId, what: &str, pred: fn(&EventKind) -> bool) -> Event {
        self.wait(|e| e.socket == Some(sock) && pred(&e.kind))
            .unwrap_or_else(|| panic!("{what}: not seen on {sock} within {WAIT:?}"))
    }

    /// Runs a command that must be refused in exactly the words `says`; returns the error.
    pub fn refused_as(&mut self, says: &str, cmd: Command) -> OpError {
        let e = self.err(cmd);
        assert_eq!(e.to_string(), says, "the words of the refusal");
        e
    }

    /// Runs a command that must be refused with words saying `says`; returns the error.
    pub fn refused(&mut self, says: &str, cmd: Command) -> OpError {
        let e = self.err(cmd);
        assert!(e.to_string().contains(says), "expected {says:?} in: {e}");
        e
    }

    /// Creates a socket and returns its id.
    pub fn socket(&mut self, proto: Proto, family: Family) -> SockId {
        let ev = self.ok(Command::Socket {
            proto,
            family,
            name: None,
        });
        ev.socket.expect("created event names its socket")
    }

    /// Binds `sock` to `addr` and returns the address the OS gave.
    pub fn bind(&mut self, sock: SockId, addr: &str) -> SocketAddr {
        let ev = self.ok(Command::Bind {
            sock: sock.into(),
            addr: spec(addr),
        });
        match ev.kind {
            EventKind::Bound { local, .. } => local.ip().expect("an IP address"),
            other => panic!("expected bound, got {other:?}"),
        }
    }

    /// A UDP socket on IPv4, not bound yet.
    pub fn udp(&mut self) -> SockId {
        self.socket(Proto::Udp, Family::V4)
    }

    /// A UDP socket bound to 127.0.0.1 on a port the OS chose, and its address.
    pub fn bound_udp(&mut self) -> (SockId, SocketAddr) {
        let s = self.udp();
        let addr = self.bind(s, "127.0.0.1:0");
        (s, addr)
    }

    /// `N` UDP sockets bound as [`Rig::bound_udp`] binds one, in order.
    pub fn bound_udps<const N: usize>(&mut self) -> [(SockId, SocketAddr); N] {
        std::array::from_fn(|_| self.bound_udp())
    }

    /// Makes `sock` (and, for a listener, each connection it accepts) answer with `responder`.
    pub fn respond(&mut self, sock: SockId, responder: Responder) {
        self.ok(Command::Respond {
            sock: sock.into(),
            responder,
        });
    }

    /// A bound UDP socket that answers every datagram with `responder`.
    pub fn udp_server(&mut self, responder: Responder) -> (SockId, SocketAddr) {
        let (s, addr) = self.bound_udp();
        self.respond(s, responder);
        (s, addr)
    }

    /// A TCP listener on 127.0.0.1 with an OS-chosen port.
    pub fn listener(&mut self) -> (SockId, SocketAddr) {
        let s = self.socket(Proto::Tcp, Family::V4);
        let addr = self.bind(s, "127.0.0.1:0");
        self.ok(Command::Listen {
            sock: s.into(),
            backlog: None,
        });
        (s, addr)
    }

    /// A TCP listener on 127.0.0.1 that accepts every connection by itself.
    pub fn auto_listener(&mut self) -> (SockId, SocketAddr) {
        let (l, addr) = self.listener();
        self.ok(Command::AcceptAuto {
            sock: l.into(),
            on: true,
        });
        (l, addr)
    }

    /// An auto-accepting TCP listener whose connections answer with `responder`.
    pub fn server(&mut self, responder: Responder) -> (SockId, SocketAddr) {
        let (l, addr) = self.auto_listener();
        self.respond(l, responder);
        (l, addr)
    }

    /// Waits for the next `Received` event on `sock` (failing the test with `what`).
    pub fn next_received(&mut self, sock: SockId, what: &str) -> Received {
        let ev = self
            .wait(|e| e.socket == Some(sock) && matches!(e.kind, EventKind::Received { .. }))
            .unwrap_or_else(|| panic!("{what}: nothing received on {sock}"));
        let EventKind::Received {
            peer,
            data,
            truncated_from,
        } = ev.kind
        else {
            unreachable!("the wait matched a Received event")
        };
        Received {
            peer,
            data,
            truncated_from,
        }
    }

    /// A fresh rig with a connected TCP pair: (rig, client, accepted server side).
    pub fn pair() -> (Rig, SockId, SockId) {
        let mut rig = Rig::new();
        let (_, c, srv) = rig.tcp_pair();
        (rig, c, srv)
    }

    /// A connected TCP client of `addr`.
    pub fn client(&mut self, addr: SocketAddr) -> SockId {
        let c = self.socket(Proto::Tcp, Family::V4);
        self.ok(connect(c, addr));
        c
    }

    /// A connected TCP pair: (listener, client, accepted server side).
    pub fn tcp_pair(&mut self) -> (SockId, SockId, SockId) {
        let (l, addr) = self.listener();
        let c = self.client(addr);
        let acc = self.ok(Command::Accept {
            sock: l.into(),
            name: None,
            timeout: Some(WAIT),
        });
        (l, c, acc.socket.expect("accepted socket id"))
    }

    /// Sends bytes on a connected socket and waits until all are sent.
    pub fn send(&mut self, sock: SockId, data: &[u8]) {
        self.ok(Command::Send {
            sock: sock.into(),
            payload: Payload::bytes(data),
        });
    }

    /// Sends one datagram.
    pub fn send_to(&mut self, sock: SockId, to: SocketAddr, data: &[u8]) {
        self.ok(Command::SendTo {
            sock: sock.into(),
            addr: to.into(),
            payload: Payload::bytes(data),
        });
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.engine.shutdown();
    }
}

/// An address spec from text (IP literals only).
pub fn spec(addr: &str) -> AddrSpec {
    AddrSpec::Exact(Addr::Ip(addr.parse().expect("test address parses")))
}

/// A connect command with the default timeout.
pub fn connect(sock: SockId, to: SocketAddr) -> Command {
    Command::Connect {
        sock: SockRef::Id(sock),
        addr: to.into(),
        timeout: None,
    }
}

/// Whether `hay` contains `needle`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

/// The bytes a `Received` event carries.
pub fn received_data(kind: &EventKind) -> Option<&[u8]> {
    match kind {
        EventKind::Received { data, .. } => Some(data),
        _ => None,
    }
}

/// The bytes a `Sent` event carries.
pub fn sent_data(kind: &EventKind) -> Option<&[u8]> {
    match kind {
        EventKind::Sent { data, .. } => Some(data),
        _ => None,
    }
}
