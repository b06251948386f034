//! The window's layout: menu bar, status bar, console, sockets panel, and in the middle
//! the selected socket's controls and send box above the live log (with its detail).

use egui::{RichText, Ui};

use crate::engine::Command;

use super::settings::ThemeChoice;
use super::{SockscopeApp, log_detail, sockets_panel, status_bar};

/// What the person asked for that the app does after drawing.
#[derive(Debug, Default)]
pub struct Actions {
    /// "Save log…" was chosen.
    pub save: bool,
    /// "Save as script…" was chosen.
    pub save_script: bool,
    /// "Show as code…" was chosen.
    pub show_code: bool,
    /// A console line was entered.
    pub console_line: Option<String>,
}

/// Draws the whole window; engine commands go to `out`.
pub fn draw(app: &mut SockscopeApp, ui: &mut Ui, out: &mut Vec<Command>) -> Actions {
    let mut actions = Actions::default();
    egui::Panel::top("menu_bar").show(ui, |ui| menu_bar(app, ui, &mut actions, out));
    egui::Panel::bottom("status_bar").show(ui, |ui| {
        status_bar::ui(ui, &app.state, &app.log, app.message.as_ref());
    });
    if app.settings.show_console {
        egui::Panel::bottom("console")
            .resizable(true)
            .default_size(170.0)
            .min_size(90.0)
            .show(ui, |ui| {
                ui.label(RichText::new("Console").strong());
                actions.console_line = app.console.ui(ui, &mut app.settings);
            });
    }
    egui::Panel::left("sockets")
        .resizable(true)
        .default_size(260.0)
        .min_size(200.0)
        .show(ui, |ui| {
            sockets_panel::ui(
                ui,
                &app.state,
                &mut app.settings,
                &mut app.selected,
                &mut app.hide_closed,
                out,
            );
        });
    egui::CentralPanel::default().show(ui, |ui| {
        egui::Panel::top("selected_socket")
            .resizable(false)
            .show(ui, |ui| selected_socket(app, ui, out));
        if let Some(i) = app.log_view.selected {
            egui::Panel::right("log_detail")
                .resizable(true)
                .default_size(430.0)
                .min_size(280.0)
                .show(ui, |ui| {
                    if !log_detail::ui(ui, &app.log, i) {
                        app.log_view.selected = None;
                    }
                });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(RichText::new("Log").strong());
                ui.checkbox(&mut app.settings.log_hex, "Payloads as hex");
                ui.label(
                    RichText::new("click a row for its detail and hex dump")
                        .weak()
                        .small(),
                );
            });
            app.log_view.ui(ui, &app.log, app.settings.log_hex);
        });
    });
    actions
}

fn selected_socket(app: &mut SockscopeApp, ui: &mut Ui, out: &mut Vec<Command>) {
    let row = app.selected.and_then(|id| app.state.get(id)).cloned();
    let Some(row) = row else {
        ui.add_space(6.0);
        ui.label(
            RichText::new("Select a socket on the left, or create one with the + buttons.").weak(),
        );
        ui.add_space(6.0);
        return;
    };
    ui.add_space(4.0);
    app.controls
        .ui(ui, &row, &app.state, &mut app.settings, out);
    ui.separator();
    app.send_box
        .ui(ui, &row, &app.state, &mut app.settings, out);
    ui.add_space(4.0);
}

fn menu_bar(app: &mut SockscopeApp, ui: &mut Ui, actions: &mut Actions, out: &mut Vec<Command>) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            let save = egui::Button::new("Save log…").shortcut_text(ui.ctx().format_shortcut(
                &egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::S),
            ));
            if ui
                .add(save)
                .on_hover_text("the format follows the extension: .txt .jsonl .csv .pcap")
                .clicked()
            {
                actions.save = true;
            }
            if ui
                .button("Save as script…")
                .on_hover_text("the session's commands, which sockscope run replays")
                .clicked()
            {
                actions.save_script = true;
            }
            if ui
                .button("Show as code…")
                .on_hover_text("the session as a Python program using plain sockets")
                .clicked()
            {
                actions.show_code = true;
            }
            app.script_menu(ui);
            ui.separator();
            if ui.button("Quit").clicked() {
                ui.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        });
        ui.menu_button("Sockets", |ui| {
            if ui
                .button("Status")
                .on_hover_text("print every socket in the console")
                .clicked()
            {
                out.push(Command::Status);
            }
            ui.checkbox(&mut app.hide_closed, "Hide closed sockets");
        });
        ui.menu_button("View", |ui| {
            ui.checkbox(&mut app.settings.show_console, "Console");
            ui.checkbox(&mut app.settings.log_hex, "Payloads as hex");
            app.tools_view_menu(ui);
            ui.separator();
            ui.label("Theme");
            for (t, label) in [
                (ThemeChoice::Dark, "Dark"),
                (ThemeChoice::Light, "Light"),
                (ThemeChoice::System, "Follow the system"),
            ] {
                ui.radio_value(&mut app.settings.theme, t, label);
            }
        });
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let (icon, next, tip) = match app.settings.theme {
                ThemeChoice::Light => ("Dark theme", ThemeChoice::Dark, "switch to the dark theme"),
                _ => (
                    "Light theme",
                    ThemeChoice::Light,
                    "switch to the light theme",
                ),
            };
            if ui.button(icon).on_hover_text(tip).clicked() {
                app.settings.theme = next;
            }
        });
    });
}
