//! Checksums and variables at send time, and library packets (`@NAME`) in the language,
//! over real loopback sockets: a plain std UDP socket is the peer.

mod common;

use common::Rig;
use common::std_peer::{recv_datagram as recv, udp_peer};
use sockscope::engine::Command;
use sockscope::lang::{Statement, parse_line, parse_line_in};
use sockscope::packets::{Form, Library, Packet};

/// The engine command of a line, with `@NAME` read from `lib`.
fn cmd(line: &str, lib: &Library) -> Command {
    match parse_line_in(line, lib) {
        Ok(Some(Statement::Engine(c))) => c,
        other => panic!("{line}: {other:?}"),
    }
}

#[test]
fn a_modbus_request_leaves_with_its_crc_low_byte_first() {
    let mut rig = Rig::new();
    let (p, addr) = udp_peer();
    let s = rig.udp();
    let lib = Library::new();
    rig.ok(cmd(
        &format!(
            "sendto s{} {addr} hex:\"01 03 00 00 00 01\" checksum crc16-modbus",
            s.0
        ),
        &lib,
    ));
    assert_eq!(recv(&p), [0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x84, 0x0a]);
}

#[test]
fn seq_counts_each_sockets_messages_and_the_checksum_covers_the_filled_in_bytes() {
    let mut rig = Rig::new();
    let (p, addr) = udp_peer();
    let a = rig.udp();
    let b = rig.udp();
    let lib = Library::new();
    for s in [a, a, b, a] {
        rig.ok(cmd(
            &format!("sendto s{} {addr} \"#{{seq}}\" checksum sum8", s.0),
            &lib,
        ));
    }
    let got: Vec<Vec<u8>> = (0..4).map(|_| recv(&p)).collect();
    let want = |n: u8| vec![b'#', n, b'#'.wrapping_add(n)];
    assert_eq!(got, [want(b'1'), want(b'2'), want(b'1'), want(b'3')]);
    // {hex:…} splices bytes, {random:MIN:MAX} stays in its range, unknown braces stay.
    rig.ok(cmd(
        &format!("sendto s{} {addr} \"{{hex:00ff}}{{random:7:7}}{{x}}\"", a.0),
        &lib,
    ));
    assert_eq!(recv(&p), b"\x00\xff7{x}");
}

#[test]
fn a_rule_copies_the_transaction_id_and_checks_the_checksum() {
    let mut rig = Rig::new();
    let (srv, at) = rig.bound_udp();
    let mut lib = Library::new();
    lib.put(Packet {
        name: "answer".into(),
        payload: "{rx[0..2]}\\x00ok".into(),
        form: Form::Escaped,
        checksum: Some("crc16-modbus".into()),
        ..Packet::default()
    });
    rig.ok(cmd(
        &format!("rule s{} add checksum crc16-modbus ok reply @answer", srv.0),
        &lib,
    ));
    rig.ok(cmd(
        &format!(
            "rule s{} add checksum crc16-modbus bad reply \"bad\"",
            srv.0
        ),
        &lib,
    ));
    let (p, _) = udp_peer();
    let good = sockscope::engine::Checksum::Crc16Modbus.append(b"\xab\xcdquery");
    p.send_to(&good, at).expect("send");
    let reply = recv(&p);
    assert_eq!(
        reply,
        sockscope::engine::Checksum::Crc16Modbus.append(b"\xab\xcd\x00ok"),
        "the id copied and the reply's own checksum appended"
    );
    let mut bad = good.clone();
    bad[0] ^= 1;
    p.send_to(&bad, at).expect("send");
    assert_eq!(recv(&p), b"bad");
}

#[test]
fn a_library_packet_is_sent_with_its_checksum_and_unknown_names_are_refused() {
    let mut rig = Rig::new();
    let (p, addr) = udp_peer();
    let s = rig.udp();
    let mut lib = Library::new();
    lib.put(Packet {
        name: "hello".into(),
        payload: "hi {seq}".into(),
        checksum: Some("xor8".into()),
        ..Packet::default()
    });
    let c = cmd(&format!("sendto s{} {addr} @hello", s.0), &lib);
    assert_eq!(
        c.to_string(),
        format!("sendto s{} {addr} \"hi {{seq}}\" checksum xor8", s.0),
        "printed with its bytes, so a saved log runs without the library"
    );
    rig.ok(c);
    let got = recv(&p);
    assert_eq!(&got[..4], b"hi 1");
    assert_eq!(got[4], b"hi 1".iter().fold(0, |a, b| a ^ b));
    let err = parse_line_in("send s1 @nope", &lib).expect_err("unknown packet");
    assert!(err.expected.contains("@hello"), "{err}");
    assert!(
        parse_line("send s1 @hello").is_err(),
        "no library: @NAME names nothing"
    );
    // In a pattern the checksum is computed at once.
    let Some(Statement::Engine(Command::RuleAdd { rule, .. })) =
        parse_line_in("rule s1 add exact @hello reply \"x\"", &lib).expect("parses")
    else {
        panic!("a rule");
    };
    let mut want = b"hi {seq}".to_vec();
    want.push(want.iter().fold(0, |a, b| a ^ b));
    assert_eq!(
        rule.on,
        sockscope::engine::Match::Exact(want),
        "xor8 of the bytes as they are"
    );
}

#[test]
fn a_stream_send_fills_variables_too() {
    let (mut rig, client, server) = Rig::pair();
    let lib = Library::new();
    rig.ok(cmd(
        &format!("send s{} \"{{seq}}-{{seq}}|\"", client.0),
        &lib,
    ));
    rig.ok(cmd(&format!("send s{} \"{{seq}}|\"", client.0), &lib));
    let got = rig.recv_until(server, b"2|");
    assert_eq!(got, b"1-1|2|");
}

#[test]
fn large_shared_payloads_sent_again_still_fill_the_variables_of_new_ones() {
    use sockscope::engine::Payload;
    use std::sync::Arc;
    let (mut rig, client, server) = Rig::pair();
    // A large payload without `{`, sent twice as the same shared bytes (the engine
    // remembers it as plain), then a new large one that ends with a variable.
    let plain: Arc<[u8]> = vec![b'.'; 100_000].into();
    for _ in 0..2 {
        rig.ok(Command::Send {
            sock: client.into(),
            payload: Payload::Bytes(plain.clone()),
        });
    }
    drop(plain);
    let mut templ = vec![b'-'; 100_000];
    templ.extend_from_slice(b"{seq}|");
    rig.ok(Command::Send {
        sock: client.into(),
        payload: Payload::bytes(templ),
    });
    let got = rig.recv_until(server, b"|");
    assert_eq!(got.len(), 300_002, "two plain sends and a filled one");
    assert!(got.ends_with(b"-3|"), "{:?}", &got[got.len() - 8..]);
}
