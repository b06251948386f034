//! The GUI-free socket engine: one background thread owns every socket; callers send
//! [`Command`]s and receive [`Event`]s over crossbeam channels and never block on a socket.
//!
//! ```
//! use sockscope::engine::{Command, Engine, EventKind, Family, Proto, SockId, SockRef};
//! use std::time::Duration;
//!
//! let engine = Engine::start().unwrap();
//! let events = engine.subscribe();
//! engine.submit(Command::Socket { proto: Proto::Udp, family: Family::V4, name: None });
//! engine.submit(Command::Bind {
//!     sock: SockRef::Id(SockId(1)),
//!     addr: "127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into(),
//! });
//! loop {
//!     let ev = events.recv_timeout(Duration::from_secs(5)).unwrap();
//!     if let EventKind::Bound { local, .. } = ev.kind {
//!         assert_ne!(local.ip().unwrap().port(), 0); // the port the OS chose
//!         break;
//!     }
//! }
//! engine.shutdown();
//! ```

mod addr;
pub mod checksum;
mod command;
mod command_parts;
pub mod diag;
mod errno;
mod error;
mod event;
mod framing;
mod fsm;
mod limits;
mod ops;
mod options;
mod payload;
mod reactor;
pub mod relay;
mod responders;
mod setting_text;
mod sock;
pub mod template;
pub mod tls;

pub use addr::{Addr, AddrSpec};
pub use checksum::Checksum;
pub use command::{
    Command, DEFAULT_BACKLOG, DEFAULT_CONNECT_TIMEOUT, Family, FloodLimit, How, OnClose, Payload,
    Proto, Responder, SockRef,
};
pub use diag::AcceptQueue;
pub use errno::errno_name;
pub use error::{Cause, Op, OpError};
pub use event::{
    CmdId, Counters, Event, EventKind, Resolution, Setting, SockId, SockState, SockStats,
    SocketInfo,
};
pub use framing::{FrameSplitter, Framed, Framing, MAX_FRAME, length_header_text, length_prefixed};
pub use fsm::{Facts, Halves, Life, Refusal, Step};
pub use limits::raise_fd_limit;
pub use ops::file_payload::{IN_MEMORY_LIMIT, UDP_MAX_V4, UDP_MAX_V6};

/// How many ended (closed or reset) accepted connections the engine keeps a record of:
/// past it the oldest is forgotten (`status` no longer lists it, its id names no socket),
/// so memory stays bounded under connection churn. The session log keeps their history.
pub const ENDED_KEPT: usize = 4096;

/// The most bytes one `recv` reads (and one flood message or `recvsize` holds): room for
/// the largest UDP datagram. The parser and the app's fields take their range from it.
pub const RECV_MAX: usize = 65_536;

/// Bytes of received data waiting in one subscriber's queue above which the engine stops
/// reading until that subscriber catches up (TCP peers are slowed by flow control; nothing
/// read is dropped). Bounds the memory a consumer that is behind can pile up.
pub const QUEUED_BYTES_MAX: u64 = 64 << 20;

/// A large send reports its progress every this many bytes (the app calls a send this
/// big a big one).
pub const PROGRESS_STEP: usize = 1 << 20;
pub use options::{OptValue, SockOpt};
pub use reactor::resolve::{Lookup, RESOLVE_TIMEOUT, Resolver};
pub use relay::fault::{Dir, Fault, Faults, Ppm};
pub use responders::{
    LenMatch, Match, Rule, TemplateVars, checksum_cond_text, expand, parse_checksum_cond,
};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

/// A callback the engine calls after it has delivered events (the app passes `ctx.request_repaint`).
pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// What travels from the handle to the engine thread.
pub(crate) enum Msg {
    /// Run a command.
    Run(CmdId, Command),
    /// Deliver every later event to this sender too.
    Subscribe(Sender<Event>, Option<Notify>),
    /// Close every socket and stop.
    Shutdown,
    /// A file being sent on this socket has a chunk ready (from its reader thread).
    Feed(event::SockId),
    /// The addresses a command's host name resolved to (from a resolver thread).
    Resolved(CmdId, std::io::Result<Vec<std::net::SocketAddr>>),
}

struct Shared {
    tx: Sender<Msg>,
    waker: Arc<mio::Waker>,
    next_cmd: AtomicU64,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Shared {
    fn stop(&self) {
        let handle = match self.thread.lock() {
            Ok(mut guard) => guard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(handle) = handle {
            let _ = self.tx.send(Msg::Shutdown);
            let _ = self.waker.wake();
            let _ = handle.join();
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A handle to the engine. Cheap to clone; the engine stops when the last clone is dropped
/// or [`Engine::shutdown`] is called.
#[derive(Clone)]
pub struct Engine {
    shared: Arc<Shared>,
}

impl Engine {
    /// Starts the engine thread, resolving host names with the system resolver.
    pub fn start() -> std::io::Result<Engine> {
        Engine::start_with_resolver(Resolver::system())
    }

    /// Starts the engine thread with a resolver of the caller's choice (its lookups run on
    /// helper threads, never on the engine's).
    pub fn start_with_resolver(resolver: Resolver) -> std::io::Result<Engine> {
        let poll = mio::Poll::new()?;
        let waker = Arc::new(mio::Waker::new(poll.registry(), reactor::WAKER)?);
        let (tx, rx) = crossbeam_channel::unbounded();
        let post = reactor::Post {
            tx: tx.clone(),
            waker: Arc::clone(&waker),
        };
        let thread = std::thread::Builder::new()
            .name("sockscope-engine".into())
            .spawn(move || reactor::Reactor::new(poll, rx, post, resolver).run())?;
        Ok(Engine {
            shared: Arc::new(Shared {
                tx,
                waker,
                next_cmd: AtomicU64::new(1),
                thread: Mutex::new(Some(thread)),
            }),
        })
    }

    /// A new receiver of every event from now on. The subscription travels in order with
    /// commands: it sees every event of the commands submitted after this call, but not
    /// those of earlier ones (subscribe first, then submit).
    pub fn subscribe(&self) -> Receiver<Event> {
        self.subscribe_with(None)
    }

    /// Like [`Engine::subscribe`], and calls `notify` after each batch of events sent to it.
    pub fn subscribe_with(&self, notify: Option<Notify>) -> Receiver<Event> {
        let (tx, rx) = crossbeam_channel::unbounded();
        self.post(Msg::Subscribe(tx, notify));
        rx
    }

    /// Submits a command; its final event (success or failure) carries the returned id.
    pub fn submit(&self, cmd: Command) -> CmdId {
        let id = CmdId::from_raw(self.shared.next_cmd.fetch_add(1, Ordering::Relaxed));
        self.post(Msg::Run(id, cmd));
        id
    }

    fn post(&self, msg: Msg) {
        // The engine thread only goes away at shutdown; a lost message then is harmless.
        let _ = self.shared.tx.send(msg);
        let _ = self.shared.waker.wake();
    }

    /// Closes every socket and joins the engine thread. Other clones become inert.
    pub fn shutdown(&self) {
        self.shared.stop();
    }
}
