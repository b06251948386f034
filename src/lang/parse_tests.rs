//! Unit tests of the parser: every command form and every error, with line and column.

use std::net::SocketAddr;
use std::time::Duration;

use super::*;
use crate::engine::{Addr, SockId};

fn id(n: u32) -> SockRef {
    SockRef::Id(SockId(n))
}

fn name(n: &str) -> SockRef {
    SockRef::Name(n.to_string())
}

fn ip(s: &str) -> AddrSpec {
    AddrSpec::Exact(Addr::Ip(s.parse::<SocketAddr>().expect("address")))
}

fn ok(line: &str) -> Statement {
    match parse_line(line) {
        Ok(Some(s)) => s,
        other => panic!("{line:?} gave {other:?}"),
    }
}

fn cmd(line: &str) -> Command {
    match ok(line) {
        Statement::Engine(c) => c,
        other => panic!("{line:?} gave {other:?}"),
    }
}

/// The error of a line: (column, expected, found).
fn err(line: &str) -> (usize, String, String) {
    match parse_line(line) {
        Err(e) => {
            assert_eq!(e.line, 1);
            (e.col, e.expected, e.found)
        }
        other => panic!("{line:?} gave {other:?}"),
    }
}

fn ms(n: u64) -> Option<Duration> {
    Some(Duration::from_millis(n))
}

#[test]
fn blank_and_comment_lines() {
    for line in ["", "   ", "\t", "# a comment", "   # indented", "#"] {
        assert_eq!(parse_line(line), Ok(None), "{line:?}");
    }
}

#[test]
fn socket_forms() {
    assert_eq!(
        cmd("socket tcp"),
        Command::Socket {
            proto: Proto::Tcp,
            family: Family::V4,
            name: None
        }
    );
    assert_eq!(
        cmd("socket udp v6"),
        Command::Socket {
            proto: Proto::Udp,
            family: Family::V6,
            name: None
        }
    );
    assert_eq!(
        cmd("socket tcp v4 as srv"),
        Command::Socket {
            proto: Proto::Tcp,
            family: Family::V4,
            name: Some("srv".into())
        }
    );
    assert_eq!(
        cmd("\tsocket  udp\tas  my_sock-2 "),
        Command::Socket {
            proto: Proto::Udp,
            family: Family::V4,
            name: Some("my_sock-2".into())
        }
    );
}

#[test]
fn socket_errors() {
    assert_eq!(
        err("socket"),
        (7, "`tcp`, `udp` or `unix`".into(), "end of line".into())
    );
    assert_eq!(
        err("socket unix v6").1,
        "`stream`, `dgram`, `as NAME` or end of line"
    );
    assert_eq!(
        err("socket udp dgram").1,
        "`v4`, `v6`, `as NAME` or end of line"
    );
    assert_eq!(err("socket tpc").0, 8);
    assert_eq!(
        err("socket tcp v5").1,
        "`v4`, `v6`, `as NAME` or end of line"
    );
    assert_eq!(err("socket tcp v6 v4").1, "`as NAME` or end of line");
    assert_eq!(err("socket tcp as").1, "a name after `as`");
    assert_eq!(err("socket tcp as s12").0, 15);
    assert_eq!(err("socket tcp as a.b").0, 15);
    assert_eq!(
        err("socket tcp as x y"),
        (17, "end of line".into(), "\"y\"".into())
    );
    assert_eq!(err("socket tcp as x v6").0, 17);
}

#[test]
fn bind_listen_close_status() {
    assert_eq!(
        cmd("bind s1 127.0.0.1:0"),
        Command::Bind {
            sock: id(1),
            addr: ip("127.0.0.1:0")
        }
    );
    assert_eq!(
        cmd("bind srv [::]:8080"),
        Command::Bind {
            sock: name("srv"),
            addr: ip("[::]:8080")
        }
    );
    assert_eq!(
        cmd("listen s1"),
        Command::Listen {
            sock: id(1),
            backlog: None
        }
    );
    assert_eq!(
        cmd("listen s1 0"),
        Command::Listen {
            sock: id(1),
            backlog: Some(0)
        }
    );
    assert_eq!(cmd("close s9"), Command::Close { sock: id(9) });
    assert_eq!(cmd("status"), Command::Status);
    assert_eq!(
        cmd("status srv"),
        Command::StatusOf {
            sock: SockRef::Name("srv".into())
        }
    );
    assert!(parse_line("status s1 s2").is_err());
    assert!(parse_line("status \"s1\"").is_err());
}

#[test]
fn bind_listen_close_status_errors() {
    assert_eq!(err("bind"), (5, SOCK_FORMS.into(), "end of line".into()));
    assert_eq!(err("bind s1"), (8, ADDR_FORMS.into(), "end of line".into()));
    assert_eq!(err("bind \"s1\" *:0").0, 6);
    assert_eq!(err("bind s1 *:0 x").0, 13);
    assert_eq!(err("listen s1 -1").1, "a backlog (a number) or end of line");
    let (col, expected, found) = err("listen s1 4294967296");
    assert_eq!(
        (col, expected.as_str()),
        (11, "a backlog from 0 to 4294967295")
    );
    assert_eq!(found, "\"4294967296\" (out of range)");
    assert_eq!(err("listen s1 5 6").0, 13);
    assert_eq!(err("close").0, 6);
    assert_eq!(err("close s1 s2").0, 10);
    assert_eq!(
        err("status s1 s2"),
        (11, "end of line".into(), "\"s2\"".into())
    );
}

#[test]
fn accept_forms() {
    assert_eq!(
        cmd("accept s1"),
        Command::Accept {
            sock: id(1),
            name: None,
            timeout: None
        }
    );
    assert_eq!(
        cmd("accept s1 as conn"),
        Command::Accept {
            sock: id(1),
            name: Some("conn".into()),
            timeout: None
        }
    );
    assert_eq!(
        cmd("accept s1 250ms"),
        Command::Accept {
            sock: id(1),
            name: None,
            timeout: ms(250)
        }
    );
    assert_eq!(
        cmd("accept srv as c 2s"),
        Command::Accept {
            sock: name("srv"),
            name: Some("c".into()),
            timeout: ms(2000)
        }
    );
    for (line, on) in [
        ("accept s1 auto", true),
        ("accept s1 auto on", true),
        ("accept s1 auto off", false),
    ] {
        assert_eq!(cmd(line), Command::AcceptAuto { sock: id(1), on }, "{line}");
    }
}

#[test]
fn accept_errors() {
    assert_eq!(
        err("accept s1 soon").1,
        "`as NAME`, `auto`, a duration (250ms, 2s) or end of line"
    );
    assert_eq!(
        err("accept s1 as c soon").1,
        "a duration (250ms, 2s) or end of line"
    );
    assert_eq!(err("accept s1 2s as c").0, 14);
    assert_eq!(
        err("accept s1 auto maybe"),
        (16, "`on`, `off` or end of line".into(), "\"maybe\"".into())
    );
    assert_eq!(err("accept s1 auto on now").0, 19);
    assert_eq!(err("accept s1 as s2").0, 14);
}

#[test]
fn connect_forms() {
    assert_eq!(
        cmd("connect s2 $s1"),
        Command::Connect {
            sock: id(2),
            addr: AddrSpec::LocalOf(id(1)),
            timeout: None
        }
    );
    assert_eq!(
        cmd("connect c localhost:80 1.5s"),
        Command::Connect {
            sock: name("c"),
            addr: AddrSpec::Host("localhost".into(), 80),
            timeout: ms(1500)
        }
    );
    assert_eq!(
        err("connect s2 $s1 10"),
        (16, DURATION_OR_END.into(), "\"10\"".into())
    );
    assert_eq!(err("connect s2 $s1 1s 2s").0, 19);
    assert_eq!(err("connect s2").1, ADDR_FORMS);
}

#[test]
fn send_and_sendto() {
    assert_eq!(
        cmd(r#"send s1 "hello world\n""#),
        Command::Send {
            sock: id(1),
            payload: Payload::bytes(b"hello world\n".to_vec())
        }
    );
    assert_eq!(
        cmd("send s1 hex:48656c6c6f"),
        Command::Send {
            sock: id(1),
            payload: Payload::bytes(b"Hello".to_vec())
        }
    );
    assert_eq!(
        cmd("send s1 file:/tmp/big.bin"),
        Command::Send {
            sock: id(1),
            payload: Payload::File("/tmp/big.bin".into())
        }
    );
    assert_eq!(
        cmd(r#"sendto s1 *:9 hex:"ff 00""#),
        Command::SendTo {
            sock: id(1),
            addr: AddrSpec::Any(9),
            payload: Payload::bytes(vec![0xff, 0])
        }
    );
    assert_eq!(
        err("send s1"),
        (8, PAYLOAD_FORMS.into(), "end of line".into())
    );
    assert_eq!(err("send s1 hello").0, 9);
    assert_eq!(err(r#"send s1 "a" "b""#).0, 13);
    assert_eq!(err(r#"send s1 "a" # note"#).0, 13);
    assert_eq!(err("sendto s1 \"x\"").1, ADDR_FORMS);
    assert_eq!(err("sendto s1 *:1").1, PAYLOAD_FORMS);
}

#[test]
fn expect_forms() {
    assert_eq!(
        ok(r#"expect s1 "pong""#),
        Statement::Expect {
            sock: id(1),
            payload: Payload::bytes(b"pong".to_vec()),
            timeout: None
        }
    );
    assert_eq!(
        ok("expect s1 hex:00 100ms"),
        Statement::Expect {
            sock: id(1),
            payload: Payload::bytes(vec![0]),
            timeout: ms(100)
        }
    );
    assert_eq!(
        ok("expect c closed"),
        Statement::ExpectClosed {
            sock: name("c"),
            timeout: None
        }
    );
    assert_eq!(
        ok("expect c closed 3s"),
        Statement::ExpectClosed {
            sock: name("c"),
            timeout: ms(3000)
        }
    );
    assert_eq!(
        ok("expect closed closed"),
        Statement::ExpectClosed {
            sock: name("closed"),
            timeout: None
        }
    );
    assert_eq!(
        ok("expect c reset 2s"),
        Statement::ExpectReset {
            sock: name("c"),
            timeout: ms(2000)
        }
    );
    assert_eq!(
        ok("expect reset reset"),
        Statement::ExpectReset {
            sock: name("reset"),
            timeout: None
        }
    );
    let (col, expected, _) = err("expect s1 open");
    assert_eq!(col, 11);
    assert!(expected.ends_with("`closed` or `reset`"), "{expected}");
    assert_eq!(err("expect s1 closed x").1, DURATION_OR_END);
    assert_eq!(err(r#"expect s1 "x" 1s 1s"#).0, 18);
}

#[test]
fn respond_forms() {
    for (line, responder) in [
        ("respond s1 echo", Responder::Echo),
        ("respond s1 upper", Responder::Upper),
        ("respond s1 off", Responder::Off),
        (
            r#"respond s1 "HTTP/1.0 200 OK\r\n\r\n""#,
            Responder::Fixed(Payload::bytes(b"HTTP/1.0 200 OK\r\n\r\n".to_vec())),
        ),
        (
            "respond s1 file:reply.txt",
            Responder::Fixed(Payload::File("reply.txt".into())),
        ),
    ] {
        assert_eq!(
            cmd(line),
            Command::Respond {
                sock: id(1),
                responder
            },
            "{line}"
        );
    }
    let (col, expected, _) = err("respond s1 lower");
    assert_eq!(col, 12);
    assert!(expected.starts_with("`echo`, `upper`, `off` or a payload"));
    assert_eq!(err("respond s1 echo twice").0, 17);
}

#[test]
fn shutdown_and_sleep() {
    for (w, how) in [
        ("read", How::Read),
        ("write", How::Write),
        ("both", How::Both),
    ] {
        assert_eq!(
            cmd(&format!("shutdown s1 {w}")),
            Command::Shutdown { sock: id(1), how }
        );
    }
    assert_eq!(
        err("shutdown s1 half"),
        (13, "`read`, `write` or `both`".into(), "\"half\"".into())
    );
    assert_eq!(err("shutdown s1").0, 12);
    assert_eq!(
        ok("sleep 250ms"),
        Statement::Sleep(Duration::from_millis(250))
    );
    assert_eq!(
        ok("sleep 1.5s"),
        Statement::Sleep(Duration::from_millis(1500))
    );
    assert_eq!(
        err("sleep"),
        (
            6,
            "a duration (250ms, 2s, 1.5s)".into(),
            "end of line".into()
        )
    );
    assert_eq!(err("sleep 5").0, 7);
    assert_eq!(err("sleep 1s 2s").0, 10);
    let (col, expected, found) = err("sleep 99999999999999999999s");
    assert_eq!(col, 7);
    assert!(expected.starts_with("a duration up to"));
    assert!(found.ends_with("(too large)"));
    assert!(err("sleep 0.0000000001s").1.contains("at most 9 digits"));
}

#[test]
fn unknown_commands_list_the_valid_ones() {
    let (col, expected, found) = err("bnd s1 *:0");
    assert_eq!((col, found.as_str()), (1, "\"bnd\""));
    for c in COMMANDS {
        assert!(expected.contains(c.name), "{}", c.name);
    }
    assert_eq!(err("  Bind s1 *:0").0, 3);
    assert_eq!(err("\"socket\" tcp").0, 1);
    let e = parse_line("bnd s1").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("1:1: expected a command (socket, bind, ")
    );
    assert!(e.to_string().ends_with(", found \"bnd\""));
}

#[test]
fn columns_count_characters() {
    // `é` is two bytes but one column.
    assert_eq!(err("send é hello").0, 8);
    assert_eq!(err("send s1 \"é\\q\"").0, 11);
    assert_eq!(err("send\ts1\t\"abc").0, 9);
}

#[test]
fn scripts_number_their_lines() {
    let script = "\u{feff}# test\nsocket tcp as srv\r\n\n  bind srv 127.0.0.1:0  \nstatus";
    let lines = parse_script(script).unwrap();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0].line, 2);
    assert_eq!(lines[1].line, 4);
    assert_eq!(lines[1].text, "bind srv 127.0.0.1:0");
    assert_eq!(lines[2].stmt, Statement::Engine(Command::Status));
    assert_eq!(parse_script(""), Ok(vec![]));
}

#[test]
fn script_errors_stop_at_the_first_bad_line() {
    let e = parse_script("socket tcp\n\nbind s1 *:70000\nbnd\n").unwrap_err();
    assert_eq!((e.line, e.col), (3, 11));
    assert_eq!(
        e.with_file("x.sock"),
        "x.sock:3:11: expected a port number from 0 to 65535, found \"70000\" (out of range)"
    );
}

#[test]
fn single_words_for_input_fields() {
    use crate::lang::{parse_addr_word, parse_payload_word};
    assert_eq!(
        parse_addr_word(" 127.0.0.1:80 ").map(|a| a.to_string()),
        Ok("127.0.0.1:80".to_string())
    );
    let e = parse_addr_word("127.0.0.1:80 extra").unwrap_err();
    assert_eq!((e.expected.as_str(), e.col), ("end of line", 14));
    assert!(parse_addr_word("").is_err());
    assert!(parse_addr_word("nonsense").is_err());
    assert_eq!(
        parse_payload_word("hex:4142"),
        Ok(Payload::bytes(&b"AB"[..]))
    );
    assert_eq!(
        parse_payload_word("\"a\\tb\""),
        Ok(Payload::bytes(&b"a\tb"[..]))
    );
    assert!(parse_payload_word("\"open").is_err());
    assert!(parse_payload_word("\"a\" \"b\"").is_err());
}

#[test]
fn onclose_forms() {
    use crate::engine::OnClose;
    assert_eq!(
        cmd("onclose srv close"),
        Command::OnClose {
            sock: name("srv"),
            policy: OnClose::Close
        }
    );
    assert_eq!(
        cmd("onclose s1 keep"),
        Command::OnClose {
            sock: id(1),
            policy: OnClose::Keep
        }
    );
    assert_eq!(err("onclose s1 later").1, "`close` or `keep`");
    assert_eq!(err("onclose s1 keep now").1, "end of line");
}
