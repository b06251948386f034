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
        let event = match kind {
            EventKind::Created { .. } => DoneEvent::Created,
            EventKind::Bound { .. } => DoneEvent::Bound,
            EventKind::Listening { .. } => DoneEvent::Listening,
            EventKind::Accepted { .. } => DoneEvent::Accepted,
            EventKind::Connected { .. } => DoneEvent::Connected,
            EventKind::Sent { .. } => DoneEvent::Sent,
            EventKind::Received { .. } => DoneEvent::Received,
            EventKind::PeerClosed => DoneEvent::PeerClosed,
            EventKind::Closed => DoneEvent::Closed,
            EventKind::Failed(_) => DoneEvent::Failed,
            EventKind::Responding { .. } => DoneEvent::Responding,
            EventKind::AutoAccept { on: true } => DoneEvent::AutoAccept,
            EventKind::Set(_) => DoneEvent::Set,
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
        // The text is looked for only when the step names one, and in a payload's bytes as
        // they are: every event of a flood passes here, and a lossy copy of each payload
        // was most of the app's frame.
        let text_ok = match &done.text {
            None => true,
            Some(want) => match kind {
                EventKind::Sent { data, .. } | EventKind::Received { data, .. } => {
                    memchr::memmem::find(data, want.as_bytes()).is_some()
                }
                EventKind::Failed(e) => e.to_string().contains(want.as_str()),
                EventKind::Set(s) => s.to_string().contains(want.as_str()),
                _ => false,
            },
        };
        socket_ok && text_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SockId;

    fn lesson(text: &str) -> Lesson {
        Lesson {
            id: "t".into(),
            title: "t".into(),
            intro: String::new(),
            steps: vec![Step {
                text: "wait for it".into(),
                command: None,
                python: None,
                done: Done {
                    event: DoneEvent::Received,
                    socket: None,
                    text: Some(text.into()),
                },
            }],
        }
    }

    fn received(bytes: &[u8]) -> Event {
        Event::now(
            Some(SockId(1)),
            None,
            EventKind::Received {
                peer: None,
                data: bytes.into(),
                truncated_from: None,
            },
        )
    }

    #[test]
    fn a_step_s_text_is_found_in_a_payload_s_bytes_even_among_invalid_utf8() {
        let l = lesson("hello");
        let mut p = Progress::new();
        assert!(!p.absorb(&l, &received(b"\xff\xfe nothing here")));
        assert!(!p.absorb(&l, &received(b"hell")), "a part of it is not it");
        assert!(p.absorb(&l, &received(b"\xff\xfe say hello \x80")));
        assert!(p.finished(&l));
    }

    #[test]
    fn an_event_of_another_kind_does_not_tick_the_step() {
        let l = lesson("hello");
        let mut p = Progress::new();
        let sent = Event::now(
            Some(SockId(1)),
            None,
            EventKind::Sent {
                peer: None,
                data: b"hello".as_slice().into(),
                reply: false,
            },
        );
        assert!(!p.absorb(&l, &sent));
    }
}
