//! The pcap: a log of real loopback traffic saved as `.pcap` holds every payload on the wire
//! once, with checksums that verify and TCP sequence numbers in order.

mod log_rig;

use log_rig::prelude::*;

#[test]
fn pcap_holds_real_loopback_traffic_once_in_order() {
    let s = loopback_session();
    let log = &s.log;
    // pcap: every payload on the wire once, checksums right, TCP sequence numbers in order.
    let (_dir, pcap, info) = saved_as(log, "session.pcap");
    let n_received = records(log)
        .iter()
        .filter(|r| direction_name(r) == "received")
        .count();
    let n_sent = records(log)
        .iter()
        .filter(|r| direction_name(r) == "sent")
        .count();
    assert_eq!(info.deduplicated, n_received, "both ends are ours");
    assert_eq!(info.records, n_sent);
    assert_eq!(info.skipped, 0);
    let packets = read::read_pcap(&pcap).expect("pcap reads back");
    assert_eq!(packets.len(), info.packets);
    assert!(
        packets.iter().all(|p| p.checksums_ok),
        "every checksum verifies"
    );
    assert!(packets.iter().all(|p| p.payload.len() == p.len));
    let (c, k) = (local_of(log, s.client), local_of(log, s.conn));
    let up = tcp_flow(&packets, c, k);
    let down = tcp_flow(&packets, k, c);
    assert_eq!(
        tcp_stream(&up, "client to server"),
        [TEXT, BIN, &big()].concat()
    );
    assert_eq!(
        tcp_stream(&down, "server to client"),
        [UNICODE.as_bytes(), NON_UTF8].concat()
    );
    assert!(
        up.iter().any(|p| p.len == 65_495),
        "a large send is cut into full segments"
    );
    assert!(
        up.iter().any(|p| p.flags & 0x01 != 0),
        "the client's shutdown is a FIN"
    );
    assert!(
        down.iter().any(|p| p.flags & 0x01 != 0),
        "the close is a FIN"
    );
    let synack = down
        .iter()
        .find(|p| p.flags & 0x12 == 0x12)
        .expect("SYN-ACK");
    assert_eq!(synack.ack, up[0].seq.wrapping_add(1));
    let last_down = down.iter().rev().find(|p| p.len > 0).expect("server data");
    let acked = up
        .iter()
        .filter(|p| p.len > 0)
        .fold(0u32, |_, p| p.seq.wrapping_add(p.len as u32));
    assert_eq!(
        last_down.ack, acked,
        "the server acknowledges what the client sent"
    );
    let (a, b) = (local_of(log, s.u1), local_of(log, s.u2));
    assert_eq!(
        udp_payloads(&packets, a, b),
        [b"ping".to_vec(), NON_UTF8.to_vec()]
    );
    assert_eq!(udp_payloads(&packets, b, a), [BIN.to_vec()]);
    let (x, y) = (local_of(log, s.v6a), local_of(log, s.v6b));
    assert!(x.is_ipv6());
    assert_eq!(udp_payloads(&packets, x, y), [b"v6 hello".to_vec()]);
    assert!(packets.iter().all(|p| p.ts.as_secs() > 1_600_000_000));
    let _ = s.srv;
}
