//! The library's file: `packets.json` in the user's data folder (or a file given with
//! `--packets`), read whole and written atomically (a temporary file, synced, renamed over
//! the old one, mode 0600), so a crash mid-write leaves the old library or the new one.

use std::path::{Path, PathBuf};

use super::Library;
use crate::log::journal::Journal;
use crate::log::save::{SaveError, write_atomic};

/// The library's file name in the data folder.
pub const DEFAULT_FILE: &str = "packets.json";

/// Where the user's library lives: `packets.json` in [`Journal::data_dir`].
pub fn default_path() -> Option<PathBuf> {
    Journal::data_dir().map(|d| d.join(DEFAULT_FILE))
}

/// Reads a library; a missing file is an empty library.
pub fn load(path: &Path) -> Result<Library, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Library::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a packet library: {e}", path.display()))
}

/// Writes the library atomically and privately (creating its folder, mode 0700, if
/// missing).
pub fn save(path: &Path, lib: &Library) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, lib).map_err(|e| SaveError::Io {
            path: path.to_path_buf(),
            step: "writing the packets".into(),
            source: e.into(),
        })?;
        w.write_all(b"\n").map_err(|source| SaveError::Io {
            path: path.to_path_buf(),
            step: "writing the packets".into(),
            source,
        })
    })
    .map(|_| ())
    .map_err(|e| e.to_string())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packets::{Form, Packet};

    #[test]
    fn a_library_round_trips_through_its_file_privately() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub/packets.json");
        assert_eq!(load(&path), Ok(Library::new()), "missing file: empty");
        let mut lib = Library::new();
        lib.put(Packet {
            name: "hello".into(),
            folder: "demo".into(),
            payload: "hi\\n".into(),
            form: Form::Escaped,
            to: Some("127.0.0.1:9".into()),
            checksum: Some("crc8".into()),
            notes: "a note".into(),
        });
        save(&path, &lib).expect("saved");
        assert_eq!(load(&path), Ok(lib));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "{not json").expect("write");
        assert!(load(&path).is_err_and(|e| e.contains("not a packet library")));
    }
}
