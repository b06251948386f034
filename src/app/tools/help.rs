//! The Help menu: every keyboard shortcut, the command language reference (the shell's
//! `help` text), and *Open example*, which runs one of the `examples/*.scope` scripts
//! shipped inside the binary in two clicks.

use egui::{RichText, Ui};

/// The example scripts shipped in the binary: file name and text.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "length_prefixed.scope",
        include_str!("../../../examples/length_prefixed.scope"),
    ),
    (
        "tcp_echo_many.scope",
        include_str!("../../../examples/tcp_echo_many.scope"),
    ),
    (
        "tcp_greeting.scope",
        include_str!("../../../examples/tcp_greeting.scope"),
    ),
    (
        "tcp_greeting_recv8.scope",
        include_str!("../../../examples/tcp_greeting_recv8.scope"),
    ),
    (
        "tcp_ok_bye.scope",
        include_str!("../../../examples/tcp_ok_bye.scope"),
    ),
    (
        "tcp_ok_bye_server.scope",
        include_str!("../../../examples/tcp_ok_bye_server.scope"),
    ),
    (
        "udp_ok_err.scope",
        include_str!("../../../examples/udp_ok_err.scope"),
    ),
    (
        "udp_ok_err_server.scope",
        include_str!("../../../examples/udp_ok_err_server.scope"),
    ),
    (
        "udp_upper.scope",
        include_str!("../../../examples/udp_upper.scope"),
    ),
    (
        "unix_echo.scope",
        include_str!("../../../examples/unix_echo.scope"),
    ),
];

/// Every keyboard shortcut of the window: keys and what they do.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Ctrl+S", "save the log (the format follows the extension)"),
    (
        "Ctrl+Enter",
        "send the message (in the send box; again repeats it)",
    ),
    ("Ctrl+F", "find in the log"),
    ("Enter / Shift+Enter", "next / previous match (in Find)"),
    ("Escape", "close Find (in its field)"),
    (
        "Up / Down",
        "browse what was sent (send box) or typed (console)",
    ),
    ("Enter", "run the console line"),
];

/// Which help windows are open.
#[derive(Debug, Default)]
pub struct Help {
    shortcuts: bool,
    language: bool,
}

impl Help {
    /// The Help menu's items; returns the example chosen, if any.
    pub fn menu(&mut self, ui: &mut Ui) -> Option<(&'static str, &'static str)> {
        let mut chosen = None;
        if ui.button("Keyboard shortcuts").clicked() {
            self.shortcuts = true;
            ui.close();
        }
        if ui.button("Command language").clicked() {
            self.language = true;
            ui.close();
        }
        ui.menu_button("Open example", |ui| {
            for &(name, text) in EXAMPLES {
                let first = text
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches('#');
                if ui.button(name).on_hover_text(first.trim()).clicked() {
                    chosen = Some((name, text));
                    ui.close();
                }
            }
        });
        chosen
    }

    /// The open help windows.
    pub fn windows(&mut self, ctx: &egui::Context) {
        egui::Window::new("Keyboard shortcuts")
            .open(&mut self.shortcuts)
            .resizable(false)
            .show(ctx, |ui| {
                egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                    for (keys, what) in SHORTCUTS {
                        ui.label(RichText::new(*keys).monospace().strong());
                        ui.label(*what);
                        ui.end_row();
                    }
                });
            });
        egui::Window::new("Command language")
            .open(&mut self.language)
            .default_size([640.0, 420.0])
            .show(ctx, |ui| {
                egui::ScrollArea::both().show(ui, |ui| {
                    ui.label(RichText::new(crate::lang::help_text()).monospace());
                });
            });
    }
}
