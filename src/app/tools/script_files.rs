//! "Open script…": pick a script (the native dialog on a thread of its own, or a path field
//! where no dialog can be shown), read and parse it on a worker thread, and run it there
//! statement by statement with the script [`Runner`] over the app's own engine.
//!
//! A script that does not parse runs nothing: the console shows `FILE:LINE:COL: expected …`.
//! While it runs, each statement goes to the console and the session log as its command
//! (so "Save as script…" saves it again), the status bar shows the progress, and the end
//! says whether every statement succeeded or which line failed and why. The app sees the
//! engine's events through its own subscription, as for its own commands.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use crossbeam_channel::Sender;

use crate::app::tools::mailbox::Mailbox;
use crate::engine::{Engine, SockId};
use crate::lang::parse_script;
use crate::script::{Output, Runner};

use crate::app::console::ConsoleLine;
use crate::app::tools::file_dialog::{self, Ask, NO_DIALOG_WITHIN, Pick};

/// What the script worker tells the app, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteKind {
    /// A statement starts: log it as a command and show it in the console.
    Statement(String),
    /// A line for the console.
    Console(ConsoleLine),
    /// The status bar's progress message.
    Progress(String),
    /// The script ended: the status bar's message and whether it failed.
    Finished(String, bool),
}

/// A note and when it was made (so it takes its place among the engine's events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// When the worker made it.
    pub at: SystemTime,
    /// What it says.
    pub kind: NoteKind,
}

enum Msg {
    Picked(Option<PathBuf>, Duration),
    Note(Note),
}

/// The state of "Open script…" and of the script running.
#[derive(Default)]
pub struct ScriptFiles {
    /// The answers of the dialog and script threads.
    mail: Mailbox<Msg>,
    picking: bool,
    picked: Option<PathBuf>,
    suggested: String,
    path_field: Option<String>,
    note: String,
    running: Option<Arc<AtomicBool>>,
    notes: VecDeque<Note>,
}

fn send(tx: &Sender<Msg>, ctx: &egui::Context, kind: NoteKind) {
    let _ = tx.send(Msg::Note(Note {
        at: SystemTime::now(),
        kind,
    }));
    ctx.request_repaint();
}

impl ScriptFiles {
    /// Nothing open, nothing running.
    pub fn new() -> ScriptFiles {
        ScriptFiles::default()
    }

    /// True while a script runs.
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Asks the running script to stop after its current statement.
    pub fn stop(&self) {
        if let Some(flag) = &self.running {
            flag.store(true, Ordering::Relaxed);
        }
    }

    /// Starts "Open script…": the native dialog on a thread, or the path field at once.
    pub fn start(&mut self, ctx: &egui::Context, native: bool, suggested: &str) {
        if self.picking || self.path_field.is_some() {
            return;
        }
        self.suggested = suggested.to_string();
        if !native {
            self.path_field = Some(suggested.to_string());
            self.note = "Type the script file to run.".into();
            return;
        }
        self.picking = true;
        let tx = self.mail.sender().clone();
        let ask = Ask {
            title: "Open script",
            near: suggested.to_string(),
            pick: Pick::Open,
            filters: vec![
                ("sockscope script", vec!["scope", "sock", "txt"]),
                ("any file", vec!["*"]),
            ],
        };
        let spawned = file_dialog::ask(ctx, "open-dialog", ask, move |picked, took| {
            let _ = tx.send(Msg::Picked(picked, took));
        });
        if spawned.is_err() {
            self.picking = false;
            self.path_field = Some(suggested.to_string());
            self.note = "The file dialog could not start; type the script file to run.".into();
        }
    }

    /// Reads, parses and runs `path` on a worker thread with a fresh runner over `engine`:
    /// its `expect` sees only what arrives while the script runs, and it knows the sockets
    /// named before (`names`, from the app's log).
    pub fn run_file(
        &mut self,
        ctx: &egui::Context,
        engine: &Engine,
        names: &HashMap<SockId, String>,
        path: PathBuf,
    ) {
        self.run_source(ctx, engine, names, Source::File(path));
    }

    /// Runs a script given as text (an example shipped in the binary), as [`run_file`]
    /// runs a file; `name` stands for the file in messages.
    ///
    /// [`run_file`]: ScriptFiles::run_file
    pub fn run_text(
        &mut self,
        ctx: &egui::Context,
        engine: &Engine,
        names: &HashMap<SockId, String>,
        name: &str,
        text: &str,
    ) {
        let src = Source::Text {
            name: name.to_string(),
            text: text.to_string(),
        };
        self.run_source(ctx, engine, names, src);
    }

    fn run_source(
        &mut self,
        ctx: &egui::Context,
        engine: &Engine,
        names: &HashMap<SockId, String>,
        source: Source,
    ) {
        if self.running.is_some() {
            send(
                self.mail.sender(),
                ctx,
                NoteKind::Console(ConsoleLine::Error(
                    "a script is already running: stop it first (File → Stop script)".into(),
                )),
            );
            return;
        }
        let runner = Runner::new(engine.clone(), Output::Quiet, Box::new(|_| {}));
        runner.with_session(|s| {
            // The app logs every event itself.
            s.stop_logging();
            for (id, name) in names {
                s.learn_name(*id, name);
            }
        });
        let stop = Arc::new(AtomicBool::new(false));
        self.running = Some(stop.clone());
        let tx = self.mail.sender().clone();
        let ctx2 = ctx.clone();
        let spawned = std::thread::Builder::new()
            .name("sockscope-script".into())
            .spawn(move || {
                let (msg, failed) = run_script(&runner, &source, &stop, &tx, &ctx2);
                drop(runner);
                send(&tx, &ctx2, NoteKind::Finished(msg, failed));
            });
        if let Err(e) = spawned {
            self.running = None;
            send(
                self.mail.sender(),
                ctx,
                NoteKind::Finished(format!("could not start the script: {e}"), true),
            );
        }
    }

    /// Moves what the threads reported into the notes queue and the dialog's answer.
    fn pump(&mut self) {
        while let Some(msg) = self.mail.next() {
            match msg {
                Msg::Picked(Some(p), _) => {
                    self.picking = false;
                    self.picked = Some(p);
                }
                Msg::Picked(None, took) => {
                    self.picking = false;
                    if took < NO_DIALOG_WITHIN {
                        self.path_field = Some(self.suggested.clone());
                        self.note = "No file dialog could be shown here (no desktop portal or zenity). Type the script file to run.".into();
                    }
                }
                Msg::Note(n) => self.notes.push_back(n),
            }
        }
    }

    /// Handles the dialog's answer; returns a file to run. Notes wait in order for
    /// [`ScriptFiles::next_note`].
    pub fn poll(&mut self) -> Option<PathBuf> {
        self.pump();
        self.picked.take()
    }

    /// The next note made before `before` (any note when `None`).
    pub fn next_note(&mut self, before: Option<SystemTime>) -> Option<Note> {
        if self.running.is_none() && self.notes.is_empty() {
            return None;
        }
        self.pump();
        let due = self
            .notes
            .front()
            .is_some_and(|n| before.is_none_or(|t| n.at <= t));
        let note = if due { self.notes.pop_front() } else { None };
        if let Some(Note {
            kind: NoteKind::Finished(..),
            ..
        }) = &note
        {
            self.running = None;
        }
        note
    }

    /// Draws the path field window while it is open; returns a file to run.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<PathBuf> {
        let mut path = self.path_field.take()?;
        let w = crate::app::widgets::path_window(
            ctx,
            "Open script",
            self.note.as_str(),
            "Script file",
            "one command a line, as sockscope run reads it",
            ("Open and run", true),
            &mut path,
        );
        if w.go {
            return Some(PathBuf::from(path.trim()));
        }
        if w.keep {
            self.path_field = Some(path);
        }
        None
    }
}

/// The worker: reads, parses and runs the script; returns the final message and whether it
/// failed.
/// Where a script comes from.
enum Source {
    /// A file.
    File(PathBuf),
    /// Text shipped in the binary, under a name.
    Text { name: String, text: String },
}

fn run_script(
    runner: &Runner,
    source: &Source,
    stop: &AtomicBool,
    tx: &Sender<Msg>,
    ctx: &egui::Context,
) -> (String, bool) {
    let (shown, read) = match source {
        Source::File(path) => (path.display().to_string(), std::fs::read_to_string(path)),
        Source::Text { name, text } => (name.clone(), Ok(text.clone())),
    };
    let say = |kind| send(tx, ctx, kind);
    let text = match read {
        Ok(t) => t,
        Err(e) => {
            let msg = format!("Could not read the script {shown}: {e}");
            say(NoteKind::Console(ConsoleLine::Error(msg.clone())));
            return (msg, true);
        }
    };
    let lines = match parse_script(&text) {
        Ok(l) => l,
        Err(e) => {
            let where_ = e.with_file(&shown);
            say(NoteKind::Console(ConsoleLine::Error(where_.clone())));
            say(NoteKind::Console(ConsoleLine::Info(format!(
                "the script {shown} does not parse: nothing was run"
            ))));
            return (format!("Script not run: {where_}"), true);
        }
    };
    let n = lines.len();
    runner.plan(&lines);
    say(NoteKind::Console(ConsoleLine::Info(format!(
        "running the script {shown}: {n} statements"
    ))));
    for (k, l) in lines.iter().enumerate() {
        if stop.load(Ordering::Relaxed) {
            let msg = format!(
                "Script {shown} stopped before line {} ({k} of {n} ran)",
                l.line
            );
            say(NoteKind::Console(ConsoleLine::Info(msg.clone())));
            return (msg, true);
        }
        say(NoteKind::Progress(format!(
            "Running {shown}: statement {} of {n} (line {})",
            k + 1,
            l.line
        )));
        say(NoteKind::Statement(l.stmt.to_string()));
        if let Err(e) = runner.execute(&l.stmt) {
            let msg = format!("{shown}:{}: {}: {e}", l.line, l.text);
            say(NoteKind::Console(ConsoleLine::Error(msg.clone())));
            return (format!("Script failed at line {}: {e}", l.line), true);
        }
    }
    let msg = format!("Script {shown}: all {n} statements succeeded");
    say(NoteKind::Console(ConsoleLine::Ok(msg.clone())));
    (msg, false)
}
