//! The live log: one row per command or event (time, socket, direction, peer, length,
//! payload), virtualized so only the visible rows are laid out; it follows the newest row
//! unless the person scrolls up. Clicking a row selects it for the detail view.

use egui::{Color32, RichText, Ui};
use egui_extras::{Column, TableBuilder};

use crate::log::format::{
    Direction, addresses, direction, hex, payload, show_bytes, since, summary,
};
use crate::log::{Record, SessionLog};

/// Bytes of payload shown in a row (the detail view shows all).
pub const ROW_PAYLOAD_MAX: usize = 160;

/// The log view's own state.
#[derive(Debug, Default)]
pub struct LogView {
    /// The record shown in the detail view.
    pub selected: Option<usize>,
}

fn dir_color(d: Direction, dark: bool) -> Color32 {
    match (d, dark) {
        (Direction::Sent, true) => Color32::from_rgb(120, 190, 255),
        (Direction::Sent, false) => Color32::from_rgb(0, 90, 190),
        (Direction::Received, true) => Color32::LIGHT_GREEN,
        (Direction::Received, false) => Color32::from_rgb(0, 130, 40),
        (Direction::Error, _) => Color32::from_rgb(230, 70, 70),
        (Direction::Command, true) => Color32::from_rgb(230, 200, 120),
        (Direction::Command, false) => Color32::from_rgb(150, 100, 0),
        (Direction::Event, true) => Color32::GRAY,
        (Direction::Event, false) => Color32::DARK_GRAY,
    }
}

/// The payload column of a record: its bytes (as text or hex), else what happened.
pub fn payload_cell(rec: &Record, log: &SessionLog, as_hex: bool) -> String {
    match payload(rec) {
        Some(data) if as_hex => {
            let cut = data.len().min(ROW_PAYLOAD_MAX);
            let mut s = spaced_hex(&data[..cut]);
            if cut < data.len() {
                s.push_str(&format!(" …(+{} bytes)", data.len() - cut));
            }
            s
        }
        Some(data) => show_bytes(data, ROW_PAYLOAD_MAX),
        None => summary(rec, log, ROW_PAYLOAD_MAX),
    }
}

/// Hex with a space between bytes.
pub fn spaced_hex(data: &[u8]) -> String {
    let h = hex(data);
    let mut out = String::with_capacity(h.len() + data.len());
    for (i, pair) in h.as_bytes().chunks(2).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(std::str::from_utf8(pair).unwrap_or("??"));
    }
    out
}

/// A cell's text: one line, cut to the column, not selectable (a click selects the row).
fn cell(ui: &mut Ui, text: RichText) {
    ui.add(egui::Label::new(text).truncate().selectable(false));
}

impl LogView {
    /// A view with nothing selected.
    pub fn new() -> LogView {
        LogView::default()
    }

    /// Draws the table of `log`.
    pub fn ui(&mut self, ui: &mut Ui, log: &SessionLog, as_hex: bool) {
        if log.is_empty() {
            ui.label(
                RichText::new(
                    "The log is empty: create a socket, or type a command in the console.",
                )
                .weak(),
            );
            return;
        }
        let dark = ui.visuals().dark_mode;
        let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 4.0;
        let mut clicked = None;
        TableBuilder::new(ui)
            .id_salt("log_table")
            .striped(true)
            .stick_to_bottom(true)
            .sense(egui::Sense::click())
            .auto_shrink([false, false])
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(84.0))
            .column(Column::exact(56.0))
            .column(Column::exact(72.0))
            .column(
                Column::initial(150.0)
                    .at_least(60.0)
                    .resizable(true)
                    .clip(true),
            )
            .column(Column::exact(56.0))
            .column(Column::remainder().clip(true))
            .header(20.0, |mut header| {
                for h in [
                    "Time",
                    "Socket",
                    "Direction",
                    "Peer",
                    "Length",
                    "Payload / event",
                ] {
                    header.col(|ui| {
                        ui.strong(h);
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, log.len(), |mut row| {
                    let i = row.index();
                    let Some(rec) = log.get(i) else {
                        return;
                    };
                    row.set_selected(self.selected == Some(i));
                    let dir = direction(rec);
                    let mono = |s: String| RichText::new(s).monospace();
                    row.col(|ui| {
                        cell(ui, mono(format!("{:>10.6}", since(log, rec.at()))));
                    });
                    row.col(|ui| {
                        let s = rec.socket().map(|id| log.label(id)).unwrap_or_default();
                        cell(ui, mono(s));
                    });
                    row.col(|ui| {
                        cell(ui, mono(dir.name().to_string()).color(dir_color(dir, dark)));
                    });
                    row.col(|ui| {
                        let (_, peer) = addresses(rec);
                        cell(ui, mono(peer.map(|p| p.to_string()).unwrap_or_default()));
                    });
                    row.col(|ui| {
                        let len = payload(rec)
                            .map(|d| d.len().to_string())
                            .unwrap_or_default();
                        cell(ui, mono(len));
                    });
                    row.col(|ui| {
                        let text = payload_cell(rec, log, as_hex);
                        let color = (dir == Direction::Error).then(|| dir_color(dir, dark));
                        let mut rt = mono(text);
                        if let Some(c) = color {
                            rt = rt.color(c);
                        }
                        cell(ui, rt);
                    });
                    if row.response().clicked() {
                        clicked = Some(i);
                    }
                });
            });
        if let Some(i) = clicked {
            self.selected = if self.selected == Some(i) {
                None
            } else {
                Some(i)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::spaced_hex;

    #[test]
    fn hex_is_spaced() {
        assert_eq!(spaced_hex(b"AB\n"), "41 42 0a");
        assert_eq!(spaced_hex(b""), "");
    }
}
