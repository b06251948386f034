//! Engine tests: UDP datagrams on real loopback sockets.

mod common;

use common::Rig;
use sockscope::engine::{Command, EventKind, Family, Proto};

#[test]
fn udp_sendto_and_recvfrom_both_ways() {
    let mut rig = Rig::new();
    let [(a, a_addr), (b, b_addr)] = rig.bound_udps();
    assert_ne!(a_addr.port(), 0);
    rig.send_to(a, b_addr, b"ping");
    let common::Received {
        peer,
        data,
        truncated_from,
        ..
    } = rig.next_received(b, "b receives");
    assert_eq!(&data[..], b"ping");
    assert_eq!(
        peer.and_then(|p| p.ip()),
        Some(a_addr),
        "recvfrom reports the sender"
    );
    assert_eq!(truncated_from, None);
    rig.send_to(b, a_addr, b"pong");
    assert_eq!(rig.recv_until(a, b"pong"), b"pong");
}

#[test]
fn first_sendto_binds_implicitly_and_reports_the_port() {
    let mut rig = Rig::new();
    let (srv, srv_addr) = rig.bound_udp();
    let client = rig.udp();
    rig.send_to(client, srv_addr, b"hi");
    let bound = rig
        .seen
        .iter()
        .find(|e| {
            e.socket == Some(client) && matches!(e.kind, EventKind::Bound { implicit: true, .. })
        })
        .cloned()
        .expect("implicit bind reported");
    let EventKind::Bound { local, .. } = bound.kind else {
        unreachable!()
    };
    assert_ne!(local.ip().map(|a| a.port()), Some(0));
    // The client can receive the reply on the port the OS gave it.
    rig.ok(Command::Respond {
        sock: srv.into(),
        responder: sockscope::engine::Responder::Echo,
    });
    rig.send_to(client, srv_addr, b"echo me");
    rig.recv_until(client, b"echo me");
}

#[test]
fn udp_connect_filters_out_other_senders() {
    let mut rig = Rig::new();
    let [(a, a_addr), (friend, friend_addr), (stranger, _)] = rig.bound_udps();
    rig.ok(common::connect(a, friend_addr));
    rig.send_to(stranger, a_addr, b"from the stranger");
    rig.send_to(friend, a_addr, b"from the friend");
    let got = rig.recv_until(a, b"from the friend");
    assert_eq!(
        got, b"from the friend",
        "the stranger's datagram is not delivered"
    );
    // A connected UDP socket can use plain send.
    rig.send(a, b"to my friend");
    rig.recv_until(friend, b"to my friend");
}

#[test]
fn big_datagram_arrives_whole() {
    let mut rig = Rig::new();
    let [(a, _), (b, b_addr)] = rig.bound_udps();
    let big = vec![0x5a; 65_507];
    rig.send_to(a, b_addr, &big);
    let common::Received {
        data,
        truncated_from,
        ..
    } = rig.next_received(b, "received");
    assert_eq!(data.len(), 65_507);
    assert_eq!(truncated_from, None);
}

#[test]
fn send_on_an_unconnected_udp_socket_says_to_use_sendto() {
    let mut rig = Rig::new();
    let a = rig.udp();
    rig.refused(
        "sendto",
        Command::Send {
            sock: a.into(),
            payload: "x".into(),
        },
    );
}

#[test]
fn ipv6_exchange_on_loopback() {
    let mut rig = Rig::new();
    let a = rig.socket(Proto::Udp, Family::V6);
    let b = rig.socket(Proto::Udp, Family::V6);
    let a_addr = rig.bind(a, "[::1]:0");
    let b_addr = rig.bind(b, "[::1]:0");
    assert!(a_addr.is_ipv6());
    rig.send_to(a, b_addr, b"over v6");
    rig.recv_until(b, b"over v6");
    let v4 = rig.udp();
    rig.refused(
        "IPv6",
        Command::Bind {
            sock: v4.into(),
            addr: common::spec("[::1]:0"),
        },
    );
}

#[test]
fn a_datagram_longer_than_the_receive_size_reports_its_truncation() {
    let mut rig = Rig::new();
    let [(a, _), (b, b_addr)] = rig.bound_udps();
    rig.ok(Command::RecvSize {
        sock: b.into(),
        size: 8,
    });
    rig.send_to(a, b_addr, b"twenty bytes of data");
    let common::Received {
        data,
        truncated_from,
        ..
    } = rig.next_received(b, "received");
    assert_eq!(
        &data[..],
        b"twenty b",
        "the first 8 bytes, as recvfrom(8) gives them"
    );
    assert_eq!(truncated_from, Some(20), "never truncated silently");
}
