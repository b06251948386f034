//! The printer: statements and engine commands written back as command lines, in the
//! canonical form that [`super::parse_line`] reads back as an equal value.
//!
//! Defaults are left out (`socket tcp` for IPv4, no duration when none was given);
//! payloads print as [`payload_text`] does, durations as [`duration_text`] does.

use std::fmt;

use crate::engine::{Command, Family, Proto, Responder};

use super::Statement;
use super::duration::duration_text;
use super::payload::{checked_payload_text, checked_text, payload_text};

/// ` DURATION` when there is one.
struct OptDuration(Option<std::time::Duration>);

impl fmt::Display for OptDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, " {}", duration_text(d)),
            None => Ok(()),
        }
    }
}

/// A responder as the last word of `respond`: `echo`, `upper`, `off` or a payload.
pub fn responder_text(r: &Responder) -> String {
    match r {
        Responder::Off => "off".to_string(),
        Responder::Echo => "echo".to_string(),
        Responder::Upper => "upper".to_string(),
        Responder::Fixed(p) => payload_text(p),
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Socket {
                proto,
                family,
                name,
            } => {
                match proto {
                    Proto::UnixStream => f.write_str("socket unix")?,
                    Proto::UnixDgram => f.write_str("socket unix dgram")?,
                    _ => write!(f, "socket {proto}")?,
                }
                if *family == Family::V6 {
                    f.write_str(" v6")?;
                }
                match name {
                    Some(n) => write!(f, " as {n}"),
                    None => Ok(()),
                }
            }
            Command::Bind { sock, addr } => write!(f, "bind {sock} {addr}"),
            Command::Listen { sock, backlog } => match backlog {
                Some(b) => write!(f, "listen {sock} {b}"),
                None => write!(f, "listen {sock}"),
            },
            Command::Accept {
                sock,
                name,
                timeout,
            } => {
                write!(f, "accept {sock}")?;
                if let Some(n) = name {
                    write!(f, " as {n}")?;
                }
                write!(f, "{}", OptDuration(*timeout))
            }
            Command::AcceptAuto { sock, on: true } => write!(f, "accept {sock} auto"),
            Command::AcceptAuto { sock, on: false } => write!(f, "accept {sock} auto off"),
            Command::Connect {
                sock,
                addr,
                timeout,
            } => write!(f, "connect {sock} {addr}{}", OptDuration(*timeout)),
            Command::Send { sock, payload } => {
                write!(f, "send {sock} {}", checked_payload_text(payload))
            }
            Command::SendTo {
                sock,
                addr,
                payload,
            } => write!(f, "sendto {sock} {addr} {}", checked_payload_text(payload)),
            Command::Respond { sock, responder } => {
                write!(f, "respond {sock} {}", responder_text(responder))
            }
            Command::Shutdown { sock, how } => write!(f, "shutdown {sock} {how}"),
            Command::Close { sock } => write!(f, "close {sock}"),
            Command::Status => f.write_str("status"),
            Command::StatusOf { sock } => write!(f, "status {sock}"),
            other => {
                super::print_tools::write_more(other, f)?;
                Ok(())
            }
        }
    }
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Engine(cmd) => write!(f, "{cmd}"),
            Statement::Expect {
                sock,
                payload,
                timeout,
            } => write!(
                f,
                "expect {sock} {}{}",
                payload_text(payload),
                OptDuration(*timeout)
            ),
            Statement::ExpectClosed { sock, timeout } => {
                write!(f, "expect {sock} closed{}", OptDuration(*timeout))
            }
            Statement::ExpectReset { sock, timeout } => {
                write!(f, "expect {sock} reset{}", OptDuration(*timeout))
            }
            Statement::Sleep(d) => write!(f, "sleep {}", duration_text(*d)),
            Statement::Packet(op) => write!(f, "{op}"),
            Statement::Stress(s) => write!(f, "{s}"),
        }
    }
}

impl fmt::Display for super::PacketOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            super::PacketOp::Save { name, payload, to } => {
                write!(f, "packet save {name} {}", checked_text(payload))?;
                if let Some(a) = to {
                    write!(f, " to {a}")?;
                }
                Ok(())
            }
            super::PacketOp::Del(name) => write!(f, "packet del {name}"),
            super::PacketOp::List => f.write_str("packet list"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::engine::{AddrSpec, How, Payload, Proto, SockId, SockRef};
    use crate::lang::parse_line;

    fn id(n: u32) -> SockRef {
        SockRef::Id(SockId(n))
    }

    fn check(stmt: Statement, text: &str) {
        assert_eq!(stmt.to_string(), text);
        assert_eq!(parse_line(text), Ok(Some(stmt)));
    }

    fn cmd(c: Command, text: &str) {
        check(Statement::Engine(c), text);
    }

    #[test]
    fn lifecycle_commands_print_canonically() {
        cmd(
            Command::Socket {
                proto: Proto::Tcp,
                family: Family::V4,
                name: None,
            },
            "socket tcp",
        );
        cmd(
            Command::Socket {
                proto: Proto::Udp,
                family: Family::V6,
                name: Some("srv".into()),
            },
            "socket udp v6 as srv",
        );
        cmd(
            Command::Bind {
                sock: id(1),
                addr: AddrSpec::Any(0),
            },
            "bind s1 *:0",
        );
        cmd(
            Command::Listen {
                sock: id(1),
                backlog: Some(5),
            },
            "listen s1 5",
        );
        cmd(
            Command::Accept {
                sock: SockRef::Name("srv".into()),
                name: Some("c".into()),
                timeout: Some(Duration::from_millis(1500)),
            },
            "accept srv as c 1.5s",
        );
        cmd(
            Command::AcceptAuto {
                sock: id(1),
                on: true,
            },
            "accept s1 auto",
        );
        cmd(
            Command::AcceptAuto {
                sock: id(1),
                on: false,
            },
            "accept s1 auto off",
        );
        cmd(
            Command::Connect {
                sock: id(2),
                addr: AddrSpec::LocalOf(id(1)),
                timeout: None,
            },
            "connect s2 $s1",
        );
    }

    #[test]
    fn data_and_ending_commands_print_canonically() {
        cmd(
            Command::SendTo {
                sock: id(2),
                addr: AddrSpec::Host("localhost".into(), 9),
                payload: Payload::bytes(b"hi\n".to_vec()),
            },
            r#"sendto s2 localhost:9 "hi\n""#,
        );
        cmd(
            Command::Respond {
                sock: id(1),
                responder: Responder::Fixed(Payload::File("/a b".into())),
            },
            r#"respond s1 file:"/a b""#,
        );
        cmd(
            Command::Respond {
                sock: id(1),
                responder: Responder::Upper,
            },
            "respond s1 upper",
        );
        cmd(
            Command::Shutdown {
                sock: id(1),
                how: How::Write,
            },
            "shutdown s1 write",
        );
        cmd(Command::Close { sock: id(3) }, "close s3");
        cmd(Command::Status, "status");
    }

    #[test]
    fn statements_print_canonically() {
        check(
            Statement::Expect {
                sock: id(1),
                payload: Payload::bytes(vec![0, 1, 2]),
                timeout: Some(Duration::from_millis(250)),
            },
            "expect s1 hex:000102 250ms",
        );
        check(
            Statement::ExpectClosed {
                sock: id(1),
                timeout: None,
            },
            "expect s1 closed",
        );
        check(Statement::Sleep(Duration::from_secs(2)), "sleep 2s");
    }
}
