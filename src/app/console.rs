//! The console: a command line that runs any line of the command language, and the
//! transcript of every command (typed or clicked) with its outcome.

use egui::{Color32, Id, Key, Modifiers, RichText, TextEdit, Ui};

use crate::app::model::settings::{Settings, remember};

/// Transcript lines kept; older ones leave the console (the session log keeps everything).
pub const TRANSCRIPT_MAX: usize = 10_000;

/// One line of the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleLine {
    /// A command as issued (`> bind s1 127.0.0.1:0`).
    Command(String),
    /// A command's success and what it did.
    Ok(String),
    /// A failure, or a line that does not parse.
    Error(String),
    /// Any other note (status lines, hints).
    Info(String),
}

/// The console's state.
#[derive(Debug, Default)]
pub struct Console {
    lines: Vec<ConsoleLine>,
    /// What is typed.
    pub input: String,
    cursor: Option<usize>,
}

impl Console {
    /// An empty console.
    pub fn new() -> Console {
        Console::default()
    }

    /// Adds a line to the transcript.
    pub fn push(&mut self, line: ConsoleLine) {
        self.lines.push(line);
        if self.lines.len() > TRANSCRIPT_MAX {
            let extra = self.lines.len() - TRANSCRIPT_MAX;
            self.lines.drain(..extra);
        }
    }

    /// The transcript, oldest first.
    pub fn lines(&self) -> &[ConsoleLine] {
        &self.lines
    }

    fn browse(&mut self, history: &[String], back: bool) {
        if history.is_empty() {
            return;
        }
        self.cursor = match (self.cursor, back) {
            (None, true) => Some(history.len() - 1),
            (Some(i), true) => Some(i.saturating_sub(1)),
            (Some(i), false) if i + 1 < history.len() => Some(i + 1),
            _ => None,
        };
        self.input = self.cursor.map(|i| history[i].clone()).unwrap_or_default();
    }

    /// Draws the console; returns a line the person entered.
    pub fn ui(&mut self, ui: &mut Ui, settings: &mut Settings) -> Option<String> {
        let dark = ui.visuals().dark_mode;
        let mut entered = None;
        let edit_id = Id::unique("console_input");
        if ui.memory(|m| m.has_focus(edit_id)) {
            if ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::ArrowUp)) {
                self.browse(&settings.console_history, true);
            }
            if ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::ArrowDown)) {
                self.browse(&settings.console_history, false);
            }
        }
        egui::Panel::bottom("console_input_row")
            .resizable(false)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    let label = ui.label(RichText::new("Command").strong());
                    let resp = ui
                        .add(
                            TextEdit::singleline(&mut self.input)
                                .id(edit_id)
                                .desired_width(ui.available_width() - 60.0)
                                .font(egui::TextStyle::Monospace)
                                .hint_text(
                                    "e.g. socket tcp · bind s1 127.0.0.1:0 · listen s1 · status",
                                ),
                        )
                        .labelled_by(label.id);
                    let enter = resp.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                    if (ui.button("Run").clicked() || enter) && !self.input.trim().is_empty() {
                        let line = std::mem::take(&mut self.input);
                        remember(&mut settings.console_history, line.trim());
                        self.cursor = None;
                        entered = Some(line);
                        resp.request_focus();
                    }
                });
            });
        let h = ui.text_style_height(&egui::TextStyle::Monospace);
        egui::ScrollArea::vertical()
            .id_salt("console_transcript")
            .stick_to_bottom(true)
            // Only the height left above the input row (the default minimum of 64 points
            // drew the transcript over the input in a small window).
            .min_scrolled_height(0.0)
            .auto_shrink([false, false])
            .show_rows(ui, h, self.lines.len(), |ui, range| {
                for line in &self.lines[range] {
                    let (text, color) = match line {
                        ConsoleLine::Command(c) => (format!("> {c}"), None),
                        ConsoleLine::Ok(s) => (format!("  ok: {s}"), Some(ok_color(dark))),
                        ConsoleLine::Error(s) => (
                            format!("  error: {s}"),
                            Some(Color32::from_rgb(230, 80, 80)),
                        ),
                        ConsoleLine::Info(s) => {
                            (format!("  {s}"), Some(ui.visuals().weak_text_color()))
                        }
                    };
                    let mut rt = RichText::new(text).monospace();
                    if let Some(c) = color {
                        rt = rt.color(c);
                    }
                    ui.add(egui::Label::new(rt).extend());
                }
            });
        entered
    }
}

fn ok_color(dark: bool) -> Color32 {
    if dark {
        Color32::LIGHT_GREEN
    } else {
        Color32::from_rgb(0, 120, 40)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_is_bounded() {
        let mut c = Console::new();
        for i in 0..TRANSCRIPT_MAX + 5 {
            c.push(ConsoleLine::Info(i.to_string()));
        }
        assert_eq!(c.lines().len(), TRANSCRIPT_MAX);
        assert_eq!(c.lines()[0], ConsoleLine::Info("5".into()));
    }

    #[test]
    fn history_browsing() {
        let mut c = Console::new();
        let h = vec!["status".to_string(), "socket tcp".to_string()];
        c.browse(&h, true);
        assert_eq!(c.input, "socket tcp");
        c.browse(&h, true);
        assert_eq!(c.input, "status");
        c.browse(&h, false);
        c.browse(&h, false);
        assert_eq!(c.input, "");
    }
}
