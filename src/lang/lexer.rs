//! Splits one line into words, keeping each word's position for error columns.
//!
//! A word is a run of non-blank characters. A `"` inside a word starts a quoted part that
//! runs, blanks included, to the next `"` not preceded by a backslash; the word ends
//! there and must be followed by a blank or the end of the line. Escapes are only
//! skipped here; the parser decodes them once it knows whether the quote holds text,
//! hex or a path.

use super::error::{ParseError, Src};

/// Whether a character separates words: a space, a tab or any other whitespace.
pub(crate) fn is_blank(c: char) -> bool {
    c.is_whitespace()
}

/// The quoted part of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quoted<'a> {
    /// Byte offset of the first character after the opening quote.
    pub start: usize,
    /// The raw text between the quotes, escapes not yet decoded.
    pub body: &'a str,
}

/// One word of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    /// Byte offset of its first character in the line.
    pub start: usize,
    /// Its whole text, quotes included.
    pub text: &'a str,
    /// The text before its opening quote (all of it when it has no quote).
    pub prefix: &'a str,
    /// Its quoted part, if it has one.
    pub quoted: Option<Quoted<'a>>,
}

impl Token<'_> {
    /// The word's text when it has no quoted part.
    pub fn bare(&self) -> Option<&str> {
        match self.quoted {
            None => Some(self.text),
            Some(_) => None,
        }
    }
}

/// Hands out the words of a line one at a time, so errors come in reading order.
#[derive(Debug, Clone)]
pub(crate) struct Lexer<'a> {
    src: Src<'a>,
    pos: usize,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`.
    pub fn new(src: Src<'a>) -> Self {
        Lexer { src, pos: 0 }
    }

    /// The next word, `None` at the end of the line.
    pub fn next_token(&mut self) -> Result<Option<Token<'a>>, ParseError> {
        let line = self.src.line;
        let rest = line.get(self.pos..).unwrap_or("");
        let word = rest.trim_start_matches(is_blank);
        let start = self.pos + (rest.len() - word.len());
        if word.is_empty() {
            self.pos = line.len();
            return Ok(None);
        }
        let mut chars = word.char_indices();
        let mut end = word.len();
        let mut quote = None;
        for (i, c) in chars.by_ref() {
            if is_blank(c) {
                end = i;
                break;
            }
            if c == '"' {
                quote = Some(i);
                break;
            }
        }
        let Some(q) = quote else {
            let text = word.get(..end).unwrap_or("");
            self.pos = start + end;
            return Ok(Some(Token {
                start,
                text,
                prefix: text,
                quoted: None,
            }));
        };
        let mut escaped = false;
        let mut close = None;
        for (i, c) in chars {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                close = Some(i);
                break;
            }
        }
        let Some(close) = close else {
            return Err(self.src.at(
                start + q,
                "a closing quote (\") for this quote",
                super::error::END_OF_LINE,
            ));
        };
        let after = close + 1;
        if let Some(c) = word.get(after..).and_then(|s| s.chars().next())
            && !is_blank(c)
        {
            return Err(self.src.at_text(
                start + after,
                "a space after the closing quote",
                &c.to_string(),
            ));
        }
        self.pos = start + after;
        Ok(Some(Token {
            start,
            text: word.get(..after).unwrap_or(""),
            prefix: word.get(..q).unwrap_or(""),
            quoted: Some(Quoted {
                start: start + q + 1,
                body: word.get(q + 1..close).unwrap_or(""),
            }),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Result<Vec<(usize, String)>, ParseError> {
        let mut lex = Lexer::new(Src { line });
        let mut out = Vec::new();
        while let Some(t) = lex.next_token()? {
            out.push((t.start, t.text.to_string()));
        }
        Ok(out)
    }

    #[test]
    fn splits_on_spaces_and_tabs() {
        let w = words("  send\ts1   \"a b\"  ").unwrap();
        assert_eq!(
            w,
            vec![
                (2, "send".to_string()),
                (7, "s1".to_string()),
                (12, "\"a b\"".to_string())
            ]
        );
    }

    #[test]
    fn quoted_parts() {
        let mut lex = Lexer::new(Src {
            line: r#"hex:"48 65" "a\"b""#,
        });
        let t = lex.next_token().unwrap().unwrap();
        assert_eq!(t.prefix, "hex:");
        assert_eq!(t.quoted.unwrap().body, "48 65");
        assert_eq!(t.quoted.unwrap().start, 5);
        assert_eq!(t.bare(), None);
        let t = lex.next_token().unwrap().unwrap();
        assert_eq!(t.prefix, "");
        assert_eq!(t.quoted.unwrap().body, r#"a\"b"#);
        assert_eq!(lex.next_token().unwrap(), None);
    }

    #[test]
    fn unterminated_quote_points_at_the_quote() {
        let e = words(r#"send s1 "abc\""#).unwrap_err();
        assert_eq!((e.line, e.col), (1, 9));
        assert_eq!(e.found, "end of line");
    }

    #[test]
    fn text_glued_after_a_quote_is_an_error() {
        let e = words(r#"send s1 "abc"def"#).unwrap_err();
        assert_eq!(e.col, 14);
        assert_eq!(e.found, "\"d\"");
    }

    #[test]
    fn empty_and_blank_lines() {
        assert_eq!(words("").unwrap(), vec![]);
        assert_eq!(words(" \t ").unwrap(), vec![]);
    }
}
