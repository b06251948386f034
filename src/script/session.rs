//! What a script runner knows of the session: the log, socket names, data received per
//! socket for `expect`, peers that closed or reset, and the outcomes of commands.
//!
//! The data kept for `expect` is bounded: a small window per socket (the last
//! [`EXPECT_WINDOW`] bytes, or twice the longest payload the script expects), only for the
//! sockets a script may wait on ([`Session::plan`]), freed when the socket closes. The
//! payload an `expect` waits for is looked for as data arrives, so nothing slips out of
//! the window between two looks.

use std::collections::{HashMap, HashSet};

use crate::engine::{CmdId, Event, EventKind, SockId, SockRef};
use crate::log::save::stream::LogStream;
use crate::log::{Record, SessionLog};

/// Bytes kept per socket for `expect`, by default, before the oldest are dropped.
pub const EXPECT_WINDOW: usize = 64 << 10;

/// Which sockets' data is kept for `expect`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    /// Every socket's (a shell or console: any line may be an `expect`).
    All,
    /// Only these sockets' (and their accepted connections'): the ones a script names in
    /// its `expect` lines.
    Only(Vec<SockRef>),
}

/// The `expect` under way: which socket, which bytes, and whether they have arrived.
struct Watch {
    sock: SockId,
    needle: Vec<u8>,
    found: bool,
}

/// How a runner shows events as they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// One text line per event, payloads cut after this many bytes.
    Text(usize),
    /// One JSON object per line (`--json`).
    Json,
    /// Nothing (the app shows events itself).
    Quiet,
}

/// Where printed lines go.
pub type Printer = Box<dyn FnMut(&str) + Send>;

/// The runner's view of the session, fed by the event pump.
pub struct Session {
    /// Every command and event, in order.
    pub log: SessionLog,
    output: Output,
    printer: Printer,
    names: HashMap<String, SockId>,
    parents: HashMap<SockId, SockId>,
    /// Data received by a socket or its accepted connections, past the last `expect` match.
    pending: HashMap<SockId, Vec<u8>>,
    peer_closed: HashSet<SockId>,
    reset: HashSet<SockId>,
    outcomes: HashMap<CmdId, Event>,
    scope: Scope,
    /// Bytes kept per socket: [`EXPECT_WINDOW`], or more for a script's long payloads.
    window: usize,
    watch: Option<Watch>,
    /// False when the caller keeps its own log (the app): events are not logged twice.
    logging: bool,
    /// Set when the engine has stopped (or the runner was dropped).
    pub ended: bool,
    /// Every socket created or accepted in this session.
    sockets: HashSet<SockId>,
    /// Set once a listener accepts on its own (`accept ID auto`): new ids may then appear
    /// at any moment.
    auto_accepting: bool,
    /// The `--log` file written as records come, if any.
    stream: Option<LogStream>,
    /// Print a learner's explanation under each error (`--explain`).
    explain: bool,
    /// Which data lines text output prints (the rest are summarized).
    thinning: super::summary::Thinning,
    /// Called when no event waits (and as the session ends): flushes buffered output.
    flusher: Option<Box<dyn FnMut() + Send>>,
}

impl Session {
    /// An empty session printing with `printer`.
    pub fn new(output: Output, printer: Printer) -> Session {
        Session {
            log: SessionLog::new(),
            output,
            printer,
            names: HashMap::new(),
            parents: HashMap::new(),
            pending: HashMap::new(),
            peer_closed: HashSet::new(),
            reset: HashSet::new(),
            outcomes: HashMap::new(),
            scope: Scope::All,
            window: EXPECT_WINDOW,
            watch: None,
            logging: true,
            ended: false,
            stream: None,
            sockets: HashSet::new(),
            auto_accepting: false,
            explain: false,
            thinning: super::summary::Thinning::default(),
            flusher: None,
        }
    }

    /// Shows a line that is no event (`packet list`): as it is in text, as
    /// `{"packet": LINE}` in JSON.
    pub fn say(&mut self, line: &str) {
        match self.output {
            Output::Json => (self.printer)(&serde_json::json!({ "packet": line }).to_string()),
            _ => (self.printer)(line),
        }
    }

    /// Shows a line of the runner's own (a stress test's figures): `text`, or `json` in
    /// JSON output; then flushes, so that live lines show as they come.
    pub fn show(&mut self, text: &str, json: &serde_json::Value) {
        match self.output {
            Output::Json => (self.printer)(&json.to_string()),
            _ => (self.printer)(text),
        }
        self.idle();
    }

    /// Has `flush` called whenever the events are all taken in (the printer may buffer).
    pub fn set_flusher(&mut self, flush: Box<dyn FnMut() + Send>) {
        self.flusher = Some(flush);
    }

    /// No event waits: tells the data held back in intervals that ended, and flushes.
    pub fn idle(&mut self) {
        self.tell_held(false);
        if let Some(f) = &mut self.flusher {
            f();
        }
    }

    /// The session ends: tells every data event still held back, and flushes.
    pub fn end_output(&mut self) {
        self.tell_held(true);
        if let Some(f) = &mut self.flusher {
            f();
        }
    }

    /// Prints the summary lines of data held back ([`super::summary`]): of the intervals
    /// that ended, or with `all` of every socket.
    fn tell_held(&mut self, all: bool) {
        if !matches!(self.output, Output::Text(_)) {
            return;
        }
        for held in self.thinning.due(std::time::Instant::now(), all) {
            self.print_held(&held);
        }
    }

    fn print_held(&mut self, held: &super::summary::Held) {
        let line = format!(
            "{:>11.6} {:<6} {}",
            crate::log::format::since(&self.log, held.last_at),
            self.log.label(held.sock),
            held.text()
        );
        (self.printer)(&line);
    }

    /// Records a command line in the log.
    pub fn command(&mut self, line: &str) {
        if self.logging {
            let at = std::time::SystemTime::now();
            self.log.push_command_at(at, line);
            if let Some(stream) = &mut self.stream {
                let rec = Record::Command {
                    at,
                    line: line.to_string(),
                };
                stream.record(&rec, &self.log);
            }
        }
    }

    /// Writes every record from now on to `stream` as it is logged, payload included
    /// (whatever the log's payload budget keeps in memory).
    pub fn stream_to(&mut self, stream: LogStream) {
        self.stream = Some(stream);
    }

    /// Takes the stream back, to [`LogStream::finish`] it.
    pub fn take_stream(&mut self) -> Option<LogStream> {
        self.stream.take()
    }

    /// Stops keeping a log (and empties it), for a caller that logs everything itself and
    /// prints nothing ([`Output::Quiet`]); `expect` and names work as before.
    pub fn stop_logging(&mut self) {
        self.logging = false;
        self.log = SessionLog::new();
    }

    /// Learns a socket's name from elsewhere (sockets named before this session began).
    pub fn learn_name(&mut self, id: SockId, name: &str) {
        self.names.entry(name.to_string()).or_insert(id);
    }

    /// Takes in one event: prints it, logs it, updates what `expect` looks at.
    pub fn absorb(&mut self, ev: Event) {
        match &ev.kind {
            EventKind::Created { name: Some(n), .. } => {
                if let Some(id) = ev.socket {
                    self.names.insert(n.clone(), id);
                }
            }
            EventKind::Accepted { name: Some(n), .. } => {
                if let Some(id) = ev.socket {
                    self.names.insert(n.to_string(), id);
                }
            }
            _ => {}
        }
        if let EventKind::AutoAccept { on: true } = &ev.kind {
            self.auto_accepting = true;
        }
        if let (EventKind::Created { .. } | EventKind::Accepted { .. }, Some(id)) =
            (&ev.kind, ev.socket)
        {
            self.sockets.insert(id);
        }
        if let (EventKind::Accepted { listener, .. }, Some(id)) = (&ev.kind, ev.socket) {
            self.parents.insert(id, *listener);
        }
        if let (EventKind::Received { data, .. }, Some(id)) = (&ev.kind, ev.socket) {
            for target in self.lineage(id) {
                self.keep(target, data);
            }
        }
        if let (EventKind::PeerClosed, Some(id)) = (&ev.kind, ev.socket) {
            for target in self.lineage(id) {
                self.peer_closed.insert(target);
            }
        }
        if let (EventKind::Reset, Some(id)) = (&ev.kind, ev.socket) {
            for target in self.lineage(id) {
                self.reset.insert(target);
            }
        }
        if let (EventKind::Closed, Some(id)) = (&ev.kind, ev.socket) {
            // Its data goes with it (its listener's copy stays, for `expect LISTENER`).
            self.pending.remove(&id);
        }
        if let Some(cmd) = ev.cmd {
            self.outcomes.insert(cmd, ev.clone());
        }
        if self.logging {
            let data = match (&ev.kind, ev.socket) {
                (EventKind::Received { data, .. } | EventKind::Message { data, .. }, Some(id)) => {
                    Some((id, data.len(), ev.at))
                }
                _ => None,
            };
            // The stream gets the event with its payload, before the budget can evict it.
            let streamed = self.stream.as_ref().map(|_| Record::from(ev.clone()));
            self.log.push_event(ev);
            if let (Some(stream), Some(rec)) = (&mut self.stream, streamed) {
                stream.record(&rec, &self.log);
            }
            if self.shown(data) {
                self.print_last();
            }
        }
    }

    /// Prints a learner's explanation under each error (text output only).
    pub fn set_explain(&mut self, on: bool) {
        self.explain = on;
    }

    /// Whether text output prints the event just logged: a data event `data` (socket,
    /// bytes, time) past its socket's lines for this interval is held back for a summary;
    /// before any other line, what is held back is told.
    fn shown(&mut self, data: Option<(SockId, usize, std::time::SystemTime)>) -> bool {
        if !matches!(self.output, Output::Text(_)) {
            return true;
        }
        let Some((id, len, at)) = data else {
            self.tell_held(true);
            return true;
        };
        let (shown, told) = self.thinning.admit(id, len, std::time::Instant::now(), at);
        if let Some(held) = told {
            self.print_held(&held);
        }
        shown
    }

    fn print_last(&mut self) {
        let Some(rec) = self.log.last() else {
            return;
        };
        let mut lines = Vec::new();
        match self.output {
            Output::Quiet => return,
            Output::Json => lines.push(crate::log::format::json_line(rec, &self.log)),
            Output::Text(max) => {
                lines.push(crate::log::format::text_line(rec, &self.log, max));
                if let crate::log::Record::Event(logged) = rec
                    && let EventKind::Failed(err) = &logged.kind
                    && self.explain
                    && let Some(why) = crate::explain::explain(err)
                {
                    lines.push(format!("    why: {why}"));
                }
                if let crate::log::Record::Event(logged) = rec
                    && let EventKind::Status(list) = &logged.kind
                {
                    lines.extend(
                        list.iter()
                            .map(|s| format!("    {}", crate::log::format::status_line(s))),
                    );
                }
            }
        }
        for line in lines {
            (self.printer)(&line);
        }
    }

    /// Keeps `data` received by `target` for `expect`, if a script may wait on it; finds
    /// the payload of the `expect` under way in it before the window drops anything.
    fn keep(&mut self, target: SockId, data: &[u8]) {
        if !self.wanted(target) {
            return;
        }
        let buf = self.pending.entry(target).or_default();
        let old = buf.len();
        buf.extend_from_slice(data);
        // Only the new bytes (and a needle's length before them) can hold a new match: the
        // rest was looked at as it came, so each event costs its own length, not the window's.
        if let Some(w) = self.watch.as_mut().filter(|w| w.sock == target && !w.found) {
            let from = old.saturating_sub(w.needle.len().saturating_sub(1));
            if let Some(end) = find_end(&buf[from..], &w.needle) {
                buf.drain(..from + end);
                w.found = true;
            }
        }
        let window = self.window;
        if buf.len() > window {
            let cut = buf.len() - window / 2;
            buf.drain(..cut);
        }
        if buf.capacity() > 2 * window {
            buf.shrink_to(window);
        }
    }

    /// Whether data received by `sock` may be waited on by an `expect`.
    fn wanted(&self, sock: SockId) -> bool {
        if self.watch.as_ref().is_some_and(|w| w.sock == sock) {
            return true;
        }
        match &self.scope {
            Scope::All => true,
            Scope::Only(refs) => refs.iter().any(|r| self.resolve(r) == Some(sock)),
        }
    }

    /// Tells the session which sockets a script's `expect` lines wait on and the longest
    /// payload they wait for (in bytes): only those sockets' data is kept, in windows
    /// large enough for that payload.
    pub fn plan(&mut self, socks: Vec<SockRef>, longest: usize) {
        self.scope = Scope::Only(socks);
        self.window = EXPECT_WINDOW.max(longest.saturating_mul(2));
    }

    /// Starts an `expect` of `needle` on `sock`: from now on it is looked for as data
    /// arrives. Returns true if what was kept already holds it (consumed up to its end).
    pub fn watch(&mut self, sock: SockId, needle: &[u8]) -> bool {
        self.watch = Some(Watch {
            sock,
            needle: needle.to_vec(),
            found: false,
        });
        if self.take_match(sock, needle) {
            self.watch = None;
            return true;
        }
        false
    }

    /// Whether an `expect` on `sock` is under way.
    pub fn watching(&self, sock: SockId) -> bool {
        self.watch.as_ref().is_some_and(|w| w.sock == sock)
    }

    /// Whether the `expect` under way has found its payload (and ends it if so).
    pub fn watched_found(&mut self) -> bool {
        if self.watch.as_ref().is_some_and(|w| w.found) {
            self.watch = None;
            return true;
        }
        false
    }

    /// Ends the `expect` under way (it timed out).
    pub fn unwatch(&mut self) {
        self.watch = None;
    }

    /// Bytes held for `expect`, over every socket (their buffers' capacity).
    pub fn expect_bytes_held(&self) -> usize {
        self.pending.values().map(Vec::capacity).sum()
    }

    /// The socket and the listener it was accepted from, if any.
    fn lineage(&self, id: SockId) -> Vec<SockId> {
        let mut v = vec![id];
        if let Some(p) = self.parents.get(&id) {
            v.push(*p);
        }
        v
    }

    /// The socket a reference names, as far as the session knows.
    pub fn resolve(&self, r: &SockRef) -> Option<SockId> {
        match r {
            SockRef::Id(id) => Some(*id),
            SockRef::Name(n) => self.names.get(n).copied(),
        }
    }

    /// Takes the outcome of command `id`, if it has arrived.
    pub fn take_outcome(&mut self, id: CmdId) -> Option<Event> {
        self.outcomes.remove(&id)
    }

    /// If what `sock` received since the last match contains `needle`, consumes up to the
    /// end of the match and returns true.
    pub fn take_match(&mut self, sock: SockId, needle: &[u8]) -> bool {
        let Some(buf) = self.pending.get_mut(&sock) else {
            return needle.is_empty();
        };
        match find_end(buf, needle) {
            Some(end) => {
                buf.drain(..end);
                true
            }
            None => false,
        }
    }

    /// What `sock` received since the last match (for a failed expect's message).
    pub fn unmatched(&self, sock: SockId) -> &[u8] {
        self.pending.get(&sock).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Ids and names of every socket seen, for completion.
    pub fn labels(&self) -> Vec<String> {
        let mut v: Vec<String> = self.names.keys().cloned().collect();
        let mut ids: Vec<_> = self.log.iter().filter_map(|r| r.socket()).collect();
        ids.sort();
        ids.dedup();
        v.extend(ids.into_iter().map(|id| id.to_string()));
        v
    }

    /// Whether this session saw `sock` created or accepted.
    pub fn exists(&self, sock: SockId) -> bool {
        self.sockets.contains(&sock)
    }

    /// Whether `sock` may still appear: a listener of this session accepts on its own.
    pub fn may_appear(&self, sock: &SockRef) -> bool {
        matches!(sock, SockRef::Id(_)) && self.auto_accepting
    }

    /// Whether the peer of `sock` (or of a connection accepted from it) has closed.
    pub fn peer_closed(&self, sock: SockId) -> bool {
        self.peer_closed.contains(&sock)
    }

    /// Whether the peer of `sock` (or of a connection accepted from it) has reset it.
    pub fn was_reset(&self, sock: SockId) -> bool {
        self.reset.contains(&sock)
    }
}

/// The end of the first occurrence of `needle` in `hay`.
fn find_end(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    memchr::memmem::find(hay, needle).map(|at| at + needle.len())
}
