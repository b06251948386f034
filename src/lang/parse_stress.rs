//! The parser, continued: `stress ADDR …` (issue 18 §1). The words after ADDR are read by
//! [`crate::stress::parse_options`], the parser `sockscope stress` uses too; this file only
//! reads ADDR as the language does (`$srv` included) and turns the words' errors into
//! column-exact parse errors.

use crate::stress::words::{TARGET_FORMS, is_target};
use crate::stress::{WordError, parse_options};

use super::super::{Statement, StressStmt};
use super::Parser;
use crate::lang::address::parse_addr;
use crate::lang::error::ParseError;
use crate::lang::lexer::Token;

impl<'a> Parser<'a> {
    /// `stress ADDR clients N (pingpong PAYLOAD [expect PAYLOAD] | throughput SIZE) …`;
    /// `word` is the `stress` word.
    pub(super) fn stress_stmt(&mut self, word: &Token<'a>) -> Result<Statement, ParseError> {
        let t = self.need(TARGET_FORMS)?;
        let addr = parse_addr(self.src, &t)?;
        if !is_target(&addr) {
            return Err(self.unexpected(&t, TARGET_FORMS));
        }
        let mut toks = Vec::new();
        while let Some(t) = self.next()? {
            toks.push(t);
        }
        let words: Vec<&str> = toks.iter().map(|t| t.text).collect();
        match parse_options(addr, &words) {
            Ok((test, report)) => Ok(Statement::Stress(Box::new(StressStmt { test, report }))),
            Err(WordError::Word(i, want)) => Err(match toks.get(i) {
                Some(t) => self.unexpected(t, &want),
                None => self.src.at_end(want),
            }),
            Err(WordError::End(want)) => Err(self.src.at_end(want)),
            Err(WordError::Test(why)) => Err(self.src.at_text(
                word.start,
                format!("a stress test that can run ({why})"),
                word.text,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use crate::engine::{AddrSpec, SockRef};
    use crate::lang::{Statement, parse_line};
    use crate::stress::{Connect, Limit, Mode, Transport};

    fn stress(line: &str) -> crate::lang::StressStmt {
        match parse_line(line) {
            Ok(Some(Statement::Stress(s))) => *s,
            other => panic!("{line}: {other:?}"),
        }
    }

    /// Every form prints back canonically, and what it prints parses to the same value.
    #[test]
    fn stress_forms_parse_and_print_back() {
        for (line, canonical) in [
            (
                "stress $srv clients 4 pingpong hi count 200",
                "stress $srv clients 4 pingpong \"hi\" count 200",
            ),
            (
                "stress 127.0.0.1:7 pingpong \"a b\\n\" expect hex:0102 for 2s rate 500/s connect per-request udp report \"my r.json\"",
                "stress 127.0.0.1:7 clients 1 pingpong \"a b\\n\" expect hex:0102 for 2s rate 500/s connect per-request udp report \"my r.json\"",
            ),
            (
                "stress localhost:4433 tls clients 2 pingpong x sni a.test ca ca.pem insecure connect once",
                "stress localhost:4433 clients 2 pingpong \"x\" for 10s tls sni a.test ca ca.pem insecure",
            ),
            (
                "stress [::1]:5001 clients 2 throughput 65536 for 1.5s report r.csv",
                "stress [::1]:5001 clients 2 throughput 65536 for 1.5s report r.csv",
            ),
        ] {
            let s = Statement::Stress(Box::new(stress(line)));
            assert_eq!(s.to_string(), canonical, "{line}");
            assert_eq!(parse_line(canonical), Ok(Some(s)), "{canonical}");
        }
        let s = stress("stress $srv clients 4 pingpong hi expect HI count 200 report r.json");
        assert_eq!(s.test.addr, AddrSpec::LocalOf(SockRef::Name("srv".into())));
        assert_eq!((s.test.clients, s.test.limit), (4, Limit::Count(200)));
        assert!(
            matches!(&s.test.mode, Mode::PingPong { payload, expect: Some(e) }
            if &payload[..] == b"hi" && &e[..] == b"HI")
        );
        assert_eq!(s.report, Some(PathBuf::from("r.json")));
        let s = stress("stress 127.0.0.1:7 pingpong x for 250ms connect per-request tls");
        assert_eq!(s.test.limit, Limit::For(Duration::from_millis(250)));
        assert_eq!(
            (s.test.connect, s.test.transport),
            (Connect::PerRequest, Transport::Tls)
        );
    }

    /// Errors point at the word at fault and say what would have fitted.
    #[test]
    fn bad_stress_lines_point_at_the_word() {
        for (line, col, want) in [
            ("stress", 7, "a server's address"),
            ("stress *:7 pingpong x", 8, "a server's address"),
            ("stress /tmp/x.sock pingpong x", 8, "a server's address"),
            ("stress $srv clients x pingpong a", 21, "a number"),
            ("stress $srv pingpong a bogus", 24, "`clients N`"),
            (
                "stress $srv clients 4",
                22,
                "`pingpong PAYLOAD` or `throughput SIZE`",
            ),
            ("stress $srv pingpong", 21, "a payload after `pingpong`"),
            ("stress $srv pingpong hex:zz", 22, "a payload"),
            ("stress $srv pingpong a for 5", 28, "a duration"),
            ("stress $srv clients 0 pingpong a", 1, "1 to 10000 clients"),
            ("stress $srv pingpong a insecure", 1, "go with tls"),
        ] {
            let e = parse_line(line).expect_err(line);
            assert_eq!(e.col, col, "{line}: {e}");
            assert!(e.expected.contains(want), "{line}: {e}");
        }
    }
}
