//! PAYLOAD values: `"text"` with escapes, `hex:…`, `file:PATH`; parsed from a word and
//! printed back as the same forms.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::engine::Payload;

use super::error::{ParseError, Src};
use super::lexer::{Token, is_blank};

/// What a payload looks like, for `expected` in errors.
pub(crate) const PAYLOAD_FORMS: &str = "a payload (\"text\", hex:48656c6c6f or file:PATH)";

/// Parses a payload word: `"text"`, `hex:HEX`, `hex:"HEX"`, `file:PATH` or `file:"PATH"`.
pub(crate) fn parse_payload(
    src: Src<'_>,
    tok: &Token<'_>,
    expected: &str,
) -> Result<Payload, ParseError> {
    if let Some(q) = tok.quoted {
        return match tok.prefix {
            "" => Ok(Payload::from(decode_escapes(src, q.body, q.start)?)),
            "hex:" => Ok(Payload::from(decode_hex(src, q.body, q.start)?)),
            "file:" => {
                let bytes = decode_escapes(src, q.body, q.start)?;
                if bytes.is_empty() {
                    return Err(src.at_text(tok.start, "a file path after file:", tok.text));
                }
                match String::from_utf8(bytes) {
                    Ok(path) => Ok(Payload::File(PathBuf::from(path))),
                    Err(_) => Err(src.at_text(q.start, "a path in valid UTF-8", q.body)),
                }
            }
            _ => Err(src.at_text(tok.start, expected, tok.text)),
        };
    }
    if let Some(hex) = tok.text.strip_prefix("hex:") {
        if hex.is_empty() {
            return Err(src.at_text(tok.start, "hex digits after hex:", tok.text));
        }
        return Ok(Payload::from(decode_hex(src, hex, tok.start + 4)?));
    }
    if let Some(path) = tok.text.strip_prefix("file:") {
        if path.is_empty() {
            return Err(src.at_text(tok.start, "a file path after file:", tok.text));
        }
        return Ok(Payload::File(PathBuf::from(path)));
    }
    Err(src.at_text(tok.start, expected, tok.text))
}

/// Decodes the escapes of a quoted body that starts at byte `start` of the line.
fn decode_escapes(src: Src<'_>, body: &str, start: usize) -> Result<Vec<u8>, ParseError> {
    let mut out = Vec::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let at = start + i;
        let byte = match chars.next().map(|(_, e)| e) {
            Some('n') => b'\n',
            Some('r') => b'\r',
            Some('t') => b'\t',
            Some('0') => 0,
            Some('\\') => b'\\',
            Some('"') => b'"',
            Some('x') => {
                let hi = chars.next().map(|(_, h)| h);
                let lo = chars.next().map(|(_, l)| l);
                match (hi.and_then(hex_value), lo.and_then(hex_value)) {
                    (Some(h), Some(l)) => (h << 4) | l,
                    _ => {
                        let shown: String = ['\\', 'x'].into_iter().chain(hi).chain(lo).collect();
                        return Err(src.at_text(at, "two hex digits after \\x", &shown));
                    }
                }
            }
            other => {
                let shown: String = ['\\'].into_iter().chain(other).collect();
                return Err(src.at_text(
                    at,
                    "an escape (\\n \\r \\t \\0 \\\\ \\\" or \\xHH)",
                    &shown,
                ));
            }
        };
        out.push(byte);
    }
    Ok(out)
}

/// Decodes hex byte pairs; blanks and `:` may separate (and surround) the pairs.
fn decode_hex(src: Src<'_>, text: &str, start: usize) -> Result<Vec<u8>, ParseError> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == ':' || is_blank(c) {
            continue;
        }
        let Some(hi) = hex_value(c) else {
            return Err(src.at_text(start + i, "a hex digit", &c.to_string()));
        };
        match chars.next() {
            Some((j, d)) => match hex_value(d) {
                Some(lo) => out.push((hi << 4) | lo),
                None => {
                    return Err(src.at_text(
                        start + j,
                        "a second hex digit (bytes are two hex digits)",
                        &d.to_string(),
                    ));
                }
            },
            None => {
                return Err(src.at(
                    start + text.len(),
                    "a second hex digit (bytes are two hex digits)",
                    "end of hex",
                ));
            }
        }
    }
    Ok(out)
}

fn hex_value(c: char) -> Option<u8> {
    c.to_digit(16).and_then(|v| u8::try_from(v).ok())
}

/// Whether a character prints as itself inside a quoted payload (no `\xHH` needed).
fn is_readable(c: char) -> bool {
    if c.is_ascii() {
        c == ' ' || c.is_ascii_graphic()
    } else {
        !c.is_control() && !c.is_whitespace() && !is_invisible(c)
    }
}

/// Non-ASCII characters that print as nothing or reorder text (zero-width, bidi, BOM).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Whether `c` prints as itself in a payload whose bytes are (`utf8`) or are not all valid
/// UTF-8: in binary data a stray non-ASCII character is an accident of the bytes, so only
/// readable ASCII prints as itself there.
fn shows_as_itself(c: char, utf8: bool) -> bool {
    is_readable(c) && (utf8 || c.is_ascii())
}

/// Bytes as the inside of a quoted payload: readable characters as they are; `\n \r \t
/// \0 \\ \"`; `\xHH` for every other byte (invalid UTF-8, control and invisible
/// characters, and any non-ASCII byte when the bytes are not valid UTF-8 as a whole).
pub fn escape_bytes(bytes: &[u8]) -> String {
    let utf8 = std::str::from_utf8(bytes).is_ok();
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\0' => out.push_str("\\0"),
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                c if shows_as_itself(c, utf8) => out.push(c),
                c => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(out, "\\x{b:02x}");
                    }
                }
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// How many bytes are binary: `\0` and those [`escape_bytes`] writes as `\xHH`.
fn binary_count(bytes: &[u8]) -> usize {
    let utf8 = std::str::from_utf8(bytes).is_ok();
    let mut n = 0;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\0' || !(shows_as_itself(c, utf8) || matches!(c, '\n' | '\r' | '\t')) {
                n += c.len_utf8();
            }
        }
        n += chunk.invalid().len();
    }
    n
}

/// Bytes as a payload word: `"escaped text"`, or `hex:…` when more than half of them are
/// binary (see [`escape_bytes`]).
pub fn bytes_text(bytes: &[u8]) -> String {
    if binary_count(bytes) * 2 > bytes.len() {
        let mut out = String::with_capacity(4 + bytes.len() * 2);
        out.push_str("hex:");
        for b in bytes {
            let _ = write!(out, "{b:02x}");
        }
        out
    } else {
        format!("\"{}\"", escape_bytes(bytes))
    }
}

/// A path as a payload word: `file:PATH`, or `file:"PATH"` (escaped) when it has blanks,
/// quotes or characters that are not readable.
fn path_text(path: &Path) -> String {
    let text = path.to_string_lossy();
    if !text.is_empty()
        && text
            .chars()
            .all(|c| is_readable(c) && c != '"' && !is_blank(c))
    {
        format!("file:{text}")
    } else {
        format!("file:\"{}\"", escape_bytes(text.as_bytes()))
    }
}

/// A payload as the language writes it; [`super::parse_line`] reads it back as the same value.
pub fn payload_text(p: &Payload) -> String {
    match p {
        Payload::Bytes(b) => bytes_text(b),
        Payload::File(path) => path_text(path),
    }
}

/// Bytes as the language writes a sent payload: a trailing `{checksum:ALG}` variable
/// prints as ` checksum ALG` after the payload word (the parser reads both the same).
pub fn checked_text(bytes: &[u8]) -> String {
    match crate::engine::template::split_checksum(bytes) {
        Some((body, alg)) => format!("{} checksum {alg}", bytes_text(body)),
        None => bytes_text(bytes),
    }
}

/// A sent payload as the language writes it ([`checked_text`] for inline bytes).
pub fn checked_payload_text(p: &Payload) -> String {
    match p {
        Payload::Bytes(b) => checked_text(b),
        Payload::File(path) => path_text(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::lexer::Lexer;

    fn parse(line: &str) -> Result<Payload, ParseError> {
        let src = Src { line };
        let tok = Lexer::new(src).next_token()?.expect("a word");
        parse_payload(src, &tok, PAYLOAD_FORMS)
    }

    fn bytes(b: &[u8]) -> Result<Payload, ParseError> {
        Ok(Payload::bytes(b))
    }

    #[test]
    fn text_and_each_escape() {
        assert_eq!(parse(r#""hello world""#), bytes(b"hello world"));
        assert_eq!(parse(r#""""#), bytes(b""));
        assert_eq!(parse(r#""\n""#), bytes(b"\n"));
        assert_eq!(parse(r#""\r""#), bytes(b"\r"));
        assert_eq!(parse(r#""\t""#), bytes(b"\t"));
        assert_eq!(parse(r#""\0""#), bytes(b"\0"));
        assert_eq!(parse(r#""\\""#), bytes(b"\\"));
        assert_eq!(parse(r#""\"""#), bytes(b"\""));
        assert_eq!(parse(r#""\x48\xfF""#), bytes(b"H\xff"));
        assert_eq!(parse("\"é\""), bytes("é".as_bytes()));
    }

    #[test]
    fn bad_escapes_point_at_the_backslash() {
        let e = parse(r#""ab\q""#).unwrap_err();
        assert_eq!((e.col, e.found.as_str()), (4, r#""\q""#));
        let e = parse(r#""é\x4g""#).unwrap_err();
        assert_eq!((e.col, e.found.as_str()), (3, r#""\x4g""#));
        assert!(e.expected.contains("two hex digits"));
        let e = parse(r#""\x4""#).unwrap_err();
        assert_eq!(e.col, 2);
    }

    #[test]
    fn hex_forms() {
        assert_eq!(parse("hex:48656c6c6f"), bytes(b"Hello"));
        assert_eq!(parse("hex:48656C6C6F"), bytes(b"Hello"));
        assert_eq!(parse(r#"hex:"48 65 6c""#), bytes(b"Hel"));
        assert_eq!(parse(r#"hex:"48:65:6c""#), bytes(b"Hel"));
        assert_eq!(parse("hex:48:65"), bytes(b"He"));
        assert_eq!(parse(r#"hex:"""#), bytes(b""));
    }

    #[test]
    fn hex_errors() {
        let e = parse("hex:4g").unwrap_err();
        assert_eq!((e.col, e.found.as_str()), (6, "\"g\""));
        let e = parse("hex:486").unwrap_err();
        assert_eq!((e.col, e.found.as_str()), (8, "end of hex"));
        let e = parse(r#"hex:"4 8""#).unwrap_err();
        assert_eq!(e.col, 7);
        let e = parse("hex:zz").unwrap_err();
        assert_eq!(e.col, 5);
        let e = parse("hex:").unwrap_err();
        assert_eq!((e.col, e.expected.as_str()), (1, "hex digits after hex:"));
    }

    #[test]
    fn file_forms() {
        assert_eq!(
            parse("file:/tmp/x.bin"),
            Ok(Payload::File("/tmp/x.bin".into()))
        );
        assert_eq!(parse(r"file:C:\a\b"), Ok(Payload::File(r"C:\a\b".into())));
        assert_eq!(
            parse(r#"file:"/tmp/a b\"c""#),
            Ok(Payload::File("/tmp/a b\"c".into()))
        );
        assert_eq!(parse("file:").unwrap_err().col, 1);
        assert_eq!(parse(r#"file:"""#).unwrap_err().col, 1);
        assert_eq!(parse(r#"file:"\xff""#).unwrap_err().col, 7);
    }

    #[test]
    fn other_words_are_not_payloads() {
        let e = parse("hello").unwrap_err();
        assert_eq!((e.col, e.expected.as_str()), (1, PAYLOAD_FORMS));
        assert_eq!(parse(r#"text:"a""#).unwrap_err().found, r#""text:\"a\"""#);
    }

    #[test]
    fn printing() {
        assert_eq!(bytes_text(b"hello world"), r#""hello world""#);
        assert_eq!(bytes_text(b"a\r\n\t\0\\\"b"), r#""a\r\n\t\0\\\"b""#);
        assert_eq!(bytes_text(b"ab\x1b"), r#""ab\x1b""#);
        assert_eq!(
            bytes_text("héllo\u{200b}".as_bytes()),
            "\"héllo\\xe2\\x80\\x8b\""
        );
        assert_eq!(bytes_text(b"\x00\x01\x02a"), "hex:00010261");
        assert_eq!(bytes_text(b""), r#""""#);
        assert_eq!(bytes_text(b"\xde\xad\xbe\xef"), "hex:deadbeef");
        assert_eq!(bytes_text(b"GET\xc3\xa9\xff"), r#""GET\xc3\xa9\xff""#);
        assert_eq!(payload_text(&Payload::File("/tmp/x".into())), "file:/tmp/x");
        assert_eq!(payload_text(&Payload::File("a b".into())), r#"file:"a b""#);
        assert_eq!(
            payload_text(&Payload::File("a\\b c".into())),
            r#"file:"a\\b c""#
        );
    }

    #[test]
    fn printing_round_trips() {
        let mut all: Vec<u8> = (0..=255).collect();
        all.extend_from_slice("héllo\u{200b}\u{85}\u{a0}".as_bytes());
        for b in [
            all.clone(),
            all[..40].to_vec(),
            all[32..127].to_vec(),
            all[250..].to_vec(),
        ] {
            assert_eq!(parse(&bytes_text(&b)), Ok(Payload::bytes(b.clone())));
        }
        for p in [
            "x", "a b", "\"", "\\", "a\tb", "é", "\u{85}", "#x", "\u{200b}",
        ] {
            let payload = Payload::File(p.into());
            assert_eq!(parse(&payload_text(&payload)), Ok(payload));
        }
    }
}
