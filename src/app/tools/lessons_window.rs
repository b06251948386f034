//! The Lessons window: the tutorials' exercises as guided lessons. A lesson is picked from
//! a list; each step shows what to do, the command to type (with "Type it for me", which
//! runs it exactly as the console does) and the Python line it corresponds to, and ticks
//! itself when the engine's events show it done. Texts follow the language chosen in the
//! View menu.

use egui::{RichText, Ui};

use crate::engine::Event;
use crate::lessons::i18n::{Lang, tr};
use crate::lessons::{Lesson, Progress, lessons};

/// The window's state: the lessons, the one chosen and how far it has come.
#[derive(Debug)]
pub struct LessonsWindow {
    lessons: Vec<Lesson>,
    chosen: usize,
    progress: Progress,
}

impl Default for LessonsWindow {
    fn default() -> Self {
        LessonsWindow {
            lessons: lessons(),
            chosen: 0,
            progress: Progress::new(),
        }
    }
}

impl LessonsWindow {
    /// Takes in one engine event: the chosen lesson's next step may tick.
    pub fn observe(&mut self, ev: &Event) {
        if let Some(lesson) = self.lessons.get(self.chosen) {
            self.progress.absorb(lesson, ev);
        }
    }

    /// Draws the window while `open`; returns a command line to run ("Type it for me").
    pub fn window(&mut self, ctx: &egui::Context, open: &mut bool, lang: Lang) -> Option<String> {
        let mut run = None;
        egui::Window::new(tr(lang, "Lessons"))
            .id(egui::Id::unique("lessons_window"))
            .open(open)
            .default_size([460.0, 520.0])
            .vscroll(true)
            .show(ctx, |ui| run = self.ui(ui, lang));
        run
    }

    fn ui(&mut self, ui: &mut Ui, lang: Lang) -> Option<String> {
        let before = self.chosen;
        let title = |l: &Lesson| tr(lang, &l.title).to_string();
        let current = self.lessons.get(self.chosen).map(title).unwrap_or_default();
        egui::ComboBox::new("lesson_choice", tr(lang, "Lesson"))
            .selected_text(current)
            .width((ui.available_width() - 70.0).clamp(160.0, 380.0))
            .show_ui(ui, |ui| {
                for (i, l) in self.lessons.iter().enumerate() {
                    ui.selectable_value(&mut self.chosen, i, title(l));
                }
            });
        if self.chosen != before {
            self.progress = Progress::new();
        }
        let lesson = self.lessons.get(self.chosen)?;
        ui.label(tr(lang, &lesson.intro));
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(format!(
                    "{} / {}",
                    self.progress.done.min(lesson.steps.len()),
                    lesson.steps.len()
                ))
                .strong(),
            );
            if ui.button(tr(lang, "Start again")).clicked() {
                self.progress = Progress::new();
            }
        });
        ui.separator();
        let mut run = None;
        for (i, step) in lesson.steps.iter().enumerate() {
            let (mark, strong) = match i.cmp(&self.progress.done) {
                std::cmp::Ordering::Less => (tr(lang, "done"), false),
                std::cmp::Ordering::Equal => (tr(lang, "next"), true),
                std::cmp::Ordering::Greater => ("", false),
            };
            let text = format!("{}. {}", i + 1, tr(lang, &step.text));
            let mut head = RichText::new(text);
            if strong {
                head = head.strong();
            } else if i < self.progress.done {
                head = head.weak();
            }
            ui.horizontal_wrapped(|ui| {
                if !mark.is_empty() {
                    ui.label(RichText::new(format!("[{mark}]")).small());
                }
                ui.label(head);
            });
            if let Some(cmd) = &step.command {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(cmd).monospace());
                    let type_it = egui::Button::new(tr(lang, "Type it for me")).small();
                    if i == self.progress.done && ui.add(type_it).clicked() {
                        run = Some(cmd.clone());
                    }
                });
            }
            if let Some(py) = &step.python {
                ui.label(
                    RichText::new(format!("Python: {py}"))
                        .monospace()
                        .weak()
                        .small(),
                );
            }
            ui.add_space(4.0);
        }
        if self.progress.finished(lesson) {
            ui.label(RichText::new(tr(lang, "Lesson complete.")).strong());
        }
        run
    }
}
