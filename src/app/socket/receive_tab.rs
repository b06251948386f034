//! The Receive tab: how received stream bytes are cut into messages (raw chunks, lines,
//! CRLF, a custom delimiter, a 1/2/4-byte length header, fixed size), how many bytes one
//! `recv` reads (1 to 65536, to watch `recv(8)` split a message), and step mode: nothing
//! is read until "Recv N" is pressed, and "Ready?" says what `select()` would, without
//! reading anything.

use egui::{RichText, Ui};

use crate::engine::{Command, Framing, SockRef, length_header_text};
use crate::lang::{bytes_text, escape_bytes};

use crate::app::model::settings::SendMode;
use crate::app::model::state::SockRow;
use crate::app::socket::step_guards::{Step, why_not};
use crate::app::widgets::checked::{submit, touched_note};
use crate::app::widgets::fields;
use crate::app::widgets::{
    error_note, labelled_edit, name_widget, named_step_button, note, step_button, step_checkbox,
};

/// Largest `recv` size, as the engine accepts it.
pub const RECV_MAX: u64 = crate::engine::RECV_MAX as u64;
/// Accepted form of a receive size.
pub const RECV_FORM: &str = "a byte count from 1 to 65536";

/// The framings offered, in the order the menu lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FramingChoice {
    /// Chunks as `recv` returns them.
    #[default]
    Raw,
    /// Lines ending in `\n`.
    Lines,
    /// Lines ending in `\r\n`.
    Crlf,
    /// A delimiter of the person's choice.
    Delim,
    /// A length header of 1, 2 or 4 bytes, big- or little-endian.
    Len(u8, bool),
    /// Messages of a fixed size.
    Fixed,
}

impl FramingChoice {
    const ALL: [FramingChoice; 10] = [
        FramingChoice::Raw,
        FramingChoice::Lines,
        FramingChoice::Crlf,
        FramingChoice::Delim,
        FramingChoice::Len(1, true),
        FramingChoice::Len(2, true),
        FramingChoice::Len(2, false),
        FramingChoice::Len(4, true),
        FramingChoice::Len(4, false),
        FramingChoice::Fixed,
    ];

    /// How the menu shows it.
    pub fn label(self) -> &'static str {
        match self {
            FramingChoice::Raw => "raw chunks",
            FramingChoice::Lines => "lines (\\n)",
            FramingChoice::Crlf => "lines (\\r\\n)",
            FramingChoice::Delim => "custom delimiter",
            FramingChoice::Len(1, _) => "len1: 1-byte length",
            FramingChoice::Len(2, true) => "len2be: 2-byte length, big-endian",
            FramingChoice::Len(2, false) => "len2le: 2-byte length, little-endian",
            FramingChoice::Len(_, true) => "len4be: 4-byte length, big-endian",
            FramingChoice::Len(_, false) => "len4le: 4-byte length, little-endian",
            FramingChoice::Fixed => "fixed size",
        }
    }
}

/// The framing asked for, from the choice and its field; `Err` says what is wrong.
pub fn build_framing(choice: FramingChoice, delim: &str, size: &str) -> Result<Framing, String> {
    Ok(match choice {
        FramingChoice::Raw => Framing::Raw,
        FramingChoice::Lines => Framing::Delimited(b"\n".to_vec()),
        FramingChoice::Crlf => Framing::Delimited(b"\r\n".to_vec()),
        FramingChoice::Delim => {
            let d = fields::payload(delim, SendMode::Escaped)?;
            if d.is_empty() {
                return Err("a delimiter of at least one byte (escapes \\n \\0 \\xHH)".into());
            }
            Framing::Delimited(d)
        }
        FramingChoice::Len(width, big_endian) => Framing::LengthPrefixed { width, big_endian },
        FramingChoice::Fixed => {
            let n = fields::number(size, 1, 16 << 20, "a message size in bytes (at least 1)")?;
            Framing::Fixed(usize::try_from(n).map_err(|_| "too large".to_string())?)
        }
    })
}

/// Readiness in words: `readable · writable · 8 bytes waiting`.
pub fn readiness_text(row: &SockRow) -> Option<String> {
    let r = row.config.readiness?;
    if row.state == crate::engine::SockState::Listening {
        // A listener is readable when a connection waits: accept() would return it.
        let mut s = if r.readable {
            "accept() would return a connection".to_string()
        } else {
            "accept() would wait: no connection is queued".to_string()
        };
        if let Some(q) = row.queue_text() {
            s.push_str(&format!(" · {q}"));
        }
        return Some(s);
    }
    let mut parts = vec![
        if r.readable {
            "readable"
        } else {
            "not readable"
        },
        if r.writable {
            "writable"
        } else {
            "not writable"
        },
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    parts.push(match r.pending {
        1 => "1 byte waiting".into(),
        n => format!("{n} bytes waiting"),
    });
    if row.config.readiness_stale {
        parts.push("(before the latest recv)".into());
    }
    Some(parts.join(" · "))
}

/// The Receive tab's own state.
#[derive(Debug, Default)]
pub struct RecvPanel {
    choice: FramingChoice,
    delim: String,
    fixed: String,
    size: String,
    recv_n: String,
    touched: bool,
}

impl RecvPanel {
    /// Another socket is selected: the fields show its framing and forget their errors.
    pub fn reselected(&mut self, row: &SockRow) {
        self.touched = false;
        self.choice = match &row.config.framing {
            Framing::Raw => FramingChoice::Raw,
            Framing::Delimited(d) if d == b"\n" => FramingChoice::Lines,
            Framing::Delimited(d) if d == b"\r\n" => FramingChoice::Crlf,
            Framing::Delimited(d) => {
                self.delim = escape_bytes(d);
                FramingChoice::Delim
            }
            Framing::LengthPrefixed { width, big_endian } => {
                FramingChoice::Len(*width, *big_endian)
            }
            Framing::Fixed(n) => {
                self.fixed = n.to_string();
                FramingChoice::Fixed
            }
        };
    }

    /// Draws the tab; commands go to `out`.
    pub fn ui(&mut self, ui: &mut Ui, row: &SockRow, out: &mut Vec<Command>) {
        let sock = SockRef::Id(row.id);
        egui::Grid::new("recv_grid")
            .num_columns(2)
            .spacing([10.0, 6.0])
            .show(ui, |ui| {
                ui.label(RichText::new("Framing").strong());
                ui.vertical(|ui| self.framing_row(ui, row, &sock, out));
                ui.end_row();
                ui.label(RichText::new("Recv size").strong());
                ui.vertical(|ui| self.size_row(ui, row, &sock, out));
                ui.end_row();
                ui.label(RichText::new("Step mode").strong());
                ui.vertical(|ui| self.step_row(ui, row, &sock, out));
                ui.end_row();
            });
    }

    fn framing_row(&mut self, ui: &mut Ui, row: &SockRow, sock: &SockRef, out: &mut Vec<Command>) {
        let built = build_framing(self.choice, &self.delim, &self.fixed);
        let why = why_not(row, Step::Frame);
        ui.horizontal(|ui| {
            ui.add_enabled_ui(why.is_none(), |ui| {
                let combo = egui::ComboBox::from_id_salt("framing_choice")
                    .selected_text(self.choice.label())
                    .width(230.0)
                    .show_ui(ui, |ui| {
                        for c in FramingChoice::ALL {
                            ui.selectable_value(&mut self.choice, c, c.label());
                        }
                    });
                name_widget(&combo.response, egui::Role::ComboBox, "Framing");
            });
            let bad = self.touched && built.is_err();
            match self.choice {
                FramingChoice::Delim => {
                    labelled_edit(ui, "Delimiter", &mut self.delim, 60.0, "\\0", bad);
                }
                FramingChoice::Fixed => {
                    labelled_edit(ui, "Message size", &mut self.fixed, 60.0, "16", bad);
                }
                _ => {}
            }
            let tip = "cut received bytes into messages this way";
            if let Some(f) = submit(ui, "Set framing", tip, why, &mut self.touched, &built) {
                out.push(Command::Frame {
                    sock: sock.clone(),
                    framing: f.clone(),
                });
            }
        });
        touched_note(ui, self.touched, &built);
        let c = &row.config;
        let now = match &c.framing {
            Framing::Raw => "raw chunks, as recv returns them".to_string(),
            Framing::Delimited(d) => format!("messages end with {}", bytes_text(d)),
            Framing::LengthPrefixed { width, big_endian } => {
                length_header_text(*width, *big_endian)
            }
            Framing::Fixed(n) => format!("messages of {n} bytes"),
        };
        note(
            ui,
            format!("now: {now} · {} messages framed", c.messages_in),
        );
    }

    fn size_row(&mut self, ui: &mut Ui, row: &SockRow, sock: &SockRef, out: &mut Vec<Command>) {
        let size = fields::number(&self.size, 1, RECV_MAX, RECV_FORM);
        let why = why_not(row, Step::Option);
        ui.horizontal(|ui| {
            let bad = self.touched && size.is_err();
            labelled_edit(ui, "Bytes per recv", &mut self.size, 60.0, "65536", bad);
            let tip = "read at most this many bytes per recv";
            if let Some(n) = submit(ui, "Set recv size", tip, why, &mut self.touched, &size) {
                out.push(Command::RecvSize {
                    sock: sock.clone(),
                    size: *n as usize,
                });
            }
            let now = match row.config.recv_size {
                Some(n) => format!("now: recv({n})"),
                None => "now: recv(65536), the default".into(),
            };
            note(
                ui,
                format!("{now} · try 8 to watch recv cut \"Hey there!!!\" in two"),
            );
        });
        touched_note(ui, self.touched, &size);
    }

    fn step_row(&mut self, ui: &mut Ui, row: &SockRow, sock: &SockRef, out: &mut Vec<Command>) {
        let n = self.recv_n.trim();
        let max = (!n.is_empty()).then(|| fields::number(n, 1, RECV_MAX, RECV_FORM));
        ui.horizontal(|ui| {
            let mut manual = row.config.manual;
            let why = why_not(row, Step::Option);
            let tip = "stop receiving in the background: nothing is read until you press Recv";
            if step_checkbox(ui, &mut manual, "Step mode", tip, why) {
                out.push(Command::RecvMode {
                    sock: sock.clone(),
                    manual,
                });
            }
            ui.separator();
            let bad = self.touched && matches!(max, Some(Err(_)));
            let default = row
                .config
                .recv_size
                .unwrap_or(RECV_MAX as usize)
                .to_string();
            labelled_edit(ui, "Recv bytes", &mut self.recv_n, 60.0, &default, bad);
            let text = match &max {
                Some(Ok(n)) => format!("Recv {n}"),
                _ => format!("Recv {default}"),
            };
            if named_step_button(
                ui,
                &text,
                "Recv",
                "one recv now, of at most this many bytes",
                why_not(row, Step::Recv),
            ) {
                self.touched = true;
                match &max {
                    Some(Err(_)) => {}
                    Some(Ok(n)) => out.push(Command::Recv {
                        sock: sock.clone(),
                        max: Some(*n as usize),
                    }),
                    None => out.push(Command::Recv {
                        sock: sock.clone(),
                        max: None,
                    }),
                }
            }
            if step_button(
                ui,
                "Ready?",
                "readable / writable as select() says, and the bytes waiting; reads nothing",
                why_not(row, Step::Option),
            ) {
                out.push(Command::Ready { sock: sock.clone() });
            }
        });
        if let (true, Some(Err(e))) = (self.touched, &max) {
            error_note(ui, e);
        }
        if row.config.would_block && row.config.manual {
            note(
                ui,
                "the latest recv found nothing to read (it would have blocked)",
            );
        }
        match readiness_text(row) {
            Some(t) => {
                ui.label(RichText::new(t).monospace());
            }
            None => note(ui, "press Ready? to see what select() says"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EventKind, Family, Proto, SockId};

    #[test]
    fn framings_from_the_fields() {
        assert_eq!(
            build_framing(FramingChoice::Lines, "", ""),
            Ok(Framing::Delimited(b"\n".to_vec()))
        );
        assert_eq!(
            build_framing(FramingChoice::Delim, "\\0", ""),
            Ok(Framing::Delimited(vec![0]))
        );
        assert!(build_framing(FramingChoice::Delim, "", "").is_err());
        assert_eq!(
            build_framing(FramingChoice::Fixed, "", "16"),
            Ok(Framing::Fixed(16))
        );
        assert!(build_framing(FramingChoice::Fixed, "", "0").is_err());
        assert_eq!(
            build_framing(FramingChoice::Len(2, false), "", ""),
            Ok(Framing::LengthPrefixed {
                width: 2,
                big_endian: false
            })
        );
    }

    #[test]
    fn readiness_in_words() {
        let mut row = SockRow::new(SockId(1), Proto::Tcp, Family::V4, None);
        assert_eq!(readiness_text(&row), None);
        row.config.apply(&EventKind::Readiness {
            readable: true,
            writable: true,
            pending: 4,
        });
        assert_eq!(
            readiness_text(&row).as_deref(),
            Some("readable · writable · 4 bytes waiting")
        );
    }
}
