//! The spill file: where the session log's oldest records go when they leave memory, read
//! back a chunk at a time for the view, the filter and saves.
//!
//! It is created private (0600) and unlinked at once, so it takes disk space only while the
//! process holds it open, and a crash leaves nothing behind (the journal is the crash copy).
//! Writes append at an offset reserved under a lock, so clones of a log (save snapshots)
//! can share one file: the bytes of a written chunk never change.
//!
//! A log's spill is a series of such files ([`Segments`]), each up to a quarter of its disk
//! budget: past the budget the oldest file is closed, which frees its disk space (once no
//! save snapshot still holds it), and its chunks are dropped.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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

/// The spill files of one log, oldest first.
#[derive(Debug, Clone, Default)]
pub(super) struct Segments {
    live: VecDeque<Segment>,
    bytes: u64,
}

/// One spill file and the chunks it holds (from `first_chunk` to the next segment's first).
#[derive(Debug, Clone)]
struct Segment {
    id: u32,
    file: Arc<SpillFile>,
    bytes: u64,
    first_chunk: usize,
}

/// What [`Segments::drop_over`] closed: the chunks they held and their bytes.
#[derive(Debug)]
pub(super) struct Dropped {
    /// The chunks the closed files held.
    pub chunks: Range<usize>,
    /// Bytes freed on disk.
    pub bytes: u64,
}

impl Segments {
    /// Bytes the open spill files hold.
    pub(super) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The file of segment `id`, if it is still open.
    pub(super) fn file(&self, id: u32) -> Option<&SpillFile> {
        self.live.iter().find(|s| s.id == id).map(|s| &*s.file)
    }

    /// Appends chunk `k`'s `bytes`, in a new file (made by `create`) when the current one
    /// would pass `seg_max`; returns the segment's id and the offset of the bytes.
    pub(super) fn append(
        &mut self,
        k: usize,
        bytes: &[u8],
        seg_max: u64,
        create: impl FnOnce() -> io::Result<SpillFile>,
    ) -> io::Result<(u32, u64)> {
        let len = bytes.len() as u64;
        if self
            .live
            .back()
            .is_none_or(|s| s.bytes > 0 && s.bytes + len > seg_max)
        {
            let id = self.live.back().map_or(0, |s| s.id.wrapping_add(1));
            self.live.push_back(Segment {
                id,
                file: Arc::new(create()?),
                bytes: 0,
                first_chunk: k,
            });
        }
        let seg = self
            .live
            .back_mut()
            .ok_or_else(|| io::Error::other("no spill file"))?;
        let at = seg.file.append(bytes)?;
        seg.bytes += len;
        self.bytes += len;
        Ok((seg.id, at))
    }

    /// Closes the oldest files while all hold more than `budget` (never the newest one);
    /// `chunks` is the number of chunks spilled so far.
    pub(super) fn drop_over(&mut self, budget: u64, chunks: usize) -> Option<Dropped> {
        let mut out: Option<Dropped> = None;
        while self.bytes > budget && self.live.len() > 1 {
            let Some(old) = self.live.pop_front() else {
                break;
            };
            let end = self.live.front().map_or(chunks, |s| s.first_chunk);
            self.bytes -= old.bytes;
            let d = out.get_or_insert(Dropped {
                chunks: old.first_chunk..end,
                bytes: 0,
            });
            d.chunks.end = end;
            d.bytes += old.bytes;
        }
        out
    }
}
