//! The log's filter bar: by socket (with its accepted connections), by direction, by a
//! text substring and by a hex byte substring ([`crate::log::filter::LogFilter`]).
//!
//! The rows that pass are kept as a list of record indices, built incrementally: new
//! records are checked as they arrive, and a changed filter rescans the log a few
//! milliseconds per frame (a million records never stall a frame), so the table stays
//! virtualized over the indices.

use std::time::Duration;

use egui::containers::menu::{MenuButton, MenuConfig};
use egui::{PopupCloseBehavior, RichText, Ui};

use crate::engine::SockId;
use crate::log::SessionLog;
use crate::log::filter::{LogFilter, parse_hex};
use crate::log::format::Direction;

use crate::app::log::scan::Scan;
use crate::app::widgets::{error_note, labelled_edit};

/// Time a frame may spend checking records against the filter.
pub const SCAN_BUDGET: Duration = Duration::from_millis(3);

/// Records checked between two looks at the clock.
const SCAN_CHUNK: usize = 2048;

/// The directions, in the order of the bar, with their checkbox labels.
pub const DIRECTIONS: [(Direction, &str); 5] = [
    (Direction::Sent, "Sent"),
    (Direction::Received, "Received"),
    (Direction::Event, "Events"),
    (Direction::Command, "Commands"),
    (Direction::Error, "Errors"),
];

/// The rows the table shows.
#[derive(Debug, Clone, Copy)]
pub enum Rows<'a> {
    /// Every record, in order.
    All(usize),
    /// These record indices, in order.
    Some(&'a [usize]),
}

impl Rows<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::All(n) => *n,
            Rows::Some(v) => v.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The row showing record `record`, if it passes.
    pub fn row_of(&self, record: usize) -> Option<usize> {
        match self {
            Rows::All(n) => (record < *n).then_some(record),
            Rows::Some(v) => v.binary_search(&record).ok(),
        }
    }

    /// The record index of row `i`.
    pub fn record(&self, i: usize) -> Option<usize> {
        match self {
            Rows::All(n) => (i < *n).then_some(i),
            Rows::Some(v) => v.get(i).copied(),
        }
    }
}

/// The filter bar's fields and the indices that pass.
#[derive(Debug)]
pub struct FilterBar {
    /// The socket field (id or name; empty for every socket).
    pub socket: String,
    /// The text search field.
    pub text: String,
    /// The hex search field.
    pub hex: String,
    /// Directions shown, in the order of [`DIRECTIONS`].
    pub shown: [bool; 5],
    /// The fields are shown.
    pub open: bool,
    socket_error: Option<String>,
    hex_error: Option<String>,
    filter: LogFilter,
    /// The rows that pass, as far as checked.
    scan: Scan,
    generation: u64,
}

impl Default for FilterBar {
    fn default() -> Self {
        FilterBar {
            socket: String::new(),
            text: String::new(),
            hex: String::new(),
            shown: [true; 5],
            open: false,
            socket_error: None,
            hex_error: None,
            filter: LogFilter::default(),
            scan: Scan::default(),
            generation: 0,
        }
    }
}

/// The socket a field names: an id (`s3`) or a name the log has learned.
fn resolve(text: &str, log: &SessionLog) -> Result<Option<SockId>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Some(n) = t.strip_prefix('s').and_then(|n| n.parse::<u32>().ok()) {
        return Ok(Some(SockId(n)));
    }
    log.names()
        .iter()
        .find(|(_, n)| n.as_str() == t)
        .map(|(id, _)| Some(*id))
        .ok_or_else(|| format!("no socket {t:?} in the log: give an id (s3) or a name"))
}

impl FilterBar {
    /// An empty filter: everything shows.
    #[cfg(test)]
    pub fn new() -> FilterBar {
        FilterBar::default()
    }

    /// The filter in force.
    #[cfg(test)]
    pub fn filter(&self) -> &LogFilter {
        &self.filter
    }

    /// Builds the filter from the fields; an invalid field leaves its part out and says why.
    fn build_filter(&mut self, log: &SessionLog) -> LogFilter {
        let mut f = LogFilter::default();
        match resolve(&self.socket, log) {
            Ok(id) => {
                f.socket = id;
                self.socket_error = None;
            }
            Err(e) => self.socket_error = Some(e),
        }
        if !self.shown.iter().all(|s| *s) {
            f.directions = DIRECTIONS
                .iter()
                .zip(self.shown)
                .filter(|(_, on)| *on)
                .map(|((d, _), _)| *d)
                .collect();
        }
        f.text = self.text.trim().to_string();
        match parse_hex(&self.hex) {
            Ok(bytes) => {
                f.hex = bytes;
                self.hex_error = None;
            }
            Err(e) => self.hex_error = Some(e.to_string()),
        }
        f
    }

    /// Applies the fields: a changed filter starts a new scan.
    fn apply(&mut self, log: &SessionLog) {
        let f = self.build_filter(log);
        if f != self.filter {
            self.filter = f;
            self.scan.restart();
            self.generation += 1;
        }
    }

    /// Checks records not checked yet, within `budget`. Returns true when every record has
    /// been checked.
    pub fn scan(&mut self, log: &SessionLog, budget: Duration) -> bool {
        self.scan.run(log, &self.filter, SCAN_CHUNK, budget)
    }

    /// A number that changes whenever the filter does (views built from the rows start
    /// again).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The rows to show, as far as scanned.
    pub fn rows(&self, log: &SessionLog) -> Rows<'_> {
        if self.filter.is_empty() {
            Rows::All(log.len())
        } else {
            Rows::Some(&self.scan.found)
        }
    }

    /// True when some field narrows the log.
    fn narrowing(&self) -> bool {
        !self.socket.is_empty()
            || !self.text.is_empty()
            || !self.hex.is_empty()
            || !self.shown.iter().all(|s| *s)
    }

    /// The directions menu's label: `Directions: all`, or the ones shown.
    fn directions_label(&self) -> String {
        let on: Vec<&str> = DIRECTIONS
            .iter()
            .zip(self.shown)
            .filter(|(_, on)| *on)
            .map(|((_, l), _)| *l)
            .collect();
        match on.len() {
            5 => "Directions: all".into(),
            0 => "Directions: none".into(),
            _ => format!("Directions: {}", on.join(", ").to_lowercase()),
        }
    }

    /// Draws the bar (a "Filter" switch and the count; the fields when switched on),
    /// applies it and scans what is new; returns the rows to show.
    pub fn ui<'a>(&'a mut self, ui: &mut Ui, log: &SessionLog) -> Rows<'a> {
        let total = log.len();
        ui.horizontal(|ui| {
            let label = if self.narrowing() && !self.open {
                "Filter (on)"
            } else {
                "Filter"
            };
            ui.toggle_value(&mut self.open, label)
                .on_hover_text("filter and search the log: by socket, direction, text or bytes");
            let note = if self.filter.is_empty() {
                format!("showing all {total} records")
            } else if self.scan.scanned >= total {
                format!("showing {} of {total} records", self.scan.found.len())
            } else {
                format!(
                    "showing {} of {total} records (searched {} %)",
                    self.scan.found.len(),
                    self.scan.scanned * 100 / total.max(1)
                )
            };
            ui.label(RichText::new(note).weak().small());
        });
        if self.open {
            self.fields(ui);
        }
        self.apply(log);
        if !self.scan(log, SCAN_BUDGET) {
            ui.ctx().request_repaint();
        }
        self.rows(log)
    }

    fn fields(&mut self, ui: &mut Ui) {
        ui.horizontal_wrapped(|ui| {
            let bad_sock = self.socket_error.is_some();
            labelled_edit(ui, "Only socket", &mut self.socket, 60.0, "any", bad_sock)
                .on_hover_text("an id (s3) or a name; a listener includes its connections");
            let label = self.directions_label();
            let stay_open =
                MenuConfig::new().close_behavior(PopupCloseBehavior::CloseOnClickOutside);
            MenuButton::new(label).config(stay_open).ui(ui, |ui| {
                for ((_, label), on) in DIRECTIONS.iter().zip(self.shown.iter_mut()) {
                    ui.checkbox(on, *label);
                }
            });
            labelled_edit(ui, "Find text", &mut self.text, 100.0, "substring", false)
                .on_hover_text("payload or event text; ASCII case ignored");
            let bad_hex = self.hex_error.is_some();
            labelled_edit(ui, "Find hex", &mut self.hex, 80.0, "de ad be ef", bad_hex)
                .on_hover_text("bytes in the payload, as hex pairs");
            if ui
                .add_enabled(self.narrowing(), egui::Button::new("Clear filter"))
                .clicked()
            {
                *self = FilterBar {
                    open: true,
                    ..FilterBar::default()
                };
            }
        });
        for e in [&self.socket_error, &self.hex_error].into_iter().flatten() {
            error_note(ui, e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(n: usize) -> SessionLog {
        let mut log = SessionLog::new();
        for i in 0..n {
            log.push_command(if i % 3 == 0 { "status" } else { "close s1" });
        }
        log
    }

    #[test]
    fn log_filter_scan_is_incremental_and_resets_on_change() {
        let mut log = log(9000);
        let mut bar = FilterBar::new();
        bar.text = "status".into();
        bar.apply(&log);
        assert!(
            !bar.scan(&log, Duration::ZERO),
            "one chunk per call at zero budget"
        );
        while !bar.scan(&log, Duration::ZERO) {}
        assert_eq!(bar.rows(&log).len(), 3000);
        log.push_command("status");
        assert!(
            bar.scan(&log, Duration::ZERO),
            "one new record is checked at once"
        );
        assert_eq!(bar.rows(&log).len(), 3001);
        assert_eq!(bar.rows(&log).record(3000), Some(9000));
        bar.text.clear();
        bar.apply(&log);
        assert!(bar.scan(&log, Duration::ZERO));
        assert_eq!(bar.rows(&log).len(), 9001);
    }

    #[test]
    fn log_filter_fields_are_checked() {
        let log = log(3);
        let mut bar = FilterBar::new();
        bar.socket = "nosuch".into();
        bar.hex = "zz".into();
        bar.shown = [false, true, false, false, false];
        bar.apply(&log);
        assert!(bar.socket_error.is_some() && bar.hex_error.is_some());
        assert_eq!(bar.filter().directions, vec![Direction::Received]);
        bar.socket = "s1".into();
        bar.hex = "00 ff".into();
        bar.apply(&log);
        assert_eq!(bar.filter().socket, Some(SockId(1)));
        assert_eq!(bar.filter().hex, vec![0, 0xff]);
        assert!(bar.socket_error.is_none() && bar.hex_error.is_none());
    }
}
