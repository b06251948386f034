//! The engine thread: a mio poll loop that owns every socket, runs commands in order and
//! turns readiness into reads, writes, accepts and connects.

pub(crate) mod batch_read;
pub(crate) mod flood;
pub(crate) mod hub;
pub(crate) mod io;
pub(crate) mod resolve;
pub(crate) mod teardown;
pub(crate) mod write;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};
use mio::{Events, Poll, Token};

use super::Msg;
use crate::engine::command::{Command, SockRef};
use crate::engine::error::{Cause, Op, OpError};
use crate::engine::event::{CmdId, EventKind, SockId};
use crate::engine::reactor::hub::Hub;
use crate::engine::sock::Sock;
use crate::sys::recv_buf::RecvBuf;

/// The token of the waker that tells the loop a message is waiting.
pub(crate) const WAKER: Token = Token(usize::MAX);

/// Size of the shared receive buffer: room for the largest UDP datagram.
pub(crate) const RECV_BUF: usize = crate::engine::RECV_MAX;

/// How long the loop sleeps between retries while a subscriber is congested.
const CONGESTION_RETRY: Duration = Duration::from_millis(2);

/// How helper threads (file readers, name resolvers) hand something back to the engine
/// thread: a message on its queue, and a wake-up of its poll.
#[derive(Clone)]
pub(crate) struct Post {
    pub tx: crossbeam_channel::Sender<Msg>,
    pub waker: std::sync::Arc<mio::Waker>,
}

impl Post {
    /// Queues `msg` for the engine thread and wakes it (a no-op once the engine stopped).
    pub fn send(&self, msg: Msg) {
        if self.tx.send(msg).is_ok() {
            let _ = self.waker.wake();
        }
    }
}

/// The engine's state, owned by its thread.
pub(crate) struct Reactor {
    pub poll: Poll,
    rx: Receiver<Msg>,
    pub hub: Hub,
    pub socks: BTreeMap<SockId, Sock>,
    pub names: HashMap<String, SockId>,
    next_id: u32,
    /// Sockets with unread data left behind while a subscriber was congested.
    pub deferred: Vec<SockId>,
    /// Deadlines of pending accepts and connects (stale entries are skipped).
    pub timers: BinaryHeap<Reverse<(Instant, SockId)>>,
    /// The receive buffer shared by all sockets.
    pub buf: RecvBuf,
    /// The slots datagram sockets are drained into, `recvmmsg` at a time (made at the first).
    pub batch: Option<Box<crate::sys::mmsg::RecvBatch>>,
    /// The way back to this thread, for helper threads.
    pub post: Post,
    /// How host names are resolved.
    pub resolver: crate::engine::reactor::resolve::Resolver,
    /// Names being resolved, and the commands waiting behind them.
    pub resolving: crate::engine::reactor::resolve::Names,
    /// Accepted connections that ended (closed or reset), oldest first: past
    /// [`super::ENDED_KEPT`] of them the oldest record is forgotten, so that a server under
    /// churn runs for ever in bounded memory (the session log keeps their history).
    pub ended: std::collections::VecDeque<SockId>,
    /// `{seq}` and `{counter}` of sent payloads.
    pub stamps: crate::engine::ops::variables::Stamps,
    /// Relays and their pipes.
    pub relay: crate::engine::relay::Relays,
    /// A datagram socket found several datagrams queued in this turn of the loop: they
    /// arrive faster than the loop wakes, so it naps before polling again (see [`NAP`]).
    pub flooded: bool,
}

/// How long the loop naps after a turn in which datagrams were arriving faster than it
/// woke: the next wake-up finds dozens queued instead of one or two, so a flood costs a
/// few system calls and consumer wake-ups per batch instead of per datagram (as a NIC's
/// interrupt moderation does). Even at loopback's fastest rate a nap fills less than a
/// tenth of a datagram socket's receive buffer; a trickle never naps.
pub(crate) const NAP: Duration = Duration::from_micros(50);

impl Reactor {
    /// A reactor over `poll`, taking messages from `rx`.
    pub fn new(
        poll: Poll,
        rx: Receiver<Msg>,
        post: Post,
        resolver: crate::engine::reactor::resolve::Resolver,
    ) -> Reactor {
        Reactor {
            poll,
            rx,
            hub: Hub::default(),
            socks: BTreeMap::new(),
            names: HashMap::new(),
            next_id: 1,
            deferred: Vec::new(),
            timers: BinaryHeap::new(),
            buf: RecvBuf::new(RECV_BUF),
            batch: None,
            post,
            resolver,
            ended: std::collections::VecDeque::new(),
            stamps: Default::default(),
            resolving: crate::engine::reactor::resolve::Names::default(),
            relay: Default::default(),
            flooded: false,
        }
    }

    /// Runs until a shutdown message arrives or every handle is gone.
    pub fn run(mut self) {
        let mut events = Events::with_capacity(1024);
        loop {
            let timeout = self.next_timeout();
            if let Err(e) = self.poll.poll(&mut events, timeout)
                && e.kind() != std::io::ErrorKind::Interrupted
            {
                break;
            }
            for ev in events.iter() {
                if ev.token() == WAKER {
                    continue;
                }
                let Ok(raw) = u32::try_from(ev.token().0) else {
                    continue;
                };
                let readable = ev.is_readable() || ev.is_read_closed() || ev.is_error();
                let writable = ev.is_writable() || ev.is_write_closed() || ev.is_error();
                self.on_ready(SockId(raw), readable, writable);
            }
            if !self.drain_messages() {
                break;
            }
            self.expire_timers();
            self.retry_deferred();
            self.hub.flush();
            if std::mem::take(&mut self.flooded) {
                let nap = self.next_timeout().map_or(NAP, |t| t.min(NAP));
                std::thread::sleep(nap);
            }
        }
        self.close_all();
        self.hub.flush();
    }

    fn next_timeout(&self) -> Option<Duration> {
        if !self.deferred.is_empty() {
            return Some(CONGESTION_RETRY);
        }
        self.timers
            .peek()
            .map(|Reverse((at, _))| at.saturating_duration_since(Instant::now()))
    }

    /// Runs queued messages; false when the engine must stop.
    fn drain_messages(&mut self) -> bool {
        loop {
            match self.rx.try_recv() {
                Ok(Msg::Run(id, cmd)) => self.run_command(id, cmd),
                Ok(Msg::Subscribe(tx, notify)) => self.hub.add(tx, notify),
                Ok(Msg::Feed(id)) => self.flush(id),
                Ok(Msg::Resolved(cmd, found)) => self.resolved(cmd, found),
                Ok(Msg::Shutdown) | Err(TryRecvError::Disconnected) => return false,
                Err(TryRecvError::Empty) => return true,
            }
        }
    }

    /// Finds the socket a reference names, among the sockets not yet closed first.
    pub fn lookup(&self, r: &SockRef) -> Option<SockId> {
        match r {
            SockRef::Id(id) => self.socks.contains_key(id).then_some(*id),
            SockRef::Name(n) => self.names.get(n).copied(),
        }
    }

    /// The socket `id`, or the `op` error that says there is none.
    pub(crate) fn sock_for(&mut self, op: Op, id: SockId) -> Result<&mut Sock, OpError> {
        self.socks
            .get_mut(&id)
            .ok_or_else(|| OpError::new(op, Cause::NoSuchSocket(id.to_string())))
    }

    /// Takes the next socket id.
    pub fn alloc_id(&mut self) -> SockId {
        let id = SockId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Runs a command (or sets it aside while a host name it names resolves).
    pub(crate) fn run_command(&mut self, cmd: CmdId, c: Command) {
        let target = match c.target() {
            Some(r) => match self.lookup(r) {
                Some(id) => Some(id),
                None => {
                    let op = c.op();
                    let err = OpError::new(op, Cause::NoSuchSocket(r.to_string()));
                    self.hub.emit(None, Some(cmd), EventKind::Failed(err));
                    return;
                }
            },
            None => None,
        };
        let Some(c) = self.defer_for_name(cmd, target, c) else {
            return;
        };
        let result = match (c, target) {
            (
                Command::Socket {
                    proto,
                    family,
                    name,
                },
                _,
            ) => self.create(cmd, proto, family, name),
            (Command::Status, _) => {
                let list = self.socks.values().map(Sock::info).collect();
                self.hub.emit(None, Some(cmd), EventKind::Status(list));
                Ok(())
            }
            (c, Some(id)) => self.run_on(cmd, id, c),
            (_, None) => Ok(()),
        };
        if let Err(err) = result {
            self.hub.emit(target, Some(cmd), EventKind::Failed(err));
        }
    }

    /// Runs a command whose host name has been resolved.
    pub(crate) fn run_resolved(&mut self, cmd: CmdId, id: SockId, c: Command) {
        if let Err(err) = self.run_on(cmd, id, c) {
            self.hub.emit(Some(id), Some(cmd), EventKind::Failed(err));
        }
    }

    fn run_on(&mut self, cmd: CmdId, id: SockId, c: Command) -> Result<(), OpError> {
        match c {
            Command::Bind { addr, .. } => self.bind(cmd, id, &addr),
            Command::Listen { backlog, .. } => self.listen(cmd, id, backlog),
            Command::Accept { name, timeout, .. } => self.accept_cmd(cmd, id, name, timeout),
            Command::AcceptAuto { on, .. } => self.auto_accept(cmd, id, on),
            Command::OnClose { policy, .. } => self.on_close_cmd(cmd, id, policy),
            Command::Connect { addr, timeout, .. } => self.connect(cmd, id, &addr, timeout),
            Command::Send { payload, .. } => self.send(cmd, id, payload),
            Command::SendTo { addr, payload, .. } => self.send_to(cmd, id, &addr, payload),
            Command::Respond { responder, .. } => self.respond(cmd, id, responder),
            Command::Shutdown { how, .. } => self.shutdown(cmd, id, how),
            Command::Close { .. } => self.close(Some(cmd), id),
            Command::Frame { framing, .. } => self.frame(cmd, id, framing),
            Command::RecvSize { size, .. } => self.recv_size(cmd, id, size),
            Command::RecvMode { manual, .. } => self.recv_mode(cmd, id, manual),
            Command::Recv { max, .. } => self.recv_now(cmd, id, max),
            Command::Ready { .. } => self.ready(cmd, id),
            Command::RuleAdd { rule, .. } => self.rule_add(cmd, id, rule),
            Command::RuleClear { .. } => self.rule_clear(cmd, id),
            Command::Greet {
                greeting, close, ..
            } => self.greet(cmd, id, greeting, close),
            Command::Repeat {
                count,
                every,
                payload,
                to,
                ..
            } => self.repeat(cmd, id, count, every, &payload, to.as_ref()),
            Command::RepeatStop { .. } => self.repeat_stop(cmd, id),
            Command::Chunked {
                size,
                delay,
                payload,
                ..
            } => self.chunked(cmd, id, size, delay, payload),
            Command::SetOption { opt, value, .. } => self.option(cmd, id, opt, value),
            Command::Join { group, iface, .. } => {
                self.membership(cmd, id, group, iface.as_deref(), true)
            }
            Command::Leave { group, iface, .. } => {
                self.membership(cmd, id, group, iface.as_deref(), false)
            }
            Command::Abort { .. } => self.abort(cmd, id),
            Command::Flood {
                size,
                rate,
                limit,
                to,
                ..
            } => self.flood(cmd, id, size, rate, limit, to.as_ref()),
            Command::Stats { .. } => self.stats(cmd, id),
            Command::Relay { to, idle, .. } => self.relay_cmd(cmd, id, to.as_ref(), idle),
            Command::Fault { dir, fault, .. } => self.fault_cmd(cmd, id, dir, fault),
            Command::StatusOf { .. } => {
                let list = self
                    .socks
                    .values()
                    .filter(|s| s.id == id || s.parent == Some(id))
                    .map(Sock::info)
                    .collect();
                self.hub.emit(Some(id), Some(cmd), EventKind::Status(list));
                Ok(())
            }
            Command::Tls { spec, .. } => self.tls_command(cmd, id, spec),
            Command::TlsSaveCert { path, .. } => self.tls_save_cert(cmd, id, &path),
            Command::Socket { .. } | Command::Status => Ok(()),
        }
    }

    /// Runs the timers due now. A timer re-armed for `now` while they run (an unpaced flood's
    /// next round) waits for the next turn of the loop, after the sockets were polled: taking
    /// it in this pass would spin here for ever with `now` frozen, starving every socket.
    fn expire_timers(&mut self) {
        let now = Instant::now();
        let mut due = Vec::new();
        while let Some(Reverse((at, id))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            due.push(id);
        }
        for id in due {
            self.expire(id, now);
            self.expire_names(id, now);
            self.relay_tick(id, now);
        }
    }

    fn retry_deferred(&mut self) {
        if self.deferred.is_empty() || self.hub.congested() {
            return;
        }
        for id in std::mem::take(&mut self.deferred) {
            self.on_ready(id, true, false);
        }
    }

    fn close_all(&mut self) {
        let ids: Vec<SockId> = self.socks.keys().copied().collect();
        for id in ids {
            let _ = self.close(None, id);
        }
    }
}
