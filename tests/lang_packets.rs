//! The printer and the parser agree on the packet-library forms: `checksum ALG` after sent
//! payloads and reply templates, the rule condition `checksum ALG ok|bad`, and the
//! `packet` lines — `Display` of a parsed statement parses back to the same statement.

use proptest::prelude::*;
use sockscope::engine::template::with_checksum;
use sockscope::engine::{AddrSpec, Checksum, Command, Match, Payload, Rule, SockId, SockRef};
use sockscope::lang::{PacketOp, Statement, parse_line, parse_script};

fn alg() -> impl Strategy<Value = Checksum> {
    proptest::sample::select(Checksum::ALL.to_vec())
}

fn sock() -> impl Strategy<Value = SockRef> {
    (1u32..50).prop_map(|n| SockRef::Id(SockId(n)))
}

/// Bytes, sometimes with a checksum variable at the end.
fn sent() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::option::of(alg()),
    )
        .prop_map(|(b, a)| match a {
            Some(a) => with_checksum(&b, a),
            None => b,
        })
}

fn addr() -> impl Strategy<Value = AddrSpec> {
    (any::<u16>()).prop_map(|p| AddrSpec::Host("localhost".into(), p))
}

fn statement() -> impl Strategy<Value = Statement> {
    prop_oneof![
        (sock(), sent()).prop_map(|(sock, b)| Statement::Engine(Command::Send {
            sock,
            payload: Payload::from(b)
        })),
        (sock(), addr(), sent()).prop_map(|(sock, addr, b)| Statement::Engine(Command::SendTo {
            sock,
            addr,
            payload: Payload::from(b)
        })),
        (sock(), alg(), any::<bool>(), sent(), any::<bool>()).prop_map(
            |(sock, a, ok, reply, close)| Statement::Engine(Command::RuleAdd {
                sock,
                rule: Rule {
                    on: Match::Checksum(a, ok),
                    reply,
                    close
                }
            })
        ),
        ("[a-zA-Z0-9_.-]{1,12}", sent(), proptest::option::of(addr())).prop_map(
            |(name, payload, to)| Statement::Packet(PacketOp::Save { name, payload, to })
        ),
        "[a-zA-Z0-9_.-]{1,12}".prop_map(|n| Statement::Packet(PacketOp::Del(n))),
        Just(Statement::Packet(PacketOp::List)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn packet_forms_round_trip(stmt in statement()) {
        let text = stmt.to_string();
        prop_assert_eq!(parse_line(&text), Ok(Some(stmt.clone())), "printed as {:?}", text);
        let script = parse_script(&text).map(|l| l.into_iter().map(|s| s.stmt).collect::<Vec<_>>());
        prop_assert_eq!(script, Ok(vec![stmt]));
    }
}

#[test]
fn the_forms_read_as_the_readme_writes_them() {
    for line in [
        "send s1 hex:010300000001 checksum crc16-modbus",
        "sendto s2 localhost:9 \"id {seq}\" checksum xor8",
        "repeat s1 3 100ms \"tick {counter}\" checksum crc32 to localhost:9",
        "rule s1 add checksum crc16-modbus ok reply \"{rx[0..2]}ok\" checksum crc16-modbus close",
        "rule s1 add checksum sum8 bad reply \"bad\"",
        "packet save hello \"hi\" checksum crc8 to localhost:7",
        "packet del hello",
        "packet list",
    ] {
        let stmt = parse_line(line).expect("parses").expect("a statement");
        assert_eq!(stmt.to_string(), line);
    }
    for bad in [
        "send s1 \"x\" checksum crc99",
        "send s1 file:/tmp/x checksum crc8",
        "rule s1 add checksum crc8 maybe reply \"x\"",
        "packet save \"x y\" \"z\"",
        "packet",
    ] {
        assert!(parse_line(bad).is_err(), "{bad}");
    }
}
