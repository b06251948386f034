//! Unit tests of the parser: every command form and every error, with line and column.

use std::net::SocketAddr;
use std::time::Duration;

use super::*;
use crate::engine::{Addr, SockId};
use crate::lang::test_lines::cmd;

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

#[path = "parse_tests_data.rs"]
mod data;
