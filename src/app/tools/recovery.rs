//! Crash recovery in the app: where the session journal lives, and the offer to save the
//! log of a previous session that did not end cleanly.
//!
//! At start the app attaches a [`Journal`] to its session log (in [`data_dir`], or a folder
//! the caller gives) and looks for journals left by earlier runs ([`Journal::leftovers`]).
//! Each one is read on a worker thread; the window "Recover the previous session" then
//! offers to save its log (`.txt`, `.jsonl` or `.csv`; the journal is deleted once saved)
//! or to discard it. Closing the window keeps the journal for the next start.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::RichText;

use crate::app::tools::mailbox::Mailbox;
use crate::log::journal::{Journal, RecoveredRow};

/// The folder for session journals: `$SOCKSCOPE_DATA_DIR` when set, else the user's data
/// folder ([`Journal::data_dir`], shared with `sockscope run`, `shell` and `recover`).
pub fn data_dir() -> Option<PathBuf> {
    Journal::data_dir()
}

pub use crate::log::journal::DATA_DIR_VAR;

/// Makes the data folder private before eframe writes to it: creates `dir` with mode 0700
/// (and, with `fix_existing`, sets an existing one to 0700: eframe makes it 0755), and makes
/// `app.ron` in it 0600 (created empty when missing: eframe rewrites it in place, so it
/// keeps that mode; it would otherwise be 0644 with the console history in it). Returns the
/// path of `app.ron`, for eframe's `persistence_path`.
pub fn prepare_data_dir(dir: &Path, fix_existing: bool) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let existed = dir.is_dir();
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    if fix_existing && existed {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let ron = dir.join("app.ron");
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(&ron)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(ron)
}

/// A previous session's journal, read back.
#[derive(Debug, Clone)]
pub struct Offer {
    /// The journal file.
    pub journal: PathBuf,
    /// Its records.
    pub rows: Arc<Vec<RecoveredRow>>,
    /// When that session started (RFC 3339), if known.
    pub created: Option<String>,
    /// The last record was cut short by the crash (and is left out).
    pub torn_tail: bool,
    /// Lines that could not be read (left out).
    pub bad_lines: usize,
}

impl Offer {
    /// The window's sentence: how many records, and when the session started.
    pub fn describe(&self) -> String {
        let started = self
            .created
            .as_deref()
            .or_else(|| self.rows.first().map(|r| r.ts.as_str()))
            .map(|t| match t.get(..19) {
                Some(s) => format!(", started {} UTC", s.replace('T', " ")),
                None => format!(", started {t}"),
            })
            .unwrap_or_default();
        format!(
            "The previous session ended unexpectedly ({} records{started}).",
            self.rows.len()
        )
    }
}

/// What the person chose in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Save the offered log (then delete its journal).
    Save,
    /// Delete the journal.
    Discard,
    /// Keep the journal for the next start.
    Later,
}

enum Found {
    Offer(Offer),
    Unreadable(PathBuf, String),
}

/// Journals found at start and the offers waiting for an answer.
#[derive(Default)]
pub struct Recovery {
    /// What the scanning thread found.
    mail: Mailbox<Found>,
    offers: VecDeque<Offer>,
    /// Messages for the status bar (unreadable journals).
    pub notes: Vec<String>,
}

impl Recovery {
    /// No offers.
    pub fn new() -> Recovery {
        Recovery::default()
    }

    /// Looks for journals left in `dir` and reads them, on a worker thread.
    pub fn scan(&self, ctx: &egui::Context, dir: &Path) {
        let tx = self.mail.sender().clone();
        let ctx = ctx.clone();
        let dir = dir.to_path_buf();
        let _ = std::thread::Builder::new()
            .name("sockscope-recovery".into())
            .spawn(move || {
                let found = match Journal::leftovers(&dir) {
                    Ok(f) => f,
                    Err(e) => {
                        let _ = tx.send(Found::Unreadable(dir, e.to_string()));
                        ctx.request_repaint();
                        return;
                    }
                };
                for path in found {
                    let msg = match Journal::recover_report(&path) {
                        Ok(r) => Found::Offer(Offer {
                            journal: path,
                            rows: Arc::new(r.rows),
                            created: r.created,
                            torn_tail: r.torn_tail,
                            bad_lines: r.bad_lines,
                        }),
                        Err(e) => Found::Unreadable(path, e.to_string()),
                    };
                    let _ = tx.send(msg);
                    ctx.request_repaint();
                }
            });
    }

    /// Takes in what the worker found.
    pub fn poll(&mut self) {
        while let Some(f) = self.mail.next() {
            match f {
                // A session killed before it logged anything has nothing to recover.
                Found::Offer(o) if o.rows.is_empty() && o.bad_lines == 0 => {
                    let _ = Journal::discard(&o.journal);
                }
                Found::Offer(o) => self.offers.push_back(o),
                Found::Unreadable(p, e) => self.notes.push(format!(
                    "A journal left by an earlier session could not be read ({}): {e}",
                    p.display()
                )),
            }
        }
    }

    /// The offer shown now, if any.
    pub fn current(&self) -> Option<&Offer> {
        self.offers.front()
    }

    /// Drops the offer shown now (answered).
    pub fn pop(&mut self) -> Option<Offer> {
        self.offers.pop_front()
    }

    /// Draws the window for the first offer; returns the person's choice.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<Choice> {
        let offer = self.offers.front()?;
        let waiting = self.offers.len();
        let mut open = true;
        let mut choice = None;
        egui::Window::new("Recover the previous session")
            .collapsible(false)
            .resizable(false)
            .min_width(420.0)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .open(&mut open)
            .show(ctx, |ui| {
                ui.label(offer.describe());
                if offer.torn_tail {
                    ui.label(
                        RichText::new(
                            "Its last record was cut short by the crash and is left out.",
                        )
                        .weak(),
                    );
                }
                if offer.bad_lines > 0 {
                    ui.label(
                        RichText::new(format!(
                            "{} unreadable lines are left out.",
                            offer.bad_lines
                        ))
                        .weak(),
                    );
                }
                ui.label(
                    RichText::new(format!("journal: {}", offer.journal.display()))
                        .weak()
                        .small(),
                );
                if waiting > 1 {
                    ui.label(
                        RichText::new(match waiting - 1 {
                            1 => "1 more session waits after this one".to_string(),
                            n => format!("{n} more sessions wait after this one"),
                        })
                        .weak()
                        .small(),
                    );
                }
                ui.horizontal(|ui| {
                    if ui
                        .button("Save its log…")
                        .on_hover_text(".txt, .jsonl or .csv; the journal is deleted once saved")
                        .clicked()
                    {
                        choice = Some(Choice::Save);
                    }
                    if ui
                        .button("Discard")
                        .on_hover_text("delete the journal: its log is lost")
                        .clicked()
                    {
                        choice = Some(Choice::Discard);
                    }
                    if ui
                        .button("Later")
                        .on_hover_text("keep the journal: it is offered again at the next start")
                        .clicked()
                    {
                        choice = Some(Choice::Later);
                    }
                });
            });
        if !open {
            choice = Some(Choice::Later);
        }
        choice
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
    }

    #[test]
    fn prepare_data_dir_makes_the_folder_and_app_ron_private_even_when_eframe_made_them() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        // As eframe leaves them: the folder 0755, app.ron 0644 with settings in it.
        let dir = tmp.path().join("sockscope");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::write(dir.join("app.ron"), "(settings)").expect("write");
        std::fs::set_permissions(dir.join("app.ron"), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
        let ron = prepare_data_dir(&dir, true).expect("prepare");
        assert_eq!((mode(&dir), mode(&ron)), (0o700, 0o600));
        assert_eq!(std::fs::read_to_string(&ron).expect("read"), "(settings)");
        // eframe's save (File::create, then write) keeps the mode.
        std::fs::write(&ron, "(new settings)").expect("eframe-like save");
        assert_eq!(mode(&ron), 0o600);
        // A folder that did not exist is made 0700, app.ron 0600 in it.
        let fresh = tmp.path().join("a/b/sockscope");
        let ron = prepare_data_dir(&fresh, false).expect("prepare");
        assert_eq!((mode(&fresh), mode(&ron)), (0o700, 0o600));
        // Without fix_existing (the folder came from SOCKSCOPE_DATA_DIR) its mode is left.
        let chosen = tmp.path().join("chosen");
        std::fs::create_dir(&chosen).expect("mkdir");
        std::fs::set_permissions(&chosen, std::fs::Permissions::from_mode(0o750)).expect("chmod");
        let ron = prepare_data_dir(&chosen, false).expect("prepare");
        assert_eq!((mode(&chosen), mode(&ron)), (0o750, 0o600));
    }

    #[test]
    fn offer_reads_well() {
        let o = Offer {
            journal: PathBuf::from("/tmp/x.journal.jsonl"),
            rows: Arc::new(vec![RecoveredRow::default(); 3]),
            created: Some("2026-01-02T03:04:05.123456Z".into()),
            torn_tail: false,
            bad_lines: 0,
        };
        assert_eq!(
            o.describe(),
            "The previous session ended unexpectedly (3 records, started 2026-01-02 03:04:05 UTC)."
        );
    }
}
