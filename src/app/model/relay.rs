//! What the app knows of a relay, folded from the engine's relay settings: where a relay
//! socket sends its clients and the faults of each direction, or which pair a relayed
//! socket belongs to.

use crate::engine::{Addr, Dir, Faults, Setting, SockId};

/// A socket's part in a relay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelayView {
    /// A relay socket: its upstream address (`None` when it does not relay, or was switched off).
    pub to: Option<Addr>,
    /// The faults in force, up and down.
    pub faults: [Faults; 2],
    /// One side of a relayed pair: the other side, and whether this side faces the server.
    pub link: Option<(SockId, bool)>,
}

impl RelayView {
    /// Folds one relay setting in.
    pub fn apply(&mut self, s: &Setting) {
        match s {
            Setting::Relay(Some(b)) => self.to = Some(b.0.clone()),
            Setting::Relay(None) => self.to = None,
            Setting::RelayLink { partner, upstream } => self.link = Some((*partner, *upstream)),
            Setting::Faults { dir, faults } => self.faults[dir.index()] = **faults,
            _ => {}
        }
    }

    /// The faults of direction `dir`.
    pub fn faults(&self, dir: Dir) -> &Faults {
        &self.faults[dir.index()]
    }
}
