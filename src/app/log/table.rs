//! The live log: one row per command or event (time, socket, direction, peer, length,
//! payload), virtualized so only the visible rows are laid out; it follows the newest row
//! unless the person scrolls up. Clicking a row selects it for the detail view. Above the
//! table, the filter bar ([`crate::app::log::filter`]) narrows the rows, and a note says when the
//! payload budget has pushed payloads out of memory.

use egui::{Color32, RichText, Ui};
use egui_extras::{Column, TableBuilder, TableRow};

use crate::log::format::{
    Direction, EVICTED_NOTE, addresses, direction, hex, is_evicted, payload, payload_len,
    show_bytes, since, summary,
};
use crate::log::{Record, SessionLog};

use crate::app::log::filter::FilterBar;
use crate::app::log::find::Find;
use crate::app::log::sequence::SequenceView;
use crate::app::widgets::bytes;

/// Bytes of payload shown in a row (the detail view shows all).
pub const ROW_PAYLOAD_MAX: usize = 160;

/// The log view's own state.
#[derive(Debug, Default)]
pub struct LogView {
    /// The record shown in the detail view.
    pub selected: Option<usize>,
    /// The filter bar and the rows that pass it.
    pub filter: FilterBar,
    /// Find in the log (Ctrl+F).
    pub find: Find,
    /// The log drawn as a sequence diagram instead of a table.
    pub as_sequence: bool,
    /// The sequence diagram's state.
    pub sequence: SequenceView,
}

/// Widths of the fixed columns (time, socket, direction, peer, length) for a table
/// `width` points wide; the payload gets what remains. A narrow table (the detail view
/// open) leaves the peer out (`0.0`): the detail shows it.
pub fn column_widths(width: f32) -> [f32; 5] {
    if width < 640.0 {
        [84.0, 50.0, 64.0, 0.0, 44.0]
    } else {
        [84.0, 56.0, 68.0, (width * 0.16).clamp(110.0, 170.0), 52.0]
    }
}

/// The note saying which payloads have left memory, or were left out of the session
/// journal, if any.
pub fn eviction_note(log: &SessionLog) -> Option<String> {
    let spill = log.spill();
    if spill.lost > 0 {
        return Some(format!(
            "{} older records were lost: {}. Counts stay exact.",
            spill.lost,
            spill
                .error
                .as_deref()
                .unwrap_or("the log's spill file could not be written")
        ));
    }
    if spill.dropped > 0 {
        return Some(format!(
            "{} of the oldest records were dropped to keep the log's spill files within their {} \
             on disk. Counts stay exact.",
            spill.dropped,
            bytes(log.spill_disk_budget())
        ));
    }
    let ev = log.evicted();
    let journal_gap = log.journal().and_then(|j| {
        let (behind, over) = (j.omitted(), j.over_budget());
        let mut why = Vec::new();
        if behind.records > 0 {
            why.push(format!(
                "{} records ({}) while its writer was behind",
                behind.records,
                bytes(behind.bytes)
            ));
        }
        if over.records > 0 {
            why.push(format!(
                "{} records ({}) past its {} payload budget",
                over.records,
                bytes(over.bytes),
                bytes(j.payload_budget())
            ));
        }
        (!why.is_empty()).then(|| {
            format!(
                "the session journal left out the payloads of {} (their lengths are in it)",
                why.join(" and ")
            )
        })
    });
    if ev.records == 0 {
        let gap = journal_gap?;
        return Some(format!("All payloads are in memory; {gap}."));
    }
    let kept = match (log.journal().is_some(), journal_gap) {
        (false, _) => "no journal keeps them".to_string(),
        (true, None) => "they stay in the session journal".to_string(),
        (true, Some(gap)) => format!("they stay in the session journal, but {gap}"),
    };
    Some(format!(
        "The payloads of {} records ({}) left memory to keep within the {} payload budget (the oldest first, and any larger than half of it); {kept}. Counts stay exact.",
        ev.records,
        bytes(ev.bytes),
        bytes(log.payload_budget() as u64),
    ))
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
        Some(data) => row_bytes(data, ROW_PAYLOAD_MAX),
        None if is_evicted(rec) => EVICTED_NOTE.to_string(),
        None => summary(rec, log, ROW_PAYLOAD_MAX),
    }
}

/// Like [`show_bytes`], deciding text or hex on the bytes shown only: a row never scans a
/// 64 KiB payload (a flood shows dozens of them each frame).
pub fn row_bytes(data: &[u8], max: usize) -> String {
    if data.len() <= max {
        return show_bytes(data, max);
    }
    // A character cut at the end of the shown bytes still reads as text.
    let mut head = &data[..max];
    if let Err(e) = std::str::from_utf8(head)
        && e.error_len().is_none()
    {
        head = &head[..e.valid_up_to()];
    }
    let mut s = show_bytes(head, max);
    s.push_str(&format!("…(+{} bytes)", data.len() - head.len()));
    s
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

/// Height of one log row.
pub fn row_height(ui: &Ui) -> f32 {
    ui.text_style_height(&egui::TextStyle::Monospace) + 4.0
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

    /// Draws the filter bar and the table of `log`.
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
        if let Some(note) = eviction_note(log) {
            ui.label(
                RichText::new(note)
                    .small()
                    .color(ui.visuals().warn_fg_color),
            );
        }
        let selected = self.selected;
        self.find.ui(ui, log);
        let found = self.find.current();
        let jump = self.find.take_jump();
        let generation = self.filter.generation();
        let rows = self.filter.ui(ui, log);
        if self.as_sequence {
            if let Some(i) = self.sequence.ui(ui, log, rows, generation, selected) {
                self.selected = (self.selected != Some(i)).then_some(i);
            }
            return;
        }
        let marks = Marks {
            selected,
            found,
            jump,
        };
        if let Some(i) = table(ui, log, rows, marks, as_hex) {
            self.selected = if self.selected == Some(i) {
                None
            } else {
                Some(i)
            };
        }
    }
}

/// The records the table marks: the one selected for the detail, the match of Find, and
/// a record to scroll into view.
#[derive(Debug, Clone, Copy)]
struct Marks {
    selected: Option<usize>,
    found: Option<usize>,
    jump: Option<usize>,
}

/// The table's columns, by their widths: the Peer column only where it fits.
fn builder(ui: &mut Ui, widths: [f32; 5], jump_row: Option<usize>) -> TableBuilder<'_> {
    let [w_time, w_sock, w_dir, w_peer, w_len] = widths;
    let mut builder = TableBuilder::new(ui)
        .id_salt("log_table")
        .striped(true)
        .stick_to_bottom(true)
        // The table takes the height it is given, no more (the default minimum of 200
        // points pushed the newest rows under the console when the panels above grew).
        .min_scrolled_height(0.0)
        .max_scroll_height(f32::INFINITY)
        .sense(egui::Sense::click())
        .auto_shrink([false, false])
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::exact(w_time))
        .column(Column::exact(w_sock).clip(true))
        .column(Column::exact(w_dir));
    if w_peer > 0.0 {
        builder = builder.column(Column::exact(w_peer).clip(true));
    }
    if let Some(row) = jump_row {
        builder = builder.scroll_to_row(row, Some(egui::Align::Center));
    }
    builder
        .column(Column::exact(w_len))
        .column(Column::remainder().at_least(120.0).clip(true))
}

/// How one record's row is drawn: the log's hex setting, the theme, the Peer column.
#[derive(Clone, Copy)]
struct Look {
    as_hex: bool,
    dark: bool,
    with_peer: bool,
}

/// The cells of one record.
fn record_cells(row: &mut TableRow<'_, '_>, log: &SessionLog, rec: &Record, look: Look) {
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
        cell(
            ui,
            mono(dir.name().to_string()).color(dir_color(dir, look.dark)),
        );
    });
    if look.with_peer {
        row.col(|ui| {
            let (_, peer) = addresses(rec);
            cell(ui, mono(peer.map(|p| p.to_string()).unwrap_or_default()));
        });
    }
    row.col(|ui| {
        let len = payload_len(rec).map(|d| d.to_string()).unwrap_or_default();
        cell(ui, mono(len));
    });
    row.col(|ui| {
        let text = payload_cell(rec, log, look.as_hex);
        let mut rt = mono(text);
        if dir == Direction::Error {
            rt = rt.color(dir_color(dir, look.dark));
        } else if is_evicted(rec) {
            rt = rt.weak().italics();
        }
        cell(ui, rt);
    });
}

/// Draws the virtualized table over `rows`; returns the record clicked, if any.
fn table(
    ui: &mut Ui,
    log: &SessionLog,
    rows: crate::app::log::filter::Rows<'_>,
    marks: Marks,
    as_hex: bool,
) -> Option<usize> {
    let Marks {
        selected,
        found,
        jump,
    } = marks;
    if rows.is_empty() {
        ui.label(RichText::new("No record passes the filter.").weak());
        return None;
    }
    let row_height = row_height(ui);
    let widths = column_widths(ui.available_width());
    let look = Look {
        as_hex,
        dark: ui.visuals().dark_mode,
        with_peer: widths[3] > 0.0,
    };
    let mut clicked = None;
    builder(ui, widths, jump.and_then(|r| rows.row_of(r)))
        .header(20.0, |mut header| {
            for h in [
                "Time",
                "Socket",
                "Direction",
                "Peer",
                "Length",
                "Payload / event",
            ] {
                if h == "Peer" && !look.with_peer {
                    continue;
                }
                header.col(|ui| {
                    ui.strong(h);
                });
            }
        })
        .body(|body| {
            body.rows(row_height, rows.len(), |mut row| {
                let Some(i) = rows.record(row.index()) else {
                    return;
                };
                let Some(rec) = log.get(i) else {
                    return;
                };
                row.set_selected(selected == Some(i) || found == Some(i));
                record_cells(&mut row, log, &rec, look);
                if row.response().clicked() {
                    clicked = Some(i);
                }
            });
        });
    clicked
}

#[cfg(test)]
mod tests {
    use super::{eviction_note, row_bytes, spaced_hex};
    use crate::engine::{Event, EventKind};
    use crate::log::SessionLog;

    fn push_three_8_byte_receives(log: &mut SessionLog) {
        for _ in 0..3 {
            log.push_event(Event::on(
                1,
                EventKind::Received {
                    peer: None,
                    data: vec![1u8; 8].into(),
                    truncated_from: None,
                },
            ));
        }
    }

    #[test]
    fn log_view_says_when_payloads_left_memory() {
        let mut log = SessionLog::new();
        log.set_payload_budget(20);
        assert_eq!(eviction_note(&log), None);
        push_three_8_byte_receives(&mut log);
        let note = eviction_note(&log).unwrap_or_default();
        assert!(
            note.starts_with("The payloads of 1 records (8 B) left memory"),
            "{note}"
        );
        assert!(note.contains("no journal keeps them"), "{note}");
    }

    #[test]
    fn log_view_says_when_the_journal_left_payloads_out() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut j = crate::log::journal::Journal::create_in(dir.path()).expect("journal");
        j.set_queue_limits(8, 1000);
        let hold = j.hold_writer();
        let mut log = SessionLog::new();
        log.attach_journal(j);
        push_three_8_byte_receives(&mut log);
        let note = eviction_note(&log).unwrap_or_default();
        assert!(
            note.starts_with(
                "All payloads are in memory; the session journal left out the payloads of 2 records (16 B) while its writer was behind"
            ),
            "{note}"
        );
        log.set_payload_budget(10);
        let note = eviction_note(&log).unwrap_or_default();
        assert!(
            note.contains("they stay in the session journal, but the session journal left out"),
            "{note}"
        );
        drop(hold);
    }

    #[test]
    fn log_view_says_when_the_journal_spent_its_payload_budget() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut j = crate::log::journal::Journal::create_in(dir.path()).expect("journal");
        j.set_payload_budget(8);
        let mut log = SessionLog::new();
        log.attach_journal(j);
        push_three_8_byte_receives(&mut log);
        let note = eviction_note(&log).unwrap_or_default();
        assert!(
            note.contains("left out the payloads of 2 records (16 B) past its 8 B payload budget"),
            "{note}"
        );
    }

    #[test]
    fn rows_show_the_head_of_long_payloads() {
        assert_eq!(row_bytes(b"abc", 8), "\"abc\"");
        let long = "é".repeat(10);
        assert_eq!(row_bytes(long.as_bytes(), 5), "\"éé\"…(+16 bytes)");
        let bin = [0u8; 20];
        assert_eq!(row_bytes(&bin, 4), "hex:00000000…(+16 bytes)");
    }

    #[test]
    fn hex_is_spaced() {
        assert_eq!(spaced_hex(b"AB\n"), "41 42 0a");
        assert_eq!(spaced_hex(b""), "");
    }
}
