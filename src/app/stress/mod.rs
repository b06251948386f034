//! The *Stress* window (View → Stress): a stress test of a server ([`crate::stress`]) from
//! a form — N clients, ping-pong or throughput, for a duration or a count — with Start and
//! Stop, the live figures and two plots while it runs, and the final report as a table
//! with "Save report…" (CSV or JSON).
//!
//! The test runs on the stress pool's own threads; the window only polls the updates each
//! frame (without waiting) and asks for a repaint while the test runs. The form builds a
//! [`crate::stress::StressConfig`] directly: nothing goes through the console.

mod figures_ui;
mod form;
mod form_ui;
mod live;
mod report_ui;

use std::time::Duration;

use egui::{RichText, Ui};

use crate::app::SockscopeApp;
use crate::app::model::state::AppState;
use crate::app::widgets::{error_note, note, step_button};
use crate::stress::Figures;

use form::StressForm;
use form_ui::Target;
use live::Live;
use report_ui::SaveReport;

/// How often the window redraws while a test runs (the figures come every 250 ms).
const REPAINT_EVERY: Duration = Duration::from_millis(100);

/// The window's state.
#[derive(Default)]
pub struct StressWindow {
    /// Whether the window is shown.
    pub open: bool,
    form: StressForm,
    live: Live,
    save: SaveReport,
    /// Why the last Start did not start.
    error: Option<String>,
}

impl StressWindow {
    /// A closed window with the default form.
    pub fn new() -> StressWindow {
        StressWindow::default()
    }

    /// Polls the test under way and draws the window when open. `state` lists the
    /// session's own listening sockets; `native` says whether a file dialog may be shown.
    pub fn ui(&mut self, ctx: &egui::Context, state: &AppState, native: bool) {
        self.live.poll();
        if self.live.running() {
            ctx.request_repaint_after(REPAINT_EVERY);
        }
        if let Some(f) = self.live.report.clone() {
            self.save.poll(ctx, &f);
            self.save.path_window(ctx, &f);
        }
        if !self.open {
            return;
        }
        let targets = form_ui::targets(state);
        let max = (ctx.content_rect().height() - 60.0).max(200.0);
        let mut open = self.open;
        egui::Window::new("Stress")
            .open(&mut open)
            .default_width(620.0)
            .max_height(max)
            .resizable(true)
            .show(ctx, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("stress_scroll")
                    // As tall as what it shows, up to the screen's height (then it
                    // scrolls): not the window's default height.
                    .min_scrolled_height(max - 40.0)
                    .max_height(max - 40.0)
                    .auto_shrink([false, true])
                    .show(ui, |ui| self.body(ui, &targets, native));
            });
        self.open = open;
    }

    fn body(&mut self, ui: &mut Ui, targets: &[Target], native: bool) {
        let fields_ok = form_ui::draw(ui, &mut self.form, targets, !self.live.running());
        let refused = self.form.config().err().filter(|_| fields_ok);
        ui.horizontal(|ui| self.buttons(ui));
        // Every field reads but the test cannot run (throughput over UDP, …): say why.
        if let Some(e) = refused.filter(|_| !self.live.running()) {
            error_note(ui, &e);
        }
        if let Some(e) = &self.error {
            error_note(ui, e);
        }
        ui.separator();
        let Some(f) = self.live.latest().cloned() else {
            note(
                ui,
                "Start a test: its figures and plots show here as it runs.",
            );
            return;
        };
        if let Some(c) = &self.live.config {
            note(ui, figures_ui::setup_text(c));
        }
        // The report takes the live figures' place, above the plots: at 800×600 it shows
        // with Save report… without scrolling.
        match self.live.report.clone() {
            Some(report) => {
                self.save_row(ui, native);
                figures_ui::failures(ui, &report);
                report_ui::table(ui, &report);
            }
            None => figures_ui::figures(ui, &f),
        }
        figures_ui::plots(ui, &self.live, 130.0);
    }

    /// Start (enabled when the form makes a test and none runs) and Stop.
    fn buttons(&mut self, ui: &mut Ui) {
        let cfg = self.form.config();
        let why_not = if self.live.running() {
            Some("a test is running: Stop it first".to_string())
        } else {
            cfg.as_ref().err().cloned()
        };
        let tip = "start the clients (they run on threads of their own)";
        if step_button(ui, "Start", tip, why_not)
            && let Ok(cfg) = cfg
        {
            self.error = self.live.start(cfg).err();
            if self.error.is_none() {
                self.save.message = None; // the last report's save is not this one's
            }
        }
        let why_not = match (self.live.running(), self.live.stopping()) {
            (false, _) => Some("no test is running".to_string()),
            (true, true) => Some("stopping: each client ends its request under way".into()),
            (true, false) => None,
        };
        if step_button(
            ui,
            "Stop",
            "stop the clients after their request under way",
            why_not,
        ) {
            self.live.stop();
        }
        if self.live.running() {
            // No spinner: it would repaint every frame; the figures come 4 times a second.
            let what = if self.live.stopping() {
                "stopping…"
            } else {
                "running"
            };
            ui.label(RichText::new(what).weak());
        }
    }

    /// The report's title, Save report… and the outcome of the last save.
    fn save_row(&mut self, ui: &mut Ui, native: bool) {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Final report").strong());
            let why_not = self.save.busy().then(|| "a save is under way".to_string());
            let tip = "the report as .csv (a header and one row) or .json (one object)";
            if step_button(ui, "Save report…", tip, why_not) {
                self.save.start(ui.ctx(), native);
            }
            if let Some((m, is_error)) = &self.save.message {
                let text = RichText::new(m.as_str()).small();
                ui.label(if *is_error {
                    text.color(ui.visuals().error_fg_color)
                } else {
                    text
                });
            }
        });
    }
}

impl SockscopeApp {
    /// Shows or hides the *Stress* window.
    pub fn show_stress(&mut self, open: bool) {
        self.stress.open = open;
    }

    /// True while the *Stress* window's test runs.
    pub fn stress_running(&self) -> bool {
        self.stress.live.running()
    }

    /// The final figures of the *Stress* window's last test, once it ended.
    pub fn stress_report(&self) -> Option<&Figures> {
        self.stress.live.report.as_ref()
    }
}
