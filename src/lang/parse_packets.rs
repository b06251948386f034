//! The parser, continued: the packet library and checksums — `@NAME` wherever a PAYLOAD
//! goes, `checksum ALG` after a sent payload or reply template, the rule condition
//! `checksum ALG ok|bad`, and `packet save NAME PAYLOAD [checksum ALG] [to ADDR]`,
//! `packet del NAME`, `packet list`.
//!
//! `@NAME` stands for the packet's bytes (with its checksum when it has one). In a
//! payload that is sent (`send`, `sendto`, `repeat`, a rule's reply) its variables and
//! checksum are filled in when it is sent; anywhere else (a pattern, `expect`, `greet`,
//! `respond`, `chunked`) its checksum is computed now and its bytes are taken as they are.
//! `checksum ALG` is written back as the variable `{checksum:ALG}` at the payload's end.

use crate::engine::template::{fill_checksums, with_checksum};
use crate::engine::{Checksum, Match, Payload};

use super::super::payload::parse_payload;
use super::super::{PacketOp, Statement};
use super::Parser;
use crate::lang::error::ParseError;
use crate::lang::lexer::Token;

const ALGS: &str =
    "a checksum (sum8, xor8, crc8, crc16-modbus, crc16-ccitt, crc16-xmodem, crc32, crc32c)";

impl<'a> Parser<'a> {
    /// A payload word: `@NAME` (a packet of the library, as a template) or any other form.
    pub(super) fn payload_of(&self, t: &Token<'_>, expected: &str) -> Result<Payload, ParseError> {
        let Some(name) = t.bare().and_then(|w| w.strip_prefix('@')) else {
            return parse_payload(self.src, t, expected);
        };
        let Some(lib) = self.packets else {
            return Err(self.unexpected(
                t,
                &format!("{expected} (here @NAME names no packet: no packet library)"),
            ));
        };
        let Some(packet) = lib.get(name) else {
            let mut names: Vec<&str> = lib.packets.iter().map(|p| p.name.as_str()).collect();
            names.truncate(12);
            let known = if names.is_empty() {
                "the library is empty".to_string()
            } else {
                format!("@{}", names.join(", @"))
            };
            return Err(self.unexpected(t, &format!("a packet of the library ({known})")));
        };
        match packet.template() {
            Ok(bytes) => Ok(Payload::from(bytes)),
            Err(why) => Err(self.unexpected(t, &format!("a readable packet ({why})"))),
        }
    }

    /// A payload word whose bytes are used as they are: checksum variables filled in now.
    pub(super) fn fixed_payload_of(
        &self,
        t: &Token<'_>,
        expected: &str,
    ) -> Result<Payload, ParseError> {
        Ok(match self.payload_of(t, expected)? {
            Payload::Bytes(b) if b.contains(&b'{') => Payload::from(fill_checksums(&b)),
            other => other,
        })
    }

    /// A pattern: inline bytes (or `@NAME`), checksum variables filled in now.
    pub(super) fn pattern(&mut self) -> Result<Vec<u8>, ParseError> {
        let bytes = self.inline("a pattern")?;
        Ok(fill_checksums(&bytes))
    }

    /// A payload that is sent, then an optional `checksum ALG`.
    pub(super) fn sent_payload(&mut self) -> Result<Payload, ParseError> {
        let t = self.need(super::PAYLOAD_FORMS)?;
        match self.payload_of(&t, super::PAYLOAD_FORMS)? {
            Payload::Bytes(b) => Ok(Payload::from(self.opt_checksum(b.to_vec())?)),
            file => {
                let save = self.lex.clone();
                if let Some(c) = self.next()?
                    && c.text == "checksum"
                {
                    return Err(self.unexpected(
                        &c,
                        "end of line (a checksum needs an inline payload, not file:)",
                    ));
                }
                self.lex = save;
                Ok(file)
            }
        }
    }

    /// An optional `checksum ALG` after a template: the template with `{checksum:ALG}` at
    /// its end.
    pub(super) fn opt_checksum(&mut self, template: Vec<u8>) -> Result<Vec<u8>, ParseError> {
        let save = self.lex.clone();
        match self.next()? {
            Some(t) if t.text == "checksum" => {
                let alg = self.checksum_alg()?;
                Ok(with_checksum(&template, alg))
            }
            _ => {
                self.lex = save;
                Ok(template)
            }
        }
    }

    fn checksum_alg(&mut self) -> Result<Checksum, ParseError> {
        let t = self.need(ALGS)?;
        match t.bare().and_then(Checksum::from_name) {
            Some(alg) => Ok(alg),
            None => Err(self.unexpected(&t, ALGS)),
        }
    }

    /// The rule condition after `checksum`: `ALG ok|bad`.
    pub(super) fn checksum_match(&mut self) -> Result<Match, ParseError> {
        let alg = self.checksum_alg()?;
        let ok = self.choice("`ok` or `bad`", &[("ok", true), ("bad", false)])?;
        Ok(Match::Checksum(alg, ok))
    }

    /// `packet save NAME PAYLOAD [checksum ALG] [to ADDR]`, `packet del NAME`, `packet list`.
    pub(super) fn packet_stmt(&mut self) -> Result<Statement, ParseError> {
        const WHAT: &str = "`save`, `del` or `list`";
        let t = self.need(WHAT)?;
        let op = match t.text {
            "save" => {
                let name = self.packet_name()?;
                let t = self.need(super::PAYLOAD_FORMS)?;
                let payload = match self.payload_of(&t, super::PAYLOAD_FORMS)? {
                    Payload::Bytes(b) => self.opt_checksum(b.to_vec())?,
                    Payload::File(_) => {
                        return Err(self.unexpected(&t, "an inline payload (not file:)"));
                    }
                };
                let to = self.opt_to()?;
                PacketOp::Save { name, payload, to }
            }
            "del" => {
                let name = self.packet_name()?;
                self.end()?;
                PacketOp::Del(name)
            }
            "list" => {
                self.end()?;
                PacketOp::List
            }
            _ => return Err(self.unexpected(&t, WHAT)),
        };
        Ok(Statement::Packet(op))
    }

    /// A packet's name: letters, digits, `_`, `-` and `.` (an `@` before it is allowed).
    fn packet_name(&mut self) -> Result<String, ParseError> {
        const NAME: &str = "a packet name (letters, digits, `_`, `-`, `.`)";
        let t = self.need(NAME)?;
        let text = t.bare().unwrap_or_default();
        let text = text.strip_prefix('@').unwrap_or(text);
        if is_packet_name(text) {
            Ok(text.to_string())
        } else {
            Err(self.unexpected(&t, NAME))
        }
    }
}

/// Whether `@NAME` can name a packet of this name.
pub fn is_packet_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}
