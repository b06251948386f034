//! Sending tools under the send box, acting on its message: repeat it every N ms, K times
//! or until stopped (placeholders `{counter}`, `{time}`, `{random}` change each time); send
//! it in pieces with a delay between them (to test a peer's framing); and send a file,
//! picked with the system's dialog ([`crate::app::tools::file_dialog`]), with a progress bar for large
//! files.

use std::path::PathBuf;
use std::time::Duration;

use crossbeam_channel::{Receiver, TryRecvError};
use egui::{RichText, Ui};

use crate::engine::{AddrSpec, Command, Payload, SockRef};

use crate::app::model::state::{Sending, SockRow};
use crate::app::socket::step_guards::{Step, why_not};
use crate::app::tools::file_dialog::{self, Ask, Pick};
use crate::app::widgets::fields;
use crate::app::widgets::{bytes, error_note, labelled_edit, note, placeholder_chips, step_button};

/// Placeholders of repeated payloads.
pub const REPEAT_PLACEHOLDERS: [(&str, &str); 3] = [
    ("{counter}", "1, 2, 3… one more each send"),
    ("{time}", "the time of the send"),
    ("{random}", "a random number"),
];

/// The sending tools' own state.
#[derive(Debug)]
pub struct SendTools {
    /// The tools are shown.
    pub open: bool,
    every_ms: String,
    count: String,
    forever: bool,
    piece: String,
    delay_ms: String,
    file: String,
    picker: Option<Receiver<Option<PathBuf>>>,
    touched: bool,
}

impl Default for SendTools {
    fn default() -> Self {
        SendTools {
            open: false,
            every_ms: "1000".into(),
            count: "3".into(),
            forever: false,
            piece: "3".into(),
            delay_ms: "200".into(),
            file: String::new(),
            picker: None,
            touched: false,
        }
    }
}

/// Why a repeat or chunked send cannot start on `row` now (an unbound datagram socket is
/// no reason: the engine binds it first, as for `sendto`).
pub fn why_not_timed(row: &SockRow, step: Step) -> Option<String> {
    if let Some(w) = why_not(row, step) {
        return Some(w);
    }
    row.config.sending.is_some().then(|| {
        format!(
            "{} is already sending on a timer: Stop it first",
            row.label()
        )
    })
}

/// The tools' fields as read this frame (and the send box's message).
struct Read {
    message: Result<Vec<u8>, String>,
    every: Result<u64, String>,
    count: Result<u64, String>,
    piece: Result<u64, String>,
    delay: Result<u64, String>,
}

impl SendTools {
    /// Draws the tools. `payload` is the send box's message, `dest` its destination (for an
    /// unconnected datagram socket), `text` its text (placeholders are added to it).
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        payload: &Result<Vec<u8>, String>,
        dest: &Option<Result<AddrSpec, String>>,
        text: &mut String,
        out: &mut Vec<Command>,
    ) {
        self.poll_picker();
        let sock = SockRef::Id(row.id);
        let read = self.read(payload);
        egui::Grid::new("send_tools_grid")
            .num_columns(2)
            .spacing([10.0, 4.0])
            .show(ui, |ui| {
                ui.label(RichText::new("Repeat").strong());
                ui.horizontal(|ui| self.repeat_row(ui, row, &read, dest, text, out));
                ui.end_row();

                ui.label(RichText::new("Chunks").strong());
                ui.horizontal(|ui| self.chunks_row(ui, row, &read, out));
                ui.end_row();

                ui.label(RichText::new("File").strong());
                ui.horizontal(|ui| self.file_row(ui, row, &sock, dest, out));
                ui.end_row();

                ui.label(RichText::new("Library").strong());
                ui.horizontal(|ui| {
                    let saved = ui
                        .add_enabled(payload.is_ok(), egui::Button::new("Save as packet"))
                        .on_hover_text("file the message in the packet library (View → Packets)")
                        .on_disabled_hover_text("the message does not read as bytes");
                    if let Ok(bytes) = payload
                        && saved.clicked()
                    {
                        crate::app::packets::offer(ui.ctx(), bytes);
                    }
                });
                ui.end_row();
            });
        if self.touched {
            self.errors(ui, &read);
        }
        if let Some((sent, total)) = row.config.progress {
            let frac = if total == 0 {
                1.0
            } else {
                sent as f32 / total as f32
            };
            ui.add(
                egui::ProgressBar::new(frac)
                    .desired_width(360.0)
                    .text(format!("{} of {}", bytes(sent), bytes(total))),
            );
        }
    }

    /// Reads the fields (and the message, which must not be empty).
    fn read(&self, payload: &Result<Vec<u8>, String>) -> Read {
        Read {
            message: match payload {
                Ok(b) if b.is_empty() => {
                    Err("type the message to send in the box above".to_string())
                }
                other => other.clone(),
            },
            every: fields::number(&self.every_ms, 1, 3_600_000, "milliseconds, at least 1"),
            count: fields::number(&self.count, 1, u64::MAX, "a count of at least 1"),
            piece: fields::number(&self.piece, 1, 65_536, "a piece size of 1–65536 bytes"),
            delay: fields::number(&self.delay_ms, 0, 3_600_000, "milliseconds"),
        }
    }

    /// The errors of what was used, under the grid.
    fn errors(&self, ui: &mut Ui, read: &Read) {
        let count_err = if self.forever {
            None
        } else {
            read.count.as_ref().err()
        };
        for e in [
            read.message.as_ref().err(),
            read.every.as_ref().err(),
            count_err,
            read.piece.as_ref().err(),
            read.delay.as_ref().err(),
        ]
        .into_iter()
        .flatten()
        {
            error_note(ui, e);
        }
    }

    /// Repeat: every N ms, K times or until stopped; Stop; the placeholders.
    fn repeat_row(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        read: &Read,
        dest: &Option<Result<AddrSpec, String>>,
        text: &mut String,
        out: &mut Vec<Command>,
    ) {
        let t = self.touched;
        let sock = SockRef::Id(row.id);
        labelled_edit(
            ui,
            "every ms",
            &mut self.every_ms,
            50.0,
            "1000",
            t && read.every.is_err(),
        );
        ui.add_enabled_ui(!self.forever, |ui| {
            let bad = t && read.count.is_err();
            labelled_edit(ui, "times", &mut self.count, 40.0, "3", bad);
        });
        ui.checkbox(&mut self.forever, "until stopped");
        let why = why_not_timed(row, Step::Send);
        if step_button(ui, "Repeat", "send the message again and again", why) {
            self.touched = true;
            let count = if self.forever {
                Ok(None)
            } else {
                read.count.clone().map(Some)
            };
            let dest_ok = !matches!(dest, Some(Err(_)));
            if let (Ok(b), Ok(ms), Ok(count), true) = (&read.message, &read.every, count, dest_ok) {
                out.push(Command::Repeat {
                    sock: sock.clone(),
                    count,
                    every: Duration::from_millis(*ms),
                    payload: Payload::bytes(b.as_slice()),
                    to: match dest {
                        Some(Ok(a)) => Some(a.clone()),
                        _ => None,
                    },
                });
            }
        }
        let why_stop = row
            .config
            .sending
            .is_none()
            .then(|| "nothing is being sent on a timer".to_string());
        if step_button(ui, "Stop", "stop the repeat or chunked send", why_stop) {
            out.push(Command::RepeatStop { sock });
        }
        placeholder_chips(ui, text, &REPEAT_PLACEHOLDERS);
    }

    /// Chunks: the piece size and the delay between pieces; what is being sent.
    fn chunks_row(&mut self, ui: &mut Ui, row: &SockRow, read: &Read, out: &mut Vec<Command>) {
        let t = self.touched;
        labelled_edit(
            ui,
            "piece bytes",
            &mut self.piece,
            50.0,
            "3",
            t && read.piece.is_err(),
        );
        labelled_edit(
            ui,
            "delay ms",
            &mut self.delay_ms,
            50.0,
            "200",
            t && read.delay.is_err(),
        );
        let why = why_not_timed(row, Step::Chunked);
        let tip = "send the message in pieces of this size, this far apart";
        if step_button(ui, "Send in chunks", tip, why) {
            self.touched = true;
            if let (Ok(b), Ok(size), Ok(ms)) = (&read.message, &read.piece, &read.delay) {
                out.push(Command::Chunked {
                    sock: SockRef::Id(row.id),
                    size: *size as usize,
                    delay: Duration::from_millis(*ms),
                    payload: Payload::bytes(b.as_slice()),
                });
            }
        }
        note(ui, sending_text(row));
    }

    fn file_row(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        sock: &SockRef,
        dest: &Option<Result<AddrSpec, String>>,
        out: &mut Vec<Command>,
    ) {
        let path = PathBuf::from(self.file.trim());
        let file_ok = !self.file.trim().is_empty() && path.is_file();
        let bad = self.touched && !file_ok;
        labelled_edit(ui, "File path", &mut self.file, 240.0, "/path/to/file", bad);
        let browsing = self.picker.is_some();
        let resp = ui
            .add_enabled(!browsing, egui::Button::new("Browse…"))
            .on_hover_text("choose a file with the system's dialog")
            .on_disabled_hover_text("the file dialog is open");
        if resp.clicked() {
            self.browse(ui.ctx());
        }
        let why = why_not(row, Step::Send).or_else(|| {
            (!file_ok).then(|| "type or browse to the path of a readable file".to_string())
        });
        if step_button(
            ui,
            "Send file",
            "send the file's bytes (read when the command runs)",
            why,
        ) {
            self.touched = true;
            let payload = Payload::File(path);
            match dest {
                None => out.push(Command::Send {
                    sock: sock.clone(),
                    payload,
                }),
                Some(Ok(addr)) => out.push(Command::SendTo {
                    sock: sock.clone(),
                    addr: addr.clone(),
                    payload,
                }),
                Some(Err(_)) => {}
            }
        }
        if bad {
            error_note(ui, "no such file");
        }
    }

    fn browse(&mut self, ctx: &egui::Context) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let ask = Ask {
            title: "Send a file",
            near: String::new(),
            pick: Pick::Open,
            filters: Vec::new(),
        };
        let spawned = file_dialog::ask(ctx, "file-picker", ask, move |picked, _| {
            let _ = tx.send(picked);
        });
        if spawned.is_ok() {
            self.picker = Some(rx);
        }
    }

    fn poll_picker(&mut self) {
        let Some(rx) = &self.picker else {
            return;
        };
        match rx.try_recv() {
            Ok(Some(p)) => {
                self.file = p.display().to_string();
                self.picker = None;
            }
            Ok(None) | Err(TryRecvError::Disconnected) => self.picker = None,
            Err(TryRecvError::Empty) => {}
        }
    }
}

/// What the timed sender is doing, or did last.
pub fn sending_text(row: &SockRow) -> String {
    let c = &row.config;
    match (c.sending, c.last_done) {
        (
            Some(Sending::Repeat {
                count: Some(n),
                every,
            }),
            _,
        ) => {
            format!("repeating {n} times every {every:?}")
        }
        (Some(Sending::Repeat { count: None, every }), _) => {
            format!("repeating every {every:?} until stopped")
        }
        (Some(Sending::Chunks { size, delay, total }), _) => {
            format!("sending {total} bytes in pieces of {size}, {delay:?} apart")
        }
        (Some(Sending::Flood { .. }), _) => "flooding".into(),
        (None, Some(n)) => format!("the latest timed send made {n} sends"),
        (None, None) => String::new(),
    }
}
