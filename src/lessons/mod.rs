//! The tutorials as guided lessons: each lesson a short list of steps; each step says what
//! to type (or click), shows the Python line it corresponds to, and ticks itself when the
//! engine's events show it done (not when a button is clicked). Lessons are data files in
//! `assets/lessons/` (one per lesson, shipped in the binary, easy to add); their texts are
//! translated through [`i18n`]'s catalogue. GUI-free: the app's Lessons window draws them.

pub mod i18n;
mod parse;

use std::collections::HashMap;

use crate::engine::{Event, EventKind, SockId};

pub use parse::{LessonError, parse_lesson};

/// What a step waits for: an event on a socket (by name), optionally carrying some text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    /// The kind of event.
    pub event: DoneEvent,
    /// The socket's name (as given with `as NAME`), or `None` for any socket.
    pub socket: Option<String>,
    /// Text the event's payload (or its error) must contain.
    pub text: Option<String>,
}

/// The events a step can wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoneEvent {
    /// `created`: socket().
    Created,
    /// `bound`: bind() (or an implicit bind).
    Bound,
    /// `listening`: listen().
    Listening,
    /// `accepted`: a connection accepted (the socket named is the listener or the new one).
    Accepted,
    /// `connected`: connect() done.
    Connected,
    /// `sent`: bytes or a datagram sent.
    Sent,
    /// `received`: bytes or a datagram received.
    Received,
    /// `peer-closed`: recv() returned 0.
    PeerClosed,
    /// `closed`: close().
    Closed,
    /// `failed`: a command failed.
    Failed,
    /// `responding`: a responder (echo, upper, …) set.
    Responding,
    /// `auto-accept`: automatic accepting switched on.
    AutoAccept,
    /// `set`: a setting changed (receive size, framing, …).
    Set,
}

/// One step of a lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What to do, in words.
    pub text: String,
    /// The command to type in the console (the app can type it for the learner).
    pub command: Option<String>,
    /// The Python line that does the same.
    pub python: Option<String>,
    /// When the step is done.
    pub done: Done,
}

/// A lesson: a title, an introduction and its steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// Its file's name without `.lesson`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it teaches, in a few sentences.
    pub intro: String,
    /// Its steps, in order.
    pub steps: Vec<Step>,
}

/// The lessons shipped in the binary, one file each.
const SHIPPED: [(&str, &str); 7] = [
    (
        "udp_ok_err",
        include_str!("../../assets/lessons/udp_ok_err.lesson"),
    ),
    (
        "tcp_ok_bye",
        include_str!("../../assets/lessons/tcp_ok_bye.lesson"),
    ),
    (
        "tcp_greeting",
        include_str!("../../assets/lessons/tcp_greeting.lesson"),
    ),
    (
        "udp_upper",
        include_str!("../../assets/lessons/udp_upper.lesson"),
    ),
    (
        "port_zero",
        include_str!("../../assets/lessons/port_zero.lesson"),
    ),
    (
        "backlog",
        include_str!("../../assets/lessons/backlog.lesson"),
    ),
    (
        "thread_per_connection",
        include_str!("../../assets/lessons/thread_per_connection.lesson"),
    ),
];

/// Every shipped lesson, in the order of the tutorials. A file that does not parse is
/// left out (the tests parse every one).
pub fn lessons() -> Vec<Lesson> {
    SHIPPED
        .iter()
        .filter_map(|(id, text)| parse_lesson(id, text).ok())
        .collect()
}

/// How far a learner has come in one lesson: steps tick in order, each when an event
/// after the previous tick matches it.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Steps done (the first `done` steps of the lesson).
    pub done: usize,
    names: HashMap<SockId, String>,
    parents: HashMap<SockId, SockId>,
}

impl Progress {
    /// A lesson not started.
    pub fn new() -> Progress {
        Progress::default()
    }

    /// Takes in one engine event; returns true when it ticked a step.
    pub fn absorb(&mut self, lesson: &Lesson, ev: &Event) -> bool {
        let Some(id) = ev.socket else { return false };
        match &ev.kind {
            EventKind::Created { name: Some(n), .. } => {
                self.names.insert(id, n.clone());
            }
            EventKind::Accepted { listener, name, .. } => {
                self.parents.insert(id, *listener);
                if let Some(n) = name {
                    self.names.insert(id, n.to_string());
                }
            }
            _ => {}
        }
        let Some(step) = lesson.steps.get(self.done) else {
            return false;
        };
        if self.matches(&step.done, id, &ev.kind) {
            self.done += 1;
            return true;
        }
        false
    }

    /// True when every step is done.
    pub fn finished(&self, lesson: &Lesson) -> bool {
        self.done >= lesson.steps.len()
    }

    fn named(&self, id: SockId, name: &str) -> bool {
        self.names.get(&id).is_some_and(|n| n == name)
            || !self.names.contains_key(&id) && id.to_string() == name
    }

    fn matches(&self, done: &Done, id: SockId, kind: &EventKind) -> bool {
        let (event, text): (DoneEvent, Option<String>) = match kind {
            EventKind::Created { .. } => (DoneEvent::Created, None),
            EventKind::Bound { .. } => (DoneEvent::Bound, None),
            EventKind::Listening { .. } => (DoneEvent::Listening, None),
            EventKind::Accepted { .. } => (DoneEvent::Accepted, None),
            EventKind::Connected { .. } => (DoneEvent::Connected, None),
            EventKind::Sent { data, .. } => {
                (DoneEvent::Sent, Some(String::from_utf8_lossy(data).into()))
            }
            EventKind::Received { data, .. } => (
                DoneEvent::Received,
                Some(String::from_utf8_lossy(data).into()),
            ),
            EventKind::PeerClosed => (DoneEvent::PeerClosed, None),
            EventKind::Closed => (DoneEvent::Closed, None),
            EventKind::Failed(e) => (DoneEvent::Failed, Some(e.to_string())),
            EventKind::Responding { .. } => (DoneEvent::Responding, None),
            EventKind::AutoAccept { on: true } => (DoneEvent::AutoAccept, None),
            EventKind::Set(s) => (DoneEvent::Set, Some(s.to_string())),
            _ => return false,
        };
        if event != done.event {
            return false;
        }
        let socket_ok = match &done.socket {
            None => true,
            Some(name) => {
                self.named(id, name)
                    || (event == DoneEvent::Accepted
                        && self.parents.get(&id).is_some_and(|p| self.named(*p, name)))
            }
        };
        let text_ok = match (&done.text, text) {
            (None, _) => true,
            (Some(want), Some(got)) => got.contains(want.as_str()),
            (Some(_), None) => false,
        };
        socket_ok && text_ok
    }
}
