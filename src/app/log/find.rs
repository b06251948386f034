//! Find in the log (Ctrl+F): a search box with an `i of n` counter; Enter jumps to the
//! next match and Shift+Enter to the previous one, which the table highlights and scrolls
//! into view. Matches are gathered a few milliseconds per frame (a million records never
//! stall a frame), and records that arrive later are searched as they come.

use std::time::Duration;

use egui::{Id, Key, Modifiers, RichText, TextEdit, Ui};

use crate::app::log::scan::Scan;
use crate::log::SessionLog;
use crate::log::filter::LogFilter;

/// Time a frame may spend searching.
pub const FIND_BUDGET: Duration = Duration::from_millis(3);

/// Records searched between two looks at the clock.
const CHUNK: usize = 1024;

/// The find bar's state.
#[derive(Debug, Default)]
pub struct Find {
    /// The bar is shown.
    pub open: bool,
    query: String,
    /// The query the matches are for.
    searched: String,
    filter: LogFilter,
    /// The records that match, as far as searched.
    scan: Scan,
    /// Position in the matches of the match shown.
    current: Option<usize>,
    /// A record to scroll to on the next frame.
    jump: Option<usize>,
    /// The field should take the keyboard focus.
    focus: bool,
}

impl Find {
    /// Opens the bar and puts the cursor in its field.
    pub fn open(&mut self) {
        self.open = true;
        self.focus = true;
    }

    /// The record of the match shown, highlighted in the table.
    pub fn current(&self) -> Option<usize> {
        self.current.and_then(|c| self.scan.found.get(c).copied())
    }

    /// The record to scroll into view, once.
    pub fn take_jump(&mut self) -> Option<usize> {
        self.jump.take()
    }

    /// Matches found so far, and whether the whole log has been searched.
    pub fn counts(&self, log: &SessionLog) -> (usize, bool) {
        (self.scan.found.len(), self.scan.scanned >= log.len())
    }

    /// Searches more of the log, within `budget`; returns true when it is all searched.
    pub fn search(&mut self, log: &SessionLog, budget: Duration) -> bool {
        if self.searched != self.query {
            self.searched = self.query.clone();
            self.filter = LogFilter {
                text: self.query.clone(),
                ..LogFilter::default()
            };
            self.scan.restart();
            self.current = None;
        }
        self.scan.run(log, &self.filter, CHUNK, budget)
    }

    /// Moves to the next match (`back`: the previous one), wrapping around.
    pub fn step(&mut self, back: bool) {
        let n = self.scan.found.len();
        if n == 0 {
            return;
        }
        let next = match (self.current, back) {
            (None, false) => 0,
            (None, true) => n - 1,
            (Some(c), false) => (c + 1) % n,
            (Some(c), true) => (c + n - 1) % n,
        };
        self.current = Some(next);
        self.jump = self.scan.found.get(next).copied();
    }

    /// Draws the bar (when open) and searches on.
    pub fn ui(&mut self, ui: &mut Ui, log: &SessionLog) {
        if !self.open {
            return;
        }
        let id = Id::unique("find_in_log");
        ui.horizontal(|ui| {
            let label = ui.label("Find in log");
            let resp = ui
                .add(
                    TextEdit::singleline(&mut self.query)
                        .id(id)
                        .desired_width(160.0)
                        .hint_text("text; Enter: next, Shift+Enter: previous"),
                )
                .labelled_by(label.id);
            if std::mem::take(&mut self.focus) {
                resp.request_focus();
            }
            let entered = resp.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if entered {
                let back = ui.input(|i| i.modifiers.shift);
                self.step(back);
                resp.request_focus();
            }
            let done = self.search(log, FIND_BUDGET);
            if !done {
                ui.ctx().request_repaint();
            }
            let (n, _) = self.counts(log);
            let i = self.current.map_or(0, |c| c + 1);
            let more = if done { "" } else { "+ (searching)" };
            ui.label(RichText::new(format!("{i} of {n}{more}")).monospace());
            if ui.small_button("Previous").clicked() {
                self.step(true);
            }
            if ui.small_button("Next").clicked() {
                self.step(false);
            }
            if ui.small_button("Close find").clicked()
                || (resp.has_focus()
                    && ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)))
            {
                self.open = false;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Event, EventKind};

    fn received(log: &mut SessionLog, data: &[u8]) {
        log.push_event(Event::on(
            1,
            EventKind::Received {
                peer: None,
                data: data.to_vec().into(),
                truncated_from: None,
            },
        ));
    }

    #[test]
    fn find_searches_in_slices_and_wraps_around() {
        let mut log = SessionLog::new();
        for i in 0..5000 {
            received(&mut log, if i % 1000 == 7 { b"needle" } else { b"hay" });
        }
        let mut f = Find {
            query: "NEEDLE".into(),
            ..Find::default()
        };
        // No time at all: one chunk a call, so it takes several calls.
        assert!(!f.search(&log, Duration::ZERO));
        while !f.search(&log, Duration::ZERO) {}
        assert_eq!(f.counts(&log), (5, true));
        f.step(true);
        assert_eq!(
            f.current(),
            Some(4007),
            "Shift+Enter from nothing: the last"
        );
        f.step(false);
        assert_eq!(f.current(), Some(7), "wraps around");
        received(&mut log, b"a needle more");
        assert!(f.search(&log, FIND_BUDGET));
        assert_eq!(f.counts(&log), (6, true), "new records are searched too");
    }
}
