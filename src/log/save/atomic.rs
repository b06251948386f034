//! A file written atomically and privately: a temporary file in the target's folder
//! (mode 0600), flushed, synced and renamed over the target at the end; removed on failure.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use super::SaveError;

/// Buffer between the writer and the temporary file.
const BUFFER: usize = 256 * 1024;

/// A file being written under a temporary name next to its target; [`AtomicFile::commit`]
/// puts it in place, dropping it without commit removes it.
pub struct AtomicFile {
    path: PathBuf,
    dir: PathBuf,
    // Dropped first (fields drop in order): the file is closed before the guard removes it.
    out: BufWriter<File>,
    temp: TempGuard,
}

/// Removes the temporary file on drop, unless it was renamed into place.
struct TempGuard {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

impl std::fmt::Debug for AtomicFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtomicFile")
            .field("path", &self.path)
            .field("temp", &self.temp.path)
            .finish()
    }
}

#[cfg(unix)]
fn private(opts: &mut OpenOptions) {
    use std::os::unix::fs::OpenOptionsExt;
    opts.mode(0o600);
}

#[cfg(not(unix))]
fn private(_opts: &mut OpenOptions) {}

#[cfg(unix)]
fn make_private(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn make_private(_file: &File) -> io::Result<()> {
    Ok(())
}

/// Opens a new temporary file (mode 0600) in the folder of `path`, readable too when
/// `read`; returns it, the guard that removes it, and the folder.
fn open_temp(path: &Path, read: bool) -> Result<(File, TempGuard, PathBuf), SaveError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let Some(name) = path.file_name() else {
        return Err(SaveError::NotAFile {
            path: path.to_path_buf(),
        });
    };
    if path.is_dir() {
        return Err(SaveError::Folder {
            path: path.to_path_buf(),
        });
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(
            ".{}.{}-{nanos}-{n}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let mut opts = OpenOptions::new();
        opts.write(true).read(read).create_new(true);
        private(&mut opts);
        match opts.open(&temp) {
            Ok(f) => {
                let guard = TempGuard {
                    path: temp,
                    keep: false,
                };
                return Ok((f, guard, dir));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1_000_000 => continue,
            Err(source) => {
                return Err(SaveError::Io {
                    path: path.to_path_buf(),
                    step: format!("creating a temporary file in {}", dir.display()),
                    source,
                });
            }
        }
    }
}

impl AtomicFile {
    /// Creates the temporary file next to `path`. Fails at once, before anything is
    /// written, when `path` names no file, is a folder, or its folder is missing or not
    /// writable.
    pub fn create(path: &Path) -> Result<AtomicFile, SaveError> {
        let (file, temp, dir) = open_temp(path, false)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            dir,
            out: BufWriter::with_capacity(BUFFER, file),
            temp,
        })
    }

    /// The target the file will be renamed to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The buffered writer into the temporary file.
    pub fn writer(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// Flushes, makes private, syncs and renames the file over its target (and syncs the
    /// folder); returns the file's size.
    pub fn commit(self) -> Result<u64, SaveError> {
        let AtomicFile {
            path,
            dir,
            out,
            mut temp,
        } = self;
        let err = |step: &str| {
            let path = path.clone();
            let step = step.to_string();
            move |source| SaveError::Io { path, step, source }
        };
        let file = out
            .into_inner()
            .map_err(|e| err("writing")(e.into_error()))?;
        make_private(&file).map_err(err("making the file private (mode 0600)"))?;
        file.sync_all().map_err(err("syncing the file to disk"))?;
        let bytes = file
            .metadata()
            .map(|m| m.len())
            .map_err(err("reading the file's size"))?;
        drop(file);
        let renaming = format!("renaming {} into place", temp.path.display());
        fs::rename(&temp.path, &path).map_err(err(&renaming))?;
        temp.keep = true;
        // Make the rename itself durable; a folder that cannot be synced is not an error.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(bytes)
    }
}

/// A scratch file next to a target (mode 0600, removed on drop), written first and copied
/// into the target at the end: the part of a file that must come after a header only known
/// at the end.
pub(crate) struct Scratch {
    out: BufWriter<File>,
    _temp: TempGuard,
}

impl Scratch {
    /// A new scratch file in the folder of `path`.
    pub(crate) fn create(path: &Path) -> Result<Scratch, SaveError> {
        let (file, temp, _) = open_temp(path, true)?;
        Ok(Scratch {
            out: BufWriter::with_capacity(BUFFER, file),
            _temp: temp,
        })
    }

    /// The buffered writer into the scratch file.
    pub(crate) fn writer(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// Copies everything written so far to `w`; the scratch file is removed afterwards.
    pub(crate) fn copy_into(self, w: &mut dyn Write) -> io::Result<u64> {
        use std::io::{Seek, SeekFrom};
        let mut file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        io::copy(&mut file, w)
    }
}

/// Writes a file atomically and privately: `write` fills a temporary file in the target's
/// folder (mode 0600), which is flushed, synced and renamed over `path`. Returns what
/// `write` returned and the file's size. On any failure the temporary file is removed and
/// the target is left as it was.
pub fn write_atomic<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<T, SaveError>,
) -> Result<(T, u64), SaveError> {
    let mut file = AtomicFile::create(path)?;
    let value = write(file.writer())?;
    let bytes = file.commit()?;
    Ok((value, bytes))
}
