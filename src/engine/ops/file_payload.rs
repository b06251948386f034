//! `file:` payloads without blocking the engine: only regular files are taken (a FIFO or a
//! device never ends, or never opens); a stream send reads the file on a helper thread in
//! chunks the engine takes as the socket drains (bounded memory, exact progress), and the
//! payloads kept in memory (datagrams, repeats, greetings, fixed replies) have a size limit
//! checked before anything is read.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender, TrySendError};

use crate::engine::Msg;
use crate::engine::command::Payload;
use crate::engine::error::{Op, OpError};
use crate::engine::event::SockId;
use crate::engine::fsm::Refusal;

/// Bytes per chunk a stream send of a file reads at a time.
pub(crate) const FILE_CHUNK: usize = 256 * 1024;
/// Chunks read ahead of the socket at most (the memory a file send holds is about
/// `(FILE_AHEAD + 2) * FILE_CHUNK`).
const FILE_AHEAD: usize = 4;
/// The largest file kept whole in memory (repeat, chunked, greeting, fixed reply, datagram).
pub const IN_MEMORY_LIMIT: u64 = 16 << 20;
/// The largest UDP payload over IPv4 (65,535 − 20 − 8).
pub const UDP_MAX_V4: u64 = 65_507;
/// The largest UDP payload over IPv6 without jumbograms (65,535 − 8).
pub const UDP_MAX_V6: u64 = 65_527;

/// What a reader thread hands the engine: a chunk, and whether it is the file's last.
pub(crate) type Chunk = std::io::Result<(Arc<[u8]>, bool)>;

/// The size of the regular file at `path`; anything else is refused, without opening it.
pub(crate) fn regular_size(op: Op, path: &Path) -> Result<u64, OpError> {
    let meta = std::fs::metadata(path).map_err(|e| file_error(path, &e))?;
    if meta.is_file() {
        return Ok(meta.len());
    }
    use std::os::unix::fs::FileTypeExt;
    let ft = meta.file_type();
    let what = if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO (it would block until a writer came, and never say how long it is)"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device (it may never end, like /dev/zero)"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    let path = path.display().to_string();
    let what = what.to_string();
    Err(OpError::state(op, Refusal::NotRegularFile { path, what }))
}

/// A failure to read `path`, naming it.
pub(crate) fn file_error(path: &Path, e: &std::io::Error) -> OpError {
    let cause = OpError::io(Op::ReadFile, None, e).cause;
    OpError::new(
        Op::ReadFile,
        crate::engine::error::Cause::Os {
            errno: 0,
            text: format!("{}: {cause}", path.display()),
        },
    )
}

/// The bytes of a payload kept whole in memory, at most `limit` bytes: a file is checked
/// (regular, not over the limit) before it is read, and read no further than the limit.
pub(crate) fn load_limited(op: Op, payload: &Payload, limit: u64) -> Result<Arc<[u8]>, OpError> {
    let path = match payload {
        Payload::Bytes(b) => return Ok(b.clone()),
        Payload::File(p) => p,
    };
    let len = regular_size(op, path)?;
    if len > limit {
        let refusal = Refusal::FileTooBig {
            path: path.display().to_string(),
            len,
            limit,
            datagram: matches!(op, Op::Send | Op::SendTo),
        };
        return Err(OpError::state(op, refusal));
    }
    let f = std::fs::File::open(path).map_err(|e| file_error(path, &e))?;
    let mut data = Vec::with_capacity(len as usize);
    f.take(limit + 1)
        .read_to_end(&mut data)
        .map_err(|e| file_error(path, &e))?;
    if data.len() as u64 > limit {
        let path = path.display().to_string();
        return Err(OpError::state(op, Refusal::FileGrew { path, limit }));
    }
    Ok(data.into())
}

/// A file being read for a stream send: the engine's end.
pub(crate) struct FileFeed {
    /// Chunks, in order; the reader stops when this end is dropped.
    pub rx: Receiver<Chunk>,
    /// The file's size when the send began.
    pub total: u64,
    /// Bytes of earlier chunks written in full.
    pub done: u64,
    /// The file, for error messages.
    pub path: PathBuf,
    /// The chunk in `data` is the file's last.
    pub last: bool,
}

/// Starts reading `path` (`total` bytes at most) for socket `id`; each chunk wakes the
/// engine with [`Msg::Feed`].
pub(crate) fn start_reader(
    id: SockId,
    path: PathBuf,
    total: u64,
    wake: impl Fn(Msg) + Send + 'static,
) -> std::io::Result<FileFeed> {
    let (tx, rx) = crossbeam_channel::bounded(FILE_AHEAD);
    let p = path.clone();
    std::thread::Builder::new()
        .name("sockscope-file".into())
        .spawn(move || read_chunks(&p, total, &tx, &|| wake(Msg::Feed(id))))?;
    Ok(FileFeed {
        rx,
        total,
        done: 0,
        path,
        last: false,
    })
}

/// Reads `total` bytes of `path` in chunks, one chunk ahead so the last is marked as such.
fn read_chunks(path: &Path, total: u64, tx: &Sender<Chunk>, wake: &dyn Fn()) {
    let give = |c: Chunk| -> bool {
        // Block while the engine has enough ahead (backpressure); stop if it went away.
        let ok = match tx.try_send(c) {
            Ok(()) => true,
            Err(TrySendError::Full(c)) => {
                wake();
                tx.send(c).is_ok()
            }
            Err(TrySendError::Disconnected(_)) => false,
        };
        if ok {
            wake();
        }
        ok
    };
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f.take(total),
        Err(e) => {
            give(Err(e));
            return;
        }
    };
    let mut held: Option<Arc<[u8]>> = None;
    loop {
        let chunk = match fill(&mut f) {
            Ok(c) => c,
            Err(e) => {
                give(Err(e));
                return;
            }
        };
        let end = chunk.is_empty();
        let next = (!end).then(|| Arc::<[u8]>::from(chunk));
        match (held.take(), end) {
            (Some(prev), false) => {
                if !give(Ok((prev, false))) {
                    return;
                }
            }
            (Some(prev), true) => {
                give(Ok((prev, true)));
                return;
            }
            (None, true) => {
                give(Ok((Arc::from(Vec::new()), true)));
                return;
            }
            (None, false) => {}
        }
        held = next;
    }
}

/// Reads up to [`FILE_CHUNK`] bytes (fewer only at the end).
fn fill(f: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; FILE_CHUNK];
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(got);
    Ok(buf)
}

/// The most a datagram socket of `family` takes from a file in one datagram.
pub(crate) fn datagram_limit(family: crate::engine::command::Family) -> u64 {
    match family {
        crate::engine::command::Family::V4 => UDP_MAX_V4,
        crate::engine::command::Family::V6 => UDP_MAX_V6,
        crate::engine::command::Family::Unix => IN_MEMORY_LIMIT,
    }
}

impl crate::engine::reactor::Reactor {
    /// Queues a stream send of the regular file at `path`, read on a helper thread.
    pub(crate) fn queue_file(
        &mut self,
        id: SockId,
        cmd: crate::engine::event::CmdId,
        path: PathBuf,
    ) -> Result<(), OpError> {
        let total = regular_size(Op::Send, &path)?;
        let post = self.post.clone();
        let feed = start_reader(id, path.clone(), total, move |m| post.send(m))
            .map_err(|e| file_error(&path, &e))?;
        let Some(sock) = self.socks.get_mut(&id) else {
            return Ok(());
        };
        sock.outq.push_back(crate::engine::sock::Outgoing {
            cmd: Some(cmd),
            data: Arc::from(Vec::new()),
            off: 0,
            to: None,
            next_report: crate::engine::PROGRESS_STEP,
            reply: false,
            feed: Some(Box::new(feed)),
        });
        self.flush(id);
        Ok(())
    }
}
