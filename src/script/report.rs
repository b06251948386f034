//! How a script line reads in an error message: cut to a readable length, with control
//! characters escaped so that a script's raw NUL or ESC bytes never reach the terminal.

use std::fmt::Write as _;

/// Characters of a script line an error message shows; the rest is counted.
pub const SHOWN_CHARS: usize = 120;

/// `text` trimmed, cut after [`SHOWN_CHARS`] characters (`…(+N bytes)` counts the rest)
/// and with every control character written as an escape (`\t`, `\x1b`, `\u{85}`).
pub fn shown_line(text: &str) -> String {
    let text = text.trim();
    let mut out = String::new();
    let mut end = text.len();
    for (n, (i, c)) in text.char_indices().enumerate() {
        if n == SHOWN_CHARS {
            end = i;
            break;
        }
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 && c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    if end < text.len() {
        let _ = write!(out, "…(+{} bytes)", text.len() - end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bytes_are_escaped_and_long_lines_cut() {
        assert_eq!(shown_line("  send a \"x\"\t "), "send a \"x\"");
        assert_eq!(
            shown_line("send a \"\u{0}\u{1b}[2J\u{85}\""),
            "send a \"\\x00\\x1b[2J\\u{85}\""
        );
        let long = format!("send a \"{}\"", "y".repeat(10_000_000));
        let shown = shown_line(&long);
        assert!(shown.len() < 200, "{} bytes", shown.len());
        assert!(shown.ends_with(&format!("…(+{} bytes)", long.len() - SHOWN_CHARS)));
    }
}
