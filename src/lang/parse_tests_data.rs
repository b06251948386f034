//! Unit tests of the parser, continued: sending, expecting and responding, shutdown and
//! sleep, unknown words, whole scripts and the single-word fields of the app.

use super::*;

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
