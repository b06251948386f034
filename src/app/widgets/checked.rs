//! A text field checked as it is typed: red once it has been used while its text does not
//! parse, and the red note of what is wrong under its row.

use egui::{Response, Ui};

use super::{error_note, labelled_edit};

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
