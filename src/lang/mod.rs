//! The sockscope command language (`shared/spec/COMMANDS.md`): one parser and one printer
//! for script lines, console lines, shell lines and the commands behind clicks.
//!
//! [`parse_line`] and [`parse_script`] read text into [`Statement`]s; `Display` on
//! [`Statement`] and on [`Command`] writes them back, and what they write parses back to
//! an equal value. Nothing here panics on any input.
//!
//! ```
//! use sockscope::lang::parse_line;
//!
//! let stmt = parse_line(r#"send s1 "GET / HTTP/1.0\r\n\r\n""#).unwrap().unwrap();
//! assert_eq!(stmt.to_string(), r#"send s1 "GET / HTTP/1.0\r\n\r\n""#);
//! let err = parse_line("bnd s1 *:0").unwrap_err();
//! assert_eq!(err.with_file("t.sock").split(": expected").next(), Some("t.sock:1:1"));
//! ```
//!
//! # Decisions where the contract is silent
//!
//! - **Lines.** A comment is a line whose first non-blank character is `#`; a `#` later
//!   in a line is an ordinary character (so `send s1 "x" # note` is an error: trailing
//!   word). Words are separated by any whitespace (spaces, tabs, …). Keywords are
//!   lower case and case-sensitive. Scripts may end lines with `\n` or `\r\n`, and a
//!   leading byte-order mark is skipped.
//! - **Columns** in errors are 1-based and count characters, not bytes (a tab is one
//!   column). An error at the end of the line points just past its last non-blank
//!   character. Errors inside a word (a bad escape, a bad hex digit, a bad port) point at
//!   the offending character, not the word's start. Errors come in reading order: the
//!   first problem from the left is the one reported.
//! - **Quotes.** A `"` anywhere in a word opens a quoted part that runs (blanks included)
//!   to the next unescaped `"`; the word must end right after the closing quote. Only
//!   `"…"`, `hex:"…"` and `file:"…"` are meaningful; elsewhere a quote is an error.
//! - **Text payloads** take the escapes `\n \r \t \0 \\ \" \xHH`; `\xHH` takes exactly
//!   two hex digits of either case and is one raw byte, so text may hold any bytes.
//!   Non-ASCII characters stand for their UTF-8 bytes. Any other escape is an error.
//! - **Hex payloads**: pairs of hex digits (either case); blanks and `:` may separate and
//!   surround the pairs, quoted or not (`hex:48:65`), but not split a pair. A bare
//!   `hex:` is an error; `hex:""` is the empty payload.
//! - **File payloads**: `file:PATH` takes the rest of the word literally (backslashes
//!   included, for Windows paths); `file:"PATH"` decodes the text escapes and must give
//!   valid UTF-8. The path may not be empty. It is read when the command runs.
//! - **Payload printing**: quoted text with escapes; characters that are control,
//!   whitespace other than space, or invisible (zero-width, bidi marks, BOM) print as
//!   `\xHH` per byte, and so does every non-ASCII byte when the payload is not valid
//!   UTF-8 as a whole (binary data that happens to hold a valid multi-byte sequence does
//!   not print as a stray letter). When more than half of the bytes are binary (`\0` and
//!   bytes that print as `\xHH`), the payload prints as `hex:` with lower-case digits. Paths print
//!   bare when every character is readable and none is blank or `"`, else quoted.
//! - **Socket refs**: `s` followed only by ASCII digits is an id (`s007` is `s7`; above
//!   `s4294967295` is an error). Any other run of letters (Unicode letters included),
//!   digits, `_` and `-` is a name (`S1` and `s1x` are names). `as NAME` refuses names
//!   of the id form. A name may equal a keyword (`respond echo echo`): meaning is by
//!   position.
//! - **Addresses**: IPv4 literals must be dotted quads; a host made only of digits and
//!   dots that is not one is an error (no `inet_aton` shorthand). Host names are ASCII
//!   letters, digits, `-`, `.` and `_`. IPv6 needs brackets and may carry a numeric scope
//!   (`[fe80::1%2]:80`). Ports are decimal 0–65535; leading zeros are accepted.
//!   `$ID` takes an id or a name.
//! - **Durations** are parsed exactly to the nanosecond: digits, optionally `.` and
//!   digits, then `ms` or `s` (`.5s`, `5.s`, `1e3ms` are errors; more fraction digits
//!   than nanoseconds resolve is an error). They print as `2s` (whole seconds), `250ms`
//!   or `0.5ms` (under a second), or `1.5s`, which reads back exactly. `0s` is allowed.
//! - **Optional words** come in the order of the usage: `socket tcp v6 as x`, `accept s1
//!   as c 2s`; `accept ID auto` may be followed by `on` or `off` (bare `auto` is on).
//!   `listen ID BACKLOG` takes a decimal `u32`.
//! - **Printing defaults**: `socket` omits `v4`; an absent backlog, name or duration is
//!   omitted; `accept ID auto` prints bare when on.

use std::time::Duration;

use crate::engine::{Command, Payload, SockRef};

mod address;
mod duration;
mod error;
mod help;
mod lexer;
mod parse;
mod payload;
mod print;
mod print_relay;
mod print_stress;
mod print_tls;
mod print_tools;
mod sockref;
#[cfg(test)]
mod test_lines;

pub use duration::{DurationError, duration_text, parse_duration};
pub use error::ParseError;
pub use help::{COMMANDS, CommandHelp, command_help, help_text};
pub use parse::{
    ScriptLine, is_packet_name, parse_addr_word, parse_line, parse_line_in, parse_payload_word,
    parse_script, parse_script_in,
};
pub use payload::{bytes_text, checked_text, escape_bytes, payload_text};
pub use print::responder_text;
pub use print_tools::match_text;
pub use sockref::{is_id_like, is_valid_name};

/// One line of the language: an engine command, or a step only a runner performs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Statement {
    /// A socket action run by the engine.
    Engine(Command),
    /// `expect ID PAYLOAD [DURATION]`: wait until what ID received contains PAYLOAD.
    Expect {
        /// The socket (its accepted connections count too).
        sock: SockRef,
        /// The bytes to wait for.
        payload: Payload,
        /// How long to wait; `None` means the default of 5 s.
        timeout: Option<Duration>,
    },
    /// `expect ID closed [DURATION]`: wait until the peer of ID has closed its side.
    ExpectClosed {
        /// The socket.
        sock: SockRef,
        /// How long to wait; `None` means the default of 5 s.
        timeout: Option<Duration>,
    },
    /// `expect ID reset [DURATION]`: wait until the peer of ID (or of a connection accepted
    /// from it) has reset the connection.
    ExpectReset {
        /// The socket.
        sock: SockRef,
        /// How long to wait; `None` means the default of 5 s.
        timeout: Option<Duration>,
    },
    /// `sleep DURATION`.
    Sleep(Duration),
    /// `packet save|del|list …`: the packet library, run by the runner.
    Packet(PacketOp),
    /// `stress ADDR clients N …`: a stress test of a server ([`crate::stress`]), run by the
    /// runner, which prints its figures and its report.
    Stress(Box<StressStmt>),
}

/// A `stress` line: the test, its server as the line gives it (`$srv` is resolved when the
/// line runs), and the file its report is saved to (`report FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressStmt {
    /// The test.
    pub test: crate::stress::StressConfig<crate::engine::AddrSpec>,
    /// `report FILE` (`.csv` or `.json`).
    pub report: Option<std::path::PathBuf>,
}

/// What a `packet` line does to the packet library ([`crate::packets`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketOp {
    /// `packet save NAME PAYLOAD [checksum ALG] [to ADDR]`: add or replace a packet.
    Save {
        /// Its name (`@NAME`).
        name: String,
        /// Its bytes, with a trailing `{checksum:ALG}` when it has a checksum.
        payload: Vec<u8>,
        /// Its destination.
        to: Option<crate::engine::AddrSpec>,
    },
    /// `packet del NAME`.
    Del(String),
    /// `packet list`.
    List,
}
