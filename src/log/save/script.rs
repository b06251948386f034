//! The session saved as a script that replays on fresh ports: addresses of the session's own
//! sockets become `$ID`, binds to ports the OS chose become port 0 again, `accept` gets a
//! duration, and (when the session wrote no `expect` of its own) the data each socket
//! received becomes an `expect`, so the replay waits for it and checks it.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use super::{AtomicFile, Format, SaveError, SavedInfo};
use crate::engine::{Addr, AddrSpec, Command, EventKind, SockId, SockRef};
use crate::lang::{Statement, parse_line};
use crate::log::format::{self, quoted};
use crate::log::{Record, SessionLog};

/// The duration written on an `accept` line that had none (the app's accept waits for ever;
/// a replay should not): the same as `sockscope run`'s default for `accept`.
pub const SAVED_ACCEPT: Duration = Duration::from_secs(10);

/// Longest `expect` written for data a socket received: a longer run of data is expected by
/// its last this-many bytes.
pub const EXPECT_BYTES: usize = 4096;

/// What the script writer knows of the session at one point of the log.
#[derive(Default)]
struct Replay {
    /// Sockets by name, as `as NAME` gave them.
    ids: HashMap<String, SockId>,
    /// The current local address of every open socket of the session.
    locals: HashMap<SockId, SocketAddr>,
    /// The port the last `bind` of each socket asked for.
    asked: HashMap<SockId, u16>,
    /// Ports the OS chose for the session's sockets.
    os_ports: HashSet<u16>,
    /// Data received per socket since the last command, in order of first arrival.
    received: Vec<(SockId, Vec<u8>)>,
    /// Received data that had left memory: no `expect` can be written for it.
    lost: usize,
}

/// True when `local` (a socket's own address) is what a peer reaches at `to`.
fn same_endpoint(local: SocketAddr, to: SocketAddr) -> bool {
    let canon = |a: SocketAddr| match a.ip() {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(a.ip(), std::net::IpAddr::V4),
        ip => ip,
    };
    local.port() == to.port()
        && to.port() != 0
        && (canon(local) == canon(to) || (local.ip().is_unspecified() && to.ip().is_loopback()))
}

impl Replay {
    fn resolve(&self, r: &SockRef) -> Option<SockId> {
        match r {
            SockRef::Id(id) => Some(*id),
            SockRef::Name(n) => self.ids.get(n).copied(),
        }
    }

    /// Learns from one event what later lines need.
    fn learn(&mut self, rec: &Record) {
        let Record::Event(ev) = rec else { return };
        let Some(id) = ev.socket else { return };
        let local_is = |me: &mut Replay, a: &Addr, os_chose: bool| {
            if let Some(a) = a.ip() {
                me.locals.insert(id, a);
                if os_chose {
                    me.os_ports.insert(a.port());
                }
            }
        };
        let asked_any = !matches!(self.asked.get(&id), Some(p) if *p != 0);
        match &ev.kind {
            EventKind::Created { name: Some(n), .. } => {
                self.ids.insert(n.clone(), id);
            }
            EventKind::Accepted { name, local, .. } => {
                if let Some(n) = name {
                    self.ids.insert(n.to_string(), id);
                }
                local_is(self, local, false);
            }
            EventKind::Bound { local, .. }
            | EventKind::Listening { local, .. }
            | EventKind::Connected { local, .. } => local_is(self, local, asked_any),
            EventKind::Closed => {
                self.locals.remove(&id);
            }
            EventKind::Received { data, .. } => {
                if ev.evicted().is_some() {
                    self.lost += 1;
                    return;
                }
                match self.received.iter_mut().find(|(s, _)| *s == id) {
                    Some((_, buf)) => buf.extend_from_slice(data),
                    None => self.received.push((id, data.to_vec())),
                }
            }
            _ => {}
        }
    }

    /// `$LABEL` for the session's socket that holds `to`, if one does.
    fn local_ref(&self, to: SocketAddr, log: &SessionLog) -> Option<AddrSpec> {
        let mut holders: Vec<SockId> = self
            .locals
            .iter()
            .filter(|(_, l)| same_endpoint(**l, to))
            .map(|(id, _)| *id)
            .collect();
        holders.sort();
        let id = holders.first()?;
        Some(AddrSpec::LocalOf(label_ref(log, *id)))
    }

    /// The address a replay should use in place of `spec`.
    fn rewrite(&self, spec: &AddrSpec, log: &SessionLog) -> Option<AddrSpec> {
        let AddrSpec::Exact(Addr::Ip(to)) = spec else {
            return None;
        };
        self.local_ref(*to, log)
    }

    /// A bind to a port the OS chose earlier in the session: `$ID` when a socket still
    /// holds it (the bind shares or collides with it), else the same IP with port 0.
    fn rewrite_bind(&self, spec: &AddrSpec, log: &SessionLog) -> Option<AddrSpec> {
        let AddrSpec::Exact(Addr::Ip(at)) = spec else {
            return None;
        };
        if at.port() == 0 || !self.os_ports.contains(&at.port()) {
            return None;
        }
        self.local_ref(*at, log)
            .or_else(|| Some(AddrSpec::Exact(Addr::Ip(SocketAddr::new(at.ip(), 0)))))
    }

    /// The command as a replay should run it.
    fn replayable(&mut self, cmd: &mut Command, log: &SessionLog) {
        let fix = |me: &Replay, a: &mut AddrSpec| {
            if let Some(new) = me.rewrite(a, log) {
                *a = new;
            }
        };
        match cmd {
            Command::Bind { sock, addr } => {
                if let (Some(id), AddrSpec::Exact(Addr::Ip(a))) = (self.resolve(sock), &*addr) {
                    self.asked.insert(id, a.port());
                }
                if let Some(new) = self.rewrite_bind(addr, log) {
                    *addr = new;
                }
            }
            Command::Connect { addr, .. } | Command::SendTo { addr, .. } => fix(self, addr),
            Command::Repeat { to: Some(a), .. } | Command::Flood { to: Some(a), .. } => {
                fix(self, a)
            }
            Command::Relay { to: Some(a), .. } => fix(self, a),
            Command::Accept { timeout, .. } if timeout.is_none() => *timeout = Some(SAVED_ACCEPT),
            _ => {}
        }
    }

    /// `expect` lines for the data received since the last command.
    fn expects(&mut self, log: &SessionLog, out: &mut String) {
        for (id, data) in self.received.drain(..) {
            let label = log.label(id);
            if data.len() > EXPECT_BYTES {
                let _ = writeln!(
                    out,
                    "# {label} received {} bytes here; the expect checks the last {EXPECT_BYTES}",
                    data.len()
                );
            }
            let tail = &data[data.len().saturating_sub(EXPECT_BYTES)..];
            let payload = if format::is_texty(tail) {
                quoted(tail)
            } else {
                format!("hex:{}", format::hex(tail))
            };
            let _ = writeln!(out, "expect {label} {payload}");
        }
    }
}

/// How the script names a socket: its name when it has one, else its id.
fn label_ref(log: &SessionLog, id: SockId) -> SockRef {
    match log.names().get(&id) {
        Some(n) => SockRef::Name(n.clone()),
        None => SockRef::Id(id),
    }
}

/// The session as a replayable script; returns it with the commands written and the lines
/// left out.
pub fn script_text(log: &SessionLog, header_path: &str) -> (String, usize, usize) {
    let commands = log
        .iter()
        .filter(|r| matches!(**r, Record::Command { .. }))
        .count();
    let own_expects = log.iter().any(
        |r| matches!(&*r, Record::Command { line, .. } if line.trim_start().starts_with("expect ")),
    );
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# sockscope script: the {commands} command{} of the session started {}",
        if commands == 1 { "" } else { "s" },
        format::rfc3339(log.started())
    );
    let _ = writeln!(text, "# replay with: sockscope run {header_path}");
    let mut replay = Replay::default();
    let (mut written, mut skipped) = (0, 0);
    for rec in log.iter() {
        let rec: &Record = &rec;
        let Record::Command { line, .. } = rec else {
            replay.learn(rec);
            continue;
        };
        if !own_expects {
            replay.expects(log, &mut text);
        }
        if line.contains(['\n', '\r']) {
            skipped += 1;
            let _ = writeln!(text, "# (left out: a command spanning lines)");
            continue;
        }
        written += 1;
        match parse_line(line) {
            Ok(Some(Statement::Engine(mut cmd))) => {
                let before = cmd.clone();
                replay.replayable(&mut cmd, log);
                // A line the replay needs unchanged is kept as written, escapes and all.
                if cmd == before {
                    let _ = writeln!(text, "{}", line.trim());
                } else {
                    let _ = writeln!(text, "{cmd}");
                }
            }
            _ => {
                let _ = writeln!(text, "{}", line.trim());
            }
        }
    }
    if !own_expects {
        replay.expects(log, &mut text);
        if replay.lost > 0 {
            let _ = writeln!(
                text,
                "# {} received payloads had left memory: no expect was written for them",
                replay.lost
            );
        }
    }
    (text, written, skipped)
}

/// Writes the session's script into `file` and puts it in place.
pub(crate) fn save_script_into(
    log: &SessionLog,
    mut file: AtomicFile,
) -> Result<SavedInfo, SaveError> {
    let path = file.path().to_path_buf();
    let mut info = SavedInfo::new(&path, Format::Script);
    let (text, written, skipped) = script_text(log, &path.display().to_string());
    std::io::Write::write_all(file.writer(), text.as_bytes()).map_err(|source| SaveError::Io {
        path: path.clone(),
        step: "writing".into(),
        source,
    })?;
    info.records = written;
    info.skipped = skipped;
    info.bytes = file.commit()?;
    Ok(info)
}
