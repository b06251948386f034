//! Small widgets shared by the views: a labelled text field that turns red when invalid,
//! the red note with the accepted form, a button or checkbox enabled only when its step is
//! valid, and an accessible name for a button whose text alone is ambiguous ("Set" of
//! which option).

pub(crate) mod checked;
pub(crate) mod fields;

use egui::{Color32, Response, RichText, TextEdit, Ui};

/// The red used for invalid input and errors (readable on light and dark backgrounds).
pub fn error_color(ui: &Ui) -> Color32 {
    ui.visuals().error_fg_color
}

/// A label followed by a one-line text field named by that label (so screen readers and
/// tests find it). The text is red when `invalid`.
pub fn labelled_edit(
    ui: &mut Ui,
    label: &str,
    text: &mut String,
    width: f32,
    hint: &str,
    invalid: bool,
) -> Response {
    let l = ui.label(label);
    // min_size too: in a grid cell the available width may be smaller than asked.
    let mut edit = TextEdit::singleline(text)
        .desired_width(width)
        .min_size(egui::vec2(width, 0.0))
        .hint_text(hint.to_string());
    if invalid {
        edit = edit.text_color(error_color(ui));
    }
    let resp = ui.add(edit).labelled_by(l.id);
    if invalid {
        let r = resp.rect.expand(1.0);
        ui.painter().rect_stroke(
            r,
            2.0,
            egui::Stroke::new(1.0, error_color(ui)),
            egui::StrokeKind::Outside,
        );
    }
    resp
}

/// A red note under a field: what went wrong and the form accepted.
pub fn error_note(ui: &mut Ui, msg: &str) {
    ui.label(RichText::new(msg).color(error_color(ui)).small());
}

/// A button enabled only when `why_not` is `None`; its tooltip says why when disabled.
/// Returns true when clicked.
pub fn step_button(ui: &mut Ui, text: &str, tip: &str, why_not: Option<String>) -> bool {
    let resp = ui
        .add_enabled(why_not.is_none(), egui::Button::new(text))
        .on_hover_text(tip);
    clicked_unless(resp, why_not)
}

/// A checkbox for `on`, enabled only when `why_not` is `None`; its tooltip says why when
/// disabled. Returns true when a click changed `on`.
pub fn step_checkbox(
    ui: &mut Ui,
    on: &mut bool,
    text: &str,
    tip: &str,
    why_not: Option<String>,
) -> bool {
    let resp = ui
        .add_enabled(why_not.is_none(), egui::Checkbox::new(on, text))
        .on_hover_text(tip);
    let changed = resp.changed();
    if let Some(why) = why_not {
        resp.on_disabled_hover_text(why);
    }
    changed
}

/// Like [`step_button`], with `name` as the button's accessible name (screen readers and
/// tests find it by that name), for short texts such as "Set" that repeat on one screen.
pub fn named_step_button(
    ui: &mut Ui,
    text: &str,
    name: &str,
    tip: &str,
    why_not: Option<String>,
) -> bool {
    let resp = ui
        .add_enabled(why_not.is_none(), egui::Button::new(text))
        .on_hover_text(tip);
    name_widget(&resp, egui::Role::Button, name);
    clicked_unless(resp, why_not)
}

/// A step button's click, or (disabled) its tooltip saying why not.
fn clicked_unless(resp: Response, why_not: Option<String>) -> bool {
    match why_not {
        Some(why) => {
            resp.on_disabled_hover_text(why);
            false
        }
        None => resp.clicked(),
    }
}

/// Gives a widget an accessible name of its own.
pub fn name_widget(resp: &Response, kind: egui::Role, name: &str) {
    let enabled = resp.enabled();
    resp.widget_info(|| egui::WidgetInfo::labeled(kind, enabled, name));
}

/// Small buttons that append a placeholder (`{counter}`, …) to `text`.
pub fn placeholder_chips(ui: &mut Ui, text: &mut String, names: &[(&str, &str)]) {
    for (p, tip) in names {
        if ui
            .add(egui::Button::new(RichText::new(*p).monospace().small()).small())
            .on_hover_text(format!("insert {p}: {tip}"))
            .clicked()
        {
            text.push_str(p);
        }
    }
}

/// A weak, small note.
pub fn note(ui: &mut Ui, text: impl Into<String>) {
    ui.label(RichText::new(text.into()).weak().small());
}

/// Bytes as a short human count (`512 B`, `1.5 KiB`, `3.2 MiB`).
pub fn bytes(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let f = n as f64;
    if f < KIB {
        format!("{n} B")
    } else if f < KIB * KIB {
        format!("{:.1} KiB", f / KIB)
    } else if f < KIB * KIB * KIB {
        format!("{:.1} MiB", f / (KIB * KIB))
    } else {
        format!("{:.2} GiB", f / (KIB * KIB * KIB))
    }
}

/// What the user did in a [`path_window`] this frame.
pub struct PathWindow {
    /// The main button was pressed, or Enter in the field.
    pub go: bool,
    /// The window stays open (neither closed nor cancelled).
    pub keep: bool,
}

/// The centred window that asks for a file path when no file dialog can be shown: a note,
/// a labelled path field (Enter confirms), a hint, and `go_button` / Cancel.
pub fn path_window(
    ctx: &egui::Context,
    title: &str,
    note: &str,
    field: &str,
    hint: &str,
    go_button: (&str, bool),
    path: &mut String,
) -> PathWindow {
    let mut open = true;
    let (mut go, mut cancel) = (false, false);
    egui::Window::new(title)
        .pivot(egui::Align2::CENTER_CENTER)
        .default_pos(ctx.content_rect().center())
        .collapsible(false)
        .resizable(false)
        .open(&mut open)
        .show(ctx, |ui| {
            ui.label(note);
            ui.horizontal(|ui| {
                let l = ui.label(field);
                let r = ui
                    .add(TextEdit::singleline(path).desired_width(320.0))
                    .labelled_by(l.id);
                go = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            });
            ui.label(RichText::new(hint).weak().small());
            ui.horizontal(|ui| {
                let (label, enabled) = go_button;
                go |= ui.add_enabled(enabled, egui::Button::new(label)).clicked();
                cancel = ui.button("Cancel").clicked();
            });
        });
    PathWindow {
        go: go && !path.trim().is_empty(),
        keep: open && !cancel,
    }
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn byte_counts_read_well() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
