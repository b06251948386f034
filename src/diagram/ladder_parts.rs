//! The ladder diagram's pieces, what a view draws: lanes (an endpoint each), steps (an
//! arrow or a mark each) and an arrow's label.

use std::time::SystemTime;

use crate::engine::{Addr, SockId};
use crate::lang::escape_bytes;

/// Characters of payload shown on an arrow's label.
pub const LABEL_CHARS: usize = 24;

/// What a lane stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LaneKind {
    /// One of the session's own sockets.
    Own(SockId),
    /// A peer address outside the session.
    Remote(Addr),
}

/// One vertical lane.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// What the lane stands for.
    pub kind: LaneKind,
    /// Its heading: the socket's name (or `s3`), or the peer's address.
    pub title: String,
    /// The step at which the lane ended (the socket closed or was reset), if it has.
    pub ended: Option<usize>,
    /// For an accepted connection, its listener's lane: drawn just right of it.
    pub parent: Option<usize>,
}

/// What a step draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// A TCP connection attempt (SYN), from the connecting socket to the listener.
    Connect,
    /// A listener handing over a new connection.
    Accept,
    /// Bytes or a datagram.
    Data,
    /// The end of one direction of a stream (FIN): a shutdown, a close, or the peer's.
    Fin,
    /// A reset (RST).
    Reset,
    /// The socket closed: the end of its lane.
    Close,
    /// A command that failed, marked on its socket's lane.
    Error,
    /// Something that happened on one lane only (bind, listen, a UDP connect).
    Note,
}

/// One arrow (`to` is set) or mark on one lane (`to` is `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The log record it comes from.
    pub record: usize,
    /// When.
    pub at: SystemTime,
    /// What it is.
    pub kind: StepKind,
    /// The lane it starts from.
    pub from: usize,
    /// The lane it points to, for an arrow.
    pub to: Option<usize>,
    /// Its label: the payload's first characters, `FIN`, `RST`, …
    pub label: String,
    /// The payload's length, for data.
    pub len: Option<usize>,
}

/// An arrow's label: the payload's first characters, escaped (`\n`, `\xff`), cut with `…`.
pub fn label_of(data: &[u8], len: usize) -> String {
    if data.is_empty() && len > 0 {
        return format!("{len} B");
    }
    let cut = &data[..data.len().min(LABEL_CHARS * 4)];
    let text = escape_bytes(cut);
    let mut chars = text.chars();
    let mut out: String = chars.by_ref().take(LABEL_CHARS).collect();
    if chars.next().is_some() || cut.len() < data.len() {
        out.push('…');
    }
    out
}
