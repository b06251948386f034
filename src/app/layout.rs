//! The window's layout: menu bar, status bar, console, sockets panel, and in the middle
//! the selected socket's controls and send box above the live log (with its detail).

use egui::{RichText, Ui};

use crate::engine::Command;

use super::log::detail as log_detail;
use super::{SockscopeApp, sockets_panel, status_bar};
use crate::app::model::settings::ThemeChoice;
use crate::app::socket::room::Room;

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
            // A small window keeps its room for the controls and the log.
            .max_size(console_max(ui.available_height()))
            .show(ui, |ui| {
                ui.label(RichText::new("Console").strong());
                actions.console_line = app.console.ui(ui, &mut app.settings);
            });
    }
    egui::Panel::left("sockets")
        .resizable(true)
        .default_size(sockets_panel::DEFAULT_WIDTH)
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
    egui::CentralPanel::default().show(ui, |ui| central(app, ui, out));
    app.help.windows(ui.ctx());
    actions
}

/// The console's largest height in a window `height` points tall (menu and status bar
/// excluded): its smallest in a window under 640 points (800×600), so that the controls,
/// the send box and eight log rows fit; a fifth of the height otherwise.
pub fn console_max(height: f32) -> f32 {
    if height < 640.0 {
        90.0
    } else {
        (height * 0.22).max(90.0)
    }
}

/// Rows the log keeps in view however much the panels around it hold.
pub const LOG_MIN_ROWS: f32 = 8.0;

/// Height of what the log shows around its rows: its title row, the filter bar, the
/// table's header and spacing.
const LOG_CHROME: f32 = 88.0;

/// Least height of the selected socket's controls (its header, tabs and first row) while
/// they scroll.
const CONTROLS_MIN: f32 = 96.0;

/// Height the send box always gets when it needs it (its mode row, the message and Send).
const SEND_MIN: f32 = 84.0;

/// The middle of the window: the selected socket's controls on top, its send box at the
/// bottom and the log in between, which keeps [`LOG_MIN_ROWS`] rows. Each part gets a
/// rect of its own (the controls and the send box scroll when they hold more), sized from
/// what the parts needed the frame before, so no part ever draws over another.
fn central(app: &mut SockscopeApp, ui: &mut Ui, out: &mut Vec<Command>) {
    let full = ui.available_rect_before_wrap();
    let row_pitch = crate::app::log::table::row_height(ui) + ui.spacing().item_spacing.y;
    let log_min = LOG_MIN_ROWS * row_pitch + LOG_CHROME;
    let row = app.selected.and_then(|id| app.state.get(id)).cloned();
    let open_row = row.as_ref().filter(|r| !r.is_closed());
    let mem_id = egui::Id::unique("central_layout");
    let (want_controls, want_send): (f32, f32) = ui
        .data(|d| d.get_temp(mem_id))
        .unwrap_or((CONTROLS_MIN, 80.0));
    let send_h = match open_row {
        Some(_) => want_send
            .min(full.height() - log_min - CONTROLS_MIN)
            .max(want_send.min(SEND_MIN)),
        None => 0.0,
    };
    let controls_h = want_controls
        .min(full.height() - log_min - send_h)
        .max(CONTROLS_MIN.min(want_controls));
    let spacing = ui.spacing().item_spacing.y;
    let controls_rect = egui::Rect::from_min_size(full.min, egui::vec2(full.width(), controls_h));
    let send_rect =
        egui::Rect::from_min_max(egui::pos2(full.left(), full.bottom() - send_h), full.max);
    let log_rect = egui::Rect::from_min_max(
        egui::pos2(full.left(), controls_rect.bottom() + 2.0 * spacing),
        egui::pos2(full.right(), send_rect.top() - spacing),
    );
    // The controls' bar shows while there is more below, not only under the pointer: a
    // row cut at their bottom edge is seen to scroll.
    let bar = Some(egui::style::ScrollStyle::thin());
    let controls_used = in_rect(ui, controls_rect, "selected_socket", bar, |ui| {
        selected_socket(app, row.as_ref(), ui, out);
    });
    let sep_y = controls_rect.bottom() + spacing;
    ui.painter().hline(
        full.x_range(),
        sep_y,
        ui.visuals().widgets.noninteractive.bg_stroke,
    );
    let mut send_used = 0.0;
    if let Some(row) = open_row {
        send_used = in_rect(ui, send_rect, "send_box", None, |ui| {
            ui.separator();
            let room = Room::new(row, &app.state, &mut app.settings, out);
            app.send_box.ui(ui, room);
        });
    }
    ui.scope_builder(egui::UiBuilder::new().max_rect(log_rect), |ui| {
        log_area(app, ui)
    });
    ui.allocate_rect(full, egui::Sense::hover());
    let used = (controls_used, send_used);
    if used != (want_controls, want_send) {
        ui.data_mut(|d| d.insert_temp(mem_id, used));
        ui.ctx().request_repaint(); // one more frame to settle the sizes
    }
}

/// Draws `add` in `rect`, scrolling vertically when it needs more (with the scroll `bar`
/// given, else the app's); returns the height it needed.
fn in_rect(
    ui: &mut Ui,
    rect: egui::Rect,
    salt: &str,
    bar: Option<egui::style::ScrollStyle>,
    add: impl FnOnce(&mut Ui),
) -> f32 {
    let out = ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
        if let Some(style) = bar {
            ui.spacing_mut().scroll = style;
        }
        egui::ScrollArea::vertical()
            .id_salt(salt)
            .max_height(rect.height())
            .auto_shrink([false, false])
            .show(ui, add)
    });
    out.inner.content_size.y.ceil()
}

/// The log and, when a row is selected, its detail on the right.
fn log_area(app: &mut SockscopeApp, ui: &mut Ui) {
    let find = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::F);
    if ui.input_mut(|i| i.consume_shortcut(&find)) {
        app.log_view.find.open();
    }
    // The log and the detail each get a rect of their own, clipped to it, so that a
    // narrow window cuts the table's columns instead of drawing them over the detail.
    let full = ui.available_rect_before_wrap();
    let mut table_rect = full;
    if let Some(i) = app.log_view.selected {
        let w = detail_width(full.width());
        let detail_rect =
            egui::Rect::from_min_max(egui::pos2(full.right() - w, full.top()), full.max);
        table_rect.max.x = detail_rect.left() - ui.spacing().item_spacing.x;
        let mut keep = true;
        ui.scope_builder(egui::UiBuilder::new().max_rect(detail_rect), |ui| {
            ui.set_clip_rect(detail_rect.intersect(ui.clip_rect()));
            ui.painter().vline(
                detail_rect.left() - ui.spacing().item_spacing.x / 2.0,
                detail_rect.y_range(),
                ui.visuals().widgets.noninteractive.bg_stroke,
            );
            egui::ScrollArea::vertical()
                .id_salt("log_detail")
                .auto_shrink([false, false])
                .show(ui, |ui| keep = log_detail::ui(ui, &app.log, i));
        });
        if !keep {
            app.log_view.selected = None;
        }
    }
    ui.scope_builder(egui::UiBuilder::new().max_rect(table_rect), |ui| {
        ui.set_clip_rect(table_rect.intersect(ui.clip_rect()));
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Log").strong());
            ui.selectable_value(&mut app.log_view.as_sequence, false, "Table")
                .on_hover_text("one row per command or event");
            ui.selectable_value(&mut app.log_view.as_sequence, true, "Sequence")
                .on_hover_text(
                    "the exchange as a diagram: a lane per socket and peer, an arrow per message",
                );
            ui.checkbox(&mut app.settings.log_hex, "Payloads as hex");
            ui.label(
                RichText::new("click a row for its detail and hex dump")
                    .weak()
                    .small(),
            );
        });
        app.log_view.ui(ui, &app.log, app.settings.log_hex);
    });
}

/// The detail's width beside a log `room` points wide: at most 430, and the log keeps at
/// least 55 % of a small window.
pub fn detail_width(room: f32) -> f32 {
    (room * 0.45).clamp(200.0_f32.min(room * 0.5), 430.0)
}

fn selected_socket(
    app: &mut SockscopeApp,
    row: Option<&crate::app::model::state::SockRow>,
    ui: &mut Ui,
    out: &mut Vec<Command>,
) {
    let Some(row) = row else {
        ui.add_space(6.0);
        ui.label(
            RichText::new("Select a socket on the left, or create one with the + buttons.").weak(),
        );
        ui.add_space(6.0);
        return;
    };
    ui.add_space(4.0);
    let room = Room::new(row, &app.state, &mut app.settings, out);
    app.controls.ui(ui, room);
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
                .on_hover_text("the format follows the extension: .txt .jsonl .csv .pcap .svg")
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
            ui.checkbox(&mut app.packets.open, "Packets");
            ui.checkbox(&mut app.stress.open, "Stress")
                .on_hover_text("a stress test of a server: N clients, live QPS and latency");
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
        ui.menu_button("Help", |ui| {
            if let Some((name, text)) = app.help.menu(ui) {
                app.run_example(name, text);
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
