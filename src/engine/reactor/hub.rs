//! Delivery of events to every subscriber, with wake-up callbacks and a congestion check.

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
        });
    }

    /// Sends an event to every live subscriber; drops those whose receiver is gone.
    pub fn emit(&mut self, socket: Option<SockId>, cmd: Option<CmdId>, kind: EventKind) {
        let mut ev = Some(Event::now(socket, cmd, kind));
        let last = self.subs.len().saturating_sub(1);
        for (i, sub) in self.subs.iter_mut().enumerate() {
            let item = if i == last { ev.take() } else { ev.clone() };
            if let Some(item) = item {
                sub.alive = sub.tx.send(item).is_ok();
                sub.dirty |= sub.alive;
            }
        }
        self.subs.retain(|s| s.alive);
    }

    /// True when some subscriber is too far behind for the engine to read more.
    pub fn congested(&self) -> bool {
        self.subs.iter().any(|s| s.tx.len() > HIGH_WATER)
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
