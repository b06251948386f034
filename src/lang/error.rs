//! Parse errors: where a line went wrong (line and column) and what was expected there.

use std::fmt;

/// What `found` says when the line ended where something more was expected.
pub(crate) const END_OF_LINE: &str = "end of line";

/// Longest token (in characters) quoted whole in an error; longer ones are cut with `…`.
const MAX_FOUND_CHARS: usize = 40;

/// A line that does not parse.
///
/// Displays as `LINE:COL: expected X, found Y`; [`ParseError::with_file`] puts the file
/// name in front, as `sockscope run` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number (always 1 from [`super::parse_line`]).
    pub line: usize,
    /// 1-based column of the offending token, counted in characters (a tab counts as one).
    pub col: usize,
    /// What the parser expected there, for example `a socket id or name (s1, srv)`.
    pub expected: String,
    /// What it found: the token in double quotes (`"bnd"`), or `end of line`.
    pub found: String,
}

impl ParseError {
    /// The error prefixed with a file name: `FILE:LINE:COL: expected X, found Y`.
    pub fn with_file(&self, file: &str) -> String {
        format!("{file}:{self}")
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: expected {}, found {}",
            self.line, self.col, self.expected, self.found
        )
    }
}

impl std::error::Error for ParseError {}

/// A token as `found` shows it: in double quotes (a `"` inside as `\"`, control characters
/// escaped, backslashes as they are), cut when very long.
pub(crate) fn quote_found(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(MAX_FOUND_CHARS).collect();
    let more = if chars.next().is_some() { "…" } else { "" };
    let mut out = String::with_capacity(head.len() + 4);
    out.push('"');
    for c in head.chars() {
        match c {
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push_str(more);
    out.push('"');
    out
}

/// The line being parsed, which turns byte offsets into the columns errors report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Src<'a> {
    /// The whole line, without its line ending.
    pub line: &'a str,
}

impl<'a> Src<'a> {
    /// The 1-based character column of a byte offset into the line.
    pub fn col(&self, byte: usize) -> usize {
        match self.line.get(..byte) {
            Some(head) => head.chars().count() + 1,
            // Not a char boundary (never produced by the lexer): count whole chars before it.
            None => {
                self.line
                    .char_indices()
                    .take_while(|(i, _)| *i < byte)
                    .count()
                    + 1
            }
        }
    }

    /// An error at a byte offset, with `found` given as is.
    pub fn at(
        &self,
        byte: usize,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> ParseError {
        ParseError {
            line: 1,
            col: self.col(byte),
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// An error at a byte offset where the text `found` starts; `found` gets quoted.
    pub fn at_text(&self, byte: usize, expected: impl Into<String>, found: &str) -> ParseError {
        self.at(byte, expected, quote_found(found))
    }

    /// An error for a line that ended too early: the column just past its last character.
    pub fn at_end(&self, expected: impl Into<String>) -> ParseError {
        ParseError {
            line: 1,
            col: self.line.trim_end().chars().count() + 1,
            expected: expected.into(),
            found: END_OF_LINE.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_with_file() {
        let e = ParseError {
            line: 3,
            col: 1,
            expected: "a command".into(),
            found: "\"bnd\"".into(),
        };
        assert_eq!(e.to_string(), "3:1: expected a command, found \"bnd\"");
        assert_eq!(
            e.with_file("a.sock"),
            "a.sock:3:1: expected a command, found \"bnd\""
        );
    }

    #[test]
    fn quote_found_escapes_and_cuts() {
        assert_eq!(quote_found("bnd"), "\"bnd\"");
        assert_eq!(quote_found("a\"b"), "\"a\\\"b\"");
        let long = "é".repeat(50);
        let q = quote_found(&long);
        assert!(q.ends_with("…\""));
        assert_eq!(q.chars().count(), 40 + 3);
    }

    #[test]
    fn columns_count_chars() {
        let src = Src { line: "é\tx" };
        assert_eq!(src.col(0), 1);
        assert_eq!(src.col(2), 2);
        assert_eq!(src.col(3), 3);
        assert_eq!(src.col(1), 2); // inside a char: the next column
        assert_eq!(src.at_end("x").col, 4);
    }
}
