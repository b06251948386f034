//! `sockscope recover [--list] [--save FILE] [JOURNAL]`: the crash recovery of the app, without
//! the window. It lists the journals left in the data folder by sessions (app, `run` or
//! `shell`) that did not end cleanly, describes one, or saves its log (`.txt`, `.jsonl` or
//! `.csv`) and then deletes the journal, as the app's "Recover the previous session" does.

use std::path::{Path, PathBuf};

use crate::log::journal::{Journal, Recovery};
use crate::log::save::save_rows;

use super::{err_line, out_line};

/// What `sockscope recover` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct RecoverArgs {
    /// List the journals left by unfinished sessions, newest first.
    pub list: bool,
    /// Save the journal's log to this file (then delete the journal, unless `keep`).
    pub save: Option<PathBuf>,
    /// Keep the journal after saving it.
    pub keep: bool,
    /// The journal; the newest left in the data folder when `None`.
    pub journal: Option<PathBuf>,
}

/// One line about a journal: its path, its records, when its session started.
fn describe(path: &Path, r: &Recovery) -> String {
    let started = r
        .created
        .as_deref()
        .or_else(|| r.rows.first().map(|row| row.ts.as_str()))
        .map(|t| format!(", started {t}"))
        .unwrap_or_default();
    let torn = if r.torn_tail {
        ", its last line cut short by the crash (left out)"
    } else {
        ""
    };
    let bad = match r.bad_lines {
        0 => String::new(),
        n => format!(", {n} unreadable lines (left out)"),
    };
    format!(
        "{}: {} records{started}{torn}{bad}",
        path.display(),
        r.rows.len()
    )
}

fn leftovers() -> Result<(PathBuf, Vec<PathBuf>), String> {
    let dir = Journal::data_dir().ok_or(
        "no data folder: set SOCKSCOPE_DATA_DIR, XDG_DATA_HOME or HOME to find the journals",
    )?;
    let found = Journal::leftovers(&dir).map_err(|e| e.to_string())?;
    Ok((dir, found))
}

fn list() -> Result<(), String> {
    let (dir, found) = leftovers()?;
    if found.is_empty() {
        out_line(&format!(
            "no journal left by an unfinished session in {}",
            dir.display()
        ));
    }
    for path in found {
        match Journal::recover_report(&path) {
            Ok(r) => out_line(&describe(&path, &r)),
            Err(e) => err_line(&format!("sockscope recover: {e}")),
        }
    }
    Ok(())
}

fn recover(args: &RecoverArgs) -> Result<(), String> {
    let path = match &args.journal {
        Some(p) => p.clone(),
        None => {
            let (dir, found) = leftovers()?;
            found.into_iter().next().ok_or_else(|| {
                format!(
                    "no journal left by an unfinished session in {}",
                    dir.display()
                )
            })?
        }
    };
    let report = Journal::recover_report(&path).map_err(|e| e.to_string())?;
    let Some(to) = &args.save else {
        out_line(&describe(&path, &report));
        out_line(&format!(
            "save its log with: sockscope recover --save FILE {}",
            path.display()
        ));
        return Ok(());
    };
    let info = save_rows(&report.rows, to).map_err(|e| e.to_string())?;
    let mut said = format!(
        "saved {} records of {} to {}",
        info.records,
        path.display(),
        info.path.display()
    );
    // A journal a running sockscope still writes is not this command's to delete.
    if args.keep || Journal::is_held(&path) {
        said.push_str("; the journal is kept");
    } else {
        Journal::discard(&path).map_err(|e| e.to_string())?;
        said.push_str("; the journal was deleted");
    }
    out_line(&said);
    Ok(())
}

/// Runs `sockscope recover`; returns the exit status: 0 when done, 1 when there is nothing
/// to recover or the journal cannot be read or saved (the message says why).
pub fn recover_cmd(args: &RecoverArgs) -> i32 {
    let r = if args.list && args.save.is_none() && args.journal.is_none() {
        list()
    } else {
        recover(args)
    };
    match r {
        Ok(()) => 0,
        Err(e) => {
            err_line(&format!("sockscope recover: {e}"));
            1
        }
    }
}
