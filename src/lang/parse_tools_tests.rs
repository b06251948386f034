//! Tests of the parser's commands beyond the core lifecycle (parse_tools.rs).

use crate::engine::{Command, Framing, Match, OptValue, SockOpt};
use crate::lang::{Statement, parse_line};

fn cmd(line: &str) -> Command {
    match parse_line(line) {
        Ok(Some(Statement::Engine(c))) => c,
        other => panic!("{line}: {other:?}"),
    }
}

fn err(line: &str) -> (usize, String) {
    match parse_line(line) {
        Err(e) => (e.col, e.to_string()),
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
    let (col, text) = err("frame s1 len3");
    assert_eq!(col, 10, "{text}");
    assert!(text.contains("len2be"), "{text}");
    let (_, text) = err("frame s1 fixed 0");
    assert!(text.contains("from 1"), "{text}");
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
    let (col, text) = err(r#"rule srv add exact "a" answer "b""#);
    assert_eq!(col, 24, "{text}");
    assert!(text.contains("`reply`"), "{text}");
    let (_, text) = err("rule srv add any reply file:/etc/passwd");
    assert!(text.contains("not file:"), "{text}");
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
    let (col, text) = err("option s1 nodelay 5");
    assert_eq!(col, 19, "{text}");
    assert!(text.contains("on|off"), "{text}");
    let (_, text) = err("option s1 nagle on");
    assert!(text.contains("reuseaddr"), "lists the options: {text}");
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
    let (_, text) = err(r#"repeat s1 0 1s "x""#);
    assert!(text.contains("out of range"), "{text}");
    let (_, text) = err(r#"chunked s1 4 "x""#);
    assert!(text.contains("delay"), "{text}");
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
    let (col, _) = err("join s1 notanip");
    assert_eq!(col, 9);
}
