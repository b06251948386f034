//! A text field checked as it is typed: red once it has been used while its text does not
//! parse, the red note of what is wrong under its row, and the button that submits it.

use egui::{Response, Ui};

use super::{error_note, labelled_edit, step_button};

/// A text field's fixed parts: its label (which also names it), its width and its hint.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The label before the field, also its accessible name.
    pub label: &'static str,
    /// The field's width in points.
    pub width: f32,
    /// The hint shown while the field is empty.
    pub hint: &'static str,
}

impl Field {
    /// A field of this label, width and hint.
    pub const fn new(label: &'static str, width: f32, hint: &'static str) -> Field {
        Field { label, width, hint }
    }

    /// Draws the field for `text`, red when it has been used (`touched`, which an edit
    /// sets) and is `bad`.
    pub fn edit(self, ui: &mut Ui, text: &mut String, touched: &mut bool, bad: bool) -> Response {
        let r = labelled_edit(ui, self.label, text, self.width, self.hint, *touched && bad);
        *touched |= r.changed();
        r
    }
}

/// Under a row: the red note of a used field (`touched`) whose text did not parse.
pub fn touched_note<T>(ui: &mut Ui, touched: bool, parsed: &Result<T, String>) {
    if let (true, Err(e)) = (touched, parsed) {
        error_note(ui, e);
    }
}

/// The step button that submits a checked field: a click marks the field used
/// (`touched`, so a bad value turns red with its note) and gives the field's value when
/// it parsed. Enabled only when `why_not` is `None`, as [`step_button`].
pub fn submit<'v, T>(
    ui: &mut Ui,
    text: &str,
    tip: &str,
    why_not: Option<String>,
    touched: &mut bool,
    parsed: &'v Result<T, String>,
) -> Option<&'v T> {
    if !step_button(ui, text, tip, why_not) {
        return None;
    }
    *touched = true;
    parsed.as_ref().ok()
}
