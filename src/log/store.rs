//! Where the session log keeps its records: the newest in memory, in chunks of [`CHUNK`],
//! the older ones spilled to a [`SpillFile`] a chunk at a time and paged back on demand.
//!
//! Memory per record is bounded: at most [`Store::window`] records (plus one chunk being
//! filled) stay in memory; each spilled chunk leaves 16 bytes of index behind. The replies
//! to a setting or a `status` have no binary form ([`codec`]) and stay in memory, one per
//! command issued.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::Record;
use super::codec;
use super::spill::{Segments, SpillFile};

/// Records a chunk holds: the unit of spilling and of paging back.
pub const CHUNK: usize = 8192;

/// Default number of records kept in memory: 1,048,576 (120 MiB of records).
pub const DEFAULT_RECORD_WINDOW: usize = 1 << 20;

/// Default bytes of payload the spill file keeps: 1 GiB; past it, spilled records keep only
/// their payload's length (the journal may still have the bytes).
pub const DEFAULT_SPILL_PAYLOAD_BUDGET: u64 = 1 << 30;

/// Spills between two returns of the C heap's free pages to the system ([`release_free_heap`]):
/// about every 1.3 s at 100 k records a second.
const TRIM_EVERY: u32 = 16;

/// Default bytes the spill files may take on disk: 4 GiB (about 120 million records without
/// payloads); past it the oldest spilled records are dropped, a quarter of it at a time, and
/// counted ([`SpillStats::dropped`]).
pub const DEFAULT_SPILL_DISK_BUDGET: u64 = 4 << 30;

/// Chunks paged back and kept decoded, so that a view scrolling over them reads each once.
const CACHED_CHUNKS: usize = 4;

/// The tag of a record kept in memory instead of being written to the spill file.
const PINNED: u8 = 2;

/// Where a spilled chunk is: in which file, where; `len == 0`: it could not be written, or
/// was dropped with its file.
#[derive(Debug, Clone, Copy)]
struct Spilled {
    seg: u32,
    offset: u64,
    len: u32,
}

/// What spilling has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpillStats {
    /// Records that left memory for the spill file.
    pub records: u64,
    /// Bytes the spill files hold on disk now (within the disk budget and one chunk).
    pub file_bytes: u64,
    /// Payload bytes the spill file holds.
    pub payload_bytes: u64,
    /// Payloads spilled by their length only (the spill file's payload budget was spent).
    pub payloads_left_out: u64,
    /// Records lost because the spill file could not be written (shown, never silent).
    pub lost: u64,
    /// Records dropped with the oldest spill file to keep within the disk budget.
    pub dropped: u64,
    /// The last error of the spill file, if any.
    pub error: Option<String>,
}

/// What spilling one chunk took out of memory, for the log's payload accounting.
#[derive(Debug, Default)]
pub(super) struct Freed {
    /// Payload bytes that were held in memory.
    pub held: usize,
    /// Payloads spilled by their length only: (records, bytes).
    pub left_out: (u64, u64),
}

/// The records of a session log.
#[derive(Debug)]
pub(super) struct Store {
    spilled: Vec<Spilled>,
    ram: VecDeque<Vec<Record>>,
    len: usize,
    window: usize,
    dir: Option<PathBuf>,
    files: Segments,
    disk_budget: u64,
    pinned: HashMap<usize, Record>,
    payload_budget: u64,
    stats: SpillStats,
    cache: Mutex<VecDeque<(usize, Arc<[Record]>)>>,
    /// The emptied records buffer of the chunk spilled last, for the next chunk to fill.
    spare: Option<Vec<Record>>,
    /// The bytes of the chunk being spilled, kept between spills with its capacity.
    out: Vec<u8>,
    /// Spills since the free heap was last given back.
    since_trim: u32,
}

impl Clone for Store {
    fn clone(&self) -> Self {
        Store {
            spilled: self.spilled.clone(),
            ram: self.ram.clone(),
            len: self.len,
            window: self.window,
            dir: self.dir.clone(),
            files: self.files.clone(),
            disk_budget: self.disk_budget,
            pinned: self.pinned.clone(),
            payload_budget: self.payload_budget,
            stats: self.stats.clone(),
            cache: Mutex::new(VecDeque::new()),
            spare: None,
            out: Vec::new(),
            since_trim: 0,
        }
    }
}

impl Store {
    /// An empty store keeping the default window in memory.
    pub(super) fn new() -> Store {
        Store {
            spilled: Vec::new(),
            ram: VecDeque::new(),
            len: 0,
            window: DEFAULT_RECORD_WINDOW,
            dir: None,
            files: Segments::default(),
            disk_budget: DEFAULT_SPILL_DISK_BUDGET,
            pinned: HashMap::new(),
            payload_budget: DEFAULT_SPILL_PAYLOAD_BUDGET,
            stats: SpillStats::default(),
            cache: Mutex::new(VecDeque::new()),
            spare: None,
            out: Vec::new(),
            since_trim: 0,
        }
    }

    /// Number of records.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Records spilled (they are numbered `0..first_in_memory()`).
    pub(super) fn first_in_memory(&self) -> usize {
        self.spilled.len() * CHUNK
    }

    /// Records kept in memory before the oldest chunk spills.
    pub(super) fn window(&self) -> usize {
        self.window
    }

    /// Sets the window (at least one chunk); spilling follows at the next push.
    pub(super) fn set_window(&mut self, records: usize) {
        self.window = records.max(CHUNK);
    }

    /// Sets the folder for the spill file (used when the first chunk spills).
    pub(super) fn set_dir(&mut self, dir: PathBuf) {
        self.dir = Some(dir);
    }

    /// Sets how many payload bytes the spill file may keep.
    pub(super) fn set_payload_budget(&mut self, bytes: u64) {
        self.payload_budget = bytes;
    }

    /// Sets how many bytes the spill files may take on disk (applies at the next spill).
    pub(super) fn set_disk_budget(&mut self, bytes: u64) {
        self.disk_budget = bytes;
    }

    /// How many bytes the spill files may take on disk.
    pub(super) fn disk_budget(&self) -> u64 {
        self.disk_budget
    }

    /// What spilling has done so far.
    pub(super) fn stats(&self) -> &SpillStats {
        &self.stats
    }

    /// Appends a record.
    pub(super) fn push(&mut self, rec: Record) {
        match self.ram.back_mut() {
            Some(c) if c.len() < CHUNK => c.push(rec),
            _ => {
                // The buffer of the chunk spilled last, when there is one: taking a fresh
                // megabyte for each chunk while the one before is freed fragments the heap.
                let mut c = self
                    .spare
                    .take()
                    .unwrap_or_else(|| Vec::with_capacity(CHUNK));
                c.push(rec);
                self.ram.push_back(c);
            }
        }
        self.len += 1;
    }

    /// True when the oldest chunk in memory is past the window and should spill.
    pub(super) fn over_window(&self) -> bool {
        self.ram.len() > 1 && self.len - self.first_in_memory() > self.window + CHUNK
    }

    /// The newest record (always in memory).
    pub(super) fn last(&self) -> Option<&Record> {
        self.ram.back().and_then(|c| c.last())
    }

    /// The record at `i` if it is in memory.
    pub(super) fn in_memory(&self, i: usize) -> Option<&Record> {
        let j = i.checked_sub(self.first_in_memory())?;
        self.ram.get(j / CHUNK)?.get(j % CHUNK)
    }

    /// The record at `i` in memory, to change.
    pub(super) fn in_memory_mut(&mut self, i: usize) -> Option<&mut Record> {
        let j = i.checked_sub(self.first_in_memory())?;
        self.ram.get_mut(j / CHUNK)?.get_mut(j % CHUNK)
    }

    /// The record at `i`: borrowed when in memory, paged back from the spill file when not.
    pub(super) fn get(&self, i: usize) -> Option<Cow<'_, Record>> {
        if i >= self.len {
            return None;
        }
        if let Some(r) = self.in_memory(i) {
            return Some(Cow::Borrowed(r));
        }
        let chunk = self.chunk(i / CHUNK)?;
        chunk.get(i % CHUNK).cloned().map(Cow::Owned)
    }

    /// The records in `range`, in order (spilled ones paged back a chunk at a time).
    pub(super) fn iter(&self, range: std::ops::Range<usize>) -> Iter<'_> {
        Iter {
            store: self,
            next: range.start,
            end: range.end.min(self.len),
            paged: None,
        }
    }

    /// Spilled chunk `k`, decoded (from the cache when it was read lately).
    fn chunk(&self, k: usize) -> Option<Arc<[Record]>> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, c)) = cache.iter().find(|(n, _)| *n == k) {
            return Some(c.clone());
        }
        let c: Arc<[Record]> = self.read_chunk(k)?.into();
        if cache.len() >= CACHED_CHUNKS {
            cache.pop_front();
        }
        cache.push_back((k, c.clone()));
        Some(c)
    }

    fn read_chunk(&self, k: usize) -> Option<Vec<Record>> {
        let at = *self.spilled.get(k)?;
        if at.len == 0 {
            return None;
        }
        let bytes = self
            .files
            .file(at.seg)?
            .read(at.offset, at.len as usize)
            .ok()?;
        let mut input = bytes.as_slice();
        let base = read_base(&mut input)?;
        let mut out = Vec::with_capacity(CHUNK);
        for j in 0..CHUNK {
            if input.first() == Some(&PINNED) {
                input = &input[1..];
                out.push(self.pinned.get(&(k * CHUNK + j))?.clone());
            } else {
                out.push(codec::decode(&mut input, base)?);
            }
        }
        Some(out)
    }

    /// Spills the oldest chunk in memory; returns what left memory.
    ///
    /// The chunk's records buffer and the buffer of its bytes are kept for the next chunk,
    /// so that a log at its window allocates no large block per chunk (under a flood, about
    /// a megabyte 12 times a second freed and taken again among the small payloads made
    /// glibc's heap grow in steps: BENCHMARKS.md section 8).
    pub(super) fn spill_oldest(&mut self) -> Freed {
        let mut freed = Freed::default();
        let Some(mut chunk) = self.ram.pop_front() else {
            return freed;
        };
        let first = self.first_in_memory();
        let base = chunk.first().map_or(UNIX_EPOCH, Record::at);
        let mut bytes = std::mem::take(&mut self.out);
        bytes.clear();
        write_base(&mut bytes, base);
        for (j, rec) in chunk.drain(..).enumerate() {
            let len = held_payload(&rec);
            freed.held += len;
            let keep = self.stats.payload_bytes + len as u64 <= self.payload_budget;
            if codec::encode(&rec, base, keep, &mut bytes) {
                if keep {
                    self.stats.payload_bytes += len as u64;
                } else if len > 0 {
                    freed.left_out.0 += 1;
                    freed.left_out.1 += len as u64;
                    self.stats.payloads_left_out += 1;
                }
            } else {
                bytes.push(PINNED);
                self.pinned.insert(first + j, rec);
            }
        }
        let at = self.write(&bytes);
        self.out = bytes;
        if chunk.capacity() == CHUNK {
            self.spare = Some(chunk);
        }
        self.spilled.push(at);
        self.stats.records += CHUNK as u64;
        self.drop_over_budget();
        self.since_trim += 1;
        if self.since_trim >= TRIM_EVERY {
            self.since_trim = 0;
            release_free_heap();
        }
        freed
    }

    /// Writes a chunk's bytes, opening a spill file when needed; a failure is counted.
    fn write(&mut self, bytes: &[u8]) -> Spilled {
        let len = u32::try_from(bytes.len()).unwrap_or(0);
        let dir = self
            .dir
            .clone()
            .or_else(super::journal::Journal::default_dir)
            .unwrap_or_else(std::env::temp_dir);
        let seg_max = (self.disk_budget / 4).max(1);
        let res = if len > 0 {
            let k = self.spilled.len();
            self.files.append(k, bytes, seg_max, || {
                SpillFile::create_in(&dir).or_else(|_| SpillFile::create_in(&std::env::temp_dir()))
            })
        } else {
            Err(io::Error::other("a chunk over 4 GiB"))
        };
        self.stats.file_bytes = self.files.bytes();
        match res {
            Ok((seg, offset)) => Spilled { seg, offset, len },
            Err(e) => {
                self.stats.lost += CHUNK as u64;
                self.stats.error = Some(format!("cannot write the log's spill file: {e}"));
                Spilled {
                    seg: 0,
                    offset: 0,
                    len: 0,
                }
            }
        }
    }

    /// Past the disk budget, closes the oldest spill files and forgets their chunks.
    fn drop_over_budget(&mut self) {
        let Some(d) = self.files.drop_over(self.disk_budget, self.spilled.len()) else {
            return;
        };
        if let Some(gone) = self.spilled.get_mut(d.chunks.clone()) {
            for at in gone.iter_mut().filter(|at| at.len > 0) {
                at.len = 0;
                self.stats.dropped += CHUNK as u64;
            }
        }
        let end = d.chunks.end;
        self.pinned.retain(|i, _| *i >= end * CHUNK);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|(n, _)| *n >= end);
        self.stats.file_bytes = self.files.bytes();
    }
}

/// Gives the free pages of the C heap back to the system. A spill frees a chunk's payloads,
/// which the engine's thread allocated: under a flood they sit in its arena between live
/// ones, and glibc keeps the pages of such holes (and of the arena's peaks) for ever, so the
/// resident size crept up in steps while the bytes in use stayed flat (BENCHMARKS.md
/// section 8). `malloc_trim` releases every whole free page of every arena.
fn release_free_heap() {
    crate::sys::mem::release_free_heap();
}

/// The payload bytes a record holds in memory.
fn held_payload(rec: &Record) -> usize {
    match rec {
        Record::Event(ev) => ev.payload().map_or(0, <[u8]>::len),
        Record::Command { .. } => 0,
    }
}

/// A chunk starts with its first record's time, as nanoseconds since the epoch (16 bytes).
fn write_base(out: &mut Vec<u8>, base: SystemTime) {
    let n: i128 = match base.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    out.extend(n.to_le_bytes());
}

fn read_base(input: &mut &[u8]) -> Option<SystemTime> {
    let (head, rest) = input.split_at_checked(16)?;
    *input = rest;
    let n = i128::from_le_bytes(head.try_into().ok()?);
    let d = Duration::from_nanos(u64::try_from(n.unsigned_abs()).ok()?);
    if n >= 0 {
        UNIX_EPOCH.checked_add(d)
    } else {
        UNIX_EPOCH.checked_sub(d)
    }
}

/// The records of a range, in order: borrowed from memory, or paged back a chunk at a time.
pub struct Iter<'a> {
    store: &'a Store,
    next: usize,
    end: usize,
    /// The spilled chunk being read: its number, the index its iterator yields next, and it.
    paged: Option<(usize, usize, std::vec::IntoIter<Record>)>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Cow<'a, Record>;

    fn next(&mut self) -> Option<Cow<'a, Record>> {
        while self.next < self.end {
            let i = self.next;
            self.next += 1;
            if let Some(r) = self.store.in_memory(i) {
                return Some(Cow::Borrowed(r));
            }
            let k = i / CHUNK;
            if self
                .paged
                .as_ref()
                .is_none_or(|(n, at, _)| *n != k || *at > i)
            {
                self.paged = self
                    .store
                    .read_chunk(k)
                    .map(|c| (k, k * CHUNK, c.into_iter()));
            }
            if let Some((_, at, it)) = &mut self.paged {
                let rec = it.nth(i - *at);
                *at = i + 1;
                if let Some(rec) = rec {
                    return Some(Cow::Owned(rec));
                }
            }
            // A chunk that could not be written or read: skip it whole.
            self.next = (k + 1) * CHUNK;
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.end.saturating_sub(self.next)))
    }
}
