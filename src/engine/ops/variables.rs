//! The variables of sent payloads (`{seq}`, `{counter}`, `{checksum:ALG}`, …; the table is
//! in [`crate::engine::template`]): the numbers they count and the fill-in at send time.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use crate::engine::SockId;
use crate::engine::reactor::Reactor;
use crate::engine::template::{TemplateVars, expand, may_expand};

/// What `{seq}` and `{counter}` count: messages sent per socket, and sends in the engine.
#[derive(Debug, Default)]
pub(crate) struct Stamps {
    /// Messages each socket sent by `send`, `sendto`, `repeat` and rule replies.
    seq: HashMap<SockId, u64>,
    /// `send` and `sendto` payloads sent by the engine, every socket together.
    sends: u64,
    /// The last large payload found to hold no `{`: sending the same shared bytes again
    /// (a bulk transfer's chunk, a loaded file) does not scan them again. A `Weak` that
    /// still upgrades names the same allocation, whose bytes cannot have changed (an
    /// `Arc<[u8]>` is immutable while any other reference to it exists).
    plain: Option<Weak<[u8]>>,
}

/// Payloads at least this large are remembered as plain once scanned (smaller ones cost
/// less to scan than to compare).
const REMEMBER_PLAIN: usize = 64 << 10;

impl Stamps {
    /// The number of the socket's next message (1 for its first).
    pub(crate) fn next_seq(&mut self, id: SockId) -> u64 {
        let n = self.seq.entry(id).or_insert(0);
        *n += 1;
        *n
    }

    /// Forgets an ended connection's count.
    pub(crate) fn forget(&mut self, id: SockId) {
        self.seq.remove(&id);
    }
}

impl Reactor {
    /// A `send` or `sendto` payload with its variables filled in; bytes without a `{` are
    /// passed on as they are (shared, not copied).
    pub(crate) fn fill_send(&mut self, id: SockId, data: Arc<[u8]>) -> Arc<[u8]> {
        let seq = self.stamps.next_seq(id);
        self.stamps.sends += 1;
        let large = data.len() >= REMEMBER_PLAIN;
        let known_plain = large
            && self
                .stamps
                .plain
                .as_ref()
                .and_then(Weak::upgrade)
                .is_some_and(|p| Arc::ptr_eq(&p, &data));
        if known_plain {
            return data;
        }
        if !may_expand(&data) {
            if large {
                self.stamps.plain = Some(Arc::downgrade(&data));
            }
            return data;
        }
        let peer = self
            .socks
            .get(&id)
            .and_then(|s| s.peer.as_ref())
            .map(|a| a.to_string())
            .unwrap_or_default();
        let vars = TemplateVars {
            data: &[],
            peer,
            counter: self.stamps.sends,
            seq,
            captures: &[],
        };
        expand(&data, &vars).into()
    }
}
