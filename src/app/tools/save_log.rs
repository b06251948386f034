//! "Save log…", "Save as script…" and saving a recovered session's log: the native save
//! dialog runs on a thread of its own (it may block until the person answers), the file is
//! written from a snapshot on another thread (receiving goes on), and where no dialog can be
//! shown a path field takes its place. A save is never dropped silently: every outcome
//! reaches the status bar.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::app::tools::file_dialog::{self, Ask, NO_DIALOG_WITHIN, Pick};
use crate::app::tools::mailbox::Mailbox;
use crate::log::SessionLog;
use crate::log::journal::{Journal, RecoveredRow};
use crate::log::save::{Format, SavedInfo, save, save_as, save_rows};

/// What the worker threads report.
enum Msg {
    /// The dialog's answer and how long it took.
    Picked(Option<PathBuf>, Duration),
    /// A save finished.
    Saved(PathBuf, Result<SavedInfo, String>),
}

/// What is being saved.
#[derive(Clone, Default)]
enum What {
    /// The session log, in the format of the extension.
    #[default]
    Log,
    /// The session's commands as a script.
    Script,
    /// A previous session's log recovered from its journal (deleted once saved).
    Recovered {
        /// The recovered records.
        rows: Arc<Vec<RecoveredRow>>,
        /// The journal they came from.
        journal: PathBuf,
    },
}

impl What {
    fn title(&self) -> &'static str {
        match self {
            What::Log => "Save log",
            What::Script => "Save as script",
            What::Recovered { .. } => "Save the recovered log",
        }
    }

    fn formats(&self) -> &'static [Format] {
        match self {
            What::Log => &Format::LOG_FORMATS,
            What::Script => &[Format::Script],
            What::Recovered { .. } => &[Format::Txt, Format::Jsonl, Format::Csv],
        }
    }

    fn forms(&self) -> &'static str {
        match self {
            What::Log => ".txt as shown · .jsonl · .csv · .pcap (Wireshark)",
            What::Script => ".scope: the session's commands, replayed by sockscope run FILE",
            What::Recovered { .. } => {
                ".txt as shown · .jsonl · .csv (a pcap needs the live session)"
            }
        }
    }
}

/// The state of "Save log…".
#[derive(Default)]
pub struct SaveLog {
    /// The answers of the dialog and save threads.
    mail: Mailbox<Msg>,
    /// A dialog or a save is under way.
    busy: bool,
    /// `Some(path)` while the path field is shown.
    path_field: Option<String>,
    /// What the dialog or the path field saves.
    what: What,
    /// Why the path field is shown, or the last error.
    note: String,
    /// A message for the status bar at the next [`SaveLog::poll`] (a cancelled path field).
    later: Option<String>,
    /// The file suggested when this save started (for the path field).
    suggested: String,
}

impl SaveLog {
    /// Nothing under way.
    pub fn new() -> SaveLog {
        SaveLog::default()
    }

    /// True while a dialog, the path field or a save is under way.
    pub fn is_busy(&self) -> bool {
        self.busy || self.path_field.is_some()
    }

    /// Starts "Save log…" (or, with `script`, "Save as script…"): the native dialog on a
    /// thread, or the path field at once.
    pub fn start(&mut self, ctx: &egui::Context, native: bool, suggested: &str, script: bool) {
        let what = if script { What::Script } else { What::Log };
        self.begin(ctx, native, suggested, what);
    }

    /// Starts saving a previous session's log recovered from `journal`; the journal is
    /// deleted once the log is saved. Returns false (and starts nothing) while another save
    /// is under way.
    pub fn start_recovered(
        &mut self,
        ctx: &egui::Context,
        native: bool,
        suggested: &str,
        rows: Arc<Vec<RecoveredRow>>,
        journal: PathBuf,
    ) -> bool {
        if self.is_busy() {
            return false;
        }
        self.begin(ctx, native, suggested, What::Recovered { rows, journal });
        true
    }

    fn begin(&mut self, ctx: &egui::Context, native: bool, suggested: &str, what: What) {
        if self.busy {
            return;
        }
        let suggested = match what {
            What::Script => Path::new(suggested)
                .with_extension(Format::Script.extension())
                .display()
                .to_string(),
            _ => suggested.to_string(),
        };
        self.suggested = suggested.clone();
        let suggested = suggested.as_str();
        let title = what.title();
        let formats = what.formats();
        self.what = what;
        if !native {
            self.open_field(
                suggested,
                "Type the file to save to; the extension picks the format.",
            );
            return;
        }
        self.busy = true;
        let tx = self.mail.sender().clone();
        let name = Path::new(suggested)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "session.txt".into());
        let ask = Ask {
            title,
            near: suggested.to_string(),
            pick: Pick::Save(name),
            filters: formats
                .iter()
                .map(|f| (f.describe(), vec![f.extension()]))
                .collect(),
        };
        let spawned = file_dialog::ask(ctx, "save-dialog", ask, move |picked, took| {
            let _ = tx.send(Msg::Picked(picked, took));
        });
        if spawned.is_err() {
            self.busy = false;
            self.open_field(
                suggested,
                "The file dialog could not start; type the file to save to.",
            );
        }
    }

    fn open_field(&mut self, suggested: &str, note: &str) {
        self.path_field = Some(suggested.to_string());
        self.note = note.to_string();
    }

    /// Saves a snapshot of `log` (or the recovered rows) to `path` on a worker thread.
    fn save(&mut self, ctx: &egui::Context, log: &SessionLog, path: PathBuf) {
        self.busy = true;
        let what = self.what.clone();
        let snapshot = match what {
            What::Log | What::Script => Some(log.clone()),
            What::Recovered { .. } => None,
        };
        let tx = self.mail.sender().clone();
        let ctx = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("save-log".into())
            .spawn(move || {
                let result = match (&what, &snapshot) {
                    (What::Script, Some(log)) => save_as(log, &path, Format::Script),
                    (What::Recovered { rows, .. }, _) => save_rows(rows, &path),
                    (_, Some(log)) => save(log, &path),
                    (_, None) => save_rows(&[], &path),
                };
                let result = result.map_err(|e| e.to_string());
                let _ = tx.send(Msg::Saved(path, result));
                ctx.request_repaint();
            });
        if let Err(e) = spawned {
            self.busy = false;
            self.note = format!("could not start saving: {e}");
        }
    }

    /// Handles what the threads reported. Returns a status message (and whether it is an
    /// error) and the folder-or-file to remember, when something finished.
    pub fn poll(
        &mut self,
        ctx: &egui::Context,
        log: &SessionLog,
        suggested: &str,
    ) -> Option<(String, bool, Option<PathBuf>)> {
        let mut out = self.later.take().map(|m| (m, false, None));
        while let Some(msg) = self.mail.next() {
            match msg {
                Msg::Picked(Some(path), _) => self.save(ctx, log, path),
                Msg::Picked(None, took) if took < NO_DIALOG_WITHIN => {
                    self.busy = false;
                    let suggested = if self.suggested.is_empty() {
                        suggested.to_string()
                    } else {
                        self.suggested.clone()
                    };
                    self.open_field(
                        &suggested,
                        "No file dialog could be shown here (no desktop portal or zenity). Type the file to save to.",
                    );
                }
                Msg::Picked(None, _) => {
                    self.busy = false;
                    out = Some((self.cancelled_text(), false, None));
                }
                Msg::Saved(path, Ok(info)) => {
                    self.busy = false;
                    self.path_field = None;
                    let mut text = saved_text(&info);
                    if let What::Recovered { journal, .. } = &self.what {
                        text = match Journal::discard(journal) {
                            Ok(()) => format!("{text}; the previous session's journal was deleted"),
                            Err(e) => format!("{text}; {e}"),
                        };
                    }
                    out = Some((text, false, Some(path)));
                }
                Msg::Saved(path, Err(e)) => {
                    self.busy = false;
                    let msg = format!("Could not save the log to {}: {e}", path.display());
                    self.open_field(&path.display().to_string(), &msg);
                    out = Some((msg, true, None));
                }
            }
        }
        out
    }

    fn cancelled_text(&self) -> String {
        match self.what {
            What::Recovered { .. } => "Save cancelled: nothing was saved; the previous session's journal is kept and offered again at the next start".into(),
            _ => "Save cancelled: nothing was saved".into(),
        }
    }

    /// Draws the path field window while it is open.
    pub fn ui(&mut self, ctx: &egui::Context, log: &SessionLog) {
        let Some(mut path) = self.path_field.take() else {
            return;
        };
        let w = crate::app::widgets::path_window(
            ctx,
            self.what.title(),
            self.note.as_str(),
            "Save to",
            self.what.forms(),
            ("Save", !self.busy),
            &mut path,
        );
        if w.go {
            self.note = "Saving…".into();
            self.save(ctx, log, PathBuf::from(path.trim()));
        }
        if w.keep {
            self.path_field = Some(path);
        } else if !self.busy {
            self.later = Some(self.cancelled_text());
            ctx.request_repaint();
        }
    }
}

/// The status line for a finished save.
fn saved_text(info: &SavedInfo) -> String {
    use crate::log::format::plural;
    let what = if info.format == Format::Script {
        "command"
    } else {
        "record"
    };
    let mut s = format!(
        "Saved {} ({}, {}) to {}",
        plural(info.records as u64, what),
        plural(info.bytes, "byte"),
        info.format.describe(),
        info.path.display()
    );
    if info.evicted > 0 {
        let were = if info.evicted == 1 { "was" } else { "were" };
        s.push_str(&format!(
            "; {} had left memory and {were} written without their bytes",
            plural(info.evicted as u64, "payload")
        ));
    }
    if info.skipped > 0 {
        let why = match info.format {
            Format::Pcap => " (a pcap holds IP traffic only: Unix-socket payloads are left out)",
            _ => "",
        };
        s.push_str(&format!(
            "; {} this format cannot hold {} skipped{why}",
            plural(info.skipped as u64, "record"),
            if info.skipped == 1 { "was" } else { "were" }
        ));
    }
    s
}
