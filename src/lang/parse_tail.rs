//! The parser, continued: the optional last part of a line (`[close]`, `[to ADDR]`,
//! `[DURATION]`, `[idle DURATION]`…), read one way for every command.

use super::Parser;
use crate::lang::error::ParseError;
use crate::lang::lexer::Token;

impl<'a> Parser<'a> {
    /// An optional last part: `None` at the line's end; else `read` takes its first word
    /// (and any words after it), and the line must end there.
    pub(super) fn last<T>(
        &mut self,
        read: impl FnOnce(&mut Self, Token<'a>) -> Result<T, ParseError>,
    ) -> Result<Option<T>, ParseError> {
        let tok = self.next()?;
        self.last_of(tok, read)
    }

    /// Like [`Parser::last`], for a first word already read (`None`: the line ended).
    pub(super) fn last_of<T>(
        &mut self,
        tok: Option<Token<'a>>,
        read: impl FnOnce(&mut Self, Token<'a>) -> Result<T, ParseError>,
    ) -> Result<Option<T>, ParseError> {
        let Some(t) = tok else {
            return Ok(None);
        };
        let value = read(self, t)?;
        self.end()?;
        Ok(Some(value))
    }

    /// An optional last `KEYWORD …`: `None` at the line's end; after `keyword`, what `read`
    /// takes; any other word is an error that names `expected`.
    pub(super) fn last_after<T>(
        &mut self,
        keyword: &str,
        expected: &str,
        read: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<Option<T>, ParseError> {
        self.last(|p, t| {
            if t.text == keyword {
                read(p)
            } else {
                Err(p.unexpected(&t, expected))
            }
        })
    }
}
