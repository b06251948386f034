//! What the language's unit tests share: a line that must parse to an engine command.

use crate::engine::Command;
use crate::lang::{Statement, parse_line};

/// The engine command `line` says; panics (naming the line) when it says anything else.
pub(crate) fn cmd(line: &str) -> Command {
    match parse_line(line) {
        Ok(Some(Statement::Engine(c))) => c,
        other => panic!("{line:?} gave {other:?}"),
    }
}
