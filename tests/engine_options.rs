//! Engine tests for socket options, dual stack, abort (linger 0) and the kernel's TCP state,
//! on loopback.

mod common;

use common::{Rig, WAIT, connect};
use sockscope::engine::{Command, EventKind, Family, OptValue, Proto, Setting, SockId, SockOpt};

fn option(rig: &mut Rig, s: SockId, opt: SockOpt, value: Option<OptValue>) -> String {
    let ev = rig.ok(Command::SetOption {
        sock: s.into(),
        opt,
        value,
    });
    match ev.kind {
        EventKind::Set(Setting::Option { opt: o, value }) => {
            assert_eq!(o, opt);
            value
        }
        other => panic!("expected an option value, got {other:?}"),
    }
}

#[test]
fn each_option_is_set_and_read_back_from_the_kernel() {
    let mut rig = Rig::new();
    let t = rig.socket(Proto::Tcp, Family::V4);
    let u = rig.udp();
    let t6 = rig.socket(Proto::Tcp, Family::V6);
    for (s, opt, set, want) in [
        (t, SockOpt::ReuseAddr, OptValue::Bool(true), "on"),
        (t, SockOpt::ReusePort, OptValue::Bool(true), "on"),
        (t, SockOpt::NoDelay, OptValue::Bool(true), "on"),
        (t, SockOpt::KeepAlive, OptValue::Bool(true), "on"),
        (t, SockOpt::KeepIdle, OptValue::Num(42), "42"),
        (t, SockOpt::KeepIntvl, OptValue::Num(7), "7"),
        (t, SockOpt::KeepCnt, OptValue::Num(4), "4"),
        (t, SockOpt::Ttl, OptValue::Num(33), "33"),
        (t, SockOpt::Linger, OptValue::Num(3), "3"),
        (t, SockOpt::Linger, OptValue::Off, "off"),
        (u, SockOpt::Broadcast, OptValue::Bool(true), "on"),
        (u, SockOpt::MulticastTtl, OptValue::Num(4), "4"),
        (u, SockOpt::MulticastLoop, OptValue::Bool(false), "off"),
        (t6, SockOpt::V6Only, OptValue::Bool(true), "on"),
        (t6, SockOpt::Ttl, OptValue::Num(9), "9"),
    ] {
        assert_eq!(option(&mut rig, s, opt, Some(set)), want, "{opt} {set}");
        assert_eq!(option(&mut rig, s, opt, None), want, "{opt} read back");
    }
    // The kernel doubles a buffer size it is given: the value shown is what it really set.
    let rcv: usize = option(&mut rig, t, SockOpt::RcvBuf, Some(OptValue::Num(8192)))
        .parse()
        .expect("number");
    assert_eq!(rcv, 16384);
    let snd: usize = option(&mut rig, t, SockOpt::SndBuf, Some(OptValue::Num(8192)))
        .parse()
        .expect("number");
    assert_eq!(snd, 16384);
    rig.refused(
        "on|off",
        Command::SetOption {
            sock: t.into(),
            opt: SockOpt::NoDelay,
            value: Some(OptValue::Num(7)),
        },
    );
}

#[test]
fn a_dual_stack_listener_is_reached_over_ipv4_and_ipv6() {
    let mut rig = Rig::new();
    let l = rig.socket(Proto::Tcp, Family::V6);
    assert_eq!(
        option(&mut rig, l, SockOpt::V6Only, Some(OptValue::Bool(false))),
        "off"
    );
    let addr = rig.bind(l, "[::]:0");
    rig.ok(Command::Listen {
        sock: l.into(),
        backlog: None,
    });
    rig.ok(Command::AcceptAuto {
        sock: l.into(),
        on: true,
    });
    rig.ok(Command::Respond {
        sock: l.into(),
        responder: sockscope::engine::Responder::Upper,
    });
    let v4 = rig.socket(Proto::Tcp, Family::V4);
    rig.ok(connect(
        v4,
        format!("127.0.0.1:{}", addr.port()).parse().expect("addr"),
    ));
    let v6 = rig.socket(Proto::Tcp, Family::V6);
    rig.ok(connect(
        v6,
        format!("[::1]:{}", addr.port()).parse().expect("addr"),
    ));
    rig.send(v4, b"over v4");
    rig.send(v6, b"over v6");
    rig.recv_until(v4, b"OVER V4");
    rig.recv_until(v6, b"OVER V6");
    let peers: Vec<String> = rig
        .seen
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Accepted { peer, .. } => Some(peer.to_string()),
            _ => None,
        })
        .collect();
    assert!(
        peers.iter().any(|p| p.starts_with("[::ffff:127.0.0.1]")),
        "{peers:?}"
    );
    assert!(peers.iter().any(|p| p.starts_with("[::1]")), "{peers:?}");
}

#[test]
fn status_shows_the_kernel_tcp_state() {
    let mut rig = Rig::new();
    let (l, c, srv) = rig.tcp_pair();
    rig.ok(Command::Close { sock: c.into() });
    rig.wait_on(srv, "eof", |k| matches!(k, EventKind::PeerClosed));
    let ev = rig.ok(Command::Status);
    let EventKind::Status(list) = ev.kind else {
        panic!()
    };
    let state = |id| list.iter().find(|s| s.id == id).and_then(|s| s.tcp_state);
    assert_eq!(state(l), Some("LISTEN"));
    assert_eq!(
        state(srv),
        Some("CLOSE_WAIT"),
        "the server side waits for its own close"
    );
}

#[test]
fn multicast_join_needs_a_group_and_udp() {
    let mut rig = Rig::new();
    let u = rig.udp();
    rig.bind(u, "0.0.0.0:0");
    rig.refused(
        "not a multicast address",
        Command::Join {
            sock: u.into(),
            group: "10.1.2.3".parse().expect("ip"),
            iface: None,
        },
    );
    let t = rig.socket(Proto::Tcp, Family::V4);
    rig.refused(
        "UDP",
        Command::Join {
            sock: t.into(),
            group: "239.1.2.3".parse().expect("ip"),
            iface: None,
        },
    );
    let _ = WAIT;
}
