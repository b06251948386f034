//! How a [`Setting`] is told in a log line: `framing: messages end with "\\n"`,
//! `rule 2: containing "ping" -> reply "pong"`, ….

use std::fmt;

use crate::engine::command::OnClose;
use crate::engine::event::Setting;
use crate::engine::framing::{Framing, length_header_text};
use crate::engine::responders::{Match, Rule};

fn esc(b: &[u8]) -> String {
    format!("\"{}\"", b.escape_ascii())
}

/// How a framing is told: `framing: messages end with "\n"`, ….
fn write_framing(f: &mut fmt::Formatter<'_>, framing: &Framing) -> fmt::Result {
    match framing {
        Framing::Raw => f.write_str("framing raw (chunks as recv returns them)"),
        Framing::Delimited(d) => write!(f, "framing: messages end with {}", esc(d)),
        Framing::LengthPrefixed { width, big_endian } => {
            write!(f, "framing: {}", length_header_text(*width, *big_endian))
        }
        Framing::Fixed(n) => write!(f, "framing: messages of {n} bytes"),
    }
}

/// How an added rule is told: `rule 2: containing "ping" -> reply "pong" and close`.
fn write_rule(f: &mut fmt::Formatter<'_>, rule: &Rule, count: usize) -> fmt::Result {
    let on = match &rule.on {
        Match::Any => "any message".to_string(),
        Match::Exact(b) => format!("exactly {}", esc(b)),
        Match::Contains(b) => format!("containing {}", esc(b)),
        Match::Prefix(b) => format!("starting with {}", esc(b)),
        Match::Regex(r) => format!("matching /{r}/"),
        Match::Len(l) => l.describe(),
        Match::Checksum(alg, ok) => format!(
            "any message that ends {} its {alg} checksum",
            if *ok { "with" } else { "without" }
        ),
    };
    write!(f, "rule {count}: {on} -> reply {}", esc(&rule.reply))?;
    if rule.close {
        f.write_str(" and close")?;
    }
    Ok(())
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Framing(framing) => write_framing(f, framing),
            Setting::RecvSize(n) => write!(f, "recv reads at most {n} bytes"),
            Setting::Resolved(r) => {
                let all: Vec<String> = r.addrs.iter().map(|a| a.ip().to_string()).collect();
                write!(
                    f,
                    "{} resolved to {}; using {}",
                    r.host,
                    all.join(", "),
                    r.chosen
                )
            }
            Setting::Manual(true) => f.write_str("step mode: nothing is read until recv"),
            Setting::Manual(false) => f.write_str("receiving in the background"),
            Setting::RuleAdded { rule, count } => write_rule(f, rule, *count),
            Setting::RulesCleared => f.write_str("rules cleared"),
            Setting::Greeting {
                data: Some(d),
                close,
            } => {
                write!(
                    f,
                    "greeting {}{}",
                    esc(d),
                    if *close { " then close" } else { "" }
                )
            }
            Setting::Greeting { data: None, .. } => f.write_str("greeting off"),
            Setting::Repeating {
                count: Some(n),
                every,
            } => write!(f, "repeating {n} times every {every:?}"),
            Setting::Repeating { count: None, every } => {
                write!(f, "repeating every {every:?} until stopped")
            }
            Setting::Flooding {
                size,
                rate: Some(r),
            } => {
                write!(f, "flooding {size}-byte messages at {r}/s")
            }
            Setting::Flooding { size, rate: None } => {
                write!(f, "flooding {size}-byte messages as fast as possible")
            }
            Setting::Chunking { size, delay, total } => {
                write!(
                    f,
                    "sending {total} bytes in pieces of {size}, {delay:?} apart"
                )
            }
            Setting::Option { opt, value } => write!(f, "option {opt} = {value}"),
            Setting::Joined(g) => write!(f, "joined multicast group {g}"),
            Setting::Left(g) => write!(f, "left multicast group {g}"),
            Setting::OnClose(OnClose::Close) => f.write_str(
                "onclose close: a connection whose peer has closed is closed once all is sent",
            ),
            Setting::OnClose(OnClose::Keep) => {
                f.write_str("onclose keep: connections whose peer has closed stay half-open")
            }
            other => crate::engine::relay::describe(other, f),
        }
    }
}
