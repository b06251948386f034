//! Host names resolve off the engine thread: other sockets keep being served while a name
//! resolves, later commands on the same socket wait their turn, the addresses are reported,
//! and an unknown or slow name fails clearly and soon. (Only `localhost` reaches the system
//! resolver here; the other names go to a resolver of the test's own, never to DNS.)

mod common;

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Rig;
use sockscope::engine::{
    AddrSpec, Command, Engine, EventKind, Family, Payload, Proto, Resolver, Responder, Setting,
};

/// A resolver where `slow.test` takes `delay` to give 127.0.0.1, `never.test` hangs for a
/// minute, and any other name but `localhost` is unknown.
fn test_resolver(delay: Duration, timeout: Duration) -> Resolver {
    Resolver {
        lookup: Arc::new(move |host: &str, port: u16| match host {
            "slow.test" => {
                std::thread::sleep(delay);
                Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
            }
            "never.test" => {
                std::thread::sleep(Duration::from_secs(60));
                Ok(Vec::new())
            }
            "localhost" => Ok(vec![
                SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, 1], port)),
                SocketAddr::from(([127, 0, 0, 1], port)),
            ]),
            _ => Err(io::Error::new(
                io::ErrorKind::NotFound,
                "Name or service not known",
            )),
        }),
        timeout,
    }
}

fn rig_with(resolver: Resolver) -> Rig {
    let engine = Engine::start_with_resolver(resolver).expect("engine starts");
    let rx = engine.subscribe();
    Rig {
        engine,
        rx,
        seen: Vec::new(),
    }
}

fn host(name: &str, port: u16) -> AddrSpec {
    AddrSpec::Host(name.into(), port)
}

#[test]
fn localhost_resolves_with_the_system_resolver_and_says_to_what() {
    let mut rig = Rig::new();
    let (_l, at) = rig.listener();
    let c = rig.socket(Proto::Tcp, Family::V4);
    rig.ok(Command::Connect {
        sock: c.into(),
        addr: host("localhost", at.port()),
        timeout: None,
    });
    let said = rig.seen.iter().find_map(|e| match &e.kind {
        EventKind::Set(Setting::Resolved(r)) if e.socket == Some(c) => Some(r.clone()),
        _ => None,
    });
    let r = said.expect("a resolved event");
    assert_eq!(r.host, "localhost");
    assert_eq!(r.chosen, at, "the v4 address, for a v4 socket");
    assert!(r.addrs.contains(&at), "{:?}", r.addrs);
}

#[test]
fn other_sockets_are_served_while_a_slow_name_resolves_and_later_commands_wait() {
    let mut rig = rig_with(test_resolver(
        Duration::from_secs(3),
        Duration::from_secs(30),
    ));
    let (echo, echo_at) = rig.bound_udp();
    rig.ok(Command::Respond {
        sock: echo.into(),
        responder: Responder::Echo,
    });
    // A datagram socket connects at once: the send behind it would fail ("no fixed peer")
    // if it did not wait for the name.
    let c = rig.udp();
    let start = Instant::now();
    let connect = rig.engine.submit(Command::Connect {
        sock: c.into(),
        addr: host("slow.test", echo_at.port()),
        timeout: None,
    });
    let send = rig.engine.submit(Command::Send {
        sock: c.into(),
        payload: Payload::bytes(&b"after the connect"[..]),
    });
    let probe = UdpSocket::bind("127.0.0.1:0").expect("probe");
    probe
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    probe.send_to(b"ping", echo_at).expect("send");
    let mut b = [0u8; 8];
    let (n, _) = probe.recv_from(&mut b).expect("the echo answers at once");
    assert_eq!(&b[..n], b"ping");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "the echo answered in {:?}, while the name resolves",
        start.elapsed()
    );
    for id in [connect, send] {
        let mut ev = rig.outcome(id);
        let deadline = Instant::now() + Duration::from_secs(30);
        while ev.is_none() && Instant::now() < deadline {
            ev = rig.outcome(id);
        }
        match ev.map(|e| e.kind) {
            Some(EventKind::Failed(e)) => panic!("{e}"),
            Some(_) => {}
            None => panic!("no outcome"),
        }
    }
    assert!(
        start.elapsed() >= Duration::from_secs(3),
        "the lookup took its time"
    );
    rig.recv_until(c, b"after the connect");
}

#[test]
fn an_unknown_name_fails_at_once_and_a_hung_one_when_its_time_is_up() {
    let mut rig = rig_with(test_resolver(Duration::ZERO, Duration::from_millis(500)));
    let c = rig.socket(Proto::Tcp, Family::V4);
    let t = Instant::now();
    let e = rig.err(Command::Connect {
        sock: c.into(),
        addr: host("nowhere.invalid", 80),
        timeout: None,
    });
    let text = e.to_string();
    assert!(
        text.starts_with("resolve") && text.contains("nowhere.invalid"),
        "{text}"
    );
    assert!(t.elapsed() < Duration::from_secs(2));
    let u = rig.udp();
    let t = Instant::now();
    let e = rig.err(Command::Bind {
        sock: u.into(),
        addr: host("never.test", 0),
    });
    assert!(
        e.to_string().contains("did not resolve within 500 ms"),
        "{e}"
    );
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    rig.bind(u, "127.0.0.1:0");
}
