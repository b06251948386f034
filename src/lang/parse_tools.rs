//! The parser, continued: the commands beyond the core lifecycle — framing, step mode,
//! rule tables, greetings, timed sends, socket options, multicast and abort
//! (the families-and-options section of the contract).
//!
//! Forms:
//! - `frame ID raw|lines|crlf|len1|len2be|len2le|len4be|len4le`, `frame ID delim PAYLOAD`,
//!   `frame ID fixed N`
//! - `recvsize ID N` (1–65536), `recvmode ID auto|manual`, `recv ID [N]`, `ready ID`
//! - `rule ID add any reply TEMPLATE [close]`,
//!   `rule ID add exact|contains|prefix|regex PATTERN reply TEMPLATE [close]`, `rule ID clear`
//!   (PATTERN and TEMPLATE are inline payloads, not `file:`; a regex must be UTF-8);
//!   `rule ID add checksum ALG ok|bad reply TEMPLATE`; `… reply TEMPLATE checksum ALG`
//! - `greet ID PAYLOAD [close]`, `greet ID off`
//! - `repeat ID COUNT|forever INTERVAL PAYLOAD [to ADDR]`, `repeat ID stop`
//! - `chunked ID SIZE DELAY PAYLOAD`
//! - `option ID NAME [VALUE]` (on|off for switches, a number otherwise, `off` or seconds
//!   for linger), `join ID GROUP [INTERFACE]`, `leave ID GROUP [INTERFACE]`, `abort ID`

use std::net::IpAddr;

use crate::engine::{
    Command, FloodLimit, Framing, LenMatch, MAX_FRAME, Match, OptValue, Payload, Rule, SockOpt,
    SockRef,
};

use super::super::payload::{PAYLOAD_FORMS, parse_payload};
use super::Parser;
use crate::lang::error::{ParseError, quote_found};
use crate::lang::lexer::Token;

const FRAMINGS: &str = "`raw`, `lines`, `crlf`, `delim PAYLOAD`, `len1`, `len2be`, `len2le`, `len4be`, `len4le` or `fixed N`";

/// The length-header framings: word, header width in bytes, big-endian.
const LENGTH_HEADERS: [(&str, u8, bool); 5] = [
    ("len1", 1, true),
    ("len2be", 2, true),
    ("len2le", 2, false),
    ("len4be", 4, true),
    ("len4le", 4, false),
];

/// The most bytes a `recv`, a `recvsize` and a flood message take: the engine's limit.
const RECV_MAX: u64 = crate::engine::RECV_MAX as u64;

impl<'a> Parser<'a> {
    /// Parses the commands of this file; `None` when `word` is none of them.
    pub(super) fn more(&mut self, word: &Token<'a>) -> Result<Option<Command>, ParseError> {
        let cmd = match word.text {
            "frame" => self.frame()?,
            "recvsize" => {
                let sock = self.sock()?;
                let size =
                    self.number("a receive size in bytes (1 to 65536)", 1, RECV_MAX)? as usize;
                self.end()?;
                Command::RecvSize { sock, size }
            }
            "recvmode" => {
                let sock = self.sock()?;
                let manual =
                    self.choice("`auto` or `manual`", &[("auto", false), ("manual", true)])?;
                self.end()?;
                Command::RecvMode { sock, manual }
            }
            "recv" => self.recv()?,
            "ready" => Command::Ready {
                sock: self.sock_alone()?,
            },
            "rule" => self.rule()?,
            "greet" => self.greet()?,
            "repeat" => self.repeat()?,
            "chunked" => self.chunked()?,
            "option" => self.option()?,
            "join" => self.membership(true)?,
            "leave" => self.membership(false)?,
            "flood" => self.flood()?,
            "tls" => self.tls()?,
            "stats" => Command::Stats {
                sock: self.sock_alone()?,
            },
            "abort" => Command::Abort {
                sock: self.sock_alone()?,
            },
            "onclose" => self.onclose()?,
            _ => return self.relay_more(word),
        };
        Ok(Some(cmd))
    }

    /// A socket and the end of the line (`ready ID`, `stats ID`, `abort ID`).
    fn sock_alone(&mut self) -> Result<SockRef, ParseError> {
        let sock = self.sock()?;
        self.end()?;
        Ok(sock)
    }

    /// `recv ID [N]`.
    fn recv(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        const MAX: &str = "a byte count (1 to 65536) or end of line";
        let max = self.last(|p, t| p.number_of(&t, MAX, 1, RECV_MAX))?;
        Ok(Command::Recv {
            sock,
            max: max.map(|n| n as usize),
        })
    }

    /// `greet ID PAYLOAD [close]`, `greet ID off`.
    fn greet(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        let expected = format!("{PAYLOAD_FORMS} or `off`");
        let t = self.need(&expected)?;
        if t.text == "off" {
            self.end()?;
            return Ok(Command::Greet {
                sock,
                greeting: None,
                close: false,
            });
        }
        let p = self.fixed_payload_of(&t, &expected)?;
        let close = self.close_flag()?;
        Ok(Command::Greet {
            sock,
            greeting: Some(p),
            close,
        })
    }

    /// `chunked ID SIZE DELAY PAYLOAD`.
    fn chunked(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        let size = self.number("a piece size in bytes", 1, u32::MAX.into())? as usize;
        let delay = self.duration("a delay (250ms, 1s)")?;
        let payload = self.payload()?;
        self.end()?;
        Ok(Command::Chunked {
            sock,
            size,
            delay,
            payload,
        })
    }

    /// `join ID GROUP [INTERFACE]` (`join`), `leave ID GROUP [INTERFACE]`.
    fn membership(&mut self, join: bool) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        const GROUP: &str = "a multicast group address (239.1.2.3, ff02::1)";
        let t = self.need(GROUP)?;
        let group: IpAddr = t.text.parse().map_err(|_| self.unexpected(&t, GROUP))?;
        let iface = self.last(|p, t| {
            let ok = t.bare().is_some_and(|w| {
                w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".:-_%".contains(c))
            });
            if !ok {
                return Err(
                    p.unexpected(&t, "an interface (address, name or index) or end of line")
                );
            }
            Ok(t.text.to_string())
        })?;
        Ok(if join {
            Command::Join { sock, group, iface }
        } else {
            Command::Leave { sock, group, iface }
        })
    }

    /// `onclose ID close|keep`.
    fn onclose(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        const POLICY: &str = "`close` or `keep`";
        let t = self.need(POLICY)?;
        let policy = match t.text {
            "close" => crate::engine::OnClose::Close,
            "keep" => crate::engine::OnClose::Keep,
            _ => return Err(self.unexpected(&t, POLICY)),
        };
        self.end()?;
        Ok(Command::OnClose { sock, policy })
    }

    /// A whole number in `min..=max`.
    fn number(&mut self, expected: &str, min: u64, max: u64) -> Result<u64, ParseError> {
        let t = self.need(expected)?;
        self.number_of(&t, expected, min, max)
    }

    fn number_of(
        &self,
        t: &Token<'_>,
        expected: &str,
        min: u64,
        max: u64,
    ) -> Result<u64, ParseError> {
        if t.text.is_empty() || !t.text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.unexpected(t, expected));
        }
        match t.text.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(self.src.at(
                t.start,
                format!("a number from {min} to {max}"),
                format!("{} (out of range)", quote_found(t.text)),
            )),
        }
    }

    /// One of the given keywords.
    pub(super) fn choice<T: Copy>(
        &mut self,
        expected: &str,
        options: &[(&str, T)],
    ) -> Result<T, ParseError> {
        let t = self.need(expected)?;
        options
            .iter()
            .find(|(w, _)| *w == t.text)
            .map(|(_, v)| *v)
            .ok_or_else(|| self.unexpected(&t, expected))
    }

    /// An optional last word `close`.
    fn close_flag(&mut self) -> Result<bool, ParseError> {
        let close = self.last_after("close", "`close` or end of line", |_| Ok(()))?;
        Ok(close.is_some())
    }

    /// An inline payload (text, hex or `@NAME`), for templates.
    pub(super) fn inline(&mut self, expected: &str) -> Result<Vec<u8>, ParseError> {
        let t = self.need(expected)?;
        match self.payload_of(&t, expected)? {
            Payload::Bytes(b) => Ok(b.to_vec()),
            Payload::File(_) => {
                Err(self.unexpected(&t, &format!("{expected} (inline, not file:)")))
            }
        }
    }

    fn frame(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        let t = self.need(FRAMINGS)?;
        let framing = match t.text {
            "raw" => Framing::Raw,
            "lines" => Framing::Delimited(b"\n".to_vec()),
            "crlf" => Framing::Delimited(b"\r\n".to_vec()),
            w if let Some(&(_, width, big_endian)) = LENGTH_HEADERS.iter().find(|h| h.0 == w) => {
                Framing::LengthPrefixed { width, big_endian }
            }
            "delim" => {
                let d = self.inline("a delimiter (\"\\n\", hex:00)")?;
                if d.is_empty() {
                    return Err(self.src.at_end("a delimiter of at least one byte"));
                }
                Framing::Delimited(d)
            }
            "fixed" => {
                Framing::Fixed(self.number("a message size in bytes", 1, MAX_FRAME as u64)? as usize)
            }
            _ => return Err(self.unexpected(&t, FRAMINGS)),
        };
        self.end()?;
        Ok(Command::Frame { sock, framing })
    }

    fn rule(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        let what = self.choice("`add` or `clear`", &[("add", true), ("clear", false)])?;
        if !what {
            self.end()?;
            return Ok(Command::RuleClear { sock });
        }
        const KINDS: &str = "`any`, `exact`, `contains`, `prefix`, `regex`, `len` or `checksum`";
        let k = self.need(KINDS)?;
        let on = match k.text {
            "any" => Match::Any,
            "exact" => Match::Exact(self.pattern()?),
            "contains" => Match::Contains(self.pattern()?),
            "prefix" => Match::Prefix(self.pattern()?),
            "regex" => {
                let t = self.need("a regular expression in quotes")?;
                let bytes = match parse_payload(self.src, &t, "a regular expression in quotes")? {
                    Payload::Bytes(b) => b,
                    Payload::File(_) => {
                        return Err(self.unexpected(&t, "a regular expression in quotes"));
                    }
                };
                match String::from_utf8(bytes.to_vec()) {
                    Ok(s) => Match::Regex(s),
                    Err(_) => return Err(self.unexpected(&t, "a regular expression in UTF-8")),
                }
            }
            "len" => {
                const LEN: &str = "a length: `even`, `odd`, N, <N or >N (bytes)";
                let t = self.need(LEN)?;
                match t.text.parse::<LenMatch>() {
                    Ok(l) => Match::Len(l),
                    Err(_) => return Err(self.unexpected(&t, LEN)),
                }
            }
            "checksum" => self.checksum_match()?,
            _ => return Err(self.unexpected(&k, KINDS)),
        };
        let r = self.need("`reply`")?;
        if r.text != "reply" {
            return Err(self.unexpected(&r, "`reply`"));
        }
        let reply = self.inline("a reply template (\"OK {data}\")")?;
        let reply = self.opt_checksum(reply)?;
        let close = self.close_flag()?;
        Ok(Command::RuleAdd {
            sock,
            rule: Rule { on, reply, close },
        })
    }

    fn repeat(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        const COUNT: &str = "a count, `forever` or `stop`";
        let t = self.need(COUNT)?;
        let count = match t.text {
            "stop" => {
                self.end()?;
                return Ok(Command::RepeatStop { sock });
            }
            "forever" => None,
            _ => Some(self.number_of(&t, COUNT, 1, u64::MAX)?),
        };
        let every = self.duration("an interval (100ms, 1s)")?;
        let payload = self.sent_payload()?;
        let to = self.opt_to()?;
        Ok(Command::Repeat {
            sock,
            count,
            every,
            payload,
            to,
        })
    }

    /// An optional last `to ADDR`.
    pub(super) fn opt_to(&mut self) -> Result<Option<crate::engine::AddrSpec>, ParseError> {
        self.last_after("to", "`to ADDR` or end of line", Self::addr)
    }

    /// `flood ID SIZE max|N/s COUNT|DURATION [to ADDR]`
    fn flood(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        let size = self.number("a message size in bytes (1 to 65536)", 1, RECV_MAX)? as usize;
        const RATE: &str = "`max` or a rate in sends per second (1000/s)";
        let t = self.need(RATE)?;
        let rate = match t.text {
            "max" => None,
            text => match text.strip_suffix("/s") {
                Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                    match n.parse::<u64>() {
                        Ok(r) if r > 0 => Some(r),
                        _ => return Err(self.unexpected(&t, RATE)),
                    }
                }
                _ => return Err(self.unexpected(&t, RATE)),
            },
        };
        const LIMIT: &str = "a count of sends or a duration (10s)";
        let t = self.need(LIMIT)?;
        let limit = if t.text.bytes().all(|b| b.is_ascii_digit()) {
            FloodLimit::Count(self.number_of(&t, LIMIT, 1, u64::MAX)?)
        } else {
            FloodLimit::Time(self.duration_of(&t, LIMIT)?)
        };
        let to = self.opt_to()?;
        Ok(Command::Flood {
            sock,
            size,
            rate,
            limit,
            to,
        })
    }

    fn option(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        let names: Vec<&str> = SockOpt::ALL.iter().map(|o| o.name()).collect();
        let expected = format!("an option ({})", names.join(", "));
        let t = self.need(&expected)?;
        let opt = SockOpt::from_name(t.text).ok_or_else(|| self.unexpected(&t, &expected))?;
        let value = self.last(|p, v| {
            let form = format!("{} or end of line", opt.value_form());
            Ok(match (v.text, opt) {
                ("on" | "1", o) if o.is_bool() => OptValue::Bool(true),
                ("off" | "0", o) if o.is_bool() => OptValue::Bool(false),
                (_, o) if o.is_bool() => return Err(p.unexpected(&v, &form)),
                ("off", SockOpt::Linger) => OptValue::Off,
                _ => OptValue::Num(p.number_of(&v, &form, 0, u32::MAX.into())? as u32),
            })
        })?;
        Ok(Command::SetOption { sock, opt, value })
    }
}

#[cfg(test)]
#[path = "parse_tools_tests.rs"]
mod tests;
