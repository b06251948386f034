//! The exchanges of the tutorials sockscope was born from (`shared/seeds/`), reproduced with
//! the engine on both ends.

mod common;

use common::Rig;
use sockscope::engine::{Command, EventKind, Responder};

/// The seed's UDP server answers "OK" to an even-length message and "Err" to an odd one.
/// The rule is applied here by the test, acting as the server on received events.
#[test]
fn udp_server_answers_ok_for_even_and_err_for_odd() {
    let mut rig = Rig::new();
    let (srv, srv_addr) = rig.bound_udp();
    let client = rig.udp();
    for (msg, want) in [("four", "OK"), ("three", "Err")] {
        rig.send_to(client, srv_addr, msg.as_bytes());
        let common::Received { peer, data, .. } = rig.next_received(srv, "server receives");
        let reply = if data.len() % 2 == 1 { "Err" } else { "OK" };
        let peer = peer.and_then(|p| p.ip()).expect("sender address");
        rig.send_to(srv, peer, reply.as_bytes());
        let common::Received { data, .. } = rig.next_received(client, "client gets the reply");
        assert_eq!(&data[..], want.as_bytes(), "reply to {msg:?}");
    }
}

/// The seed's TCP server answers "OK" to each message and "bye" to "close", then closes.
#[test]
fn tcp_server_answers_ok_and_says_bye_to_close() {
    let (mut rig, c, srv) = Rig::pair();
    for msg in ["hello", "how are you", "close"] {
        rig.send(c, msg.as_bytes());
        let common::Received { data, .. } = rig.next_received(srv, "server receives");
        let text = String::from_utf8_lossy(&data).into_owned();
        let reply = if text == "close" { "bye" } else { "OK" };
        rig.send(srv, reply.as_bytes());
        let common::Received { data, .. } = rig.next_received(c, "client gets the reply");
        assert_eq!(&data[..], reply.as_bytes());
        if text == "close" {
            rig.ok(Command::Close { sock: srv.into() });
        }
    }
    rig.wait_on(c, "the client sees the server close", |k| {
        matches!(k, EventKind::PeerClosed)
    });
}

/// The seed's UDP server sends back the message upper-cased.
#[test]
fn udp_upper_case_server() {
    let mut rig = Rig::new();
    let (_, srv_addr) = rig.udp_server(Responder::Upper);
    let client = rig.udp();
    rig.send_to(client, srv_addr, b"make me loud");
    assert_eq!(rig.recv_until(client, b"MAKE ME LOUD"), b"MAKE ME LOUD");
}

/// The seed's TCP server greets each client with "Hey there!!!" and closes.
#[test]
fn tcp_greeting_server() {
    let (mut rig, c, srv) = Rig::pair();
    rig.send(srv, b"Hey there!!!");
    rig.ok(Command::Close { sock: srv.into() });
    assert_eq!(rig.recv_until(c, b"Hey there!!!"), b"Hey there!!!");
    rig.wait_on(c, "recv returns 0 after the greeting", |k| {
        matches!(k, EventKind::PeerClosed)
    });
}
