//! *Show as code* of a live session: its logged commands as a program, each step with a
//! comment saying what the app showed after it (the address the OS chose, the bytes
//! received), read from the events that followed the command in the log.

use crate::engine::EventKind;
use crate::lang::{ScriptLine, parse_line};
use crate::log::{Record, SessionLog, format::quoted};

use super::Generated;

/// Notes kept per step; more are summed up in one line.
const NOTES_PER_STEP: usize = 8;
/// Bytes of a received payload shown in a note.
const NOTE_BYTES: usize = 80;

/// The session's commands as a Python program, annotated with what the app showed.
pub fn python_of_session(log: &SessionLog) -> Generated {
    let mut lines: Vec<ScriptLine> = Vec::new();
    let mut notes: Vec<Vec<String>> = Vec::new();
    let mut bad = Vec::new();
    for rec in log.iter() {
        match &*rec {
            Record::Command { line, .. } => match parse_line(line) {
                Ok(Some(stmt)) => {
                    lines.push(ScriptLine {
                        line: lines.len() + 1,
                        text: line.trim().to_string(),
                        stmt,
                    });
                    notes.push(Vec::new());
                }
                Ok(None) => {}
                Err(e) => bad.push(format!(
                    "{}: does not parse: {}",
                    line.trim(),
                    e.with_file("session")
                )),
            },
            Record::Event(ev) => {
                if let (Some(n), Some(sock)) = (notes.last_mut(), ev.socket)
                    && let Some(text) = note(&ev.kind, &log.label(sock))
                {
                    n.push(text);
                }
            }
        }
    }
    for n in &mut notes {
        if n.len() > NOTES_PER_STEP {
            let more = n.len() - NOTES_PER_STEP;
            n.truncate(NOTES_PER_STEP);
            n.push(format!("… and {more} more events"));
        }
    }
    let mut generated = super::python::python_noted(&lines, &notes, "this session");
    generated.untranslated.extend(bad);
    generated
}

/// What the app showed for one event, when it is worth a comment.
fn note(kind: &EventKind, who: &str) -> Option<String> {
    Some(match kind {
        EventKind::Bound { local, .. } => format!("{who} bound {local}"),
        EventKind::Accepted { peer, local, .. } => format!("{who} accepted, {local} <- {peer}"),
        EventKind::Connected { local, peer } => format!("{who} connected {local} -> {peer}"),
        EventKind::Received { data, .. } => {
            let shown = &data[..data.len().min(NOTE_BYTES)];
            let cut = if data.len() > NOTE_BYTES { " …" } else { "" };
            format!(
                "{who} received {} bytes: {}{cut}",
                data.len(),
                quoted(shown)
            )
        }
        _ => return None,
    })
}
