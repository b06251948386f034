//! The status bar: open sockets, exact byte and message totals, errors, log size, and the
//! latest message (a save's outcome, say).

use egui::{RichText, Ui};

use crate::log::SessionLog;

use crate::app::model::state::AppState;
use crate::app::widgets::bytes;

/// The totals line (tests read it).
pub fn totals_text(state: &AppState, log: &SessionLog) -> String {
    let t = log.totals();
    use crate::log::format::plural;
    format!(
        "{} open of {} · in {} ({}) · out {} ({}) · {} · {}",
        state.open_count(),
        plural(state.sockets.len() as u64, "socket"),
        bytes(t.traffic.bytes_in),
        plural(t.traffic.msgs_in, "msg"),
        bytes(t.traffic.bytes_out),
        plural(t.traffic.msgs_out, "msg"),
        plural(t.errors, "error"),
        plural(log.len() as u64, "log record")
    )
}

/// Draws the bar.
pub fn ui(ui: &mut Ui, state: &AppState, log: &SessionLog, message: Option<&(String, bool)>) {
    ui.horizontal(|ui| {
        ui.label(totals_text(state, log));
        let ev = log.evicted();
        let left_out = log.journal().map_or(0, |j| j.left_out().bytes);
        if ev.records > 0 || left_out > 0 {
            ui.separator();
            let full = crate::app::log::table::eviction_note(log).unwrap_or_default();
            let mut short = Vec::new();
            if ev.records > 0 {
                short.push(format!(
                    "{} payloads ({}) left memory",
                    ev.records,
                    bytes(ev.bytes)
                ));
            }
            if left_out > 0 {
                short.push(format!("journal: {} of payload left out", bytes(left_out)));
            }
            ui.label(RichText::new(short.join(" · ")).color(ui.visuals().warn_fg_color))
                .on_hover_text(full);
        }
        if let Some((msg, is_error)) = message {
            ui.separator();
            let mut rt = RichText::new(msg.as_str());
            if *is_error {
                rt = rt.color(ui.visuals().error_fg_color);
            }
            ui.label(rt);
        }
    });
}
