//! The parser: one line to a [`Statement`], a whole script to numbered [`ScriptLine`]s.

use std::time::Duration;

use crate::engine::{AddrSpec, Command, Family, How, Payload, Proto, Responder, SockRef};

use super::Statement;
use super::address::{ADDR_FORMS, parse_addr};
use super::duration::{DurationError, parse_duration};
use super::error::{ParseError, Src, quote_found};
use super::help::COMMANDS;
use super::lexer::{Lexer, Token, is_blank};
use super::payload::{PAYLOAD_FORMS, parse_payload};
use super::sockref::{SOCK_FORMS, parse_new_name, parse_sock};
use crate::packets::Library;

/// One statement of a script, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptLine {
    /// 1-based line number in the script.
    pub line: usize,
    /// The line's text, without its line ending and surrounding blanks.
    pub text: String,
    /// What the line says.
    pub stmt: Statement,
}

/// Parses one line. `Ok(None)` for a blank line or a comment (first non-blank character
/// `#`). Errors report line 1.
pub fn parse_line(line: &str) -> Result<Option<Statement>, ParseError> {
    parse_with(line, None)
}

/// Parses one line where `@NAME` payloads are the packets of `lib`.
pub fn parse_line_in(line: &str, lib: &Library) -> Result<Option<Statement>, ParseError> {
    parse_with(line, Some(lib))
}

fn parse_with(line: &str, packets: Option<&Library>) -> Result<Option<Statement>, ParseError> {
    let body = line.trim_start_matches(is_blank);
    if body.is_empty() || body.starts_with('#') {
        return Ok(None);
    }
    let mut p = Parser {
        src: Src { line },
        lex: Lexer::new(Src { line }),
        packets,
    };
    p.statement().map(Some)
}

/// Parses a whole script (lines end with `\n` or `\r\n`; a leading byte-order mark is
/// skipped), keeping only the lines that hold a statement. Stops at the first error,
/// which reports its line number.
pub fn parse_script(text: &str) -> Result<Vec<ScriptLine>, ParseError> {
    script_with(text, None)
}

/// Parses a whole script where `@NAME` payloads are the packets of `lib` as the script
/// goes: a `packet save` or `packet del` line changes what the lines after it see (in a
/// copy; the runner changes the library itself when it runs the line).
pub fn parse_script_in(text: &str, lib: &Library) -> Result<Vec<ScriptLine>, ParseError> {
    script_with(text, Some(lib.clone()))
}

fn script_with(text: &str, mut lib: Option<Library>) -> Result<Vec<ScriptLine>, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let parsed = parse_with(line, lib.as_ref());
        if let (Ok(Some(Statement::Packet(op))), Some(l)) = (&parsed, lib.as_mut()) {
            let _ = crate::packets::apply(l, op);
        }
        match parsed {
            Ok(Some(stmt)) => out.push(ScriptLine {
                line: i + 1,
                text: line.trim_matches(is_blank).to_string(),
                stmt,
            }),
            Ok(None) => {}
            Err(mut e) => {
                e.line = i + 1;
                return Err(e);
            }
        }
    }
    Ok(out)
}

/// Parses `text` as exactly one word of type `what` (an address, a payload): the whole of
/// an input field, read as a console line would read it in that place.
fn parse_word<T>(
    text: &str,
    what: &str,
    parse: impl FnOnce(Src<'_>, &Token<'_>) -> Result<T, ParseError>,
) -> Result<T, ParseError> {
    let src = Src { line: text };
    let mut lex = Lexer::new(src);
    let Some(tok) = lex.next_token()? else {
        return Err(src.at_end(what));
    };
    let value = parse(src, &tok)?;
    match lex.next_token()? {
        None => Ok(value),
        Some(extra) => Err(src.at_text(extra.start, END, extra.text)),
    }
}

/// Parses one address, as a command's `ADDR` (`127.0.0.1:80`, `[::1]:80`, `*:0`,
/// `localhost:80`, `$ID`, `/path`, `@name`), for input fields.
pub fn parse_addr_word(text: &str) -> Result<AddrSpec, ParseError> {
    parse_word(text, ADDR_FORMS, parse_addr)
}

/// Parses one payload, as a command's `PAYLOAD` (`"text\n"`, `hex:4142`, `file:PATH`), for
/// input fields.
pub fn parse_payload_word(text: &str) -> Result<Payload, ParseError> {
    parse_word(text, PAYLOAD_FORMS, |src, tok| {
        parse_payload(src, tok, PAYLOAD_FORMS)
    })
}

const END: &str = "end of line";
const DURATION_OR_END: &str = "a duration (250ms, 2s) or end of line";

/// `expected` for an unknown command word: every valid one.
fn command_forms() -> String {
    let names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
    format!("a command ({})", names.join(", "))
}

/// Whether the next word is the bare keyword `word`.
fn is_word(tok: Option<&Token<'_>>, word: &str) -> bool {
    tok.is_some_and(|t| t.text == word)
}

/// The words of one line and the position-aware errors about them.
struct Parser<'a> {
    src: Src<'a>,
    lex: Lexer<'a>,
    /// The packets `@NAME` names, when there is a library.
    packets: Option<&'a Library>,
}

impl<'a> Parser<'a> {
    fn next(&mut self) -> Result<Option<Token<'a>>, ParseError> {
        self.lex.next_token()
    }

    /// The next word, or an error saying what was `expected` instead of the line's end.
    fn need(&mut self, expected: &str) -> Result<Token<'a>, ParseError> {
        match self.next()? {
            Some(t) => Ok(t),
            None => Err(self.src.at_end(expected)),
        }
    }

    fn unexpected(&self, tok: &Token<'_>, expected: &str) -> ParseError {
        self.src.at_text(tok.start, expected, tok.text)
    }

    /// Checks that the line has no more words.
    fn end(&mut self) -> Result<(), ParseError> {
        match self.next()? {
            None => Ok(()),
            Some(t) => Err(self.unexpected(&t, END)),
        }
    }

    /// Like [`Parser::end`] for a word already read.
    fn end_at(&self, tok: Option<Token<'_>>, expected: &str) -> Result<(), ParseError> {
        match tok {
            None => Ok(()),
            Some(t) => Err(self.unexpected(&t, expected)),
        }
    }

    fn sock(&mut self) -> Result<SockRef, ParseError> {
        let t = self.need(SOCK_FORMS)?;
        self.sock_of(&t)
    }

    /// A socket reference in a word already read.
    fn sock_of(&self, t: &Token<'_>) -> Result<SockRef, ParseError> {
        match t.bare() {
            Some(text) => parse_sock(self.src, text, t.start),
            None => Err(self.unexpected(t, SOCK_FORMS)),
        }
    }

    fn addr(&mut self) -> Result<AddrSpec, ParseError> {
        let t = self.need(ADDR_FORMS)?;
        parse_addr(self.src, &t)
    }

    /// A payload sent as it is (checksum variables filled in now).
    fn payload(&mut self) -> Result<Payload, ParseError> {
        let t = self.need(PAYLOAD_FORMS)?;
        self.fixed_payload_of(&t, PAYLOAD_FORMS)
    }

    /// The NAME after `as`.
    fn name(&mut self) -> Result<String, ParseError> {
        let t = self.need("a name after `as`")?;
        parse_new_name(self.src, t.text, t.start)
    }

    /// An optional `as NAME` at `t`: the name, and `t` moved on to the word after it.
    fn as_name(&mut self, t: &mut Option<Token<'a>>) -> Result<Option<String>, ParseError> {
        if !is_word(t.as_ref(), "as") {
            return Ok(None);
        }
        let name = self.name()?;
        *t = self.next()?;
        Ok(Some(name))
    }

    /// A word as a duration; `expected` is the error when it is no duration at all.
    fn duration_of(&self, tok: &Token<'_>, expected: &str) -> Result<Duration, ParseError> {
        match parse_duration(tok.text) {
            Ok(d) => Ok(d),
            Err(DurationError::Malformed) => Err(self.unexpected(tok, expected)),
            Err(DurationError::TooLarge) => Err(self.src.at(
                tok.start,
                "a duration up to 18446744073709551615s",
                format!("{} (too large)", quote_found(tok.text)),
            )),
            Err(DurationError::TooPrecise) => Err(self.src.at(
                tok.start,
                "a duration with at most 9 digits after the point of seconds (6 of ms)",
                quote_found(tok.text),
            )),
        }
    }

    /// The next word as a duration; `expected` is the error when it is missing or no duration.
    fn duration(&mut self, expected: &str) -> Result<Duration, ParseError> {
        let t = self.need(expected)?;
        self.duration_of(&t, expected)
    }

    /// An optional last word that is a duration.
    fn last_duration(&mut self) -> Result<Option<Duration>, ParseError> {
        self.last(|p, t| p.duration_of(&t, DURATION_OR_END))
    }

    fn statement(&mut self) -> Result<Statement, ParseError> {
        let word = self.need("a command")?;
        let cmd = match word.text {
            "socket" => self.socket()?,
            "bind" => {
                let sock = self.sock()?;
                let addr = self.addr()?;
                self.end()?;
                Command::Bind { sock, addr }
            }
            "listen" => self.listen()?,
            "accept" => self.accept()?,
            "connect" => {
                let sock = self.sock()?;
                let addr = self.addr()?;
                let timeout = self.last_duration()?;
                Command::Connect {
                    sock,
                    addr,
                    timeout,
                }
            }
            "send" => {
                let sock = self.sock()?;
                let payload = self.sent_payload()?;
                self.end()?;
                Command::Send { sock, payload }
            }
            "sendto" => {
                let sock = self.sock()?;
                let addr = self.addr()?;
                let payload = self.sent_payload()?;
                self.end()?;
                Command::SendTo {
                    sock,
                    addr,
                    payload,
                }
            }
            "expect" => return self.expect_stmt(),
            "packet" => return self.packet_stmt(),
            "stress" => return self.stress_stmt(&word),
            "respond" => self.respond()?,
            "shutdown" => self.shutdown()?,
            "close" => {
                let sock = self.sock()?;
                self.end()?;
                Command::Close { sock }
            }
            "sleep" => return self.sleep(),
            "status" => match self.last(|p, t| p.sock_of(&t))? {
                None => Command::Status,
                Some(sock) => Command::StatusOf { sock },
            },
            _ => match self.more(&word)? {
                Some(cmd) => cmd,
                None => return Err(self.unexpected(&word, &command_forms())),
            },
        };
        Ok(Statement::Engine(cmd))
    }

    /// `shutdown ID read|write|both`.
    fn shutdown(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        const HOW: &str = "`read`, `write` or `both`";
        let t = self.need(HOW)?;
        let how = match t.text {
            "read" => How::Read,
            "write" => How::Write,
            "both" => How::Both,
            _ => return Err(self.unexpected(&t, HOW)),
        };
        self.end()?;
        Ok(Command::Shutdown { sock, how })
    }

    /// `sleep DURATION`.
    fn sleep(&mut self) -> Result<Statement, ParseError> {
        let d = self.duration("a duration (250ms, 2s, 1.5s)")?;
        self.end()?;
        Ok(Statement::Sleep(d))
    }

    /// `socket tcp|udp [v4|v6] [as NAME]` and `socket unix [stream|dgram] [as NAME]`
    fn socket(&mut self) -> Result<Command, ParseError> {
        const PROTO: &str = "`tcp`, `udp` or `unix`";
        let t = self.need(PROTO)?;
        let (mut proto, mut family) = match t.text {
            "tcp" => (Proto::Tcp, Family::V4),
            "udp" => (Proto::Udp, Family::V4),
            "unix" => (Proto::UnixStream, Family::Unix),
            _ => return Err(self.unexpected(&t, PROTO)),
        };
        let mut expected = if family == Family::Unix {
            "`stream`, `dgram`, `as NAME` or end of line"
        } else {
            "`v4`, `v6`, `as NAME` or end of line"
        };
        let mut t = self.next()?;
        let word = t.as_ref().map(|t| t.text);
        let variant = match (family, word) {
            (Family::Unix, Some("stream")) => Some((Proto::UnixStream, Family::Unix)),
            (Family::Unix, Some("dgram")) => Some((Proto::UnixDgram, Family::Unix)),
            (Family::V4, Some("v4")) => Some((proto, Family::V4)),
            (Family::V4, Some("v6")) => Some((proto, Family::V6)),
            _ => None,
        };
        if let Some((p, f)) = variant {
            proto = p;
            family = f;
            expected = "`as NAME` or end of line";
            t = self.next()?;
        }
        let name = self.as_name(&mut t)?;
        if name.is_some() {
            expected = END;
        }
        self.end_at(t, expected)?;
        Ok(Command::Socket {
            proto,
            family,
            name,
        })
    }

    /// `listen ID [BACKLOG]`
    fn listen(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        let backlog = self.last(|p, t| {
            if t.text.is_empty() || !t.text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(p.unexpected(&t, "a backlog (a number) or end of line"));
            }
            t.text.parse::<u32>().map_err(|_| {
                p.src.at(
                    t.start,
                    format!("a backlog from 0 to {}", u32::MAX),
                    format!("{} (out of range)", quote_found(t.text)),
                )
            })
        })?;
        Ok(Command::Listen { sock, backlog })
    }

    /// `accept ID [as NAME] [DURATION]` and `accept ID auto [on|off]`
    fn accept(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        let mut t = self.next()?;
        if is_word(t.as_ref(), "auto") {
            const ON_OFF: &str = "`on`, `off` or end of line";
            let on = self.last(|p, w| match w.text {
                "on" => Ok(true),
                "off" => Ok(false),
                _ => Err(p.unexpected(&w, ON_OFF)),
            })?;
            return Ok(Command::AcceptAuto {
                sock,
                on: on.unwrap_or(true),
            });
        }
        let name = self.as_name(&mut t)?;
        let expected = match name {
            Some(_) => DURATION_OR_END,
            None => "`as NAME`, `auto`, a duration (250ms, 2s) or end of line",
        };
        let timeout = self.last_of(t, |p, w| p.duration_of(&w, expected))?;
        Ok(Command::Accept {
            sock,
            name,
            timeout,
        })
    }

    /// `expect ID PAYLOAD [DURATION]`, `expect ID closed [DURATION]` and
    /// `expect ID reset [DURATION]`
    fn expect_stmt(&mut self) -> Result<Statement, ParseError> {
        let sock = self.sock()?;
        let expected = format!("{PAYLOAD_FORMS}, `closed` or `reset`");
        let t = self.need(&expected)?;
        let payload = match t.text {
            "closed" | "reset" => None,
            _ => Some(self.fixed_payload_of(&t, &expected)?),
        };
        let timeout = self.last_duration()?;
        Ok(match payload {
            Some(payload) => Statement::Expect {
                sock,
                payload,
                timeout,
            },
            None if t.text == "closed" => Statement::ExpectClosed { sock, timeout },
            None => Statement::ExpectReset { sock, timeout },
        })
    }

    /// `respond ID echo|upper|off|PAYLOAD`
    fn respond(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        let expected = format!("`echo`, `upper`, `off` or {PAYLOAD_FORMS}");
        let t = self.need(&expected)?;
        let responder = match t.text {
            "echo" => Responder::Echo,
            "upper" => Responder::Upper,
            "off" => Responder::Off,
            _ => Responder::Fixed(self.fixed_payload_of(&t, &expected)?),
        };
        self.end()?;
        Ok(Command::Respond { sock, responder })
    }
}

#[path = "parse_tools.rs"]
mod tools;

#[path = "parse_packets.rs"]
mod packets;
pub use packets::is_packet_name;
#[path = "parse_relay.rs"]
mod relay;
#[path = "parse_stress.rs"]
mod stress;
#[path = "parse_tail.rs"]
mod tail;
#[path = "parse_tls.rs"]
mod tls;

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
