//! The native file dialog, asked on a thread of its own (it may block until the person
//! answers), for "Save log…", "Save as script…" and "Open script…" alike.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A dialog that answers "no file" faster than this could not be shown at all
/// (no desktop portal, no zenity); a slower answer is the person cancelling.
pub const NO_DIALOG_WITHIN: Duration = Duration::from_millis(1500);

/// Which dialog to show.
pub(crate) enum Pick {
    /// "Save as", with this file name proposed.
    Save(String),
    /// "Open" an existing file.
    Open,
}

/// What the dialog shows: its title, the folder it opens in (when that is a folder), and
/// its filters (a description and the extensions it covers).
pub(crate) struct Ask {
    /// The window's title.
    pub title: &'static str,
    /// The file the app suggests: the dialog opens in its folder.
    pub near: String,
    /// Save or open.
    pub pick: Pick,
    /// The filters, in order.
    pub filters: Vec<(&'static str, Vec<&'static str>)>,
}

/// Shows the dialog on a thread named `thread`; `answer` gets the file picked (or `None`)
/// and how long the person took, on that thread, and then `ctx` repaints.
pub(crate) fn ask(
    ctx: &egui::Context,
    thread: &str,
    ask: Ask,
    answer: impl FnOnce(Option<PathBuf>, Duration) + Send + 'static,
) -> std::io::Result<()> {
    let ctx = ctx.clone();
    let dir = Path::new(&ask.near).parent().map(Path::to_path_buf);
    std::thread::Builder::new()
        .name(thread.into())
        .spawn(move || {
            let t0 = Instant::now();
            let mut dialog = rfd::FileDialog::new().set_title(ask.title);
            if let Pick::Save(name) = &ask.pick {
                dialog = dialog.set_file_name(name);
            }
            if let Some(d) = dir.filter(|d| d.is_dir()) {
                dialog = dialog.set_directory(d);
            }
            for (name, exts) in ask.filters {
                dialog = dialog.add_filter(name, &exts);
            }
            let picked = match ask.pick {
                Pick::Save(_) => dialog.save_file(),
                Pick::Open => dialog.pick_file(),
            };
            answer(picked, t0.elapsed());
            ctx.request_repaint();
        })
        .map(drop)
}
