//! Unit tests of [`super`]: lanes, arrows once per message, FIN/RST matching, labels.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::engine::{Event, Family};

fn rec(n: u64, id: u32, kind: EventKind) -> Record {
    Record::from(Event {
        at: UNIX_EPOCH + Duration::from_millis(n),
        socket: Some(SockId(id)),
        cmd: None,
        kind,
    })
}

fn addr(port: u16) -> Addr {
    Addr::Ip(([127, 0, 0, 1], port).into())
}

fn created(n: u64, id: u32, proto: Proto, name: &str) -> Record {
    let name = Some(name.to_string());
    rec(
        n,
        id,
        EventKind::Created {
            proto,
            family: Family::V4,
            name,
        },
    )
}

fn data(bytes: &str) -> Arc<[u8]> {
    Arc::from(bytes.as_bytes())
}

/// A TCP pair: `srv` listening on :1000, `cli` connected from :2000, `conn` accepted.
fn tcp_pair() -> Vec<Record> {
    vec![
        created(0, 1, Proto::Tcp, "srv"),
        rec(
            1,
            1,
            EventKind::Listening {
                local: addr(1000),
                backlog: 5,
            },
        ),
        created(2, 2, Proto::Tcp, "cli"),
        rec(3, 2, EventKind::Connecting { peer: addr(1000) }),
        rec(
            4,
            2,
            EventKind::Connected {
                local: addr(2000),
                peer: addr(1000),
            },
        ),
        rec(
            5,
            3,
            EventKind::Accepted {
                listener: SockId(1),
                local: addr(1000),
                peer: addr(2000),
                name: Some(Box::new("conn".into())),
            },
        ),
    ]
}

fn sent(n: u64, id: u32, to: u16, bytes: &str) -> Record {
    rec(
        n,
        id,
        EventKind::Sent {
            peer: Some(addr(to)),
            data: data(bytes),
            reply: false,
        },
    )
}

fn received(n: u64, id: u32, from: u16, bytes: &str) -> Record {
    let (peer, data) = (Some(addr(from)), data(bytes));
    rec(
        n,
        id,
        EventKind::Received {
            peer,
            data,
            truncated_from: None,
        },
    )
}

fn arrows(l: &Ladder) -> Vec<(String, String, String)> {
    l.steps
        .iter()
        .filter_map(|s| {
            let to = s.to?;
            Some((
                l.lanes[s.from].title.clone(),
                l.lanes[to].title.clone(),
                s.label.clone(),
            ))
        })
        .collect()
}

fn triple(a: &str, b: &str, c: &str) -> (String, String, String) {
    (a.into(), b.into(), c.into())
}

#[test]
fn a_message_between_own_sockets_is_one_arrow_from_the_sender() {
    let mut records = tcp_pair();
    records.push(sent(6, 2, 1000, "hello"));
    records.push(received(7, 3, 2000, "hello"));
    let l = Ladder::of(records.iter().enumerate());
    let a = arrows(&l);
    assert_eq!(
        a[0],
        triple("cli", "srv", "connect (SYN)"),
        "the SYN goes to the listener"
    );
    assert_eq!(a[1], triple("srv", "conn", "accept"));
    assert_eq!(
        a[2..],
        [triple("cli", "conn", "hello")],
        "the receive adds nothing"
    );
    assert_eq!(
        l.columns(),
        vec![0, 2, 1],
        "the connection is drawn beside its listener"
    );
}

#[test]
fn a_receive_whose_send_is_filtered_out_draws_its_own_arrow() {
    let mut records = tcp_pair();
    records.push(received(7, 3, 2000, "hello"));
    let l = Ladder::of(records.iter().enumerate());
    assert_eq!(arrows(&l).last(), Some(&triple("cli", "conn", "hello")));
    // Two sends, one receive of both: no arrow for the receive.
    let mut records = tcp_pair();
    records.push(sent(6, 2, 1000, "ab"));
    records.push(sent(7, 2, 1000, "cd"));
    records.push(received(8, 3, 2000, "abcd"));
    let l = Ladder::of(records.iter().enumerate());
    let data: Vec<_> = l
        .steps
        .iter()
        .filter(|s| s.kind == StepKind::Data)
        .collect();
    assert_eq!(data.len(), 2, "{:?}", l.steps);
}

#[test]
fn a_peer_outside_the_session_gets_a_lane_of_its_own() {
    let records = [
        created(0, 1, Proto::Udp, "u"),
        rec(
            1,
            1,
            EventKind::Bound {
                local: addr(3000),
                implicit: false,
            },
        ),
        received(2, 1, 4000, "ping"),
        sent(3, 1, 4000, "pong"),
    ];
    let l = Ladder::of(records.iter().enumerate());
    assert_eq!(
        arrows(&l),
        [
            triple("127.0.0.1:4000", "u", "ping"),
            triple("u", "127.0.0.1:4000", "pong")
        ]
    );
    assert_eq!(l.lanes[1].kind, LaneKind::Remote(addr(4000)));
}

#[test]
fn a_close_sends_one_fin_and_ends_the_lane_and_a_reset_comes_from_the_peer() {
    let mut records = tcp_pair();
    records.push(rec(6, 3, EventKind::Closed));
    records.push(rec(7, 2, EventKind::PeerClosed));
    records.push(rec(8, 2, EventKind::Reset));
    let l = Ladder::of(records.iter().enumerate());
    let a = arrows(&l);
    assert_eq!(a[2], triple("conn", "cli", "FIN"));
    assert_eq!(
        a[3],
        triple("conn", "cli", "RST"),
        "the peer closed is matched to the FIN"
    );
    assert_eq!(a.len(), 4);
    assert!(l.lanes[2].ended.is_some() && l.lanes[1].ended.is_some());
    assert!(l.lanes[0].ended.is_none(), "the listener is still open");
}

#[test]
fn labels_escape_and_cut_long_payloads() {
    assert_eq!(label_of(b"a\nb", 3), "a\\nb");
    let long = "x".repeat(100);
    let label = label_of(long.as_bytes(), 100);
    assert_eq!(label.chars().count(), LABEL_CHARS + 1);
    assert!(label.ends_with('…'));
    assert_eq!(
        label_of(b"", 7),
        "7 B",
        "an evicted payload shows its length"
    );
}
