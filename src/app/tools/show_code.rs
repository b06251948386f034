//! The *Show as code* window: the session so far as a Python program (plain `socket`
//! calls, one commented step per command), to read, copy or save and run with `python3`.

use crate::codegen::{Generated, python_of_session};
use crate::log::SessionLog;

/// The window's state: the program made when it was opened (or refreshed).
#[derive(Debug, Default)]
pub struct ShowCode {
    open: bool,
    program: Option<Generated>,
}

impl ShowCode {
    /// A closed window.
    pub fn new() -> ShowCode {
        ShowCode::default()
    }

    /// Opens the window on the session as it stands.
    pub fn open(&mut self, log: &SessionLog) {
        self.program = Some(python_of_session(log));
        self.open = true;
    }

    /// The program shown, if the window is open.
    pub fn shown(&self) -> Option<&str> {
        self.program
            .as_ref()
            .filter(|_| self.open)
            .map(|g| g.code.as_str())
    }

    /// Draws the window when it is open; Refresh makes the program again from `log`.
    pub fn ui(&mut self, ctx: &egui::Context, log: &SessionLog) {
        let Some(program) = &self.program else {
            return;
        };
        let mut open = self.open;
        let mut refresh = false;
        egui::Window::new("Show as code")
            .open(&mut open)
            .default_width(640.0)
            .default_height(480.0)
            .resizable(true)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    if ui
                        .button("Copy")
                        .on_hover_text("the whole program, to paste into a .py file")
                        .clicked()
                    {
                        ui.ctx().copy_text(program.code.clone());
                    }
                    if ui
                        .button("Refresh")
                        .on_hover_text("the session as it stands now")
                        .clicked()
                    {
                        refresh = true;
                    }
                    ui.label("Python 3, standard socket module: run it with python3");
                });
                for what in &program.untranslated {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        format!("not translated: {what}"),
                    );
                }
                egui::ScrollArea::both().show(ui, |ui| {
                    let mut text = program.code.as_str();
                    ui.add(
                        egui::TextEdit::multiline(&mut text)
                            .code_editor()
                            .desired_width(f32::INFINITY),
                    );
                });
            });
        self.open = open;
        if refresh {
            self.program = Some(python_of_session(log));
        }
    }
}
