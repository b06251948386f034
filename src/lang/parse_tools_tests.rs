//! Tests of the parser's commands beyond the core lifecycle (parse_tools.rs).

use crate::engine::{Command, Framing, Match, OptValue, SockOpt};
use crate::lang::parse_line;
use crate::lang::test_lines::cmd;

/// The column of the error `line` gives, after checking that its words hold `says`.
fn fails(line: &str, says: &str) -> usize {
    match parse_line(line) {
        Err(e) => {
            let text = e.to_string();
            assert!(text.contains(says), "{line}: {text}");
            e.col
        }
        other => panic!("{line} should not parse: {other:?}"),
    }
}

#[test]
fn framing_forms() {
    assert!(
        matches!(cmd("frame s1 lines"), Command::Frame { framing: Framing::Delimited(d), .. } if d == b"\n")
    );
    assert!(matches!(
        cmd("frame s1 len4le"),
        Command::Frame {
            framing: Framing::LengthPrefixed {
                width: 4,
                big_endian: false
            },
            ..
        }
    ));
    assert!(matches!(
        cmd("frame s1 fixed 12"),
        Command::Frame {
            framing: Framing::Fixed(12),
            ..
        }
    ));
    assert_eq!(fails("frame s1 len3", "len2be"), 10);
    fails("frame s1 fixed 0", "from 1");
}

#[test]
fn rules_need_reply_and_inline_templates() {
    let Command::RuleAdd { rule, .. } =
        cmd(r#"rule srv add prefix "PING" reply "PONG {counter}" close"#)
    else {
        panic!()
    };
    assert_eq!(rule.on, Match::Prefix(b"PING".to_vec()));
    assert!(rule.close);
    assert_eq!(fails(r#"rule srv add exact "a" answer "b""#, "`reply`"), 24);
    fails("rule srv add any reply file:/etc/passwd", "not file:");
}

#[test]
fn option_values_follow_the_option() {
    assert!(matches!(
        cmd("option s1 nodelay on"),
        Command::SetOption {
            opt: SockOpt::NoDelay,
            value: Some(OptValue::Bool(true)),
            ..
        }
    ));
    assert!(matches!(
        cmd("option s1 linger off"),
        Command::SetOption {
            value: Some(OptValue::Off),
            ..
        }
    ));
    assert!(matches!(
        cmd("option s1 rcvbuf"),
        Command::SetOption { value: None, .. }
    ));
    assert_eq!(fails("option s1 nodelay 5", "on|off"), 19);
    fails("option s1 nagle on", "reuseaddr");
}

#[test]
fn repeat_and_chunked() {
    assert!(matches!(
        cmd(r#"repeat s1 forever 1s "x""#),
        Command::Repeat {
            count: None,
            to: None,
            ..
        }
    ));
    assert!(matches!(cmd("repeat s1 stop"), Command::RepeatStop { .. }));
    fails(r#"repeat s1 0 1s "x""#, "out of range");
    fails(r#"chunked s1 4 "x""#, "delay");
}

#[test]
fn multicast_groups() {
    assert!(matches!(
        cmd("join s1 239.1.1.1"),
        Command::Join { iface: None, .. }
    ));
    assert!(matches!(
        cmd("leave s1 ff02::1 eth0"),
        Command::Leave { iface: Some(_), .. }
    ));
    assert_eq!(fails("join s1 notanip", ""), 9);
}
