//! The detail of one log record: what happened, when (UTC and since start), addresses,
//! and a hex dump of its payload (virtualized, so a large datagram stays smooth).

use egui::{RichText, Ui};

use crate::log::SessionLog;
use crate::log::format::{
    EVICTED_NOTE, addresses, direction, is_evicted, payload, payload_len, quoted, rfc3339, since,
    summary,
};

/// Bytes per hex dump line.
pub const DUMP_WIDTH: usize = 16;

/// One hex dump line of `width` bytes: offset, hex bytes (a gap after every 8), and the
/// printable ASCII.
pub fn dump_line_of(data: &[u8], offset: usize, width: usize) -> String {
    let end = (offset + width).min(data.len());
    let chunk = &data[offset.min(end)..end];
    let mut s = format!("{offset:08x}  ");
    for i in 0..width {
        match chunk.get(i) {
            Some(b) => s.push_str(&format!("{b:02x} ")),
            None => s.push_str("   "),
        }
        if i % 8 == 7 && i + 1 < width {
            s.push(' ');
        }
    }
    s.push(' ');
    s.push('|');
    for b in chunk {
        s.push(if b.is_ascii_graphic() || *b == b' ' {
            *b as char
        } else {
            '.'
        });
    }
    s.push('|');
    s
}

/// A learner's explanation of a failed command's record.
fn explanation(rec: &crate::log::Record) -> Option<crate::explain::Explanation> {
    match rec {
        crate::log::Record::Event(ev) => match &ev.kind {
            crate::engine::EventKind::Failed(err) => crate::explain::explain(err),
            _ => None,
        },
        crate::log::Record::Command { .. } => None,
    }
}

/// Whether the payload's last bytes are a checksum of the bytes before them, for each
/// algorithm of the catalogue (`crc16-modbus`, …) that matches.
pub fn checksum_note(data: &[u8]) -> String {
    let found = crate::engine::Checksum::matching(data);
    if found.is_empty() {
        return "Checksum: the last bytes match none of sum8, xor8, crc8, crc16, crc32".into();
    }
    let names: Vec<&str> = found.iter().map(|c| c.name()).collect();
    format!(
        "Checksum: the last bytes match {} of the bytes before them",
        names.join(", ")
    )
}

/// Draws the detail of record `index`; returns false when the person closes it.
pub fn ui(ui: &mut Ui, log: &SessionLog, index: usize) -> bool {
    let Some(rec) = log.get(index) else {
        return false;
    };
    let rec: &crate::log::Record = &rec;
    let mut keep = true;
    ui.horizontal(|ui| {
        ui.heading(format!("Record {}", index + 1));
        if ui
            .button("Close detail")
            .on_hover_text("close the detail")
            .clicked()
        {
            keep = false;
        }
    });
    ui.label(RichText::new(summary(rec, log, 256)).strong());
    if let Some(why) = explanation(rec) {
        ui.label(RichText::new(format!("Why: {why}")).italics());
    }
    egui::Grid::new("detail_grid")
        .num_columns(2)
        .show(ui, |ui| fields(ui, log, rec));
    match payload(rec) {
        Some(data) => payload_dump(ui, data),
        None => {
            if let Some(n) = payload_len(rec).filter(|_| is_evicted(rec)) {
                ui.separator();
                ui.label(RichText::new(format!("{n} bytes")).strong());
                ui.label(RichText::new(EVICTED_NOTE).weak().italics());
            }
        }
    }
    keep
}

/// The record's fields, a row each: time, socket, direction, and the addresses it has.
fn fields(ui: &mut Ui, log: &SessionLog, rec: &crate::log::Record) {
    ui.label("Time");
    ui.label(format!(
        "{}  (+{:.6} s)",
        rfc3339(rec.at()),
        since(log, rec.at())
    ));
    ui.end_row();
    ui.label("Socket");
    ui.label(
        rec.socket()
            .map(|id| log.label(id))
            .unwrap_or_else(|| "—".into()),
    );
    ui.end_row();
    ui.label("Direction");
    ui.label(direction(rec).name());
    ui.end_row();
    let (local, peer) = addresses(rec);
    if let Some(a) = local {
        ui.label("Local");
        ui.label(a.to_string());
        ui.end_row();
    }
    if let Some(a) = peer {
        ui.label("Peer");
        ui.label(a.to_string());
        ui.end_row();
    }
}

/// The payload: its size, the copy buttons, and the hex dump (16 bytes a line when the
/// panel is wide enough for them, 78 characters, else 8).
fn payload_dump(ui: &mut Ui, data: &[u8]) {
    ui.separator();
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("{} bytes", data.len())).strong());
        if ui.button("Copy as text").clicked() {
            ui.ctx().copy_text(quoted(data));
        }
        if ui.button("Copy as hex").clicked() {
            ui.ctx().copy_text(crate::log::format::hex(data));
        }
        if ui.button("Save as packet").clicked() {
            crate::app::packets::offer(ui.ctx(), data);
        }
    });
    ui.label(checksum_note(data));
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let char_w = ui.ctx().fonts_mut(|f| f.glyph_width(&font, '0'));
    let width = if ui.available_width() >= 79.0 * char_w {
        DUMP_WIDTH
    } else {
        DUMP_WIDTH / 2
    };
    let lines = data.len().div_ceil(width);
    let h = ui.text_style_height(&egui::TextStyle::Monospace);
    egui::ScrollArea::both()
        .id_salt("hex_dump")
        .auto_shrink([false, true])
        .show_rows(ui, h, lines, |ui, range| {
            for line in range {
                let text = RichText::new(dump_line_of(data, line * width, width)).monospace();
                ui.add(egui::Label::new(text).extend());
            }
        });
}

#[cfg(test)]
mod tests {
    use super::{DUMP_WIDTH, checksum_note, dump_line_of};

    fn dump_line(data: &[u8], offset: usize) -> String {
        dump_line_of(data, offset, DUMP_WIDTH)
    }

    #[test]
    fn the_checksum_note_names_the_trailers_that_match() {
        let framed = crate::engine::Checksum::Crc16Modbus.append(b"\x01\x03\x00\x00\x00\x01");
        let note = checksum_note(&framed);
        assert!(note.contains("crc16-modbus"), "{note}");
        assert!(!note.contains("crc32"), "{note}");
        assert!(checksum_note(b"").contains("none"));
    }

    #[test]
    fn dump_lines_show_offset_hex_and_ascii() {
        let data = b"Hello, world!\n\x00\xffXYZ";
        let first = dump_line(data, 0);
        assert!(first.starts_with("00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 00 ff"));
        assert!(first.ends_with("|Hello, world!...|"));
        let second = dump_line(data, 16);
        assert!(second.starts_with("00000010  58 59 5a "));
        assert!(second.ends_with("|XYZ|"));
        let narrow = dump_line_of(data, 8, 8);
        assert_eq!(narrow, "00000008  6f 72 6c 64 21 0a 00 ff  |orld!...|");
    }
}
