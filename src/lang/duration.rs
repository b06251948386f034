//! DURATION values: `250ms`, `2s`, `1.5s`, parsed exactly to the nanosecond and printed in
//! a form that parses back to the same value.

use std::fmt;
use std::time::Duration;

const NANOS_PER_SEC: u128 = 1_000_000_000;
const NANOS_PER_MILLI: u128 = 1_000_000;

/// Why a word is not a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationError {
    /// Not a number followed by `ms` or `s`.
    Malformed,
    /// Longer than [`Duration::MAX`].
    TooLarge,
    /// Finer than a nanosecond (too many digits after the point).
    TooPrecise,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DurationError::Malformed => "a duration is a number with ms or s (250ms, 2s, 1.5s)",
            DurationError::TooLarge => "the duration is too large",
            DurationError::TooPrecise => "a duration has at most nanosecond precision",
        })
    }
}

impl std::error::Error for DurationError {}

/// Parses `250ms`, `2s`, `1.5s`, `0.25ms`: ASCII digits, optionally a point and more
/// digits, then the unit. Exact: `1.5ms` is 1 500 000 ns; more digits than a nanosecond
/// resolves (trailing zeros aside) are [`DurationError::TooPrecise`].
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let (number, unit, unit_digits) = if let Some(n) = text.strip_suffix("ms") {
        (n, NANOS_PER_MILLI, 6)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, NANOS_PER_SEC, 9)
    } else {
        return Err(DurationError::Malformed);
    };
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (number, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return Err(DurationError::Malformed);
    }
    let int: u128 = int.parse().map_err(|_| DurationError::TooLarge)?;
    let frac = frac.unwrap_or("").trim_end_matches('0');
    if frac.len() > unit_digits {
        return Err(DurationError::TooPrecise);
    }
    let mut frac_nanos: u128 = 0;
    for b in frac.bytes() {
        frac_nanos = frac_nanos * 10 + u128::from(b - b'0');
    }
    for _ in frac.len()..unit_digits {
        frac_nanos *= 10;
    }
    // `unit` is 10^unit_digits nanoseconds, so `frac_nanos` is already in nanoseconds.
    let total = int
        .checked_mul(unit)
        .and_then(|n| n.checked_add(frac_nanos))
        .ok_or(DurationError::TooLarge)?;
    let secs = u64::try_from(total / NANOS_PER_SEC).map_err(|_| DurationError::TooLarge)?;
    let nanos = u32::try_from(total % NANOS_PER_SEC).map_err(|_| DurationError::TooLarge)?;
    Ok(Duration::new(secs, nanos))
}

/// A duration as the language writes it: `2s` for whole seconds, `250ms` (or `0.5ms`)
/// below a second, `1.5s` otherwise. [`parse_duration`] reads it back exactly.
pub fn duration_text(d: Duration) -> String {
    let secs = d.as_secs();
    let nanos = d.subsec_nanos();
    if nanos == 0 {
        format!("{secs}s")
    } else if secs == 0 {
        let ms = nanos / 1_000_000;
        let rest = nanos % 1_000_000;
        if rest == 0 {
            format!("{ms}ms")
        } else {
            format!("{ms}.{}ms", trim_frac(&format!("{rest:06}")))
        }
    } else {
        format!("{secs}.{}s", trim_frac(&format!("{nanos:09}")))
    }
}

fn trim_frac(digits: &str) -> &str {
    digits.trim_end_matches('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_forms() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("0.5ms"), Ok(Duration::from_micros(500)));
        assert_eq!(parse_duration("1.000000001s"), Ok(Duration::new(1, 1)));
        assert_eq!(
            parse_duration("1.5000000000s"),
            Ok(Duration::from_millis(1500))
        );
        assert_eq!(parse_duration("007ms"), Ok(Duration::from_millis(7)));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "", "s", "ms", "5", "5m", ".5s", "5.s", "1.2.3s", "-1s", "1 s", "1e3ms", "+1s",
        ] {
            assert_eq!(parse_duration(bad), Err(DurationError::Malformed), "{bad}");
        }
        assert_eq!(
            parse_duration("1.0000000001s"),
            Err(DurationError::TooPrecise)
        );
        assert_eq!(
            parse_duration("0.0000001ms"),
            Err(DurationError::TooPrecise)
        );
        assert_eq!(
            parse_duration("18446744073709551616s"),
            Err(DurationError::TooLarge)
        );
        assert_eq!(
            parse_duration(&format!("{}s", "9".repeat(60))),
            Err(DurationError::TooLarge)
        );
        assert_eq!(
            parse_duration("18446744073709551615.999999999s"),
            Ok(Duration::MAX)
        );
    }

    #[test]
    fn prints_readable_forms() {
        assert_eq!(duration_text(Duration::from_millis(250)), "250ms");
        assert_eq!(duration_text(Duration::from_secs(2)), "2s");
        assert_eq!(duration_text(Duration::from_millis(1500)), "1.5s");
        assert_eq!(duration_text(Duration::ZERO), "0s");
        assert_eq!(duration_text(Duration::from_micros(1500)), "1.5ms");
        assert_eq!(duration_text(Duration::new(1, 1)), "1.000000001s");
        assert_eq!(
            duration_text(Duration::MAX),
            "18446744073709551615.999999999s"
        );
    }

    #[test]
    fn round_trips() {
        for d in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_nanos(999_999_999),
            Duration::from_millis(1001),
            Duration::MAX,
        ] {
            assert_eq!(parse_duration(&duration_text(d)), Ok(d));
        }
    }
}
