//! Servers that answer: rule tables (match → reply template, optionally close); the
//! variables of reply templates are filled by [`super::template`].
//!
//! Rules see bytes, not text: a regex runs on the message's bytes with `.` matching any one
//! byte (newline included) and `\w`, `\d`, `\s` meaning ASCII classes — as if the pattern
//! began with `(?s-u)`. A non-ASCII letter in the pattern matches its UTF-8 bytes; `(?u)`
//! turns Unicode back on (for classes such as `\pL`, or `.` as one character). `len`
//! matches count bytes too.

use std::fmt;

use super::checksum::Checksum;
pub use super::template::{TemplateVars, expand};

use regex::bytes::{Regex, RegexBuilder};

/// A condition on a message's length in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LenMatch {
    /// An even number of bytes (0 included).
    Even,
    /// An odd number of bytes.
    Odd,
    /// Exactly this many bytes.
    Eq(usize),
    /// Fewer bytes than this.
    Less(usize),
    /// More bytes than this.
    More(usize),
}

impl LenMatch {
    /// Whether a message of `len` bytes matches.
    pub fn matches(self, len: usize) -> bool {
        match self {
            LenMatch::Even => len.is_multiple_of(2),
            LenMatch::Odd => !len.is_multiple_of(2),
            LenMatch::Eq(n) => len == n,
            LenMatch::Less(n) => len < n,
            LenMatch::More(n) => len > n,
        }
    }

    /// In words: "any message of even length", "any message of 5 bytes"….
    pub fn describe(self) -> String {
        match self {
            LenMatch::Even => "any message of even length (in bytes)".into(),
            LenMatch::Odd => "any message of odd length (in bytes)".into(),
            LenMatch::Eq(n) => format!("any message of {n} bytes"),
            LenMatch::Less(n) => format!("any message shorter than {n} bytes"),
            LenMatch::More(n) => format!("any message longer than {n} bytes"),
        }
    }
}

impl fmt::Display for LenMatch {
    /// As the command language writes it: `even`, `odd`, `N`, `<N`, `>N`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LenMatch::Even => f.write_str("even"),
            LenMatch::Odd => f.write_str("odd"),
            LenMatch::Eq(n) => write!(f, "{n}"),
            LenMatch::Less(n) => write!(f, "<{n}"),
            LenMatch::More(n) => write!(f, ">{n}"),
        }
    }
}

impl std::str::FromStr for LenMatch {
    type Err = String;

    /// `even`, `odd`, `N`, `<N` or `>N` (N a whole number of bytes).
    fn from_str(s: &str) -> Result<LenMatch, String> {
        let number = |t: &str| {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "a length: even, odd, N, <N or >N (N bytes), not {s:?}"
                ));
            }
            t.parse::<usize>()
                .map_err(|_| format!("a length of at most {} bytes", usize::MAX))
        };
        match s {
            "even" => Ok(LenMatch::Even),
            "odd" => Ok(LenMatch::Odd),
            _ if s.starts_with('<') => number(&s[1..]).map(LenMatch::Less),
            _ if s.starts_with('>') => number(&s[1..]).map(LenMatch::More),
            _ => number(s).map(LenMatch::Eq),
        }
    }
}

/// How a rule matches a received message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Match {
    /// Every message.
    Any,
    /// The whole message equals these bytes.
    Exact(Vec<u8>),
    /// The message contains these bytes.
    Contains(Vec<u8>),
    /// The message starts with these bytes.
    Prefix(Vec<u8>),
    /// The message matches this regular expression, run on its bytes as if it began with
    /// `(?s-u)` (see the module notes); captures go to `{1}`….
    Regex(String),
    /// The message's length in bytes meets this condition.
    Len(LenMatch),
    /// The message's last bytes are (`true`) or are not (`false`) the checksum of the bytes
    /// before them.
    Checksum(Checksum, bool),
}

/// A checksum condition as the language writes it after `checksum`: `crc16-modbus ok`.
pub fn checksum_cond_text(alg: Checksum, ok: bool) -> String {
    format!("{alg} {}", if ok { "ok" } else { "bad" })
}

/// Reads `ALG ok|bad` (as [`checksum_cond_text`] writes it).
pub fn parse_checksum_cond(text: &str) -> Result<(Checksum, bool), String> {
    let mut words = text.split_whitespace();
    let alg: Checksum = words.next().unwrap_or_default().parse()?;
    let ok = match words.next() {
        Some("ok") => true,
        Some("bad") => false,
        _ => return Err(format!("ok or bad after {alg}")),
    };
    match words.next() {
        None => Ok((alg, ok)),
        Some(w) => Err(format!("nothing after ok/bad, not {w:?}")),
    }
}

/// One line of a rule table: when a message matches, reply with the template.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    /// What the message must look like.
    pub on: Match,
    /// The reply template.
    pub reply: Vec<u8>,
    /// Close the connection after replying.
    pub close: bool,
}

/// A rule ready to run (its regex compiled).
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub rule: Rule,
    regex: Option<Regex>,
}

impl CompiledRule {
    /// Compiles the rule; an invalid regex is an error saying why.
    pub fn new(rule: Rule) -> Result<CompiledRule, String> {
        let regex = match &rule.on {
            Match::Regex(src) => Some(bytes_regex(src)?),
            _ => None,
        };
        Ok(CompiledRule { rule, regex })
    }

    /// The captures of a match (`{1}`…), or `None` when the message does not match.
    pub fn captures(&self, msg: &[u8]) -> Option<Vec<Vec<u8>>> {
        match (&self.rule.on, &self.regex) {
            (Match::Any, _) => Some(Vec::new()),
            (Match::Exact(b), _) => (msg == b.as_slice()).then(Vec::new),
            (Match::Contains(b), _) => {
                (b.is_empty() || msg.windows(b.len()).any(|w| w == b.as_slice())).then(Vec::new)
            }
            (Match::Prefix(b), _) => msg.starts_with(b).then(Vec::new),
            (Match::Regex(_), Some(re)) => re.captures(msg).map(|caps| {
                caps.iter()
                    .skip(1)
                    .map(|c| c.map(|m| m.as_bytes().to_vec()).unwrap_or_default())
                    .collect()
            }),
            (Match::Regex(_), None) => None,
            (Match::Len(l), _) => l.matches(msg.len()).then(Vec::new),
            (Match::Checksum(alg, ok), _) => (alg.trailer_ok(msg) == *ok).then(Vec::new),
        }
    }
}

/// Compiles a rule's regex to run on bytes: `.` is any byte, newline included, and classes
/// are ASCII unless the pattern says `(?u)`.
fn bytes_regex(src: &str) -> Result<Regex, String> {
    RegexBuilder::new(src)
        .unicode(false)
        .dot_matches_new_line(true)
        .build()
        .map_err(|e| {
            let text = e.to_string();
            let hint = if text.contains("Unicode") {
                " (a rule's regex runs on bytes: write (?u) before a Unicode class such as \\pL)"
            } else {
                ""
            };
            format!("invalid regex {src:?}: {text}{hint}")
        })
}

/// The first rule that matches `msg`: its reply, expanded with the reply `counter` and the
/// socket's message number `seq`, and whether to close after it.
pub(crate) fn answer_with(
    rules: &[CompiledRule],
    msg: &[u8],
    peer: String,
    counter: u64,
    seq: u64,
) -> Option<(Vec<u8>, bool)> {
    rules.iter().find_map(|r| {
        let caps = r.captures(msg)?;
        let vars = TemplateVars {
            data: msg,
            peer: peer.clone(),
            counter,
            seq,
            captures: &caps,
        };
        Some((expand(&r.rule.reply, &vars), r.rule.close))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(on: Match, reply: &str, close: bool) -> CompiledRule {
        CompiledRule::new(Rule {
            on,
            reply: reply.as_bytes().to_vec(),
            close,
        })
        .expect("valid rule")
    }

    /// The reply the first matching rule gives `msg` (from peer `p`, as the first reply)
    /// and whether it closes after it.
    fn says(rules: &[CompiledRule], msg: &[u8]) -> Option<(String, bool)> {
        let (reply, close) = answer_with(rules, msg, "p".into(), 1, 1)?;
        Some((String::from_utf8_lossy(&reply).into_owned(), close))
    }

    #[test]
    fn the_seeds_ok_err_rule_by_length_parity() {
        let rules = vec![
            rule(Match::Regex("(?s-u)^(..)*$".into()), "OK", false),
            rule(Match::Any, "Err", false),
        ];
        assert_eq!(says(&rules, b"four"), Some(("OK".into(), false)));
        assert_eq!(says(&rules, b"three"), Some(("Err".into(), false)));
        assert_eq!(
            says(&rules, "é".as_bytes()),
            Some(("OK".into(), false)),
            "bytes, not chars"
        );
    }

    #[test]
    fn a_plain_regex_sees_bytes_so_even_length_works_without_flags() {
        let rules = vec![
            rule(Match::Regex("^(..)*$".into()), "OK", false),
            rule(Match::Any, "Err", false),
        ];
        for (msg, want) in [
            ("è".as_bytes(), "OK"),
            (b"a\n", "OK"),
            (b"", "OK"),
            (b"abc", "Err"),
            (b"\xff\xfe", "OK"),
        ] {
            assert_eq!(
                says(&rules, msg).map(|r| r.0).as_deref(),
                Some(want),
                "{msg:?}"
            );
        }
        let unicode = rule(Match::Regex("(?u)^é.$".into()), "U", false);
        assert!(
            unicode.captures("éè".as_bytes()).is_some(),
            "(?u) is Unicode"
        );
        let literal = rule(Match::Regex("^é$".into()), "L", false);
        assert!(
            literal.captures("é".as_bytes()).is_some(),
            "a non-ASCII letter matches its UTF-8 bytes"
        );
        let err = CompiledRule::new(Rule {
            on: Match::Regex(r"^\pL$".into()),
            reply: vec![],
            close: false,
        })
        .expect_err("a Unicode class needs (?u)");
        assert!(err.contains("(?u)"), "{err}");
    }

    #[test]
    fn len_rules_count_bytes() {
        let cases = [
            (LenMatch::Even, [true, false, true, false]),
            (LenMatch::Odd, [false, true, false, true]),
            (LenMatch::Eq(2), [false, false, true, false]),
            (LenMatch::Less(2), [true, true, false, false]),
            (LenMatch::More(2), [false, false, false, true]),
        ];
        for (l, want) in cases {
            let r = rule(Match::Len(l), "y", false);
            let got: Vec<bool> = [&b""[..], b"a", "è".as_bytes(), b"a\nb"]
                .iter()
                .map(|m| r.captures(m).is_some())
                .collect();
            assert_eq!(got, want, "{l}");
            assert_eq!(
                l.to_string().parse::<LenMatch>(),
                Ok(l),
                "round trip of {l}"
            );
        }
        for bad in ["", "<", ">x", "even2", "-1", "<-3"] {
            assert!(bad.parse::<LenMatch>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_seeds_bye_to_close_rule_closes() {
        let rules = vec![
            rule(Match::Exact(b"close".to_vec()), "bye", true),
            rule(Match::Any, "OK", false),
        ];
        assert_eq!(says(&rules, b"close"), Some(("bye".into(), true)));
        assert_eq!(says(&rules, b"closed"), Some(("OK".into(), false)));
    }

    #[test]
    fn regex_captures_fill_the_template() {
        let rules = vec![rule(
            Match::Regex(r"^GET (\S+) HTTP/(\d\.\d)".into()),
            "you asked {1} over {2} ({len} bytes)",
            false,
        )];
        let (reply, _) = says(&rules, b"GET /index.html HTTP/1.1\r\n").expect("matches");
        assert_eq!(reply, "you asked /index.html over 1.1 (26 bytes)");
    }

    #[test]
    fn prefix_contains_and_no_match() {
        let rules = vec![
            rule(Match::Prefix(b"PING".to_vec()), "PONG {counter}", false),
            rule(Match::Contains(b"help".to_vec()), "{upper}", false),
        ];
        assert_eq!(
            answer_with(&rules, b"PING 1", "p".into(), 7, 7).map(|r| r.0),
            Some(b"PONG 7".to_vec())
        );
        assert_eq!(
            says(&rules, b"please help"),
            Some(("PLEASE HELP".into(), false))
        );
        assert_eq!(says(&rules, b"nothing"), None);
    }

    #[test]
    fn a_checksum_condition_tells_good_trailers_from_bad() {
        let rules = vec![
            rule(
                Match::Checksum(Checksum::Crc16Modbus, true),
                "ok {rx[0..1]}",
                false,
            ),
            rule(Match::Checksum(Checksum::Crc16Modbus, false), "bad", false),
        ];
        let good = Checksum::Crc16Modbus.append(b"\x07\x03\x00\x00\x00\x01");
        assert_eq!(says(&rules, &good), Some(("ok \x07".into(), false)));
        let mut bad = good.clone();
        bad[2] = 9;
        assert_eq!(says(&rules, &bad), Some(("bad".into(), false)));
    }

    #[test]
    fn an_invalid_regex_is_a_clear_error() {
        let err = CompiledRule::new(Rule {
            on: Match::Regex("(unclosed".into()),
            reply: vec![],
            close: false,
        })
        .expect_err("invalid");
        assert!(
            err.contains("invalid regex") && err.contains("(unclosed"),
            "{err}"
        );
    }
}
