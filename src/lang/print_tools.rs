//! The printer, continued: the commands of [`super::parse`]'s `tools` part, written in the
//! canonical form that parses back to an equal value.

use std::fmt;

use crate::engine::{Command, FloodLimit, Framing, Match, OptValue, checksum_cond_text};

use super::duration::duration_text;
use super::payload::{bytes_text, checked_payload_text, checked_text, payload_text};

fn framing_text(f: &Framing) -> String {
    match f {
        Framing::Raw => "raw".into(),
        Framing::Delimited(d) if d == b"\n" => "lines".into(),
        Framing::Delimited(d) if d == b"\r\n" => "crlf".into(),
        Framing::Delimited(d) => format!("delim {}", bytes_text(d)),
        Framing::LengthPrefixed { width: 1, .. } => "len1".into(),
        Framing::LengthPrefixed { width, big_endian } => {
            format!("len{width}{}", if *big_endian { "be" } else { "le" })
        }
        Framing::Fixed(n) => format!("fixed {n}"),
    }
}

/// A rule's match as `rule ID add` writes it: `any`, `exact "hi"`, `len even`, ….
pub fn match_text(m: &Match) -> String {
    match m {
        Match::Any => "any".into(),
        Match::Exact(b) => format!("exact {}", bytes_text(b)),
        Match::Contains(b) => format!("contains {}", bytes_text(b)),
        Match::Prefix(b) => format!("prefix {}", bytes_text(b)),
        Match::Regex(r) => format!("regex {}", bytes_text(r.as_bytes())),
        Match::Len(l) => format!("len {l}"),
        Match::Checksum(alg, ok) => format!("checksum {}", checksum_cond_text(*alg, *ok)),
    }
}

/// Writes the commands of the `tools` part; false for any other command.
pub(super) fn write_more(cmd: &Command, f: &mut fmt::Formatter<'_>) -> Result<bool, fmt::Error> {
    Ok(write_receiving(cmd, f)?
        || write_answering(cmd, f)?
        || write_timed(cmd, f)?
        || write_tuning(cmd, f)?)
}

/// How a socket receives: framing, receive size and mode, `recv`, `ready`.
fn write_receiving(cmd: &Command, f: &mut fmt::Formatter<'_>) -> Result<bool, fmt::Error> {
    match cmd {
        Command::Frame { sock, framing } => write!(f, "frame {sock} {}", framing_text(framing))?,
        Command::RecvSize { sock, size } => write!(f, "recvsize {sock} {size}")?,
        Command::RecvMode { sock, manual } => write!(
            f,
            "recvmode {sock} {}",
            if *manual { "manual" } else { "auto" }
        )?,
        Command::Recv { sock, max: Some(n) } => write!(f, "recv {sock} {n}")?,
        Command::Recv { sock, max: None } => write!(f, "recv {sock}")?,
        Command::Ready { sock } => write!(f, "ready {sock}")?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// What answers for a socket: rules and the greeting.
fn write_answering(cmd: &Command, f: &mut fmt::Formatter<'_>) -> Result<bool, fmt::Error> {
    match cmd {
        Command::RuleAdd { sock, rule } => {
            write!(
                f,
                "rule {sock} add {} reply {}",
                match_text(&rule.on),
                checked_text(&rule.reply)
            )?;
            if rule.close {
                f.write_str(" close")?;
            }
        }
        Command::RuleClear { sock } => write!(f, "rule {sock} clear")?,
        Command::Greet {
            sock,
            greeting: None,
            ..
        } => write!(f, "greet {sock} off")?,
        Command::Greet {
            sock,
            greeting: Some(p),
            close,
        } => write!(
            f,
            "greet {sock} {}{}",
            payload_text(p),
            if *close { " close" } else { "" }
        )?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// Sends on a timer: repeat, chunked, flood.
fn write_timed(cmd: &Command, f: &mut fmt::Formatter<'_>) -> Result<bool, fmt::Error> {
    match cmd {
        Command::Repeat {
            sock,
            count,
            every,
            payload,
            to,
        } => {
            let count = count.map_or("forever".to_string(), |n| n.to_string());
            write!(
                f,
                "repeat {sock} {count} {} {}",
                duration_text(*every),
                checked_payload_text(payload)
            )?;
            if let Some(a) = to {
                write!(f, " to {a}")?;
            }
        }
        Command::RepeatStop { sock } => write!(f, "repeat {sock} stop")?,
        Command::Chunked {
            sock,
            size,
            delay,
            payload,
        } => write!(
            f,
            "chunked {sock} {size} {} {}",
            duration_text(*delay),
            payload_text(payload)
        )?,
        Command::Flood {
            sock,
            size,
            rate,
            limit,
            to,
        } => {
            let rate = rate.map_or("max".to_string(), |r| format!("{r}/s"));
            let limit = match limit {
                FloodLimit::Count(n) => n.to_string(),
                FloodLimit::Time(d) => duration_text(*d),
            };
            write!(f, "flood {sock} {size} {rate} {limit}")?;
            if let Some(a) = to {
                write!(f, " to {a}")?;
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Tuning and the rest: options, multicast membership, abort, the close policy, stats.
fn write_tuning(cmd: &Command, f: &mut fmt::Formatter<'_>) -> Result<bool, fmt::Error> {
    match cmd {
        Command::SetOption { sock, opt, value } => {
            write!(f, "option {sock} {opt}")?;
            match value {
                None => {}
                Some(OptValue::Bool(b)) => write!(f, " {}", if *b { "on" } else { "off" })?,
                Some(OptValue::Off) => f.write_str(" off")?,
                Some(OptValue::Num(n)) => write!(f, " {n}")?,
            }
        }
        Command::Join { sock, group, iface } | Command::Leave { sock, group, iface } => {
            let word = if matches!(cmd, Command::Join { .. }) {
                "join"
            } else {
                "leave"
            };
            write!(f, "{word} {sock} {group}")?;
            if let Some(i) = iface {
                write!(f, " {i}")?;
            }
        }
        Command::Abort { sock } => write!(f, "abort {sock}")?,
        Command::OnClose { sock, policy } => write!(f, "onclose {sock} {policy}")?,
        Command::Stats { sock } => write!(f, "stats {sock}")?,
        Command::Tls { sock, spec } => super::print_tls::write_tls(f, sock, spec)?,
        Command::TlsSaveCert { sock, path } => write!(
            f,
            "tls {sock} save-cert {}",
            super::print_tls::path_word(path)
        )?,
        _ => return super::print_relay::write_relay(cmd, f),
    }
    Ok(true)
}
