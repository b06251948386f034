//! What the traffic window counts: received bytes and messages (the sink), flood progress
//! (the generator), and rates in quarter-second bins for the live graph. Folded from
//! engine events by [`Traffic::observe`], a pure function of the events, so it is tested
//! without a window; the window itself is in `crate::app::socket::traffic_window`.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime};

use crate::engine::{Event, EventKind, Setting, SockId};

/// Width of one rate bin.
pub const BIN: Duration = Duration::from_millis(250);

/// Bins kept for the graph (one minute).
pub const BINS_KEPT: usize = 240;

/// Bytes and messages, one way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    /// Bytes.
    pub bytes: u64,
    /// Messages (chunks, datagrams or sends).
    pub msgs: u64,
}

impl Count {
    fn add(&mut self, bytes: u64, msgs: u64) {
        self.bytes += bytes;
        self.msgs += msgs;
    }
}

/// One rate bin: what was received and sent in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bin {
    /// The bin's number (time since the origin / [`BIN`]).
    pub index: u64,
    /// Received in the bin.
    pub received: Count,
    /// Sent in the bin (sends and flood progress).
    pub sent: Count,
}

/// A flood that has started and not ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flood {
    /// Bytes per send.
    pub size: usize,
    /// Sends per second, or `None` for as fast as possible.
    pub rate: Option<u64>,
    /// Sent so far.
    pub sent: Count,
}

/// The traffic window's counters.
#[derive(Debug, Clone)]
pub struct Traffic {
    origin: SystemTime,
    /// Received on every socket since the last reset (the sink).
    pub received: Count,
    /// Sent on every socket since the last reset.
    pub sent: Count,
    bins: VecDeque<Bin>,
    /// Floods running, by socket.
    pub floods: HashMap<SockId, Flood>,
    /// The last flood that ended: its socket and what it sent.
    pub last_flood: Option<(SockId, u64)>,
    last_activity: Option<SystemTime>,
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic::new(SystemTime::now())
    }
}

impl Traffic {
    /// Counters starting at `origin`.
    pub fn new(origin: SystemTime) -> Traffic {
        Traffic {
            origin,
            received: Count::default(),
            sent: Count::default(),
            bins: VecDeque::new(),
            floods: HashMap::new(),
            last_flood: None,
            last_activity: None,
        }
    }

    /// Zeroes the counters and the graph (running floods stay known).
    pub fn reset(&mut self, now: SystemTime) {
        let floods = std::mem::take(&mut self.floods);
        *self = Traffic::new(now);
        self.floods = floods;
    }

    fn bin_index(&self, at: SystemTime) -> u64 {
        let d = at.duration_since(self.origin).unwrap_or_default();
        (d.as_nanos() / BIN.as_nanos()) as u64
    }

    fn bin(&mut self, at: SystemTime) -> &mut Bin {
        let index = self.bin_index(at);
        let newest = self.bins.back().map(|b| b.index);
        if newest.is_none_or(|n| index > n) {
            self.bins.push_back(Bin {
                index,
                ..Bin::default()
            });
            while self.bins.len() > BINS_KEPT {
                self.bins.pop_front();
            }
        }
        // An event stamped before the newest bin (rare: threads race) counts in the newest.
        let last = self.bins.len() - 1;
        &mut self.bins[last]
    }

    /// Folds one engine event into the counters.
    pub fn observe(&mut self, ev: &Event) {
        let (rx, tx) = match &ev.kind {
            EventKind::Received { data, .. } => ((data.len() as u64, 1), (0, 0)),
            EventKind::Sent { data, .. } => ((0, 0), (data.len() as u64, 1)),
            EventKind::Flooded { msgs, bytes } => {
                if let Some(f) = ev.socket.and_then(|s| self.floods.get_mut(&s)) {
                    f.sent.add(*bytes, *msgs);
                }
                ((0, 0), (*bytes, *msgs))
            }
            EventKind::Set(Setting::Flooding { size, rate }) => {
                if let Some(s) = ev.socket {
                    let flood = Flood {
                        size: *size,
                        rate: *rate,
                        sent: Count::default(),
                    };
                    self.floods.insert(s, flood);
                }
                return;
            }
            EventKind::RepeatDone { sent } => {
                if let Some(s) = ev.socket
                    && self.floods.remove(&s).is_some()
                {
                    self.last_flood = Some((s, *sent));
                }
                return;
            }
            EventKind::Closed => {
                if let Some(s) = ev.socket {
                    self.floods.remove(&s);
                }
                return;
            }
            _ => return,
        };
        self.received.add(rx.0, rx.1);
        self.sent.add(tx.0, tx.1);
        self.last_activity = Some(ev.at);
        let bin = self.bin(ev.at);
        bin.received.add(rx.0, rx.1);
        bin.sent.add(tx.0, tx.1);
    }

    /// True while the graph moves: a flood runs, or traffic came within the last 2 s.
    pub fn is_active(&self, now: SystemTime) -> bool {
        !self.floods.is_empty()
            || self
                .last_activity
                .is_some_and(|t| now.duration_since(t).unwrap_or_default() < Duration::from_secs(2))
    }

    /// Received and sent per second over the last whole second before `now`
    /// (bytes/s and messages/s, received then sent).
    pub fn rates(&self, now: SystemTime) -> (f64, f64, f64, f64) {
        let cur = self.bin_index(now);
        let from = cur.saturating_sub(4);
        let (mut rb, mut rm, mut sb, mut sm) = (0u64, 0u64, 0u64, 0u64);
        for b in self
            .bins
            .iter()
            .filter(|b| b.index >= from && b.index < cur)
        {
            rb += b.received.bytes;
            rm += b.received.msgs;
            sb += b.sent.bytes;
            sm += b.sent.msgs;
        }
        let secs = (cur - from) as f64 * BIN.as_secs_f64();
        if secs <= 0.0 {
            return (0.0, 0.0, 0.0, 0.0);
        }
        (
            rb as f64 / secs,
            rm as f64 / secs,
            sb as f64 / secs,
            sm as f64 / secs,
        )
    }

    /// The graph's points over the last `span` before `now`: x in seconds relative to now
    /// (negative), y in MiB/s; whole bins only, empty bins as zero. Received, then sent.
    pub fn series(&self, now: SystemTime, span: Duration) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
        let cur = self.bin_index(now) as i64;
        let n = (span.as_nanos() / BIN.as_nanos()) as i64;
        let per = BIN.as_secs_f64() * (1u64 << 20) as f64;
        let mut by_index: HashMap<i64, &Bin> = HashMap::new();
        for b in &self.bins {
            by_index.insert(b.index as i64, b);
        }
        let mut rx = Vec::with_capacity(n as usize);
        let mut tx = Vec::with_capacity(n as usize);
        for i in cur - n..cur {
            let x = (i + 1 - cur) as f64 * BIN.as_secs_f64();
            let (r, s) = by_index.get(&i).map_or((0.0, 0.0), |b| {
                (b.received.bytes as f64 / per, b.sent.bytes as f64 / per)
            });
            rx.push([x, r]);
            tx.push([x, s]);
        }
        (rx, tx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn ev(at: SystemTime, sock: u32, kind: EventKind) -> Event {
        Event {
            at,
            ..Event::on(sock, kind)
        }
    }

    fn received(at: SystemTime, n: usize) -> Event {
        ev(
            at,
            2,
            EventKind::Received {
                peer: None,
                data: Arc::from(vec![0u8; n]),
                truncated_from: None,
            },
        )
    }

    #[test]
    fn traffic_counts_floods_and_sink_with_rates() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let mut t = Traffic::new(t0);
        assert!(!t.is_active(t0));
        t.observe(&ev(
            t0,
            1,
            EventKind::Set(Setting::Flooding {
                size: 100,
                rate: None,
            }),
        ));
        assert!(t.is_active(t0 + Duration::from_secs(60)), "a flood runs");
        for i in 0..8 {
            let at = t0 + BIN * i;
            t.observe(&ev(
                at,
                1,
                EventKind::Flooded {
                    msgs: 10,
                    bytes: 1000,
                },
            ));
            t.observe(&received(at, 1000));
        }
        assert_eq!(
            t.received,
            Count {
                bytes: 8000,
                msgs: 8
            }
        );
        assert_eq!(
            t.sent,
            Count {
                bytes: 8000,
                msgs: 80
            }
        );
        assert_eq!(t.floods[&SockId(1)].sent.msgs, 80);
        let (rb, rm, sb, sm) = t.rates(t0 + BIN * 8);
        assert_eq!((rb, rm, sb, sm), (4000.0, 4.0, 4000.0, 40.0));
        let (rx, tx) = t.series(t0 + BIN * 8, Duration::from_secs(4));
        assert_eq!(rx.len(), 16);
        assert_eq!(tx.len(), 16);
        assert!(rx.last().is_some_and(|p| p[0] == 0.0 && p[1] > 0.0));
        assert!(
            rx.first().is_some_and(|p| p[1] == 0.0),
            "before the traffic"
        );
        t.observe(&ev(t0 + BIN * 8, 1, EventKind::RepeatDone { sent: 80 }));
        assert!(t.floods.is_empty());
        assert_eq!(t.last_flood, Some((SockId(1), 80)));
        assert!(!t.is_active(t0 + Duration::from_secs(10)));
        t.reset(t0);
        assert_eq!(t.received, Count::default());
    }
}
