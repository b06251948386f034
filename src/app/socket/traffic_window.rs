//! The traffic window: a generator that floods from a socket (`flood ID SIZE max|N/s
//! COUNT|DURATION [to ADDR]`, stopped with `repeat ID stop`), the sink's received bytes,
//! messages and rate, and the live rates as a graph (egui_plot).
//!
//! Like every control, the buttons build the command's text, parse it with the command
//! language and hand the command to the app, which shows it in the console and runs it.

use std::time::{Duration, SystemTime};

use egui::{RichText, Ui};
use egui_plot::{Legend, Line, Plot};

use crate::engine::{Command, SockId};
use crate::lang::{Statement, parse_line};

use crate::app::model::settings::Settings;
use crate::app::model::traffic::{BIN, Traffic};
use crate::app::widgets::{bytes, error_note, labelled_edit};

/// Seconds of history the graph shows.
pub const GRAPH_SPAN: Duration = Duration::from_secs(30);

/// The window's own fields (size, rate and limit live in the settings).
#[derive(Debug, Default)]
pub struct TrafficPanel {
    /// The socket that floods (id or name); empty: the selected socket.
    pub sock: String,
    /// Destination for an unconnected UDP socket.
    pub to: String,
    /// Why the last click built no command.
    pub error: Option<String>,
    /// The counters.
    pub traffic: Traffic,
}

/// The rate field as the language writes it: `max`, or `N/s` for a bare number.
pub fn rate_word(rate: &str) -> String {
    let r = rate.trim();
    if !r.is_empty() && r.chars().all(|c| c.is_ascii_digit()) {
        format!("{r}/s")
    } else {
        r.to_string()
    }
}

/// The text of the flood command the fields describe.
pub fn flood_line(sock: &str, size: &str, rate: &str, limit: &str, to: &str) -> String {
    let mut line = format!(
        "flood {} {} {} {}",
        sock.trim(),
        size.trim(),
        rate_word(rate),
        limit.trim()
    );
    if !to.trim().is_empty() {
        line.push_str(" to ");
        line.push_str(to.trim());
    }
    line
}

/// Parses a line that must be one engine command.
fn command(line: &str) -> Result<Command, String> {
    match parse_line(line) {
        Ok(Some(Statement::Engine(cmd))) => Ok(cmd),
        Ok(_) => Err(format!("{line:?} is not a command")),
        Err(e) => Err(format!("{line}: {e}")),
    }
}

/// A rate as `1.2 MiB/s · 850 msgs/s`.
fn rate_text(b: f64, m: f64) -> String {
    format!("{}/s · {m:.0} msgs/s", bytes(b as u64))
}

impl TrafficPanel {
    /// An empty panel.
    pub fn new() -> TrafficPanel {
        TrafficPanel::default()
    }

    /// Draws the window while `open`; commands to run go to `out`. `selected` is the
    /// selected socket's label, used when the socket field is empty; `label` names sockets.
    pub fn window(
        &mut self,
        ctx: &egui::Context,
        open: &mut bool,
        settings: &mut Settings,
        selected: Option<String>,
        label: &dyn Fn(SockId) -> String,
        out: &mut Vec<Command>,
    ) {
        if !*open {
            return;
        }
        egui::Window::new("Traffic")
            .open(open)
            .default_pos([760.0, 90.0])
            .default_width(400.0)
            .resizable(true)
            .show(ctx, |ui| self.ui(ui, settings, selected, label, out));
        let now = SystemTime::now();
        if self.traffic.is_active(now) {
            ctx.request_repaint_after(BIN);
        }
    }

    fn ui(
        &mut self,
        ui: &mut Ui,
        settings: &mut Settings,
        selected: Option<String>,
        label: &dyn Fn(SockId) -> String,
        out: &mut Vec<Command>,
    ) {
        ui.label(RichText::new("Generator").strong());
        let sock = if self.sock.trim().is_empty() {
            selected.clone().unwrap_or_default()
        } else {
            self.sock.trim().to_string()
        };
        self.generator_fields(ui, settings, selected.as_deref());
        let line = flood_line(
            &sock,
            &settings.flood_size,
            &settings.flood_rate,
            &settings.flood_limit,
            &self.to,
        );
        ui.horizontal(|ui| self.flood_buttons(ui, &sock, &line, out));
        if let Some(e) = &self.error {
            error_note(ui, e);
        }
        self.floods(ui, label);
        ui.separator();
        self.sink(ui);
    }

    /// The flood's fields: the sending socket, size, rate, limit and destination.
    fn generator_fields(&mut self, ui: &mut Ui, settings: &mut Settings, selected: Option<&str>) {
        egui::Grid::new("flood_fields")
            .num_columns(4)
            .show(ui, |ui| {
                let hint = selected.unwrap_or("s1");
                labelled_edit(ui, "Flood from", &mut self.sock, 80.0, hint, false)
                    .on_hover_text("the sending socket; empty: the selected one");
                labelled_edit(ui, "Size", &mut settings.flood_size, 70.0, "bytes", false)
                    .on_hover_text("bytes per message");
                ui.end_row();
                labelled_edit(ui, "Rate", &mut settings.flood_rate, 80.0, "max", false)
                    .on_hover_text("max, or messages per second (1000 or 1000/s)");
                labelled_edit(
                    ui,
                    "Stop after",
                    &mut settings.flood_limit,
                    70.0,
                    "5s",
                    false,
                )
                .on_hover_text("a count of messages (10000) or a duration (5s, 250ms)");
                ui.end_row();
                labelled_edit(ui, "To", &mut self.to, 80.0, "UDP only", false)
                    .on_hover_text("destination of an unconnected UDP socket (HOST:PORT or $ID)");
                ui.end_row();
            });
    }

    /// Start flood (runs `line`) and Stop flood, for `sock`.
    fn flood_buttons(&mut self, ui: &mut Ui, sock: &str, line: &str, out: &mut Vec<Command>) {
        let can = !sock.is_empty();
        if ui
            .add_enabled(can, egui::Button::new("Start flood"))
            .on_hover_text(format!("runs: {line}"))
            .on_disabled_hover_text("select a socket, or name one in Flood from")
            .clicked()
        {
            match command(line) {
                Ok(cmd) => {
                    self.error = None;
                    out.push(cmd);
                }
                Err(e) => self.error = Some(e),
            }
        }
        if ui
            .add_enabled(can, egui::Button::new("Stop flood"))
            .on_hover_text(format!("runs: repeat {sock} stop"))
            .clicked()
        {
            match command(&format!("repeat {sock} stop")) {
                Ok(cmd) => out.push(cmd),
                Err(e) => self.error = Some(e),
            }
        }
    }

    /// One line per flood under way (or the last one's total).
    fn floods(&self, ui: &mut Ui, label: &dyn Fn(SockId) -> String) {
        let mut floods: Vec<_> = self.traffic.floods.iter().collect();
        floods.sort_by_key(|(id, _)| **id);
        for (id, f) in floods {
            let rate = f.rate.map_or("max".to_string(), |r| format!("{r}/s"));
            ui.label(format!(
                "{} flooding {} B × {rate}: sent {} in {} msgs",
                label(*id),
                f.size,
                bytes(f.sent.bytes),
                f.sent.msgs
            ));
        }
        if self.traffic.floods.is_empty()
            && let Some((id, sent)) = self.traffic.last_flood
        {
            ui.label(
                RichText::new(format!("last flood: {} sent {sent} messages", label(id))).weak(),
            );
        }
    }

    /// The sink: totals and rates over every socket, Reset, and the graph of both rates.
    fn sink(&mut self, ui: &mut Ui) {
        let now = SystemTime::now();
        let (rb, rm, sb, sm) = self.traffic.rates(now);
        ui.horizontal(|ui| {
            ui.label(RichText::new("Sink").strong());
            ui.label(RichText::new("every socket").weak());
            if ui
                .small_button("Reset")
                .on_hover_text("zero the counters and the graph")
                .clicked()
            {
                self.traffic.reset(now);
            }
        });
        let r = self.traffic.received;
        ui.label(format!("received {} in {} msgs", bytes(r.bytes), r.msgs));
        ui.label(format!("receiving {}", rate_text(rb, rm)));
        let s = self.traffic.sent;
        ui.label(
            RichText::new(format!(
                "sent {} in {} msgs · sending {}",
                bytes(s.bytes),
                s.msgs,
                rate_text(sb, sm)
            ))
            .weak(),
        );
        let (rx, tx) = self.traffic.series(now, GRAPH_SPAN);
        Plot::new("traffic_rates")
            .height(150.0)
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .include_y(0.0)
            .include_x(-GRAPH_SPAN.as_secs_f64())
            .include_x(0.0)
            .x_axis_label("seconds")
            .y_axis_label("MiB/s")
            .legend(Legend::default())
            .show(ui, |p| {
                p.line(Line::new("received", rx));
                p.line(Line::new("sent", tx));
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_flood_line_parses() {
        let line = flood_line("s2", "1400", "1000", "5s", "");
        assert_eq!(line, "flood s2 1400 1000/s 5s");
        assert!(matches!(command(&line), Ok(Command::Flood { .. })));
        let line = flood_line("cli", "64", "max", "10000", "127.0.0.1:9");
        assert!(
            matches!(command(&line), Ok(Command::Flood { .. })),
            "{line}"
        );
        assert!(command(&flood_line("s2", "x", "max", "5s", "")).is_err());
        assert!(command("repeat s2 stop").is_ok());
    }
}
