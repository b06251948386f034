//! The parser, continued: the relay and its faults (issue 17 §3).
//!
//! Forms:
//! - `relay ID to ADDR [idle DURATION]`, `relay ID off`
//! - `fault ID [up|down] delay DURATION [jitter DURATION]`, `… throttle SIZE/s`,
//!   `… throttle off`, `… drop PERCENT`, `… corrupt PERCENT`, `… cut after SIZE`,
//!   `… cut off`, `… stall after SIZE`, `… stall off`, `… off`
//!
//! SIZE is a byte count (`1000`, `64KiB`, `1MiB`, `2GiB`, `500KB`); PERCENT has at most
//! four decimals (`5%`, `0.1%`).

use crate::engine::relay::fault::{parse_percent, parse_size};
use crate::engine::{Command, Dir, Fault};

use super::Parser;
use crate::lang::error::ParseError;
use crate::lang::lexer::Token;

const FAULTS: &str =
    "`up`, `down`, `delay`, `throttle`, `drop`, `corrupt`, `cut`, `stall` or `off`";
const SIZE: &str = "a size in bytes (1000, 64KiB, 1MiB)";
const PERCENT: &str = "a percentage (5%, 0.1%)";

impl<'a> Parser<'a> {
    /// Parses `relay` and `fault`; `None` when `word` is neither.
    pub(super) fn relay_more(&mut self, word: &Token<'a>) -> Result<Option<Command>, ParseError> {
        let cmd = match word.text {
            "relay" => self.relay()?,
            "fault" => self.fault()?,
            _ => return Ok(None),
        };
        Ok(Some(cmd))
    }

    fn relay(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        let t = self.need("`to ADDR` or `off`")?;
        match t.text {
            "off" => {
                self.end()?;
                Ok(Command::Relay {
                    sock,
                    to: None,
                    idle: None,
                })
            }
            "to" => {
                let to = Some(self.addr()?);
                let idle = self.last_after("idle", "`idle DURATION` or end of line", |p| {
                    p.duration("an idle time (30s)")
                })?;
                Ok(Command::Relay { sock, to, idle })
            }
            _ => Err(self.unexpected(&t, "`to ADDR` or `off`")),
        }
    }

    fn fault(&mut self) -> Result<Command, ParseError> {
        let sock = self.sock()?;
        let mut t = self.need(FAULTS)?;
        let dir = match t.text {
            "up" => Some(Dir::Up),
            "down" => Some(Dir::Down),
            _ => None,
        };
        if dir.is_some() {
            t = self.need(FAULTS)?;
        }
        let fault = match t.text {
            "delay" => {
                let delay = self.duration("a delay (100ms)")?;
                let jitter =
                    self.last_after("jitter", "`jitter DURATION` or end of line", |p| {
                        p.duration("a jitter (20ms)")
                    })?;
                let jitter = jitter.unwrap_or_default();
                return Ok(Command::Fault {
                    sock,
                    dir,
                    fault: Fault::Delay { delay, jitter },
                });
            }
            "throttle" => {
                const RATE: &str = "a rate (64KiB/s) or `off`";
                let r = self.need(RATE)?;
                if r.text == "off" {
                    Fault::Throttle(None)
                } else {
                    let rate = r
                        .text
                        .strip_suffix("/s")
                        .and_then(parse_size)
                        .filter(|n| *n > 0)
                        .ok_or_else(|| self.unexpected(&r, RATE))?;
                    Fault::Throttle(Some(rate))
                }
            }
            "drop" | "corrupt" => {
                let p = self.need(PERCENT)?;
                let ppm = parse_percent(p.text).ok_or_else(|| self.unexpected(&p, PERCENT))?;
                if t.text == "drop" {
                    Fault::Drop(ppm)
                } else {
                    Fault::Corrupt(ppm)
                }
            }
            "cut" | "stall" => {
                let a = self.need("`after SIZE` or `off`")?;
                let n = match a.text {
                    "off" => None,
                    "after" => {
                        let s = self.need(SIZE)?;
                        Some(parse_size(s.text).ok_or_else(|| self.unexpected(&s, SIZE))?)
                    }
                    _ => return Err(self.unexpected(&a, "`after SIZE` or `off`")),
                };
                if t.text == "cut" {
                    Fault::Cut(n)
                } else {
                    Fault::Stall(n)
                }
            }
            "off" => Fault::Off,
            _ => return Err(self.unexpected(&t, FAULTS)),
        };
        self.end()?;
        Ok(Command::Fault { sock, dir, fault })
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Command, Dir, Fault, Ppm};
    use crate::lang::parse_line;
    use crate::lang::test_lines::cmd;
    use std::time::Duration;

    #[test]
    fn the_relay_and_fault_forms_parse_and_print_back() {
        for line in [
            "relay s1 to 127.0.0.1:8000",
            "relay srv to localhost:80 idle 30s",
            "relay s1 off",
            "fault s1 delay 100ms",
            "fault s1 up delay 100ms jitter 20ms",
            "fault s1 down throttle 64KiB/s",
            "fault s1 throttle off",
            "fault s1 drop 5%",
            "fault s1 up corrupt 0.1%",
            "fault s1 cut after 1MiB",
            "fault s1 cut off",
            "fault s1 down stall after 1000",
            "fault s1 stall off",
            "fault s1 off",
        ] {
            assert_eq!(cmd(line).to_string(), line);
        }
        assert_eq!(
            cmd("fault s1 up throttle 2KB/s"),
            Command::Fault {
                sock: crate::engine::SockRef::Id(crate::engine::SockId(1)),
                dir: Some(Dir::Up),
                fault: Fault::Throttle(Some(2000)),
            }
        );
        let Command::Fault { fault, .. } = cmd("fault s1 corrupt 0.0001%") else {
            panic!()
        };
        assert_eq!(fault, Fault::Corrupt(Ppm(1)));
        let Command::Relay { idle, .. } = cmd("relay s1 to 127.0.0.1:9 idle 1.5s") else {
            panic!()
        };
        assert_eq!(idle, Some(Duration::from_millis(1500)));
    }

    #[test]
    fn bad_relay_and_fault_lines_say_what_was_expected() {
        for (line, want) in [
            ("relay s1", "`to ADDR` or `off`"),
            ("relay s1 to", "address"),
            ("relay s1 to 127.0.0.1:1 idle", "idle time"),
            ("fault s1", "`delay`"),
            ("fault s1 up", "`delay`"),
            ("fault s1 delay 5", "a delay"),
            ("fault s1 throttle 0/s", "a rate"),
            ("fault s1 throttle 64KiB", "a rate"),
            ("fault s1 drop 5", "a percentage"),
            ("fault s1 drop 101%", "a percentage"),
            ("fault s1 cut 5", "`after SIZE`"),
            ("fault s1 stall after lots", "a size"),
            ("fault s1 off now", "end of line"),
        ] {
            let err = parse_line(line).expect_err(line).to_string();
            assert!(err.contains(want), "{line}: {err}");
        }
    }
}
