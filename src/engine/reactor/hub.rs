//! Delivery of events to every subscriber, with wake-up callbacks and a congestion check.

use std::collections::VecDeque;

use crossbeam_channel::Sender;

use crate::engine::Notify;
use crate::engine::event::{CmdId, Event, EventKind, SockId};

/// Queued events per subscriber above which the engine stops reading sockets until the
/// subscriber catches up: TCP peers are slowed by flow control, nothing read is dropped.
pub(crate) const HIGH_WATER: usize = 16_384;

struct Subscriber {
    tx: Sender<Event>,
    notify: Option<Notify>,
    dirty: bool,
    alive: bool,
    /// Received bytes of each event sent and maybe not yet taken, oldest first (the
    /// channel is FIFO: the queued events are the last `tx.len()` sent).
    sizes: VecDeque<u32>,
    /// The sum of `sizes`.
    queued_bytes: u64,
}

impl Subscriber {
    /// Forgets the sizes of the events the consumer has taken; returns the bytes still queued.
    fn queued(&mut self) -> u64 {
        let waiting = self.tx.len();
        while self.sizes.len() > waiting {
            let n = self.sizes.pop_front().unwrap_or(0);
            self.queued_bytes -= u64::from(n);
        }
        self.queued_bytes
    }
}

/// The freshly read bytes an event holds (what a consumer that is behind keeps in memory).
fn fresh_bytes(kind: &EventKind) -> u32 {
    match kind {
        EventKind::Received { data, .. } => u32::try_from(data.len()).unwrap_or(u32::MAX),
        _ => 0,
    }
}

/// The engine's outbox.
#[derive(Default)]
pub(crate) struct Hub {
    subs: Vec<Subscriber>,
}

impl Hub {
    /// Adds a subscriber.
    pub fn add(&mut self, tx: Sender<Event>, notify: Option<Notify>) {
        self.subs.push(Subscriber {
            tx,
            notify,
            dirty: false,
            alive: true,
            sizes: VecDeque::new(),
            queued_bytes: 0,
        });
    }

    /// Sends an event to every live subscriber; drops those whose receiver is gone.
    pub fn emit(&mut self, socket: Option<SockId>, cmd: Option<CmdId>, kind: EventKind) {
        let size = fresh_bytes(&kind);
        let mut ev = Some(Event::now(socket, cmd, kind));
        let last = self.subs.len().saturating_sub(1);
        for (i, sub) in self.subs.iter_mut().enumerate() {
            let item = if i == last { ev.take() } else { ev.clone() };
            if let Some(item) = item {
                sub.alive = sub.tx.send(item).is_ok();
                sub.dirty |= sub.alive;
                if size > 0 || !sub.sizes.is_empty() {
                    sub.sizes.push_back(size);
                    sub.queued_bytes += u64::from(size);
                }
            }
        }
        self.subs.retain(|s| s.alive);
    }

    /// True when some subscriber is too far behind for the engine to read more: by count,
    /// or by [`QUEUED_BYTES_MAX`](crate::engine::QUEUED_BYTES_MAX) of received data (16,384
    /// bulk reads of 64 KiB would be a gibibyte of fresh memory waiting, each page of it
    /// faulted in; 64 MiB is more than a frame of the app takes in at loopback's speed).
    pub fn congested(&mut self) -> bool {
        self.subs
            .iter_mut()
            .any(|s| s.tx.len() > HIGH_WATER || s.queued() > crate::engine::QUEUED_BYTES_MAX)
    }

    /// Calls the wake-up callback of every subscriber that got events since the last call.
    pub fn flush(&mut self) {
        for sub in &mut self.subs {
            if std::mem::take(&mut sub.dirty)
                && let Some(n) = &sub.notify
            {
                n();
            }
        }
    }
}
