//! The lesson file format: `key: value` lines, `#` comments, blank lines between steps.
//!
//! ```text
//! title: UDP: the OK/Err server and its client
//! intro: The server answers OK to a message of even length, Err to an odd one.
//! step: Make the server's socket, a UDP one (SOCK_DGRAM).
//! type: socket udp as server
//! python: server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
//! done: created server
//! ```
//!
//! `done: EVENT [NAME|*] ["TEXT"]` with EVENT one of `created bound listening accepted
//! connected sent received peer-closed closed failed responding auto-accept
//! set`.

use super::{Done, DoneEvent, Lesson, Step};

/// Why a lesson file does not parse: its line and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{lesson}.lesson:{line}: {what}")]
pub struct LessonError {
    /// The lesson's id.
    pub lesson: String,
    /// The line (from 1).
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

/// Parses lesson `id` from its file's text.
pub fn parse_lesson(id: &str, text: &str) -> Result<Lesson, LessonError> {
    let err = |line: usize, what: String| LessonError {
        lesson: id.to_string(),
        line,
        what,
    };
    let mut lesson = Lesson {
        id: id.to_string(),
        title: String::new(),
        intro: String::new(),
        steps: Vec::new(),
    };
    let mut step: Option<(usize, String, Option<String>, Option<String>)> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(err(n, format!("expected `key: value`, found `{line}`")));
        };
        let value = value.trim().to_string();
        match key.trim() {
            "title" => lesson.title = value,
            "intro" => {
                if !lesson.intro.is_empty() {
                    lesson.intro.push(' ');
                }
                lesson.intro.push_str(&value);
            }
            "step" => {
                if let Some((at, ..)) = &step {
                    return Err(err(*at, "a step without `done:`".into()));
                }
                step = Some((n, value, None, None));
            }
            "type" | "python" => {
                let Some((_, _, command, python)) = step.as_mut() else {
                    return Err(err(n, format!("`{}:` before any `step:`", key.trim())));
                };
                if key.trim() == "type" {
                    *command = Some(value);
                } else {
                    *python = Some(value);
                }
            }
            "done" => {
                let Some((_, text, command, python)) = step.take() else {
                    return Err(err(n, "`done:` before any `step:`".into()));
                };
                let done = parse_done(&value).map_err(|e| err(n, e))?;
                lesson.steps.push(Step {
                    text,
                    command,
                    python,
                    done,
                });
            }
            other => return Err(err(n, format!("unknown key `{other}`"))),
        }
    }
    if let Some((at, ..)) = step {
        return Err(err(at, "a step without `done:`".into()));
    }
    if lesson.title.is_empty() || lesson.steps.is_empty() {
        return Err(err(
            1,
            "a lesson needs a `title:` and at least one step".into(),
        ));
    }
    Ok(lesson)
}

/// Parses `EVENT [NAME|*] ["TEXT"]`.
fn parse_done(s: &str) -> Result<Done, String> {
    let (head, text) = match s.split_once('"') {
        Some((head, rest)) => {
            let Some(t) = rest.strip_suffix('"') else {
                return Err(format!("unclosed quote in `{s}`"));
            };
            (head, Some(t.to_string()))
        }
        None => (s, None),
    };
    let mut words = head.split_whitespace();
    let event = match words.next() {
        Some("created") => DoneEvent::Created,
        Some("bound") => DoneEvent::Bound,
        Some("listening") => DoneEvent::Listening,
        Some("accepted") => DoneEvent::Accepted,
        Some("connected") => DoneEvent::Connected,
        Some("sent") => DoneEvent::Sent,
        Some("received") => DoneEvent::Received,
        Some("peer-closed") => DoneEvent::PeerClosed,
        Some("closed") => DoneEvent::Closed,
        Some("failed") => DoneEvent::Failed,
        Some("responding") => DoneEvent::Responding,
        Some("auto-accept") => DoneEvent::AutoAccept,
        Some("set") => DoneEvent::Set,
        other => return Err(format!("unknown event {other:?} in `done:`")),
    };
    let socket = match words.next() {
        None | Some("*") => None,
        Some(name) => Some(name.to_string()),
    };
    if let Some(extra) = words.next() {
        return Err(format!("unexpected `{extra}` in `done:`"));
    }
    Ok(Done {
        event,
        socket,
        text,
    })
}
