//! The rule editor's fields read as a rule: the kind of match, the pattern and the reply
//! template (with their placeholders), the tutorial's even/odd pair, and a rule told back
//! in the command language's words.

use crate::engine::{LenMatch, Match, Rule, parse_checksum_cond};
use crate::lang::{bytes_text, match_text};

use crate::app::model::settings::SendMode;
use crate::app::widgets::fields;

/// How a new rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// Every message.
    Any,
    /// The whole message.
    #[default]
    Exact,
    /// Somewhere in the message.
    Contains,
    /// At the start of the message.
    Prefix,
    /// A regular expression on the message's bytes; captures go to `{1}`…`{9}`.
    Regex,
    /// The message's length in bytes: `even`, `odd`, `N`, `<N`, `>N`.
    Len,
    /// The message ends (or not) with its checksum: `crc16-modbus ok`, `sum8 bad`.
    Checksum,
}

impl Kind {
    pub(crate) const ALL: [(Kind, &'static str, &'static str); 7] = [
        (Kind::Any, "any", "every message"),
        (Kind::Exact, "exact", "the whole message equals the pattern"),
        (
            Kind::Contains,
            "contains",
            "the message contains the pattern",
        ),
        (
            Kind::Prefix,
            "prefix",
            "the message starts with the pattern",
        ),
        (
            Kind::Regex,
            "regex",
            "the message's bytes match the regular expression (. is any byte; (?u) for Unicode); its groups fill {1}…{9}",
        ),
        (
            Kind::Len,
            "len",
            "the message's length in bytes: even, odd, N, <N or >N",
        ),
        (
            Kind::Checksum,
            "checksum",
            "the message ends (ok) or does not end (bad) with its checksum: crc16-modbus ok",
        ),
    ];
}

/// Placeholders of reply templates.
pub const TEMPLATE_PLACEHOLDERS: [(&str, &str); 8] = [
    ("{data}", "the message"),
    ("{upper}", "the message upper-cased"),
    ("{len}", "its length"),
    ("{peer}", "the sender's address"),
    ("{counter}", "replies so far, from 1"),
    ("{time}", "the time now"),
    ("{random}", "a random number"),
    ("{1}", "the first regex group ({2}…{9} the next)"),
];

/// The rule being typed, as a rule; `Err` says what is wrong.
pub fn build_rule(kind: Kind, pattern: &str, template: &str, close: bool) -> Result<Rule, String> {
    let bytes = |t: &str| fields::payload(t, SendMode::Escaped);
    let on = match kind {
        Kind::Any => Match::Any,
        Kind::Regex if pattern.is_empty() => return Err("a regular expression to match".into()),
        Kind::Regex => Match::Regex(pattern.to_string()),
        Kind::Len => Match::Len(pattern.trim().parse::<LenMatch>()?),
        Kind::Checksum => {
            let (alg, ok) = parse_checksum_cond(pattern)?;
            Match::Checksum(alg, ok)
        }
        _ if pattern.is_empty() => return Err("a pattern to match (escapes \\n \\t \\xHH)".into()),
        Kind::Exact => Match::Exact(bytes(pattern)?),
        Kind::Contains => Match::Contains(bytes(pattern)?),
        Kind::Prefix => Match::Prefix(bytes(pattern)?),
    };
    let reply = bytes(template).map_err(|e| format!("reply template: {e}"))?;
    Ok(Rule { on, reply, close })
}

/// The tutorial's UDP server as two rules: OK to a message of even length (in bytes, as
/// Python's `len()` counts them), Err to any other.
pub fn even_odd_rules() -> [Rule; 2] {
    [
        Rule {
            on: Match::Len(LenMatch::Even),
            reply: b"OK".to_vec(),
            close: false,
        },
        Rule {
            on: Match::Any,
            reply: b"Err".to_vec(),
            close: false,
        },
    ]
}

/// A rule in one line, as the table shows it.
pub fn rule_text(rule: &Rule) -> String {
    let on = match &rule.on {
        // Between slashes, as a regex reads; the language quotes it as a payload.
        Match::Regex(r) => format!("regex /{r}/"),
        m => match_text(m),
    };
    let close = if rule.close { " · close" } else { "" };
    format!("{on} → {}{close}", bytes_text(&rule.reply))
}
