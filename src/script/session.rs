//! What a script runner knows of the session: the log, socket names, data received per
//! socket for `expect`, peers that closed, and the outcomes of commands.

use std::collections::{HashMap, HashSet};

use crate::engine::{CmdId, Event, EventKind, SockId, SockRef};
use crate::log::SessionLog;

/// Bytes kept per socket for `expect` before the oldest are dropped.
const EXPECT_WINDOW: usize = 16 << 20;

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
    outcomes: HashMap<CmdId, Event>,
    /// False when the caller keeps its own log (the app): events are not logged twice.
    logging: bool,
    /// Set when the engine has stopped (or the runner was dropped).
    pub ended: bool,
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
            outcomes: HashMap::new(),
            logging: true,
            ended: false,
        }
    }

    /// Records a command line in the log.
    pub fn command(&mut self, line: &str) {
        if self.logging {
            self.log.push_command(line);
        }
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
        if let (EventKind::Accepted { listener, .. }, Some(id)) = (&ev.kind, ev.socket) {
            self.parents.insert(id, *listener);
        }
        if let (EventKind::Received { data, .. }, Some(id)) = (&ev.kind, ev.socket) {
            for target in self.lineage(id) {
                let buf = self.pending.entry(target).or_default();
                buf.extend_from_slice(data);
                if buf.len() > EXPECT_WINDOW {
                    let cut = buf.len() - EXPECT_WINDOW / 2;
                    buf.drain(..cut);
                }
            }
        }
        if let (EventKind::PeerClosed, Some(id)) = (&ev.kind, ev.socket) {
            for target in self.lineage(id) {
                self.peer_closed.insert(target);
            }
        }
        if let Some(cmd) = ev.cmd {
            self.outcomes.insert(cmd, ev.clone());
        }
        if self.logging {
            self.log.push_event(ev);
            self.print_last();
        }
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
        if needle.is_empty() {
            return true;
        }
        match buf.windows(needle.len()).position(|w| w == needle) {
            Some(at) => {
                buf.drain(..at + needle.len());
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

    /// Whether the peer of `sock` (or of a connection accepted from it) has closed.
    pub fn peer_closed(&self, sock: SockId) -> bool {
        self.peer_closed.contains(&sock)
    }
}
