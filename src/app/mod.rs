//! The desktop app: sockets in a side panel, lifecycle controls and a send box for the
//! selected socket, the live log, a console for the command language, and a status bar.
//!
//! The UI renders state and sends commands. Every click builds an engine [`Command`]
//! whose text (in the command language) goes to the console and the session log before
//! it is submitted, so a click and a typed console line are the same command. Events are
//! drained each frame without blocking and folded into [`AppState`]; the engine's notify
//! callback requests a repaint, and nothing repaints while nothing happens.
//!
//! [`run`] opens the window; [`SockscopeApp::new`] builds the app for tests
//! (`egui_kittest::Harness::new_eframe`).

mod console;
mod console_stress;
mod layout;
mod log;
pub mod model;
pub mod packets;
mod sigterm;
mod socket;
mod sockets_panel;
mod status_bar;
mod stress;
pub mod tools;
mod widgets;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crossbeam_channel::Receiver;

use crate::engine::{Command, Engine, Event, EventKind, SockId};
use crate::lang::{Statement, parse_line_in};
use crate::log::SessionLog;
use crate::log::format::{status_line, summary};

use console::{Console, ConsoleLine};
use log::table::LogView;
use model::settings::{STORAGE_KEY, Settings, ThemeChoice};
use model::state::AppState;
use socket::controls::Controls;
use socket::send_box::SendBox;
use tools::save_log::SaveLog;

pub use sockets_panel::{DEFAULT_WIDTH as SOCKETS_PANEL_WIDTH, entry_title};
pub use status_bar::totals_text;

/// The app's icon (a PNG in `assets/`).
pub const ICON_PNG: &[u8] = include_bytes!("../../assets/icon.png");

/// Events folded per frame at most; the rest wait for the next frame (which is requested).
const EVENTS_PER_FRAME: usize = 20_000;

/// Time a frame may spend folding events; the rest wait for the next frame (requested).
const DRAIN_BUDGET: std::time::Duration = std::time::Duration::from_millis(6);

/// Opens the sockscope window (glow renderer, settings remembered between runs) and
/// returns when it is closed.
pub fn run() -> eframe::Result {
    run_opening(None)
}

/// Opens the window as [`run`] does and runs `script` in it as it opens, as File → Open
/// script… does (`sockscope FILE.scope`, a `.scope` file opened from a file manager).
pub fn run_opening(script: Option<std::path::PathBuf>) -> eframe::Result {
    let engine = Engine::start().map_err(|e| eframe::Error::AppCreation(Box::new(e)))?;
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("sockscope")
        .with_app_id("sockscope")
        .with_inner_size([1200.0, 760.0])
        .with_min_inner_size([800.0, 600.0]);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(ICON_PNG) {
        viewport = viewport.with_icon(Arc::new(icon));
    }
    // The data folder (0700) and app.ron (0600) exist before eframe would make them 0755
    // and 0644; eframe keeps its settings there, next to the journals.
    let persistence_path = tools::recovery::data_dir().and_then(|d| {
        let fix = std::env::var_os(tools::recovery::DATA_DIR_VAR).is_none();
        match tools::recovery::prepare_data_dir(&d, fix) {
            Ok(ron) => Some(ron),
            Err(e) => {
                eprintln!("sockscope: data folder {}: {e}", d.display());
                None
            }
        }
    });
    let options = eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Glow,
        persist_window: true,
        persistence_path,
        ..Default::default()
    };
    eframe::run_native(
        "sockscope",
        options,
        Box::new(move |cc| {
            let mut app = SockscopeApp::from_creation_context(cc, engine).with_user_data_dir();
            if let Err(e) = sigterm::install(&cc.egui_ctx, app.terminate_flag()) {
                eprintln!("sockscope: SIGTERM will not save the session: {e}");
            }
            if let Some(path) = script {
                app.open_script(path);
            }
            Ok(Box::new(app))
        }),
    )
}

/// The desktop app.
pub struct SockscopeApp {
    engine: Engine,
    events: Receiver<Event>,
    state: AppState,
    log: SessionLog,
    settings: Settings,
    selected: Option<SockId>,
    hide_closed: bool,
    controls: Controls,
    send_box: SendBox,
    log_view: LogView,
    console: Console,
    save: SaveLog,
    show_code: tools::show_code::ShowCode,
    native_dialogs: bool,
    message: Option<(String, bool)>,
    applied_theme: Option<ThemeChoice>,
    tools: tools::Tools,
    /// Set by SIGTERM (or a test): the next frame ends the session and closes the window.
    terminate: Arc<AtomicBool>,
    terminating: bool,
    help: tools::help::Help,
    packets: packets::PacketsPanel,
    stress: stress::StressWindow,
    console_stress: console_stress::ConsoleStress,
}

impl SockscopeApp {
    /// An app driving `engine`, with default settings; its repaints go to `ctx`.
    pub fn new(engine: Engine, ctx: &egui::Context) -> SockscopeApp {
        SockscopeApp::with_settings(engine, ctx, Settings::default())
    }

    /// An app with the given settings.
    pub fn with_settings(engine: Engine, ctx: &egui::Context, settings: Settings) -> SockscopeApp {
        let repaint = ctx.clone();
        let events = engine.subscribe_with(Some(Arc::new(move || repaint.request_repaint())));
        SockscopeApp {
            engine,
            events,
            state: AppState::new(),
            log: SessionLog::new(),
            settings,
            selected: None,
            hide_closed: false,
            controls: Controls::new(),
            send_box: SendBox::new(),
            log_view: LogView::new(),
            console: Console::new(),
            save: SaveLog::new(),
            show_code: tools::show_code::ShowCode::new(),
            native_dialogs: true,
            message: None,
            applied_theme: None,
            tools: tools::Tools::new(ctx),
            terminate: Arc::new(AtomicBool::new(false)),
            terminating: false,
            help: tools::help::Help::default(),
            packets: packets::PacketsPanel::new(),
            stress: stress::StressWindow::new(),
            console_stress: Default::default(),
        }
    }

    /// The app with this packet library (tests; the app opens the user's by default).
    pub fn with_packets(mut self, shelf: crate::packets::SharedShelf) -> SockscopeApp {
        self.packets = packets::PacketsPanel::with_shelf(shelf, None);
        self
    }

    /// Shows or hides the *Packets* window.
    pub fn show_packets(&mut self, open: bool) {
        self.packets.open = open;
    }

    /// The app as eframe creates it: settings restored from storage.
    pub fn from_creation_context(cc: &eframe::CreationContext<'_>, engine: Engine) -> SockscopeApp {
        let settings = cc
            .storage
            .and_then(|s| eframe::get_value::<Settings>(s, STORAGE_KEY))
            .unwrap_or_default();
        SockscopeApp::with_settings(engine, &cc.egui_ctx, settings)
    }

    /// Whether "Save log…" opens the native dialog (default) or goes straight to the path
    /// field (tests, or machines without a desktop portal).
    pub fn with_native_dialogs(mut self, on: bool) -> SockscopeApp {
        self.native_dialogs = on;
        self
    }

    /// The sockets as the app knows them.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The session log.
    pub fn log(&self) -> &SessionLog {
        &self.log
    }

    /// The program the *Show as code* window shows, while it is open.
    pub fn shown_code(&self) -> Option<&str> {
        self.show_code.shown()
    }

    /// The flag that makes the app quit as at a clean exit (SIGTERM sets it): the next frame
    /// ends the journal and closes the window (eframe then saves the settings).
    pub fn terminate_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.terminate)
    }

    /// Ends the session on the terminate flag: the journal ends as at a clean exit, and the
    /// window is asked to close (eframe's close saves the settings and calls `on_exit`).
    fn check_terminate(&mut self, ctx: &egui::Context) {
        if self.terminating || !self.terminate.load(Ordering::Acquire) {
            return;
        }
        self.terminating = true;
        self.tools_exit();
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }

    /// The settings (remembered between runs).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The status bar's latest message (a save's outcome, say).
    pub fn message(&self) -> Option<&str> {
        self.message.as_ref().map(|(m, _)| m.as_str())
    }

    /// The selected socket.
    pub fn selected(&self) -> Option<SockId> {
        self.selected
    }

    /// The console's transcript, one string per line as shown.
    pub fn console_text(&self) -> Vec<String> {
        self.console
            .lines()
            .iter()
            .map(|l| match l {
                ConsoleLine::Command(c) => format!("> {c}"),
                ConsoleLine::Ok(s) => format!("ok: {s}"),
                ConsoleLine::Error(s) => format!("error: {s}"),
                ConsoleLine::Info(s) => s.clone(),
            })
            .collect()
    }

    /// Runs a command: its text goes to the console and the log, then the engine runs it.
    pub fn run_command(&mut self, cmd: Command) {
        let line = cmd.to_string();
        self.log.push_command(line.clone());
        self.console.push(ConsoleLine::Command(line.clone()));
        let id = self.engine.submit(cmd.clone());
        self.state.submitted(id, &cmd, line);
    }

    /// Runs the refreshes the state and the controls ask for (a `status` for the kernel's
    /// TCP state, `ready` after a step-mode read, option reads) quietly: their answers
    /// update the rows and go neither to the console nor to the log.
    fn run_refreshes(&mut self) {
        let mut quiet = self.controls.take_quiet();
        quiet.extend(self.state.take_refresh());
        for cmd in quiet {
            let id = self.engine.submit(cmd.clone());
            self.state.quiet_submitted(id, &cmd);
        }
    }

    /// Runs a line of the command language, as typed in the console.
    pub fn run_line(&mut self, text: &str) {
        let parsed = parse_line_in(text, &crate::packets::lock(self.packets.shelf()).lib);
        match parsed {
            Ok(None) => {}
            Ok(Some(Statement::Engine(cmd))) => self.run_command(cmd),
            Ok(Some(Statement::Stress(s))) => self.start_console_stress(*s),
            Ok(Some(Statement::Packet(op))) => {
                self.console.push(ConsoleLine::Command(op.to_string()));
                match crate::packets::lock(self.packets.shelf()).run(&op) {
                    Ok(lines) => lines
                        .into_iter()
                        .for_each(|l| self.console.push(ConsoleLine::Info(l))),
                    Err(e) => self.console.push(ConsoleLine::Error(e)),
                }
            }
            Ok(Some(other)) => {
                self.console.push(ConsoleLine::Command(other.to_string()));
                self.console.push(ConsoleLine::Error(
                    "expect and sleep belong in scripts (sockscope run FILE); in the app, watch the log instead"
                        .into(),
                ));
            }
            Err(e) => {
                self.console
                    .push(ConsoleLine::Command(text.trim().to_string()));
                self.console.push(ConsoleLine::Error(e.to_string()));
            }
        }
    }

    /// Folds the events that have arrived, without waiting.
    fn drain_events(&mut self, ctx: &egui::Context) {
        let start = std::time::Instant::now();
        for _ in 0..EVENTS_PER_FRAME {
            if start.elapsed() > DRAIN_BUDGET {
                break; // the rest waits for the next frame, so that frames stay short
            }
            let Ok(ev) = self.events.try_recv() else {
                return;
            };
            self.fold(ev);
        }
        ctx.request_repaint();
    }

    fn fold(&mut self, ev: Event) {
        if self.state.is_quiet(&ev) {
            // The answer to a refresh the app asked for on its own: rows only.
            self.state.apply(&ev);
            return;
        }
        self.tools_note_event(&ev);
        let ours = ev.cmd.is_some_and(|c| self.state.pending.contains_key(&c));
        if ours && let (EventKind::Created { .. }, Some(id)) = (&ev.kind, ev.socket) {
            self.selected = Some(id);
        }
        let outcome = self.state.apply(&ev);
        let status = match &ev.kind {
            EventKind::Status(list) => Some(list.iter().map(status_line).collect::<Vec<_>>()),
            _ => None,
        };
        let unasked_error = matches!(ev.kind, EventKind::Failed(_)) && outcome.is_none();
        self.log.push_event(ev);
        if outcome.is_none() && !unasked_error && status.is_none() {
            return; // nothing for the console: skip formatting (floods fold thousands a frame)
        }
        let Some(rec) = self.log.last() else {
            return;
        };
        let text = summary(rec, &self.log, 80);
        let sock = rec.socket().map(|id| self.log.label(id));
        if let Some(out) = outcome {
            let said = match (&sock, out.result) {
                (_, Err(e)) => ConsoleLine::Error(e),
                (Some(s), Ok(_)) => ConsoleLine::Ok(format!("{s} {text}")),
                (None, Ok(_)) => ConsoleLine::Ok(text),
            };
            self.console.push(said);
        } else if unasked_error {
            let s = sock.unwrap_or_default();
            self.console.push(ConsoleLine::Error(format!("{s} {text}")));
        }
        for line in status.into_iter().flatten() {
            self.console.push(ConsoleLine::Info(line));
        }
    }

    fn start_save(&mut self, ctx: &egui::Context, script: bool) {
        let suggested = self.suggested_path();
        self.save
            .start(ctx, self.native_dialogs, &suggested, script);
    }

    fn suggested_path(&self) -> String {
        let name = format!(
            "sockscope-{}.txt",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        );
        let dir = std::path::Path::new(&self.settings.last_save_path)
            .parent()
            .map(std::path::Path::to_path_buf)
            .filter(|d| d.is_dir())
            .or_else(|| std::env::current_dir().ok());
        match dir {
            Some(d) => d.join(name).display().to_string(),
            None => name,
        }
    }
}

impl eframe::App for SockscopeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.check_terminate(&ctx);
        self.drain_events(&ctx);
        self.poll_console_stress(&ctx);
        self.tools_before_draw(&ctx);
        let suggested = self.suggested_path();
        if let Some((msg, is_error, path)) = self.save.poll(&ctx, &self.log, &suggested) {
            if let Some(p) = path {
                self.settings.last_save_path = p.display().to_string();
            }
            self.message = Some((msg, is_error));
        }
        if self.applied_theme != Some(self.settings.theme) {
            ctx.set_theme(self.settings.theme.preference());
            self.applied_theme = Some(self.settings.theme);
        }
        let save_shortcut = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::S);
        if ctx.input_mut(|i| i.consume_shortcut(&save_shortcut)) {
            self.start_save(&ctx, false);
        }
        let mut out = Vec::new();
        let actions = layout::draw(self, ui, &mut out);
        if actions.save {
            self.start_save(&ctx, false);
        }
        if actions.save_script {
            self.start_save(&ctx, true);
        }
        if actions.show_code {
            self.show_code.open(&self.log);
        }
        if let Some(line) = actions.console_line {
            self.run_line(&line);
        }
        let row = self.selected.and_then(|id| self.state.get(id)).cloned();
        self.packets.ui(&ctx, row.as_ref(), &mut out);
        self.stress.ui(&ctx, &self.state, self.native_dialogs);
        for cmd in out {
            self.run_command(cmd);
        }
        self.run_refreshes();
        self.save.ui(&ctx, &self.log);
        self.show_code.ui(&ctx, &self.log);
        self.tools_after_draw(&ctx);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.settings);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.engine.shutdown();
        self.tools_exit();
    }
}
