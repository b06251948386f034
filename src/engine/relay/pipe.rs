//! One direction of a relayed conversation: the bytes read from one side on their way to
//! the other, held for a delay, paced by a throttle, corrupted, dropped, cut or stalled as
//! the direction's [`Faults`] say. Pure bookkeeping (no sockets), driven by the reactor.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::addr::Addr;
use crate::engine::event::SockId;
use crate::engine::relay::fault::{Dir, Faults};

/// How much lateness of its timer a throttle makes up for (bytes of this long at the rate
/// may leave at once after a late wake-up).
const CATCH_UP: Duration = Duration::from_millis(250);

/// A chunk waiting in the pipe: when it may leave, and its bytes (from `off`).
struct Chunk {
    at: Instant,
    data: Arc<[u8]>,
    off: usize,
}

/// A small fast generator (xorshift64*), enough to pick which bytes and datagrams to hit.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator seeded from the clock and `salt`.
    pub fn seeded(salt: u64) -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng((t ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A float in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What a pipe does with what was just read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Taken {
    /// Queued (maybe shortened by a cut).
    Queued,
    /// A datagram lost to `drop` (or past a UDP stall).
    Dropped,
}

/// One direction of a relay.
pub(crate) struct Pipe {
    /// The relay socket whose faults apply.
    pub owner: SockId,
    /// Which direction this is.
    pub dir: Dir,
    /// The timers of this pipe are keyed by this socket.
    pub key: SockId,
    /// Where datagrams go (a UDP client); `None` on a connected socket.
    pub to: Option<Addr>,
    q: VecDeque<Chunk>,
    /// Bytes held in the pipe.
    pub queued: usize,
    /// Bytes taken in so far (what `cut` and `stall` count).
    pub passed: u64,
    /// Bytes handed to the destination's send queue so far.
    pub handed: u64,
    /// The destination's `bytes_out` when the pipe was made.
    pub out_base: u64,
    /// Reading the source stopped (backpressure or a stall); a resume must re-read it.
    pub paused: bool,
    /// The source's peer closed: pass the FIN on once the pipe is empty.
    pub eof: bool,
    /// The FIN was passed on (the destination's write side is shut).
    pub eof_done: bool,
    /// A `cut` was reached: reset both sides once what came before it is written.
    pub cut: bool,
    next_free: Option<Instant>,
    last_at: Option<Instant>,
    /// The pipe's timer, when one is armed.
    pub timer_at: Option<Instant>,
    /// When something last passed (a UDP session's idle clock).
    pub last_active: Instant,
    /// Datagrams dropped, bytes corrupted.
    pub dropped: u64,
    /// Bytes corrupted so far.
    pub corrupted: u64,
    corrupt_ppm: u32,
    corrupt_gap: u64,
    rng: Rng,
}

impl Pipe {
    /// An empty pipe of relay `owner`, direction `dir`.
    pub fn new(owner: SockId, dir: Dir, key: SockId, to: Option<Addr>, out_base: u64) -> Pipe {
        Pipe {
            owner,
            dir,
            key,
            to,
            q: VecDeque::new(),
            queued: 0,
            passed: 0,
            handed: 0,
            out_base,
            paused: false,
            eof: false,
            eof_done: false,
            cut: false,
            next_free: None,
            last_at: None,
            timer_at: None,
            last_active: Instant::now(),
            dropped: 0,
            corrupted: 0,
            corrupt_ppm: 0,
            corrupt_gap: 0,
            rng: Rng::seeded(u64::from(key.0) << 1 | dir.index() as u64),
        }
    }

    /// True when nothing waits in the pipe.
    pub fn is_empty(&self) -> bool {
        self.q.is_empty()
    }

    /// How many more bytes the source may be read for before `stall` stops it (`None`: no stall).
    pub fn stall_left(&self, f: &Faults) -> Option<u64> {
        f.stall.map(|s| s.saturating_sub(self.passed))
    }

    /// Takes in what the source gave: applies cut, drop, corrupt and delay, and queues it.
    pub fn take_in(&mut self, data: Arc<[u8]>, now: Instant, f: &Faults, dgram: bool) -> Taken {
        self.last_active = now;
        if self.cut {
            return Taken::Dropped;
        }
        if dgram && self.stall_left(f) == Some(0) {
            self.dropped += 1;
            return Taken::Dropped;
        }
        if dgram && f.drop.0 > 0 && self.rng.unit() < f.drop.fraction() {
            self.dropped += 1;
            return Taken::Dropped;
        }
        let mut data = data;
        if let Some(limit) = f.cut {
            let left = limit.saturating_sub(self.passed);
            if (data.len() as u64) >= left {
                self.cut = true;
                if dgram {
                    return Taken::Dropped; // a UDP session ends at its cut
                }
                data = Arc::from(&data[..left as usize]);
            }
        }
        self.passed += data.len() as u64;
        let data = self.corrupt(data, f);
        let mut at = now + f.delay;
        if !f.jitter.is_zero() {
            let j = f.jitter.as_secs_f64() * (2.0 * self.rng.unit() - 1.0);
            at = if j >= 0.0 {
                at + Duration::from_secs_f64(j)
            } else {
                at.checked_sub(Duration::from_secs_f64(-j)).unwrap_or(now)
            };
            at = at.max(now);
        }
        // Jitter never reorders: a chunk leaves no earlier than the one before it.
        if let Some(last) = self.last_at {
            at = at.max(last);
        }
        self.last_at = Some(at);
        if !data.is_empty() {
            self.queued += data.len();
            self.q.push_back(Chunk { at, data, off: 0 });
        }
        Taken::Queued
    }

    /// Flips bits in the share of bytes `corrupt` asks for (the gaps between hits drawn
    /// from the geometric distribution, so a large chunk costs one draw per hit).
    fn corrupt(&mut self, data: Arc<[u8]>, f: &Faults) -> Arc<[u8]> {
        if f.corrupt.0 == 0 || data.is_empty() {
            return data;
        }
        if self.corrupt_ppm != f.corrupt.0 {
            self.corrupt_ppm = f.corrupt.0;
            self.corrupt_gap = self.gap(f.corrupt.fraction());
        }
        let len = data.len() as u64;
        if self.corrupt_gap >= len {
            self.corrupt_gap -= len;
            return data;
        }
        let mut bytes = data.to_vec();
        let mut at = self.corrupt_gap;
        while at < len {
            let flip = (self.rng.next_u64() % 255 + 1) as u8;
            bytes[at as usize] ^= flip;
            self.corrupted += 1;
            at += 1 + self.gap(f.corrupt.fraction());
        }
        self.corrupt_gap = at - len;
        bytes.into()
    }

    /// Bytes to skip before the next corrupted one.
    fn gap(&mut self, p: f64) -> u64 {
        if p >= 1.0 {
            return 0;
        }
        let u = 1.0 - self.rng.unit(); // (0, 1]
        (u.ln() / (1.0 - p).ln()).floor().min(u64::MAX as f64 / 2.0) as u64
    }

    /// Takes out what may leave by `now`: whole chunks past their delay, paced by the
    /// throttle (a stream in pieces, a datagram whole). Returns them, and when to look
    /// again if something is left.
    pub fn release(
        &mut self,
        now: Instant,
        f: &Faults,
        dgram: bool,
    ) -> (Vec<Arc<[u8]>>, Option<Instant>) {
        let mut out = Vec::new();
        while let Some(head) = self.q.front_mut() {
            if head.at > now {
                return (out, Some(head.at));
            }
            let rest = head.data.len() - head.off;
            let Some(rate) = f.throttle.filter(|r| *r > 0) else {
                let piece = if head.off == 0 {
                    Arc::clone(&head.data)
                } else {
                    Arc::from(&head.data[head.off..])
                };
                self.queued -= rest;
                self.q.pop_front();
                out.push(piece);
                continue;
            };
            let quantum = (rate / 50).clamp(512, 65_536) as usize;
            let per_byte = 1.0 / rate as f64;
            // A timer that fires late (a loaded machine) is caught up on, up to CATCH_UP's
            // worth of bytes at once, so the rate over a transfer stays the one set.
            let slack = CATCH_UP.max(Duration::from_secs_f64(quantum as f64 * per_byte));
            let free = self.next_free.unwrap_or(now);
            if free > now {
                return (out, Some(free));
            }
            let n = if dgram { rest } else { rest.min(quantum) };
            let base = free.max(now.checked_sub(slack).unwrap_or(now));
            self.next_free = Some(base + Duration::from_secs_f64(n as f64 * per_byte));
            let piece: Arc<[u8]> = if head.off == 0 && n == head.data.len() {
                Arc::clone(&head.data)
            } else {
                Arc::from(&head.data[head.off..head.off + n])
            };
            head.off += n;
            self.queued -= n;
            if head.off == head.data.len() {
                self.q.pop_front();
            }
            out.push(piece);
        }
        (out, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::relay::fault::Ppm;

    fn pipe() -> Pipe {
        Pipe::new(SockId(1), Dir::Up, SockId(2), None, 0)
    }

    #[test]
    fn a_delay_holds_chunks_until_their_time_and_keeps_their_order() {
        let mut p = pipe();
        let f = Faults {
            delay: Duration::from_millis(100),
            jitter: Duration::from_millis(90),
            ..Faults::default()
        };
        let t0 = Instant::now();
        for i in 0..50u8 {
            p.take_in(Arc::from(&[i][..]), t0, &f, false);
        }
        let (out, next) = p.release(t0, &f, false);
        assert!(out.is_empty());
        assert!(next.is_some_and(|n| n >= t0 + Duration::from_millis(10)));
        let (out, next) = p.release(t0 + Duration::from_millis(191), &f, false);
        let got: Vec<u8> = out.iter().flat_map(|c| c.iter().copied()).collect();
        assert_eq!(got, (0..50).collect::<Vec<u8>>());
        assert_eq!(next, None);
    }

    #[test]
    fn a_throttle_paces_bytes_at_its_rate() {
        let mut p = pipe();
        let rate = 100_000u64;
        let f = Faults {
            throttle: Some(rate),
            ..Faults::default()
        };
        let t0 = Instant::now();
        p.take_in(Arc::from(vec![7u8; 500_000]), t0, &f, false);
        let mut now = t0;
        let mut total = 0;
        let mut last = t0;
        while total < 500_000 {
            let (out, next) = p.release(now, &f, false);
            total += out.iter().map(|c| c.len()).sum::<usize>();
            if total >= 500_000 {
                last = now;
                break;
            }
            now = next.expect("more to come");
        }
        let secs = last.duration_since(t0).as_secs_f64();
        assert!(
            (4.9..5.1).contains(&secs),
            "500 kB at 100 kB/s took {secs} s"
        );
    }

    #[test]
    fn corrupt_hits_about_its_share_of_bytes_and_cut_stops_at_its_count() {
        let mut p = pipe();
        let f = Faults {
            corrupt: Ppm(10_000),
            cut: Some(1_000_000),
            ..Faults::default()
        };
        let t0 = Instant::now();
        for _ in 0..20 {
            p.take_in(Arc::from(vec![0u8; 65_536]), t0, &f, false);
        }
        assert!(p.cut);
        let (out, _) = p.release(t0, &f, false);
        let bytes: Vec<u8> = out.iter().flat_map(|c| c.iter().copied()).collect();
        assert_eq!(bytes.len(), 1_000_000);
        let hit = bytes.iter().filter(|b| **b != 0).count();
        assert_eq!(hit as u64, p.corrupted);
        assert!((8_000..12_000).contains(&hit), "{hit} of 1e6 bytes at 1 %");
    }

    #[test]
    fn drop_loses_its_share_of_datagrams() {
        let mut p = pipe();
        let f = Faults {
            drop: Ppm(250_000),
            ..Faults::default()
        };
        let t0 = Instant::now();
        let lost = (0..4000)
            .filter(|_| p.take_in(Arc::from(&b"x"[..]), t0, &f, true) == Taken::Dropped)
            .count();
        assert!((800..1200).contains(&lost), "{lost} of 4000 at 25 %");
    }
}
