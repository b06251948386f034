//! Text output that a reader can follow when data comes faster than anyone reads: per
//! socket, the first [`LINES_PER_INTERVAL`] data events of each [`INTERVAL`] are printed
//! as lines, the rest are counted and told in one summary line when the interval ends.
//! Only text output is thinned; `--json` prints every event.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use crate::engine::SockId;

/// How long a summary covers.
pub const INTERVAL: Duration = Duration::from_secs(1);

/// Data lines (received datagrams or chunks, framed messages) printed per socket and
/// interval before the rest are summarized: more than a reader takes in, fewer than a
/// terminal can scroll without slowing the run.
pub const LINES_PER_INTERVAL: u32 = 100;

/// What one socket's current interval has shown and held back.
struct Window {
    start: Instant,
    shown: u32,
    hidden: u64,
    bytes: u64,
    /// When the first event held back since the last summary came.
    held_since: Instant,
    last_at: SystemTime,
}

/// A socket's events held back in one interval: told as one line.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// The socket.
    pub sock: SockId,
    /// Data events not printed.
    pub events: u64,
    /// Their bytes.
    pub bytes: u64,
    /// When the last of them happened.
    pub last_at: SystemTime,
    /// How long the interval lasted.
    pub secs: f64,
}

/// The thinning of data lines, per socket.
#[derive(Default)]
pub struct Thinning {
    windows: HashMap<SockId, Window>,
}

impl Thinning {
    /// Decides whether a data event of `bytes` on `sock` at `now` (logged `at`) is printed;
    /// when it opens a new interval, the last one's held-back events come back first.
    pub fn admit(
        &mut self,
        sock: SockId,
        bytes: usize,
        now: Instant,
        at: SystemTime,
    ) -> (bool, Option<Held>) {
        let w = self.windows.entry(sock).or_insert(Window {
            start: now,
            shown: 0,
            hidden: 0,
            bytes: 0,
            held_since: now,
            last_at: at,
        });
        let mut told = None;
        if now.duration_since(w.start) >= INTERVAL {
            told = take(sock, w, now, true);
        }
        if w.shown < LINES_PER_INTERVAL {
            w.shown += 1;
            return (true, told);
        }
        if w.hidden == 0 {
            w.held_since = now;
        }
        w.hidden += 1;
        w.bytes += bytes as u64;
        w.last_at = at;
        (false, told)
    }

    /// The held-back events of every interval that has ended by `now`, oldest first; with
    /// `all`, every socket's held-back events so far (before another line is printed, and
    /// as the run ends), without opening a new interval.
    pub fn due(&mut self, now: Instant, all: bool) -> Vec<Held> {
        let mut out: Vec<Held> = self
            .windows
            .iter_mut()
            .filter_map(|(id, w)| {
                let ended = now.duration_since(w.start) >= INTERVAL;
                (all || ended).then(|| take(*id, w, now, ended)).flatten()
            })
            .collect();
        out.sort_by_key(|h| h.last_at);
        out
    }
}

/// What `w` held back, if anything, from now on counted afresh; `new_interval` also opens
/// a new interval at `now` (lines are printed again).
fn take(sock: SockId, w: &mut Window, now: Instant, new_interval: bool) -> Option<Held> {
    let held = (w.hidden > 0).then(|| Held {
        sock,
        events: w.hidden,
        bytes: w.bytes,
        last_at: w.last_at,
        secs: now.duration_since(w.held_since).as_secs_f64(),
    });
    if new_interval {
        w.start = now;
        w.shown = 0;
    }
    w.hidden = 0;
    w.bytes = 0;
    held
}

impl Held {
    /// The summary's text after the time and socket columns.
    pub fn text(&self) -> String {
        format!(
            "… {} more received ({} bytes) in {:.2} s, not shown (at most {LINES_PER_INTERVAL} data lines a second per socket; --json prints every event)",
            self.events, self.bytes, self.secs
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_limit_events_are_held_and_told_when_the_interval_ends() {
        let mut t = Thinning::default();
        let s = SockId(1);
        let t0 = Instant::now();
        let at = SystemTime::now();
        let shown = (0..250)
            .filter(|_| t.admit(s, 64, t0, at) == (true, None))
            .count();
        assert_eq!(shown, LINES_PER_INTERVAL as usize);
        assert!(t.due(t0 + INTERVAL / 2, false).is_empty(), "not yet");
        let (printed, told) = t.admit(s, 10, t0 + INTERVAL, at);
        assert!(printed, "a new interval prints again");
        let told = told.expect("the last interval's summary");
        assert_eq!((told.events, told.bytes), (150, 150 * 64));
        assert_eq!(t.due(t0 + INTERVAL * 3, false), vec![]);
    }

    #[test]
    fn telling_the_held_back_events_early_does_not_open_a_new_interval() {
        let mut t = Thinning::default();
        let (s, t0, at) = (SockId(3), Instant::now(), SystemTime::now());
        for _ in 0..(LINES_PER_INTERVAL + 5) {
            t.admit(s, 1, t0, at);
        }
        assert_eq!(t.due(t0, true)[0].events, 5);
        assert_eq!(t.admit(s, 1, t0, at), (false, None), "still over the limit");
        assert_eq!(t.due(t0, true)[0].events, 1);
    }

    #[test]
    fn the_end_of_a_run_tells_what_is_still_held() {
        let mut t = Thinning::default();
        let t0 = Instant::now();
        let at = SystemTime::now();
        for _ in 0..(LINES_PER_INTERVAL + 7) {
            t.admit(SockId(2), 3, t0, at);
        }
        let held = t.due(t0, true);
        assert_eq!(held.len(), 1);
        assert_eq!(
            (held[0].sock, held[0].events, held[0].bytes),
            (SockId(2), 7, 21)
        );
        assert!(held[0].text().contains("7 more received (21 bytes)"));
    }
}
