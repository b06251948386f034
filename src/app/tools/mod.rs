//! The app's session tools and their hooks: "Open script…" ([`crate::app::tools::script_files`]), the
//! session journal and crash recovery ([`crate::app::tools::recovery`]), the traffic window
//! ([`crate::app::socket::traffic_window`]) and the payload budget setting.
//!
//! [`Tools`] holds their state; the `impl SockscopeApp` below is what `mod.rs` and
//! `view.rs` call: before and after drawing, for each event, in the menus, and at exit.

pub(crate) mod file_dialog;
pub mod help;
pub(crate) mod lessons_window;
pub(crate) mod mailbox;
pub(crate) mod recovery;
pub(crate) mod save_log;
pub(crate) mod script_files;
pub(crate) mod show_code;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use egui::Ui;

use crate::engine::{Engine, Event};
use crate::log::SessionLog;
use crate::log::journal::Journal;

use super::SockscopeApp;
use crate::app::console::ConsoleLine;
use crate::app::model::settings::MAX_BUDGET_MIB;
use crate::app::model::traffic::Traffic;
use crate::app::socket::traffic_window::TrafficPanel;
use crate::app::tools::script_files::{Note, NoteKind, ScriptFiles};
use recovery::{Choice, Recovery};

/// The session tools' state.
pub struct Tools {
    ctx: egui::Context,
    script: ScriptFiles,
    recovery: Recovery,
    traffic: TrafficPanel,
    lessons: lessons_window::LessonsWindow,
    data_dir: Option<PathBuf>,
    journal_error_shown: bool,
}

impl Tools {
    /// Tools whose worker threads wake `ctx`.
    pub fn new(ctx: &egui::Context) -> Tools {
        Tools {
            ctx: ctx.clone(),
            script: ScriptFiles::new(),
            recovery: Recovery::new(),
            traffic: TrafficPanel::new(),
            lessons: lessons_window::LessonsWindow::default(),
            data_dir: None,
            journal_error_shown: false,
        }
    }
}

impl SockscopeApp {
    /// Journals the session in `dir` (so a crash can be recovered at the next start) and
    /// offers to recover the sessions that `dir` holds from earlier runs that did not end
    /// cleanly.
    pub fn with_data_dir(mut self, dir: impl Into<PathBuf>) -> SockscopeApp {
        let dir = dir.into();
        self.tools.recovery.scan(&self.tools.ctx, &dir);
        match Journal::create_in(&dir) {
            Ok(j) => {
                self.log.attach_journal(j);
            }
            Err(e) => {
                self.message = Some((format!("The session is not journaled: {e}"), true));
            }
        }
        self.tools.data_dir = Some(dir);
        self
    }

    /// [`SockscopeApp::with_data_dir`] with the user's data folder (or `$SOCKSCOPE_DATA_DIR`).
    pub fn with_user_data_dir(mut self) -> SockscopeApp {
        match recovery::data_dir() {
            Some(d) => self.with_data_dir(d),
            None => {
                self.message = Some((
                    "The session is not journaled: no data folder (set HOME or SOCKSCOPE_DATA_DIR)"
                        .into(),
                    true,
                ));
                self
            }
        }
    }

    /// The folder of the session journal, if the session is journaled there.
    pub fn data_dir(&self) -> Option<&Path> {
        self.tools.data_dir.as_deref()
    }

    /// The session log, to fill it directly (benchmarks, tests).
    pub fn log_mut(&mut self) -> &mut SessionLog {
        &mut self.log
    }

    /// The traffic window's counters.
    pub fn traffic(&self) -> &Traffic {
        &self.tools.traffic.traffic
    }

    /// True while an opened script runs.
    pub fn script_running(&self) -> bool {
        self.tools.script.is_running()
    }

    /// Runs the script at `path` as "Open script…" does.
    pub fn open_script(&mut self, path: PathBuf) {
        self.settings.last_script_path = path.display().to_string();
        let engine: Engine = self.engine.clone();
        let names = self.log.names().clone();
        self.tools
            .script
            .run_file(&self.tools.ctx, &engine, &names, path);
    }

    /// Runs an example script shipped in the binary, as "Open script…" runs a file.
    pub fn run_example(&mut self, name: &str, text: &str) {
        let engine: Engine = self.engine.clone();
        let names = self.log.names().clone();
        self.tools
            .script
            .run_text(&self.tools.ctx, &engine, &names, name, text);
    }

    fn apply_note(&mut self, note: Note) {
        match note.kind {
            NoteKind::Statement(text) => {
                // An `expect` is stamped by the script thread an instant before its note is
                // sent; an event stamped in that instant may be in the log already. The log
                // stays in time order: the command is never placed before the last record.
                let last = self.log.last().map(|r| r.at());
                let at = last.map_or(note.at, |l| l.max(note.at));
                self.log.push_command_at(at, text.clone());
                self.console.push(ConsoleLine::Command(text));
            }
            NoteKind::Console(line) => self.console.push(line),
            NoteKind::Progress(msg) => self.message = Some((msg, false)),
            NoteKind::Finished(msg, failed) => self.message = Some((msg, failed)),
        }
    }

    /// Called for each event before it is folded: a running script's commands take their
    /// place before it, and the traffic counters see it.
    pub(super) fn tools_note_event(&mut self, ev: &Event) {
        while let Some(note) = self.tools.script.next_note(Some(ev.at)) {
            self.apply_note(note);
        }
        self.tools.traffic.traffic.observe(ev);
        self.tools.lessons.observe(ev);
    }

    /// Called each frame after the events are drained, before drawing.
    pub(super) fn tools_before_draw(&mut self, _ctx: &egui::Context) {
        while let Some(note) = self.tools.script.next_note(None) {
            self.apply_note(note);
        }
        if let Some(path) = self.tools.script.poll() {
            self.open_script(path);
        }
        while let Some(note) = self.tools.script.next_note(None) {
            self.apply_note(note);
        }
        self.tools.recovery.poll();
        for n in std::mem::take(&mut self.tools.recovery.notes) {
            self.message = Some((n, true));
        }
        let budget = self.settings.payload_budget();
        if self.log.payload_budget() != budget {
            self.log.set_payload_budget(budget);
        }
        if !self.tools.journal_error_shown
            && let Some(e) = self.log.journal().and_then(|j| j.last_error())
        {
            self.tools.journal_error_shown = true;
            self.message = Some((format!("Journaling failed: {e}"), true));
        }
    }

    /// Called each frame after drawing: the tools' windows.
    pub(super) fn tools_after_draw(&mut self, ctx: &egui::Context) {
        if let Some(path) = self.tools.script.ui(ctx) {
            self.open_script(path);
        }
        let mut open = self.settings.show_lessons;
        if let Some(line) = self
            .tools
            .lessons
            .window(ctx, &mut open, self.settings.lang)
        {
            self.run_line(&line);
        }
        self.settings.show_lessons = open;
        let mut out = Vec::new();
        let selected = self
            .selected
            .and_then(|id| self.state.get(id))
            .map(|r| r.label());
        let mut open = self.settings.show_traffic;
        let log = &self.log;
        let label = |id| log.label(id);
        self.tools.traffic.window(
            ctx,
            &mut open,
            &mut self.settings,
            selected,
            &label,
            &mut out,
        );
        self.settings.show_traffic = open;
        for cmd in out {
            self.run_command(cmd);
        }
        match self.tools.recovery.ui(ctx) {
            Some(Choice::Save) => {
                let Some(offer) = self.tools.recovery.current().cloned() else {
                    return;
                };
                let suggested = self.recovered_suggestion(&offer.journal);
                let native = self.native_dialogs;
                if self
                    .save
                    .start_recovered(ctx, native, &suggested, offer.rows, offer.journal)
                {
                    self.tools.recovery.pop();
                } else {
                    self.message = Some((
                        "Another save is under way: save the recovered log when it ends".into(),
                        true,
                    ));
                }
            }
            Some(Choice::Discard) => {
                if let Some(offer) = self.tools.recovery.pop() {
                    self.message = Some(match Journal::discard(&offer.journal) {
                        Ok(()) => ("The previous session's journal was discarded".into(), false),
                        Err(e) => (e.to_string(), true),
                    });
                }
            }
            Some(Choice::Later) if self.tools.recovery.pop().is_some() => {
                self.message = Some((
                    "The previous session's journal is kept: it is offered again at the next start"
                        .into(),
                    false,
                ));
            }
            Some(Choice::Later) | None => {}
        }
    }

    /// Called at a clean exit: stops a running script and deletes the journal.
    pub(super) fn tools_exit(&mut self) {
        self.tools.script.stop();
        if let Some(j) = self.log.take_journal() {
            let _ = j.finish();
        }
    }

    /// The File menu's script items.
    pub(super) fn script_menu(&mut self, ui: &mut Ui) {
        if ui
            .button("Open script…")
            .on_hover_text("run a script (one command a line, as sockscope run reads it)")
            .clicked()
        {
            let suggested = self.script_suggestion();
            let native = self.native_dialogs;
            self.tools.script.start(ui.ctx(), native, &suggested);
            ui.close();
        }
        if self.tools.script.is_running()
            && ui
                .button("Stop script")
                .on_hover_text("stop the running script after its current statement")
                .clicked()
        {
            self.tools.script.stop();
        }
    }

    /// The View menu's items for the traffic window and the payload budget.
    pub(super) fn tools_view_menu(&mut self, ui: &mut Ui) {
        ui.checkbox(&mut self.settings.show_lessons, "Lessons")
            .on_hover_text("the tutorials' exercises as guided lessons");
        ui.horizontal(|ui| {
            ui.label("Language");
            for (lang, name) in crate::lessons::i18n::Lang::ALL {
                ui.radio_value(&mut self.settings.lang, lang, name)
                    .on_hover_text("the language of the lessons and the explanations");
            }
        });
        ui.checkbox(
            &mut self.settings.show_traffic,
            "Traffic generator and sink",
        );
        ui.horizontal(|ui| {
            let l = ui.label("Payload memory (MiB)");
            ui.add(
                egui::DragValue::new(&mut self.settings.payload_budget_mib)
                    .range(0..=MAX_BUDGET_MIB)
                    .speed(4.0),
            )
            .labelled_by(l.id)
            .on_hover_text(
                "payload bytes the log keeps in memory; older payloads leave memory (the journal keeps them), counts stay exact",
            );
        });
    }

    fn script_suggestion(&self) -> String {
        if !self.settings.last_script_path.is_empty() {
            return self.settings.last_script_path.clone();
        }
        let dir = std::env::current_dir().unwrap_or_default();
        dir.join("session.scope").display().to_string()
    }

    fn recovered_suggestion(&self, journal: &Path) -> String {
        let stamp = journal
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or_else(|_| SystemTime::now());
        let stamp = chrono::DateTime::<chrono::Local>::from(stamp).format("%Y%m%d-%H%M%S");
        let name = format!("sockscope-recovered-{stamp}.txt");
        let base = self.suggested_path();
        match Path::new(&base).parent() {
            Some(d) if !d.as_os_str().is_empty() => d.join(name).display().to_string(),
            _ => name,
        }
    }
}
