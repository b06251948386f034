//! The journal's writer thread and its queue: the log hands over records (cheap clones: the
//! payloads are shared `Arc`s), and this thread turns them into journal lines and writes
//! them, so that no formatting happens on the thread that pushes to the log.
//!
//! The writer keeps its own [`LogContext`], taught by the same events in the same order as
//! the log's, so a line reads exactly as if the log had formatted it when it was pushed.
//! The queue never blocks the caller; what it holds is bounded by [`Backlog::admit`].

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use serde_json::json;

use super::journal::{FLUSH_BEHIND, FLUSH_EVERY, FLUSH_INTERVAL};
use super::row::Row;
use super::{LogContext, Record, format, writer};

/// What the journal sends its writer thread.
pub(super) enum Msg {
    /// The log's context when the journal is attached: its start, names, local addresses.
    Context(Box<LogContext>),
    /// A record to journal.
    Record(Queued),
    /// Write everything before this to the OS, then answer.
    Flush(Sender<io::Result<()>>),
    /// Write everything before this, delete the file, answer and stop.
    Finish(Sender<io::Result<()>>),
    /// Tests: the writer waits until the other end is dropped (or sends), at most a minute
    /// (so that a failing test cannot hang on it).
    #[cfg(test)]
    Hold(Receiver<()>),
}

/// A record on its way to the writer.
pub(super) struct Queued {
    /// Its number in the session.
    pub seq: u64,
    /// The record; its payload is evicted from this copy when it was omitted.
    pub rec: Record,
    /// Payload bytes it counts against the queue's bound (0 when omitted).
    pub held: usize,
    /// `Some(length)` when the queue was over its bound and the payload was not handed over.
    pub omitted: Option<usize>,
    /// Whether the writer's context learns from it (a live record); records already logged
    /// when the journal was attached are formatted with the context sent along.
    pub learn: bool,
    /// When it was handed over: the writer gets it to the OS within [`FLUSH_INTERVAL`] of
    /// this while it is not behind.
    pub at: Instant,
}

/// How much the queue may hold before payloads are omitted.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Payload bytes.
    pub bytes: usize,
    /// Records.
    pub records: usize,
}

/// What waits for the writer: added to by the journal, taken from by the writer.
#[derive(Debug, Default)]
pub(super) struct Backlog {
    bytes: AtomicUsize,
    records: AtomicUsize,
}

impl Backlog {
    /// Counts a record with `len` payload bytes into the queue and says whether its payload
    /// may go with it: yes when fewer than `limits.records` records wait and the bytes
    /// waiting plus `len` fit `limits.bytes`, or when no payload bytes wait at all (so that
    /// one payload larger than the bound is still journaled by an idle writer).
    pub fn admit(&self, len: usize, limits: Limits) -> bool {
        let records = self.records.fetch_add(1, Ordering::AcqRel);
        if len == 0 {
            return true;
        }
        let bytes = self.bytes.load(Ordering::Acquire);
        let fits =
            records < limits.records && (bytes == 0 || bytes.saturating_add(len) <= limits.bytes);
        if fits {
            self.bytes.fetch_add(len, Ordering::AcqRel);
        }
        fits
    }

    /// Takes a record that was counted in but never reached the writer back out.
    pub fn cancel(&self, held: usize) {
        self.done(held);
    }

    /// The writer has written a record that held `held` payload bytes.
    fn done(&self, held: usize) {
        self.bytes.fetch_sub(held, Ordering::AcqRel);
        self.records.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The journal row of a record: the row of `sockscope run --json` with `seq`, a `summary`
/// for events without payload, and `omitted` when the payload was left out.
fn journal_row(ctx: &mut LogContext, q: &Queued) -> Row {
    let rec = &q.rec;
    if q.learn
        && let Record::Event(ev) = rec
    {
        ctx.learn(ev);
    }
    let mut row = Row::from_record(rec, ctx);
    row.seq = Some(q.seq);
    if let Some(n) = q.omitted {
        row.extra.push(("omitted", json!(n)));
    }
    if row.len.is_none() && row.command.is_none() {
        row.summary = Some(format::summary(rec, ctx, 0));
    }
    row
}

/// Everything the writer thread needs.
pub(super) struct Writer<'a> {
    /// The journal file, header written.
    pub file: File,
    /// Its path, for messages and `Finish`.
    pub path: &'a Path,
    /// Where the journal's messages arrive.
    pub rx: Receiver<Msg>,
    /// The first error met, for [`super::journal::Journal::last_error`].
    pub failure: &'a Mutex<Option<String>>,
    /// The queue's count, taken from as records are written.
    pub backlog: &'a Backlog,
    /// The log's context until the journal sends its own.
    pub ctx: LogContext,
}

/// When the writer writes its buffer to the OS: [`FLUSH_INTERVAL`] after the oldest
/// buffered record was handed over, after [`FLUSH_EVERY`] records, and, once that time has
/// passed (the writer is behind), every [`FLUSH_BEHIND`] records or as soon as nothing waits.
#[derive(Debug, Default)]
struct Pending {
    /// Records buffered since the last flush.
    count: usize,
    /// When the oldest of them was handed over.
    oldest: Option<Instant>,
}

impl Pending {
    fn add(&mut self, at: Instant) {
        self.count += 1;
        self.oldest.get_or_insert(at);
    }

    /// How long the writer may wait for the next message before it must flush.
    fn wait(&self) -> Option<std::time::Duration> {
        self.oldest
            .map(|t0| FLUSH_INTERVAL.saturating_sub(t0.elapsed()))
    }

    /// Whether the buffer goes to the OS now, `idle` saying that no message waits.
    fn due(&self, idle: bool) -> bool {
        let late = self.oldest.is_some_and(|t0| t0.elapsed() >= FLUSH_INTERVAL);
        self.count >= FLUSH_EVERY || (late && (idle || self.count >= FLUSH_BEHIND))
    }
}

/// The writer thread: formats and writes queued records, flushing on time, on count and
/// when asked ([`Pending`]).
pub(super) fn write_loop(mut wr: Writer<'_>) {
    let path = wr.path;
    let mut w = BufWriter::with_capacity(256 * 1024, wr.file);
    let mut pending = Pending::default();
    let note = |e: &io::Error| {
        let mut g = match wr.failure.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        g.get_or_insert_with(|| format!("cannot write journal {}: {e}", path.display()));
    };
    let flush = |w: &mut BufWriter<File>, pending: &mut Pending| {
        *pending = Pending::default();
        let r = w.flush();
        if let Err(e) = &r {
            note(e);
        }
        r
    };
    loop {
        let msg = match pending.wait() {
            Some(left) if left.is_zero() => Err(RecvTimeoutError::Timeout),
            Some(left) => wr.rx.recv_timeout(left),
            None => wr.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match msg {
            Ok(Msg::Context(ctx)) => wr.ctx = *ctx,
            Ok(Msg::Record(q)) => {
                let row = journal_row(&mut wr.ctx, &q);
                let r = writer::json::write(&mut w, &row);
                drop(row);
                let (held, at) = (q.held, q.at);
                drop(q);
                wr.backlog.done(held);
                if let Err(e) = r {
                    note(&e);
                }
                pending.add(at);
                if pending.due(wr.rx.is_empty()) {
                    let _ = flush(&mut w, &mut pending);
                }
            }
            Ok(Msg::Flush(ack)) => {
                let r = flush(&mut w, &mut pending);
                let _ = ack.send(r);
            }
            Ok(Msg::Finish(ack)) => {
                let r = flush(&mut w, &mut pending).and_then(|()| fs::remove_file(path));
                let _ = ack.send(r);
                return;
            }
            #[cfg(test)]
            Ok(Msg::Hold(until)) => {
                let _ = until.recv_timeout(std::time::Duration::from_secs(60));
            }
            Err(RecvTimeoutError::Timeout) => {
                let _ = flush(&mut w, &mut pending);
            }
            Err(RecvTimeoutError::Disconnected) => {
                let _ = flush(&mut w, &mut pending);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::Duration;

    use serde_json::Value;

    use super::*;
    use crate::engine::{Addr, Event, EventKind, Family, Proto, SockId};
    use crate::log::SessionLog;
    use crate::log::journal::Journal;

    fn addr(s: &str) -> Addr {
        s.parse::<SocketAddr>().map(Addr::from).unwrap()
    }

    fn received(socket: u32, data: Vec<u8>) -> Event {
        Event::on(
            socket,
            EventKind::Received {
                peer: Some(addr("127.0.0.1:9")),
                data: Arc::from(data),
                truncated_from: None,
            },
        )
    }

    /// The journal's lines after its header, as JSON.
    fn lines(path: &Path) -> Vec<Value> {
        let text = fs::read_to_string(path).unwrap();
        text.lines()
            .skip(1)
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Pushes a created socket and a received chunk a payload, a command every 50, to
    /// `log`; returns it with the slowest push's time.
    fn push_all(mut log: SessionLog, payloads: Vec<Vec<u8>>) -> (SessionLog, Duration) {
        let mut slowest = Duration::ZERO;
        let mut push = |log: &mut SessionLog, ev: Option<Event>| {
            let t = Instant::now();
            match ev {
                Some(ev) => log.push_event(ev),
                None => log.push_command("send srv \"…\""),
            }
            slowest = slowest.max(t.elapsed());
        };
        push(
            &mut log,
            Some(Event::on(
                1,
                EventKind::Created {
                    proto: Proto::Tcp,
                    family: Family::V4,
                    name: Some("srv".into()),
                },
            )),
        );
        for (i, p) in payloads.into_iter().enumerate() {
            if i % 50 == 0 {
                push(&mut log, None);
            }
            push(&mut log, Some(received(1, p)));
        }
        (log, slowest)
    }

    #[test]
    fn log_journal_never_waits_for_a_held_writer_and_counts_what_it_left_out() {
        const CHUNK: usize = 16 * 1024;
        const CHUNKS: usize = 400; // 6.25 MiB of payload, over 6 times the 1 MiB bound
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("held.journal.jsonl");
        let mut journal = Journal::create_at(&path).unwrap();
        journal.set_queue_limits(1024 * 1024, 100_000);
        let release = journal.hold_writer();
        let mut log = SessionLog::new();
        log.attach_journal(journal);
        let payloads: Vec<Vec<u8>> = (0..CHUNKS).map(|i| vec![(i % 251) as u8; CHUNK]).collect();
        let expected = payloads.clone();
        // The pushes run on their own thread: were `append` to wait for the held writer,
        // this test fails on the timeout below instead of hanging.
        let (done, finished) = crossbeam_channel::bounded(1);
        std::thread::spawn(move || {
            let _ = done.send(push_all(log, payloads));
        });
        let (log, slowest) = finished
            .recv_timeout(Duration::from_secs(30))
            .expect("pushing to the log waited for the held journal writer");
        // Declared after `log`, so dropped first should an assertion fail: the journal's
        // drop then does not wait on a writer still held.
        let release = release;
        assert!(
            slowest < Duration::from_millis(200),
            "one push took {slowest:?}"
        );
        let journal = log.journal().unwrap();
        // 1 MiB of 16 KiB payloads fit: the first 64; the other 336 are left out.
        let left_out = (CHUNKS - 64) as u64;
        assert_eq!(journal.omitted().records, left_out);
        assert_eq!(journal.omitted().bytes, left_out * CHUNK as u64);
        drop(release);
        journal.flush().unwrap();

        let rows = Journal::recover(&path).unwrap();
        assert_eq!(rows.len(), log.len());
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.seq, Some(i as u64), "row {i}");
        }
        let traffic: Vec<_> = rows.iter().filter(|r| r.event == "received").collect();
        assert_eq!(traffic.len(), CHUNKS);
        let mut missing = (0u64, 0u64);
        for (row, sent) in traffic.iter().zip(&expected) {
            assert_eq!(row.len, Some(CHUNK));
            assert_eq!(row.name.as_deref(), Some("srv"));
            match &row.payload {
                Some(p) => assert_eq!(&p[..], &sent[..]),
                None => {
                    assert!(row.evicted, "a row without bytes says so");
                    missing.0 += 1;
                    missing.1 += CHUNK as u64;
                }
            }
        }
        assert!(traffic[..64].iter().all(|r| r.payload.is_some()));
        assert_eq!(missing, (left_out, left_out * CHUNK as u64));
        let marked: u64 = lines(&path)
            .iter()
            .filter_map(|v| v.get("omitted").and_then(Value::as_u64))
            .sum();
        assert_eq!(marked, journal.omitted().bytes);
        // Written: the queue is empty again, so payloads are journaled again.
        let mut log = log;
        log.push_event(received(1, vec![1, 2, 3]));
        log.journal().unwrap().flush().unwrap();
        let last = Journal::recover(&path).unwrap().pop().unwrap();
        assert_eq!(last.payload.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(log.journal().unwrap().omitted().records, left_out);
    }

    #[test]
    fn log_journal_lines_are_what_the_log_would_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("same.journal.jsonl");
        let mut log = SessionLog::new();
        let created = |id, name: &str| {
            Event::on(
                id,
                EventKind::Created {
                    proto: Proto::Tcp,
                    family: Family::V4,
                    name: Some(name.into()),
                },
            )
        };
        let listening = Event::on(
            1,
            EventKind::Listening {
                local: addr("127.0.0.1:7000"),
                backlog: 16,
            },
        );
        let accepted = Event::on(
            2,
            EventKind::Accepted {
                listener: SockId(1),
                local: addr("127.0.0.1:7000"),
                peer: addr("127.0.0.1:9"),
                name: None,
            },
        );
        // Pushed before the journal is attached (replayed), then after (live).
        log.push_command("socket tcp as srv");
        log.push_event(created(1, "srv"));
        log.push_event(listening);
        let mut expected = Vec::new();
        log.attach_journal(Journal::create_at(&path).unwrap());
        log.push_event(accepted);
        log.push_event(received(2, b"hello\n".to_vec()));
        log.push_event(created(3, "cli"));
        log.push_event(Event::on(3, EventKind::Closed));
        log.push_event(received(2, vec![0xff, 0]));
        for (i, rec) in log.iter().enumerate() {
            let rec: &Record = &rec;
            let mut v: Value = serde_json::from_str(&format::json_line(rec, &log)).unwrap();
            let m = v.as_object_mut().unwrap();
            m.insert("seq".into(), json!(i));
            if format::payload_len(rec).is_none() && !matches!(rec, Record::Command { .. }) {
                m.insert("summary".into(), json!(format::summary(rec, &log, 0)));
            }
            expected.push(v);
        }
        log.journal().unwrap().flush().unwrap();
        let got = lines(&path);
        assert_eq!(got, expected);
        // Byte for byte what `Value::to_string` wrote before the writer thread formatted.
        let text = fs::read_to_string(&path).unwrap();
        let raw: Vec<&str> = text.lines().skip(1).collect();
        let want: Vec<String> = expected.iter().map(Value::to_string).collect();
        assert_eq!(raw, want);
        // The mirror learned the listener's name and the connection's local address.
        assert_eq!(
            got[3]["summary"],
            "accepted 127.0.0.1:9 on 127.0.0.1:7000 (from srv)"
        );
        assert_eq!(got[4]["local"], "127.0.0.1:7000");
        assert_eq!(got[6]["name"], "cli");
        assert_eq!(log.journal().unwrap().omitted(), Default::default());
    }
}
