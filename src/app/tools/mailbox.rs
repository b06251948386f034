//! The channel a tool's worker threads answer on: the tool keeps both ends, hands a
//! sender to each thread it starts, and reads the answers when it draws.

use crossbeam_channel::{Receiver, Sender};

/// Both ends of an unbounded channel of `T`.
pub struct Mailbox<T> {
    tx: Sender<T>,
    rx: Receiver<T>,
}

impl<T> Default for Mailbox<T> {
    fn default() -> Self {
        let (tx, rx) = crossbeam_channel::unbounded();
        Mailbox { tx, rx }
    }
}

impl<T> Mailbox<T> {
    /// The sending end, for a worker thread (or to send from here).
    pub fn sender(&self) -> &Sender<T> {
        &self.tx
    }

    /// The next answer waiting, if any (never blocks).
    pub fn next(&self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}
