//! What has been set on one socket beyond its lifecycle — socket options as read back from
//! the kernel, receive framing, receive size and step mode, readiness, the reply table and
//! greeting, timed sends in progress, send progress and multicast groups — folded from the
//! engine's `Set` and tool events by a pure function ([`SockConfig::apply`]).

use std::net::IpAddr;
use std::time::Duration;

use crate::engine::{EventKind, Framing, OnClose, Rule, Setting, SockOpt};

/// Sends this large get a progress bar (the engine reports progress past 1 MiB).
pub const BIG_SEND: u64 = crate::engine::PROGRESS_STEP as u64;

/// Readiness as `select()` said it (answer to `ready`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Readiness {
    /// A `recv` would not block.
    pub readable: bool,
    /// A `send` would not block.
    pub writable: bool,
    /// Bytes waiting in the kernel's receive queue.
    pub pending: usize,
}

/// A timed send under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sending {
    /// `repeat`: `count` sends (`None`: until stopped), `every` apart.
    Repeat {
        /// Sends planned.
        count: Option<u64>,
        /// Time between sends.
        every: Duration,
    },
    /// `chunked`: `total` bytes in pieces of `size`, `delay` apart.
    Chunks {
        /// Bytes per piece.
        size: usize,
        /// Time between pieces.
        delay: Duration,
        /// Bytes in all.
        total: usize,
    },
    /// `flood`.
    Flood {
        /// Bytes per send.
        size: usize,
        /// Sends per second, or as fast as possible.
        rate: Option<u64>,
    },
}

/// Everything set on a socket beyond its lifecycle, as the engine reported it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SockConfig {
    /// Options read back from the kernel, in the order they were first read.
    pub options: Vec<(SockOpt, String)>,
    /// How received stream bytes are cut into messages.
    pub framing: Framing,
    /// Bytes per `recv`, once set (`None`: the engine's default, 65536).
    pub recv_size: Option<usize>,
    /// Step mode: nothing is read until `recv`.
    pub manual: bool,
    /// The latest readiness answer.
    pub readiness: Option<Readiness>,
    /// Data was read since the readiness answer, so it may be out of date.
    pub readiness_stale: bool,
    /// The latest step-mode `recv` found nothing to read.
    pub would_block: bool,
    /// Messages cut out of the stream by the framing.
    pub messages_in: u64,
    /// The reply table, first rule first.
    pub rules: Vec<Rule>,
    /// The greeting of accepted connections, and whether they close after it.
    pub greeting: Option<(Vec<u8>, bool)>,
    /// A repeat, chunked send or flood under way.
    pub sending: Option<Sending>,
    /// Sends made by the latest repeat, chunked send or flood that ended.
    pub last_done: Option<u64>,
    /// A large send's progress: bytes written and bytes in all.
    pub progress: Option<(u64, u64)>,
    /// Multicast groups joined, in order.
    pub groups: Vec<IpAddr>,
    /// A listener's policy for connections whose peer has closed, once set (`None`: the
    /// engine's default, auto-accepted ones close, those accepted by hand are kept).
    pub on_close: Option<OnClose>,
    /// The relay this socket runs, or the relayed pair it is a side of.
    pub relay: super::relay::RelayView,
}

impl SockConfig {
    /// The value of `opt` last read back from the kernel.
    pub fn option(&self, opt: SockOpt) -> Option<&str> {
        self.options
            .iter()
            .find(|(o, _)| *o == opt)
            .map(|(_, v)| v.as_str())
    }

    /// What an accepted connection takes over from its listener (the engine does the same).
    pub fn inherited(&self) -> SockConfig {
        SockConfig {
            framing: self.framing.clone(),
            recv_size: self.recv_size,
            manual: self.manual,
            ..SockConfig::default()
        }
    }

    /// Folds one event of the socket. Returns true when a step-mode read changed what is
    /// waiting, so that a readiness shown before is worth asking again.
    pub fn apply(&mut self, kind: &EventKind) -> bool {
        match kind {
            EventKind::Set(s) => self.apply_setting(s),
            EventKind::Message { .. } => self.messages_in += 1,
            EventKind::Readiness {
                readable,
                writable,
                pending,
            } => {
                self.readiness = Some(Readiness {
                    readable: *readable,
                    writable: *writable,
                    pending: *pending,
                });
                self.readiness_stale = false;
            }
            EventKind::WouldBlock => self.would_block = true,
            EventKind::Received { .. } | EventKind::PeerClosed => {
                self.would_block = false;
                if self.readiness.is_some() {
                    self.readiness_stale = true;
                    return self.manual;
                }
            }
            EventKind::SendProgress { sent, total } => self.progress = Some((*sent, *total)),
            EventKind::Sent { data, .. } => {
                // A large send is complete: its bar shows full, even when the kernel took
                // it all at once and no progress was reported.
                let len = data.len() as u64;
                if self.progress.is_some_and(|(_, total)| total == len) || len >= BIG_SEND {
                    self.progress = Some((len, len));
                }
            }
            EventKind::RepeatDone { sent } => {
                self.sending = None;
                self.last_done = Some(*sent);
            }
            EventKind::Closed => {
                self.sending = None;
                self.groups.clear();
            }
            _ => {}
        }
        false
    }

    fn apply_setting(&mut self, s: &Setting) {
        match s {
            Setting::Framing(f) => self.framing = f.clone(),
            Setting::RecvSize(n) => self.recv_size = Some(*n),
            Setting::Manual(m) => {
                self.manual = *m;
                self.would_block = false;
            }
            Setting::RuleAdded { rule, .. } => self.rules.push(rule.clone()),
            Setting::RulesCleared => self.rules.clear(),
            Setting::Greeting { data, close } => {
                self.greeting = data.as_ref().map(|d| (d.to_vec(), *close));
            }
            Setting::Repeating { count, every } => {
                self.sending = Some(Sending::Repeat {
                    count: *count,
                    every: *every,
                });
            }
            Setting::Chunking { size, delay, total } => {
                self.sending = Some(Sending::Chunks {
                    size: *size,
                    delay: *delay,
                    total: *total,
                });
            }
            Setting::Flooding { size, rate } => {
                self.sending = Some(Sending::Flood {
                    size: *size,
                    rate: *rate,
                });
            }
            Setting::Option { opt, value } => {
                match self.options.iter_mut().find(|(o, _)| o == opt) {
                    Some(slot) => slot.1 = value.clone(),
                    None => self.options.push((*opt, value.clone())),
                }
            }
            Setting::Joined(g) => {
                if !self.groups.contains(g) {
                    self.groups.push(*g);
                }
            }
            Setting::Left(g) => self.groups.retain(|x| x != g),
            Setting::Resolved(_) => {}
            Setting::OnClose(p) => self.on_close = Some(*p),
            Setting::Relay(_) | Setting::RelayLink { .. } | Setting::Faults { .. } => {
                self.relay.apply(s)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Match;

    fn set(c: &mut SockConfig, s: Setting) {
        c.apply(&EventKind::Set(s));
    }

    #[test]
    fn options_are_read_back_and_replaced() {
        let mut c = SockConfig::default();
        assert_eq!(c.option(SockOpt::RcvBuf), None);
        set(
            &mut c,
            Setting::Option {
                opt: SockOpt::RcvBuf,
                value: "8192".into(),
            },
        );
        set(
            &mut c,
            Setting::Option {
                opt: SockOpt::NoDelay,
                value: "off".into(),
            },
        );
        set(
            &mut c,
            Setting::Option {
                opt: SockOpt::NoDelay,
                value: "on".into(),
            },
        );
        assert_eq!(c.option(SockOpt::RcvBuf), Some("8192"));
        assert_eq!(c.option(SockOpt::NoDelay), Some("on"));
        assert_eq!(c.options.len(), 2);
    }

    #[test]
    fn rules_greeting_and_framing() {
        let mut c = SockConfig::default();
        let rule = Rule {
            on: Match::Exact(b"ping".to_vec()),
            reply: b"pong".to_vec(),
            close: false,
        };
        set(
            &mut c,
            Setting::RuleAdded {
                rule: rule.clone(),
                count: 1,
            },
        );
        set(
            &mut c,
            Setting::RuleAdded {
                rule: rule.clone(),
                count: 2,
            },
        );
        assert_eq!(c.rules.len(), 2);
        set(&mut c, Setting::RulesCleared);
        assert!(c.rules.is_empty());
        set(
            &mut c,
            Setting::Greeting {
                data: Some(b"hi"[..].into()),
                close: true,
            },
        );
        assert_eq!(c.greeting, Some((b"hi".to_vec(), true)));
        set(
            &mut c,
            Setting::Greeting {
                data: None,
                close: false,
            },
        );
        assert_eq!(c.greeting, None);
        set(&mut c, Setting::Framing(Framing::Fixed(4)));
        set(&mut c, Setting::RecvSize(8));
        set(&mut c, Setting::Manual(true));
        let child = c.inherited();
        assert_eq!(
            (child.framing, child.recv_size, child.manual),
            (Framing::Fixed(4), Some(8), true)
        );
        assert!(child.rules.is_empty());
    }

    #[test]
    fn step_mode_readiness_goes_stale_after_a_read() {
        let mut c = SockConfig::default();
        set(&mut c, Setting::Manual(true));
        c.apply(&EventKind::WouldBlock);
        assert!(c.would_block);
        let asked_again = c.apply(&EventKind::Readiness {
            readable: true,
            writable: true,
            pending: 8,
        });
        assert!(!asked_again);
        assert_eq!(c.readiness.map(|r| r.pending), Some(8));
        let data: std::sync::Arc<[u8]> = b"abcd"[..].into();
        let again = c.apply(&EventKind::Received {
            peer: None,
            data,
            truncated_from: None,
        });
        assert!(again, "a step-mode read asks for readiness again");
        assert!(c.readiness_stale && !c.would_block);
    }

    #[test]
    fn timed_sends_and_progress() {
        let mut c = SockConfig::default();
        set(
            &mut c,
            Setting::Repeating {
                count: Some(3),
                every: Duration::from_millis(10),
            },
        );
        assert!(matches!(
            c.sending,
            Some(Sending::Repeat { count: Some(3), .. })
        ));
        c.apply(&EventKind::RepeatDone { sent: 3 });
        assert_eq!((c.sending, c.last_done), (None, Some(3)));
        c.apply(&EventKind::SendProgress {
            sent: 1 << 20,
            total: 3 << 20,
        });
        assert_eq!(c.progress, Some((1 << 20, 3 << 20)));
        let data: std::sync::Arc<[u8]> = vec![0u8; 3 << 20].into();
        c.apply(&EventKind::Sent {
            peer: None,
            data,
            reply: false,
        });
        assert_eq!(c.progress, Some((3 << 20, 3 << 20)));
        let g: IpAddr = "239.1.2.3".parse().expect("group");
        set(&mut c, Setting::Joined(g));
        set(&mut c, Setting::Joined(g));
        assert_eq!(c.groups, vec![g]);
        set(&mut c, Setting::Left(g));
        assert!(c.groups.is_empty());
    }
}
