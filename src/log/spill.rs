//! The spill file: where the session log's oldest records go when they leave memory, read
//! back a chunk at a time for the view, the filter and saves.
//!
//! It is created private (0600) and unlinked at once, so it takes disk space only while the
//! process holds it open, and a crash leaves nothing behind (the journal is the crash copy).
//! Writes append at an offset reserved under a lock, so clones of a log (save snapshots)
//! can share one file: the bytes of a written chunk never change.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// One open, unlinked spill file.
#[derive(Debug)]
pub(super) struct SpillFile {
    file: File,
    end: Mutex<u64>,
}

impl SpillFile {
    /// Creates a spill file in `dir` (created, mode 0700, if missing) and unlinks it.
    pub(super) fn create_in(dir: &Path) -> io::Result<SpillFile> {
        static SERIAL: AtomicU64 = AtomicU64::new(0);
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(dir)?;
        let n = SERIAL.fetch_add(1, Ordering::Relaxed);
        let path: PathBuf = dir.join(format!(".spill-{}-{n}.tmp", std::process::id()));
        let mut o = OpenOptions::new();
        o.read(true).write(true).create_new(true);
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let file = o.open(&path)?;
        std::fs::remove_file(&path)?;
        Ok(SpillFile {
            file,
            end: Mutex::new(0),
        })
    }

    /// Appends `bytes`; returns the offset they start at.
    pub(super) fn append(&self, bytes: &[u8]) -> io::Result<u64> {
        let mut end = self.end.lock().unwrap_or_else(|p| p.into_inner());
        let at = *end;
        self.file.write_all_at(bytes, at)?;
        *end += bytes.len() as u64;
        Ok(at)
    }

    /// Reads `len` bytes written at `offset`.
    pub(super) fn read(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; len];
        self.file.read_exact_at(&mut buf, offset)?;
        Ok(buf)
    }
}
