//! Long input in the shell without bracketed paste: rustyline redraws the whole line each
//! time it wraps at the terminal's edge, so a pasted line of n bytes costs n²/columns bytes of
//! redraw (a 1 MB paste: minutes). Past [`LONG_LINE`] bytes, with the cursor at the end, the
//! [`PasteTail`] handler takes the characters as they come into a buffer of its own instead
//! (no redraw: linear), and the shell appends that tail to the line rustyline returns.
//! Backspace takes from the tail; Enter ends the line as usual; other editing keys do nothing
//! while a tail is held (the line on screen stops growing past [`LONG_LINE`]).

use std::sync::{Arc, Mutex};

use rustyline::{Cmd, ConditionalEventHandler, Event, EventContext, KeyCode, KeyEvent, Modifiers};

/// Bytes of a line rustyline edits (and shows) before the rest goes to the tail.
pub(crate) const LONG_LINE: usize = 4096;

/// The tail of a long line, shared by the key handler and the shell loop.
#[derive(Clone, Default)]
pub(crate) struct PasteTail(Arc<Mutex<String>>);

impl PasteTail {
    fn with<T>(&self, f: impl FnOnce(&mut String) -> T) -> T {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    /// The line rustyline returned with the tail held for it appended; the tail is emptied.
    pub(crate) fn complete(&self, line: String) -> String {
        let tail = self.with(std::mem::take);
        if tail.is_empty() { line } else { line + &tail }
    }

    /// Drops the tail (the line was abandoned: Ctrl-C, EOF, an error).
    pub(crate) fn clear(&self) {
        self.with(String::clear);
    }

    /// What to do with one key: `None` lets rustyline handle it.
    fn on_key(&self, key: KeyEvent, line_len: usize, at_end: bool) -> Option<Cmd> {
        self.with(|tail| {
            let holding = !tail.is_empty();
            let ch = match key {
                KeyEvent(KeyCode::Char(c), m) if m == Modifiers::NONE || m == Modifiers::SHIFT => {
                    Some(c)
                }
                KeyEvent(KeyCode::Tab, Modifiers::NONE) => Some('\t'),
                _ => None,
            };
            match (ch, key) {
                (Some(c), _) if holding || (at_end && line_len >= LONG_LINE) => {
                    tail.push(c);
                    Some(Cmd::Noop)
                }
                _ if !holding => None,
                (None, KeyEvent(KeyCode::Backspace, _)) => {
                    tail.pop();
                    Some(Cmd::Noop)
                }
                // Enter ends the line; Ctrl-C and Ctrl-D are rustyline's (the shell clears
                // the tail when they abandon the line).
                (None, KeyEvent(KeyCode::Enter, _)) => None,
                (None, KeyEvent(KeyCode::Char('J' | 'M' | 'C'), Modifiers::CTRL)) => None,
                _ => Some(Cmd::Noop),
            }
        })
    }
}

impl ConditionalEventHandler for PasteTail {
    fn handle(&self, evt: &Event, _n: u16, _positive: bool, ctx: &EventContext) -> Option<Cmd> {
        let key = *evt.get(0)?;
        self.on_key(key, ctx.line().len(), ctx.pos() == ctx.line().len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent(KeyCode::Char(c), Modifiers::NONE)
    }

    #[test]
    fn past_the_long_line_keys_go_to_the_tail_in_order() {
        let t = PasteTail::default();
        assert_eq!(
            t.on_key(key('a'), 10, true),
            None,
            "short lines are rustyline's"
        );
        assert_eq!(
            t.on_key(key('a'), LONG_LINE, false),
            None,
            "cursor not at the end"
        );
        for c in "xyz\t".chars() {
            let k = if c == '\t' {
                KeyEvent(KeyCode::Tab, Modifiers::NONE)
            } else {
                key(c)
            };
            assert_eq!(t.on_key(k, LONG_LINE, true), Some(Cmd::Noop));
        }
        // Held: even a short line (the line does not grow) and any cursor position.
        assert_eq!(t.on_key(key('!'), 3, false), Some(Cmd::Noop));
        assert_eq!(
            t.on_key(KeyEvent(KeyCode::Backspace, Modifiers::NONE), 3, true),
            Some(Cmd::Noop)
        );
        assert_eq!(
            t.on_key(KeyEvent(KeyCode::Left, Modifiers::NONE), 3, true),
            Some(Cmd::Noop)
        );
        assert_eq!(
            t.on_key(KeyEvent(KeyCode::Enter, Modifiers::NONE), 3, true),
            None
        );
        assert_eq!(t.complete("abc".into()), "abcxyz\t");
        assert_eq!(t.complete("abc".into()), "abc", "emptied");
        assert_eq!(
            t.on_key(KeyEvent(KeyCode::Enter, Modifiers::NONE), 3, true),
            None
        );
    }
}
