//! The log tests' files: a log saved into a fresh folder, a saved script's lines, a file's
//! permission bits and a folder's names.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sockscope::log::SessionLog;
use sockscope::log::save::{self, SavedInfo};

/// A file's permission bits.
pub fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("saved file")
        .permissions()
        .mode()
        & 0o777
}

/// The names in a folder.
pub fn dir_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

/// `log` saved as `name` in a fresh folder (the format by the name's extension): the
/// folder (removed when dropped), the file and what the save said.
pub fn saved_as(log: &SessionLog, name: &str) -> (tempfile::TempDir, PathBuf, SavedInfo) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    let info = save::save(log, &path).unwrap_or_else(|e| panic!("{name}: {e}"));
    (dir, path, info)
}

/// A saved script's text and its lines that are not comments.
pub fn script_body(path: &Path) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(path).expect("script");
    let body = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(String::from)
        .collect();
    (text, body)
}
