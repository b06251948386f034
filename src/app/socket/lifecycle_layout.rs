//! The lifecycle tab's layout: a row per step (its name on the left, a fixed width) and
//! result lines that are always one line high and always there, so that nothing below
//! moves when a step ends.

use egui::{RichText, Ui};

use crate::app::model::state::SockRow;
use crate::engine::SockState;

/// A result line: always one line high (cut to the width, whole on hover), so that a
/// longer result never pushes the rows below.
pub(crate) fn one_line(ui: &mut Ui, text: RichText) {
    let full = text.text().to_string();
    ui.add(egui::Label::new(text).truncate())
        .on_hover_text(full);
}

/// Width of the step names on the left of the rows.
const STEP_NAME_WIDTH: f32 = 58.0;

/// One step of the lifecycle: its name on the left, its controls (which wrap in a narrow
/// window) and result lines on the right.
pub(crate) fn step_row(ui: &mut Ui, name: &str, add: impl FnOnce(&mut Ui)) {
    ui.horizontal_top(|ui| {
        let h = ui.spacing().interact_size.y;
        ui.allocate_ui_with_layout(
            egui::vec2(STEP_NAME_WIDTH, h),
            egui::Layout::left_to_right(egui::Align::Center),
            |ui| {
                ui.set_min_size(egui::vec2(STEP_NAME_WIDTH, h));
                ui.label(RichText::new(name).strong());
            },
        );
        ui.vertical(add);
    });
    ui.add_space(2.0);
}

/// The line under Connect: the peer, or the address being connected to. It is always
/// there (a weak "not connected" before), so that nothing below moves when a step ends.
pub(crate) fn peer_line(ui: &mut Ui, row: &SockRow) {
    let Some(peer) = &row.peer else {
        one_line(ui, RichText::new("not connected").weak());
        return;
    };
    let what = match (row.state, row.parent) {
        (SockState::Connecting, _) => "connecting to",
        (_, Some(_)) => "accepted from peer",
        _ => "connected to",
    };
    one_line(ui, RichText::new(format!("{what} {peer}")));
}

/// The line under Bind: the address the socket has and how it came about. It is always
/// there (a weak "not bound yet" before), so that the rows below keep their place when
/// the bind completes.
pub(crate) fn bound_line(ui: &mut Ui, row: &SockRow) {
    let text = match row.bound_text() {
        Some(text) => RichText::new(text).color(ui.visuals().hyperlink_color),
        None => RichText::new("not bound yet (the OS binds at listen, connect or the first send)")
            .weak(),
    };
    one_line(ui, text);
}
