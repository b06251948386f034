//! Host names (`connect s1 localhost:80`) resolved off the engine thread: a helper thread
//! asks the resolver and posts the answer back, with a time limit, while every other socket
//! goes on. Later commands on the same socket wait for it, so a script's order holds; the
//! addresses the name gave are reported before the command runs.

use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::Msg;
use crate::engine::addr::{Addr, AddrSpec};
use crate::engine::command::{Command, Family};
use crate::engine::error::{Cause, Op, OpError};
use crate::engine::event::{CmdId, EventKind, Resolution, Setting, SockId};
use crate::engine::reactor::Reactor;

/// How long a name may take to resolve before its command fails.
pub const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// A function from a host name and port to its addresses (the system's `getaddrinfo` by
/// default; tests may pass their own).
pub type Lookup = Arc<dyn Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync>;

/// How the engine resolves host names.
#[derive(Clone)]
pub struct Resolver {
    /// The lookup, run on a helper thread.
    pub lookup: Lookup,
    /// How long a lookup may take before the command fails.
    pub timeout: Duration,
}

impl Resolver {
    /// The system resolver (`getaddrinfo`: `/etc/hosts`, then DNS), with [`RESOLVE_TIMEOUT`].
    pub fn system() -> Resolver {
        Resolver {
            lookup: Arc::new(|host, port| (host, port).to_socket_addrs().map(Iterator::collect)),
            timeout: RESOLVE_TIMEOUT,
        }
    }
}

impl Default for Resolver {
    fn default() -> Self {
        Resolver::system()
    }
}

/// A command waiting for its name.
pub(crate) struct Pending {
    sock: SockId,
    cmd: Command,
    host: String,
    deadline: Instant,
}

/// Resolutions under way, and the commands each socket holds back meanwhile.
#[derive(Default)]
pub(crate) struct Names {
    pending: std::collections::HashMap<CmdId, Pending>,
    held: std::collections::HashMap<SockId, VecDeque<(CmdId, Command)>>,
}

/// The host name a command must resolve first, if any.
fn host_of(c: &Command) -> Option<(&str, u16)> {
    let spec = match c {
        Command::Bind { addr, .. } | Command::Connect { addr, .. } => Some(addr),
        Command::SendTo { addr, .. } => Some(addr),
        Command::Repeat { to, .. } | Command::Flood { to, .. } => to.as_ref(),
        Command::Relay { to, .. } => to.as_ref(),
        _ => None,
    }?;
    match spec {
        AddrSpec::Host(h, p) => Some((h.as_str(), *p)),
        _ => None,
    }
}

/// The command with its host name replaced by the address it resolved to.
fn with_addr(mut c: Command, at: SocketAddr) -> Command {
    let exact = AddrSpec::Exact(Addr::Ip(at));
    match &mut c {
        Command::Bind { addr, .. } | Command::Connect { addr, .. } => *addr = exact,
        Command::SendTo { addr, .. } => *addr = exact,
        Command::Repeat { to, .. } | Command::Flood { to, .. } => *to = Some(exact),
        Command::Relay { to, .. } => *to = Some(exact),
        _ => {}
    }
    c
}

/// The address to use for a socket of `family`: the first of its family, else the first.
pub(crate) fn pick(found: &[SocketAddr], family: Family) -> Option<SocketAddr> {
    found
        .iter()
        .find(|a| a.is_ipv4() == (family != Family::V6))
        .or(found.first())
        .copied()
}

impl Reactor {
    /// Takes `c` aside when it must wait: for its own host name (resolved on a helper
    /// thread), or behind an earlier command of its socket that waits for one. Returns the
    /// command when it can run now.
    pub(crate) fn defer_for_name(
        &mut self,
        cmd: CmdId,
        target: Option<SockId>,
        c: Command,
    ) -> Option<Command> {
        let Some(id) = target else {
            return Some(c);
        };
        if let Some(q) = self.resolving.held.get_mut(&id) {
            q.push_back((cmd, c));
            return None;
        }
        let Some((host, port)) = host_of(&c).map(|(h, p)| (h.to_string(), p)) else {
            return Some(c);
        };
        let lookup = Arc::clone(&self.resolver.lookup);
        let post = self.post.clone();
        let h = host.clone();
        let spawned = std::thread::Builder::new()
            .name("sockscope-resolve".into())
            .spawn(move || post.send(Msg::Resolved(cmd, lookup(&h, port))));
        if let Err(e) = spawned {
            let err = OpError::io(Op::Resolve, None, &e);
            self.hub.emit(Some(id), Some(cmd), EventKind::Failed(err));
            return None;
        }
        let deadline = Instant::now() + self.resolver.timeout;
        self.timers.push(std::cmp::Reverse((deadline, id)));
        let pending = Pending {
            sock: id,
            cmd: c,
            host,
            deadline,
        };
        self.resolving.pending.insert(cmd, pending);
        self.resolving.held.insert(id, VecDeque::new());
        None
    }

    /// A helper thread's answer for command `cmd`: report it and run the command (unless
    /// it timed out already), then the commands its socket held back.
    pub(crate) fn resolved(&mut self, cmd: CmdId, found: io::Result<Vec<SocketAddr>>) {
        let Some(p) = self.resolving.pending.remove(&cmd) else {
            return; // it timed out: its failure was reported then
        };
        let family = self.socks.get(&p.sock).map_or(Family::V4, |s| s.family);
        let (found, why) = match found {
            Ok(v) => (v, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        match pick(&found, family) {
            Some(at) => {
                let setting = Setting::Resolved(Box::new(Resolution {
                    host: p.host,
                    addrs: found,
                    chosen: at,
                }));
                self.hub.emit(Some(p.sock), None, EventKind::Set(setting));
                self.run_resolved(cmd, p.sock, with_addr(p.cmd, at));
            }
            None => {
                let cause = match why {
                    Some(why) => Cause::Os {
                        errno: 0,
                        text: format!("cannot resolve {}: {why}", p.host),
                    },
                    None => Cause::Os {
                        errno: 0,
                        text: format!("{} resolved to no address", p.host),
                    },
                };
                let err = OpError::new(Op::Resolve, cause);
                self.hub
                    .emit(Some(p.sock), Some(cmd), EventKind::Failed(err));
            }
        }
        self.run_held(p.sock);
    }

    /// Fails the resolutions of socket `id` whose time is up.
    pub(crate) fn expire_names(&mut self, id: SockId, now: Instant) {
        let late: Vec<CmdId> = self
            .resolving
            .pending
            .iter()
            .filter(|(_, p)| p.sock == id && p.deadline <= now)
            .map(|(c, _)| *c)
            .collect();
        for cmd in late {
            if let Some(p) = self.resolving.pending.remove(&cmd) {
                let why = format!(
                    "{} did not resolve within {} ms",
                    p.host,
                    self.resolver.timeout.as_millis()
                );
                let err = OpError::new(
                    Op::Resolve,
                    Cause::Os {
                        errno: 0,
                        text: why,
                    },
                );
                self.hub.emit(Some(id), Some(cmd), EventKind::Failed(err));
                self.run_held(id);
            }
        }
    }

    /// Runs, in order, the commands socket `id` held back while a name resolved.
    fn run_held(&mut self, id: SockId) {
        if let Some(q) = self.resolving.held.remove(&id) {
            for (cmd, c) in q {
                self.run_command(cmd, c);
            }
        }
    }
}
