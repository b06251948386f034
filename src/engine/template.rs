//! The variables of payloads and templates, filled in when the bytes are sent: `send`,
//! `sendto`, `repeat` payloads and rule replies.
//!
//! | variable | becomes |
//! | --- | --- |
//! | `{seq}` | the number of this message among those the socket sent (1, 2, …) |
//! | `{counter}` | rule replies: replies so far on the socket; `repeat`: sends so far; `send`/`sendto`: the engine's sends so far |
//! | `{time}` / `{unix_ms}` | now, RFC 3339 UTC with milliseconds / milliseconds since 1970 |
//! | `{random}` / `{random:MIN:MAX}` | a random `u32` / a random whole number from MIN to MAX (both included) |
//! | `{uuid}` | a random (version 4) UUID |
//! | `{hex:…}` | the bytes written in hex (`{hex:0d0a}`, blanks allowed) |
//! | `{data}` `{rx}` / `{rx[A..B]}` | the received message (rule replies) / its bytes A to B-1 (`{rx[0..2]}`, `{rx[2..]}`, `{rx[..2]}`, `{rx[3]}`), cut to what arrived |
//! | `{upper}` `{lower}` `{len}` `{peer}` `{1}`…`{9}` | the message upper/lower-cased, its length, its sender, regex captures |
//! | `{checksum:ALG}` | the checksum of every byte before it in this payload; `… checksum ALG` appends one |
//!
//! A `{…}` that names none of these stays as written, so text such as JSON is sent as is.

use std::time::{SystemTime, UNIX_EPOCH};

use super::checksum::Checksum;

/// What a template may refer to.
pub struct TemplateVars<'a> {
    /// The message that arrived (empty for sends and repeats).
    pub data: &'a [u8],
    /// The sender, as text.
    pub peer: String,
    /// A counter: replies (or repeats, or the engine's sends) so far, from 1.
    pub counter: u64,
    /// The number of this message among those the socket sent, from 1.
    pub seq: u64,
    /// Regex captures, `{1}` first.
    pub captures: &'a [Vec<u8>],
}

/// The prefix of the checksum variable.
pub const CHECKSUM_VAR: &str = "checksum:";

/// A small xorshift generator for `{random}` and `{uuid}`, seeded from the clock.
fn random_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9)
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    x.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// Whether a template may hold a variable (a `{` somewhere): when not, the bytes are sent
/// as they are, shared, not copied.
pub fn may_expand(template: &[u8]) -> bool {
    memchr::memchr(b'{', template).is_some()
}

/// Fills a template's variables; unknown `{…}` stay as written.
pub fn expand(template: &[u8], vars: &TemplateVars<'_>) -> Vec<u8> {
    fill(template, vars.data.len(), |name| lookup(name, vars))
}

/// Fills only the `{checksum:ALG}` variables, for bytes that are matched or sent as they
/// are (rule patterns, `expect`, greetings) rather than filled in at send time.
pub fn fill_checksums(bytes: &[u8]) -> Vec<u8> {
    fill(bytes, 0, |_| None)
}

/// Replaces each `{NAME}` by the checksum of what came before it (`checksum:ALG`) or by
/// `other(NAME)`; a name neither knows stays as written.
fn fill(template: &[u8], extra: usize, other: impl Fn(&[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::with_capacity(template.len() + extra);
    let mut i = 0;
    while i < template.len() {
        if template[i] == b'{'
            && let Some(len) = template[i + 1..].iter().position(|&b| b == b'}')
        {
            let name = &template[i + 1..i + 1 + len];
            let value = match checksum_var(name) {
                Some(alg) => Some(alg.bytes(&out)),
                None => other(name),
            };
            if let Some(value) = value {
                out.extend_from_slice(&value);
                i += len + 2;
                continue;
            }
        }
        out.push(template[i]);
        i += 1;
    }
    out
}

/// The algorithm of a `checksum:ALG` variable's name.
fn checksum_var(name: &[u8]) -> Option<Checksum> {
    let alg = name.strip_prefix(CHECKSUM_VAR.as_bytes())?;
    Checksum::from_name(std::str::from_utf8(alg).ok()?)
}

/// If the template ends with a `{checksum:ALG}` variable: the bytes before it and ALG (the
/// printer writes it back as `… checksum ALG`).
pub fn split_checksum(template: &[u8]) -> Option<(&[u8], Checksum)> {
    let body = template.strip_suffix(b"}")?;
    let open = body.iter().rposition(|&b| b == b'{')?;
    let alg = checksum_var(&body[open + 1..])?;
    Some((&template[..open], alg))
}

/// `template` with `{checksum:ALG}` appended.
pub fn with_checksum(template: &[u8], alg: Checksum) -> Vec<u8> {
    let mut out = template.to_vec();
    out.extend_from_slice(format!("{{{CHECKSUM_VAR}{alg}}}").as_bytes());
    out
}

fn lookup(name: &[u8], vars: &TemplateVars<'_>) -> Option<Vec<u8>> {
    Some(match name {
        b"data" | b"rx" => vars.data.to_vec(),
        b"upper" => vars.data.to_ascii_uppercase(),
        b"lower" => vars.data.to_ascii_lowercase(),
        b"len" => vars.data.len().to_string().into_bytes(),
        b"peer" => vars.peer.clone().into_bytes(),
        b"counter" => vars.counter.to_string().into_bytes(),
        b"seq" => vars.seq.to_string().into_bytes(),
        b"time" => chrono::Utc::now()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            .into_bytes(),
        b"unix_ms" => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
            .to_string()
            .into_bytes(),
        b"random" => ((random_u64() >> 32) as u32).to_string().into_bytes(),
        b"uuid" => uuid_v4().into_bytes(),
        [d @ b'1'..=b'9'] => vars
            .captures
            .get(usize::from(d - b'1'))
            .cloned()
            .unwrap_or_default(),
        _ => {
            let text = std::str::from_utf8(name).ok()?;
            if let Some(range) = text.strip_prefix("random:") {
                return random_in(range);
            }
            if let Some(hex) = text.strip_prefix("hex:") {
                return decode_hex(hex);
            }
            return rx_slice(text, vars.data);
        }
    })
}

/// `MIN:MAX` → a random whole number in the range (both ends included).
fn random_in(range: &str) -> Option<Vec<u8>> {
    let (lo, hi) = range.split_once(':')?;
    let (lo, hi) = (
        lo.trim().parse::<i64>().ok()?,
        hi.trim().parse::<i64>().ok()?,
    );
    if lo > hi {
        return None;
    }
    let span = (i128::from(hi) - i128::from(lo) + 1) as u128;
    let pick = i128::from(lo) + (u128::from(random_u64()) % span) as i128;
    Some(pick.to_string().into_bytes())
}

/// Hex digit pairs, blanks and `:` allowed between them.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b':')
        .collect();
    if digits.is_empty() || !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect()
}

/// `rx[A..B]`, `rx[A..]`, `rx[..B]` or `rx[I]`: bytes of the received message, cut to
/// what arrived.
fn rx_slice(text: &str, data: &[u8]) -> Option<Vec<u8>> {
    let inner = text.strip_prefix("rx[")?.strip_suffix(']')?;
    let num = |s: &str, default: usize| -> Option<usize> {
        if s.is_empty() {
            Some(default)
        } else {
            s.parse().ok()
        }
    };
    let (start, end) = match inner.split_once("..") {
        Some((a, b)) => (num(a, 0)?, num(b, data.len())?),
        None => {
            let i: usize = inner.parse().ok()?;
            (i, i.saturating_add(1))
        }
    };
    let end = end.min(data.len());
    Some(data.get(start.min(end)..end).unwrap_or_default().to_vec())
}

/// A random version 4 UUID in its usual text form.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&random_u64().to_be_bytes());
    b[8..].copy_from_slice(&random_u64().to_be_bytes());
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(data: &[u8]) -> TemplateVars<'_> {
        TemplateVars {
            data,
            peer: "127.0.0.1:9".into(),
            counter: 3,
            seq: 7,
            captures: &[],
        }
    }

    #[test]
    fn placeholders_expand_and_unknown_ones_stay() {
        let v = vars(b"hi");
        assert_eq!(
            expand(b"{data}/{upper}/{len}/{peer}/{counter}/{nope}/{", &v),
            b"hi/HI/2/127.0.0.1:9/3/{nope}/{"
        );
        let t = String::from_utf8(expand(b"{time}", &v)).expect("utf-8");
        assert!(t.ends_with('Z') && t.contains('T'), "{t}");
        let r = String::from_utf8(expand(b"{random}", &v)).expect("utf-8");
        assert!(r.parse::<u32>().is_ok(), "{r}");
        assert_eq!(expand(br#"{"a":1}"#, &v), br#"{"a":1}"#, "JSON stays");
    }

    #[test]
    fn seq_unix_ms_hex_and_rx_slices() {
        let v = vars(b"\x12\x34rest");
        assert_eq!(expand(b"#{seq}", &v), b"#7");
        assert_eq!(expand(b"{hex:0d 0a}{hex:zz}", &v), b"\r\n{hex:zz}");
        assert_eq!(
            expand(b"{rx[0..2]}|{rx[2..]}|{rx[..1]}|{rx[4]}", &v),
            b"\x12\x34|rest|\x12|s"
        );
        assert_eq!(
            expand(b"[{rx[4..99]}][{rx[9..]}]", &v),
            b"[st][]",
            "cut to what arrived"
        );
        assert_eq!(expand(b"{rx}", &v), b"\x12\x34rest");
        let ms: u128 = String::from_utf8(expand(b"{unix_ms}", &v))
            .expect("utf-8")
            .parse()
            .expect("a number");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        assert!(now.abs_diff(ms) < 60_000, "{ms} vs {now}");
    }

    #[test]
    fn random_ranges_stay_inside_and_cover_both_ends() {
        let v = vars(b"");
        let mut seen = [false; 3];
        for _ in 0..500 {
            let n: i64 = String::from_utf8(expand(b"{random:-1:1}", &v))
                .expect("utf-8")
                .parse()
                .expect("a number");
            assert!((-1..=1).contains(&n), "{n}");
            seen[(n + 1) as usize] = true;
        }
        assert_eq!(seen, [true; 3]);
        assert_eq!(
            expand(b"{random:5:1}", &v),
            b"{random:5:1}",
            "empty range stays"
        );
    }

    #[test]
    fn uuids_are_version_4_and_differ() {
        let v = vars(b"");
        let a = String::from_utf8(expand(b"{uuid}", &v)).expect("utf-8");
        let b = String::from_utf8(expand(b"{uuid}", &v)).expect("utf-8");
        assert_ne!(a, b);
        let parts: Vec<&str> = a.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'), "{a}");
        assert!(
            matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
            "{a}"
        );
    }

    #[test]
    fn a_checksum_variable_covers_the_bytes_before_it() {
        let v = vars(b"");
        let t = with_checksum(b"\x01\x03\x00\x00\x00\x01", Checksum::Crc16Modbus);
        assert_eq!(expand(&t, &v), b"\x01\x03\x00\x00\x00\x01\x84\x0a");
        assert_eq!(
            split_checksum(&t),
            Some((&b"\x01\x03\x00\x00\x00\x01"[..], Checksum::Crc16Modbus))
        );
        assert_eq!(split_checksum(b"abc{checksum:nope}"), None);
        // In the middle: STX, body, XOR, ETX.
        let framed = expand(b"\x02AB{checksum:xor8}\x03", &v);
        assert_eq!(framed, [0x02, b'A', b'B', 0x02 ^ b'A' ^ b'B', 0x03]);
        // Variables before it are expanded first.
        let seq = expand(b"{seq}{checksum:sum8}", &v);
        assert_eq!(seq, [b'7', b'7']);
    }
}
