//! The final report of a stress test as a table (one row per figure, the failures by kind
//! among them), and "Save report…": CSV or JSON by the extension, asked with the native
//! dialog on its thread (`tools::file_dialog`), or a path field where no dialog can be
//! shown, as "Save log…" does. The file is written atomically and privately (0600), on a
//! thread of its own.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use egui::{RichText, Ui};

use crate::app::tools::file_dialog::{self, Ask, NO_DIALOG_WITHIN, Pick};
use crate::app::widgets::name_widget;
use crate::log::save::{SaveError, write_atomic};
use crate::stress::{Failure, Figures, report};

use super::figures_ui::{failure_meaning, latency_text};

/// The report's rows: what the figure is, and its value.
pub fn rows(f: &Figures) -> Vec<(String, String)> {
    let mut r: Vec<(String, String)> = vec![
        ("duration".into(), format!("{:.2} s", f.secs)),
        ("requests sent".into(), f.sent.to_string()),
        ("ok".into(), f.ok.to_string()),
        ("failed".into(), f.failed.to_string()),
        ("requests/s (whole test)".into(), format!("{:.0}", f.qps)),
        ("requests/s at peak".into(), format!("{:.0}", f.qps_peak)),
        ("connections made".into(), f.connects.to_string()),
        ("connections left open".into(), f.active.to_string()),
        ("bytes out".into(), f.bytes_out.to_string()),
        ("bytes in".into(), f.bytes_in.to_string()),
        ("latency p50".into(), latency_text(f.p50_us)),
        ("latency p95".into(), latency_text(f.p95_us)),
        ("latency p99".into(), latency_text(f.p99_us)),
        ("latency max".into(), latency_text(f.max_us)),
    ];
    for kind in Failure::ALL {
        let n = f
            .failures
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n);
        r.push((kind.name().to_string(), n.to_string()));
    }
    r
}

/// Draws the table.
pub fn table(ui: &mut Ui, f: &Figures) {
    egui::Grid::new("stress_report")
        .num_columns(4)
        .striped(true)
        .spacing([16.0, 2.0])
        .show(ui, |ui| {
            // Two figures a row, so that the table fits at 800×600.
            for pair in rows(f).chunks(2) {
                for (name, value) in pair {
                    let l = ui.label(name);
                    if let Some(kind) = Failure::ALL.iter().find(|k| k.name() == name) {
                        l.on_hover_text(failure_meaning(*kind));
                    }
                    // A screen reader (and a test) reads the value with its name.
                    let v = ui.label(RichText::new(value).monospace());
                    name_widget(&v, egui::Role::Label, &format!("{name}: {value}"));
                }
                ui.end_row();
            }
        });
}

/// Writes the report to `path`: `.csv` (a header and a row) or `.json` (one object).
pub fn save(f: &Figures, path: &Path) -> Result<(), String> {
    let text = match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => report::csv(f),
        Some("json") => format!("{}\n", report::json(f)),
        _ => {
            return Err(format!(
                "{}: a report is .csv or .json (end the file name with one of them)",
                path.display()
            ));
        }
    };
    write_atomic(path, |w| {
        w.write_all(text.as_bytes())
            .map_err(|source| SaveError::Io {
                path: path.to_path_buf(),
                step: "writing the report".into(),
                source,
            })
    })
    .map(drop)
    .map_err(|e| e.to_string())
}

enum Msg {
    Picked(Option<PathBuf>, Duration),
    Saved(PathBuf, Result<(), String>),
}

/// "Save report…": the dialog, the path field, and the outcome.
pub struct SaveReport {
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    busy: bool,
    /// `Some(path)` while the path field is shown.
    path_field: Option<String>,
    note: String,
    /// The last outcome, and whether it is an error.
    pub message: Option<(String, bool)>,
}

impl Default for SaveReport {
    fn default() -> SaveReport {
        let (tx, rx) = crossbeam_channel::unbounded();
        SaveReport {
            tx,
            rx,
            busy: false,
            path_field: None,
            note: String::new(),
            message: None,
        }
    }
}

/// The file suggested: `stress-DATE-TIME.csv` in the working folder.
fn suggested() -> String {
    let name = format!(
        "stress-{}.csv",
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    );
    match std::env::current_dir() {
        Ok(d) => d.join(name).display().to_string(),
        Err(_) => name,
    }
}

impl SaveReport {
    /// True while a dialog, the path field or a write is under way.
    pub fn busy(&self) -> bool {
        self.busy || self.path_field.is_some()
    }

    /// Starts a save: the native dialog (`native`) on its thread, or the path field.
    pub fn start(&mut self, ctx: &egui::Context, native: bool) {
        if self.busy() {
            return;
        }
        let near = suggested();
        if !native {
            self.open_field(near, "Type the file to save the report to.");
            return;
        }
        let name = Path::new(&near)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "stress.csv".into());
        let ask = Ask {
            title: "Save report",
            near: near.clone(),
            pick: Pick::Save(name),
            filters: vec![("CSV", vec!["csv"]), ("JSON", vec!["json"])],
        };
        let tx = self.tx.clone();
        let asked = file_dialog::ask(ctx, "stress-report-dialog", ask, move |p, took| {
            let _ = tx.send(Msg::Picked(p, took));
        });
        match asked {
            Ok(()) => self.busy = true,
            Err(_) => self.open_field(near, "The file dialog could not start; type the file."),
        }
    }

    fn open_field(&mut self, path: String, note: &str) {
        self.path_field = Some(path);
        self.note = note.into();
    }

    /// Writes `f` to `path` on a thread; the outcome comes back through [`SaveReport::poll`].
    fn write(&mut self, ctx: &egui::Context, f: &Figures, path: PathBuf) {
        self.busy = true;
        let (tx, ctx, f) = (self.tx.clone(), ctx.clone(), f.clone());
        let spawned = std::thread::Builder::new()
            .name("stress-report".into())
            .spawn(move || {
                let r = save(&f, &path);
                let _ = tx.send(Msg::Saved(path, r));
                ctx.request_repaint();
            });
        if let Err(e) = spawned {
            self.busy = false;
            self.message = Some((format!("could not start saving: {e}"), true));
        }
    }

    /// Takes what the dialog and the writer reported.
    pub fn poll(&mut self, ctx: &egui::Context, f: &Figures) {
        while let Ok(msg) = self.rx.try_recv() {
            match msg {
                Msg::Picked(Some(path), _) => self.write(ctx, f, path),
                Msg::Picked(None, took) if took < NO_DIALOG_WITHIN => {
                    self.busy = false;
                    self.open_field(
                        suggested(),
                        "No file dialog could be shown here; type the file to save the report to.",
                    );
                }
                Msg::Picked(None, _) => {
                    self.busy = false;
                    self.message = Some(("Save cancelled: nothing was saved".into(), false));
                }
                Msg::Saved(path, Ok(())) => {
                    (self.busy, self.path_field) = (false, None);
                    self.message = Some((format!("Saved the report to {}", path.display()), false));
                }
                Msg::Saved(path, Err(e)) => {
                    self.busy = false;
                    self.open_field(path.display().to_string(), &e);
                    self.message = Some((e, true));
                }
            }
        }
    }

    /// Draws the path field while it is shown.
    pub fn path_window(&mut self, ctx: &egui::Context, f: &Figures) {
        let Some(mut path) = self.path_field.take() else {
            return;
        };
        let w = crate::app::widgets::path_window(
            ctx,
            "Save report",
            &self.note,
            "Save report to",
            ".csv: a header and one row · .json: one object",
            ("Save", !self.busy),
            &mut path,
        );
        if w.go {
            self.write(ctx, f, PathBuf::from(path.trim()));
        }
        if w.keep {
            self.path_field = Some(path);
        } else if !self.busy {
            self.message = Some(("Save cancelled: nothing was saved".into(), false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_report_is_private_and_in_the_extension_s_format() {
        let dir = tempfile::tempdir().expect("temp dir");
        let f = Figures {
            sent: 7,
            ok: 5,
            failed: 2,
            failures: vec![(Failure::ConnectRefused, 2)],
            ..Figures::default()
        };
        let csv = dir.path().join("r.csv");
        save(&f, &csv).expect("saved");
        let text = std::fs::read_to_string(&csv).expect("reads");
        assert_eq!(text, report::csv(&f));
        let json = dir.path().join("r.json");
        save(&f, &json).expect("saved");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).expect("reads")).expect("json");
        assert_eq!(
            (v["ok"].as_u64(), v["connect_refused"].as_u64()),
            (Some(5), Some(2))
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&json).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(save(&f, &dir.path().join("r.txt")).is_err_and(|e| e.contains(".csv or .json")));
        let row = rows(&f);
        assert!(row.contains(&("connect_refused".into(), "2".into())));
        assert!(row.contains(&("ok".into(), "5".into())));
    }
}
