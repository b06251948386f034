//! Socket references: ids (`s1`) and names given with `as NAME` (`srv`, `client-2`).

use crate::engine::{SockId, SockRef};

use super::error::{ParseError, Src};

/// What a socket reference looks like, for `expected` in errors.
pub(crate) const SOCK_FORMS: &str = "a socket id or name (s1, srv)";

/// Whether `text` has the form of a socket id: `s` and one or more ASCII digits.
pub fn is_id_like(text: &str) -> bool {
    text.strip_prefix('s')
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `text` may be given with `as NAME`: one or more letters, digits, `_` or `-`,
/// and not of the form of an id (`s12`).
pub fn is_valid_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        && !is_id_like(text)
}

/// Parses a socket reference starting at byte `start` of the line: `s<digits>` is an id,
/// any other valid name is a name.
pub(crate) fn parse_sock(src: Src<'_>, text: &str, start: usize) -> Result<SockRef, ParseError> {
    if let Some(digits) = text.strip_prefix('s').filter(|_| is_id_like(text)) {
        return match digits.parse::<u32>() {
            Ok(n) => Ok(SockRef::Id(SockId(n))),
            Err(_) => {
                Err(src.at_text(start, format!("a socket id from s0 to s{}", u32::MAX), text))
            }
        };
    }
    if is_valid_name(text) {
        Ok(SockRef::Name(text.to_string()))
    } else {
        Err(src.at_text(start, SOCK_FORMS, text))
    }
}

/// Parses the NAME of `as NAME` at byte `start` of the line.
pub(crate) fn parse_new_name(src: Src<'_>, text: &str, start: usize) -> Result<String, ParseError> {
    if is_valid_name(text) {
        Ok(text.to_string())
    } else {
        Err(src.at_text(
            start,
            "a name of letters, digits, `_` or `-` that is not an id like s1",
            text,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sock(text: &str) -> Result<SockRef, ParseError> {
        parse_sock(Src { line: text }, text, 0)
    }

    #[test]
    fn ids_and_names() {
        assert_eq!(sock("s1"), Ok(SockRef::Id(SockId(1))));
        assert_eq!(sock("s007"), Ok(SockRef::Id(SockId(7))));
        assert_eq!(sock("s4294967295"), Ok(SockRef::Id(SockId(u32::MAX))));
        assert_eq!(sock("s"), Ok(SockRef::Name("s".into())));
        assert_eq!(sock("S1"), Ok(SockRef::Name("S1".into())));
        assert_eq!(sock("s1x"), Ok(SockRef::Name("s1x".into())));
        assert_eq!(sock("srv_2-b"), Ok(SockRef::Name("srv_2-b".into())));
        assert_eq!(sock("café"), Ok(SockRef::Name("café".into())));
    }

    #[test]
    fn bad_refs() {
        let e = sock("s4294967296").unwrap_err();
        assert!(e.expected.contains("s4294967295"));
        assert_eq!(sock("a.b").unwrap_err().expected, SOCK_FORMS);
        assert_eq!(sock("").unwrap_err().col, 1);
    }

    #[test]
    fn names() {
        assert!(is_valid_name("srv"));
        assert!(!is_valid_name("s12"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("a b"));
        assert!(parse_new_name(Src { line: "s2" }, "s2", 0).is_err());
    }
}
