//! The faults a relay injects, per direction: what `fault ID [up|down] …` sets, and the
//! set of them one direction of a relay applies.

use std::fmt;
use std::time::Duration;

/// One direction of a relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dir {
    /// From the client to the server (what the relay accepted, to what it connected).
    Up,
    /// From the server back to the client.
    Down,
}

impl Dir {
    /// Both directions, up first.
    pub const BOTH: [Dir; 2] = [Dir::Up, Dir::Down];

    /// Its index in a `[_; 2]` (up 0, down 1).
    pub fn index(self) -> usize {
        match self {
            Dir::Up => 0,
            Dir::Down => 1,
        }
    }
}

impl fmt::Display for Dir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dir::Up => "up",
            Dir::Down => "down",
        })
    }
}

/// A probability in parts per million (`5%` is 50,000; `0.1%` is 1,000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ppm(pub u32);

impl Ppm {
    /// One in one: every byte or datagram.
    pub const ALL: Ppm = Ppm(1_000_000);

    /// The probability as a fraction of 1.
    pub fn fraction(self) -> f64 {
        f64::from(self.0.min(1_000_000)) / 1e6
    }
}

impl fmt::Display for Ppm {
    /// As a percentage with at most four decimals and no trailing zeros: `5%`, `0.1%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 10_000;
        let frac = self.0 % 10_000;
        if frac == 0 {
            return write!(f, "{whole}%");
        }
        let digits = format!("{frac:04}");
        write!(f, "{whole}.{}%", digits.trim_end_matches('0'))
    }
}

/// One fault setting, as one `fault` command gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// `delay D [jitter J]`: hold every chunk D (± up to J, never reordering); `delay 0ms` is none.
    Delay {
        /// The added one-way delay.
        delay: Duration,
        /// The spread around it.
        jitter: Duration,
    },
    /// `throttle SIZE/s` (`None`: `throttle off`): at most this many bytes a second.
    Throttle(Option<u64>),
    /// `drop P%`: lose this share of datagrams (UDP relays).
    Drop(Ppm),
    /// `corrupt P%`: flip bits in this share of bytes.
    Corrupt(Ppm),
    /// `cut after SIZE` (`None`: `cut off`): reset both sides once this many bytes passed
    /// (a UDP session is closed instead).
    Cut(Option<u64>),
    /// `stall after SIZE` (`None`: `stall off`): stop reading once this many bytes passed.
    Stall(Option<u64>),
    /// `off`: none of the above.
    Off,
}

/// What one direction of a relay applies: every fault at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Faults {
    /// Added delay.
    pub delay: Duration,
    /// Spread of the delay.
    pub jitter: Duration,
    /// Bytes a second, at most.
    pub throttle: Option<u64>,
    /// Share of datagrams lost.
    pub drop: Ppm,
    /// Share of bytes corrupted.
    pub corrupt: Ppm,
    /// Reset after this many bytes.
    pub cut: Option<u64>,
    /// Stop reading after this many bytes.
    pub stall: Option<u64>,
}

impl Faults {
    /// Applies one setting (the others stay).
    pub fn apply(&mut self, fault: Fault) {
        match fault {
            Fault::Delay { delay, jitter } => {
                self.delay = delay;
                self.jitter = jitter;
            }
            Fault::Throttle(r) => self.throttle = r,
            Fault::Drop(p) => self.drop = p,
            Fault::Corrupt(p) => self.corrupt = p,
            Fault::Cut(n) => self.cut = n,
            Fault::Stall(n) => self.stall = n,
            Fault::Off => *self = Faults::default(),
        }
    }

    /// True when nothing is injected: bytes pass as they come.
    pub fn is_clear(&self) -> bool {
        *self == Faults::default()
    }
}

impl fmt::Display for Faults {
    /// The settings in force, as the words of `fault` commands (`none` when clear).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.delay.is_zero() || !self.jitter.is_zero() {
            parts.push(Fault::Delay {
                delay: self.delay,
                jitter: self.jitter,
            });
        }
        if self.throttle.is_some() {
            parts.push(Fault::Throttle(self.throttle));
        }
        if self.drop.0 > 0 {
            parts.push(Fault::Drop(self.drop));
        }
        if self.corrupt.0 > 0 {
            parts.push(Fault::Corrupt(self.corrupt));
        }
        if self.cut.is_some() {
            parts.push(Fault::Cut(self.cut));
        }
        if self.stall.is_some() {
            parts.push(Fault::Stall(self.stall));
        }
        if parts.is_empty() {
            return f.write_str("none");
        }
        let words: Vec<String> = parts.iter().map(Fault::to_string).collect();
        f.write_str(&words.join(", "))
    }
}

/// A byte count in the form the language writes it: `64KiB`, `1MiB`, `1000`.
pub fn size_text(n: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if n >= size && n.is_multiple_of(size) {
            return format!("{}{unit}", n / size);
        }
    }
    n.to_string()
}

/// Reads a byte count: digits, then nothing or `B`, `KB`, `MB`, `GB` (powers of 1000) or
/// `KiB`, `MiB`, `GiB` (powers of 1024).
pub fn parse_size(text: &str) -> Option<u64> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (num, unit) = text.split_at(digits);
    let n: u64 = num.parse().ok()?;
    let mult: u64 = match unit {
        "" | "B" => 1,
        "KB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(mult)
}

/// Reads a percentage with at most four decimals: `5%`, `0.1%`, `100%`.
pub fn parse_percent(text: &str) -> Option<Ppm> {
    let num = text.strip_suffix('%')?;
    let (whole, frac) = match num.split_once('.') {
        Some((w, f)) => (w, f),
        None => (num, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 4 {
        return None;
    }
    if num.ends_with('.') {
        return None;
    }
    let w: u32 = whole.parse().ok()?;
    let f: u32 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<4}").parse().ok()?
    };
    let ppm = w.checked_mul(10_000)?.checked_add(f)?;
    (ppm <= 1_000_000).then_some(Ppm(ppm))
}

impl fmt::Display for Fault {
    /// The words after `fault ID [up|down]`, for people (the language's printer writes
    /// durations in its own canonical form).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Delay { delay, jitter } if jitter.is_zero() => write!(f, "delay {delay:?}"),
            Fault::Delay { delay, jitter } => write!(f, "delay {delay:?} jitter {jitter:?}"),
            Fault::Throttle(Some(r)) => write!(f, "throttle {}/s", size_text(*r)),
            Fault::Throttle(None) => f.write_str("throttle off"),
            Fault::Drop(p) => write!(f, "drop {p}"),
            Fault::Corrupt(p) => write!(f, "corrupt {p}"),
            Fault::Cut(Some(n)) => write!(f, "cut after {}", size_text(*n)),
            Fault::Cut(None) => f.write_str("cut off"),
            Fault::Stall(Some(n)) => write!(f, "stall after {}", size_text(*n)),
            Fault::Stall(None) => f.write_str("stall off"),
            Fault::Off => f.write_str("off"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_percentages_read_back_what_they_print() {
        for n in [0, 1, 1000, 1024, 65_536, 1 << 20, 3 << 30, 1_048_577] {
            assert_eq!(parse_size(&size_text(n)), Some(n), "{n}");
        }
        assert_eq!(parse_size("64KiB"), Some(65_536));
        assert_eq!(parse_size("2KB"), Some(2000));
        assert_eq!(parse_size("1MiB"), Some(1 << 20));
        assert_eq!(parse_size("1.5MiB"), None);
        assert_eq!(parse_size("KiB"), None);
        for p in [0, 1, 1000, 50_000, 1_000_000, 123_456] {
            assert_eq!(parse_percent(&Ppm(p).to_string()), Some(Ppm(p)), "{p}");
        }
        assert_eq!(parse_percent("0.1%"), Some(Ppm(1000)));
        assert_eq!(parse_percent("5%"), Some(Ppm(50_000)));
        assert_eq!(parse_percent("101%"), None);
        assert_eq!(parse_percent("0.00001%"), None);
        assert_eq!(parse_percent("5"), None);
        assert_eq!(parse_percent("5.%"), None);
    }

    #[test]
    fn faults_accumulate_and_off_clears_them() {
        let mut f = Faults::default();
        f.apply(Fault::Delay {
            delay: Duration::from_millis(100),
            jitter: Duration::from_millis(20),
        });
        f.apply(Fault::Throttle(Some(65_536)));
        assert_eq!(f.to_string(), "delay 100ms jitter 20ms, throttle 64KiB/s");
        f.apply(Fault::Off);
        assert!(f.is_clear());
        assert_eq!(f.to_string(), "none");
    }
}
