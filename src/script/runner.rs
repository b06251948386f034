//! Runs statements of the command language against an engine and waits for their outcome:
//! the one executor behind `sockscope run`, `sockscope shell` and scripts opened in the app.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use crate::engine::{Command, Engine, Event, EventKind, Payload, SockRef};
use crate::lang::{ScriptLine, Statement};
use crate::log::format::show_bytes;

use super::session::{Output, Printer, Session};
use crate::lang::PacketOp;
use crate::packets::SharedShelf;

/// How long `expect` waits when the line gives no duration.
pub const DEFAULT_EXPECT: Duration = Duration::from_secs(5);

/// How long `accept ID` waits in a script ([`Runner::set_script_mode`]) when the line gives
/// no duration; the app's accept waits for ever.
pub const DEFAULT_ACCEPT: Duration = crate::log::save::script::SAVED_ACCEPT;

#[path = "stress.rs"]
mod stress;

/// Why a statement failed at run time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The engine reported the command's failure.
    #[error("{0}")]
    Command(String),
    /// An `expect` did not see its data or close in time.
    #[error("{0}")]
    Expect(String),
    /// The engine stopped.
    #[error("the engine stopped")]
    EngineGone,
    /// The wait was interrupted (Ctrl-C in the shell): the runner stopped waiting; a command
    /// already submitted goes on in the engine until it completes or times out.
    #[error("interrupted")]
    Interrupted,
}

/// How often a wait looks at its interrupt flag ([`Runner::set_interrupt`]).
const INTERRUPT_POLL: Duration = Duration::from_millis(20);

type Shared = Arc<(Mutex<Session>, Condvar)>;

fn lock(shared: &Shared) -> MutexGuard<'_, Session> {
    shared.0.lock().unwrap_or_else(|p| p.into_inner())
}

/// Events the pump takes in under one lock (and one wake-up of the waiting statement).
const PUMP_BATCH: usize = 1024;

/// How often an idle pump tells the data lines it held back ([`super::summary`]).
const PUMP_TICK: Duration = Duration::from_millis(250);

/// The pump: takes in the engine's events until it stops or `stopped` is dropped. Events
/// that are already waiting are taken in together, and the printer is flushed whenever
/// none wait, so that a flood costs one lock and one wake-up per batch, not per event.
fn pump(rx: &Receiver<Event>, stopped: &Receiver<()>, shared: &Shared) {
    loop {
        crossbeam_channel::select! {
            recv(rx) -> ev => match ev {
                Ok(ev) => {
                    let mut session = lock(shared);
                    session.absorb(ev);
                    for ev in rx.try_iter().take(PUMP_BATCH) {
                        session.absorb(ev);
                    }
                    if rx.is_empty() {
                        session.idle();
                    }
                }
                Err(_) => break,
            },
            recv(stopped) -> _ => break,
            default(PUMP_TICK) => lock(shared).idle(),
        }
        shared.1.notify_all();
    }
    let mut session = lock(shared);
    session.end_output();
    session.ended = true;
    drop(session);
    shared.1.notify_all();
}

/// Drives an engine statement by statement.
///
/// Its pump thread follows the engine's events until [`Runner::finish`] stops the engine or
/// the runner is dropped (the engine then goes on, as it does in the app).
pub struct Runner {
    engine: Engine,
    shared: Shared,
    pump: Option<JoinHandle<()>>,
    /// Dropping it stops the pump.
    stop: Option<Sender<()>>,
    /// Script mode: see [`Runner::set_script_mode`].
    script: bool,
    /// Set (by a signal handler) to interrupt the wait under way.
    interrupt: Option<&'static AtomicBool>,
    /// The packet library `packet` lines change.
    packets: Option<SharedShelf>,
}

impl Runner {
    /// A runner over `engine`, showing events with `output` through `printer`.
    pub fn new(engine: Engine, output: Output, printer: Printer) -> Runner {
        let rx = engine.subscribe();
        let (stop, stopped) = crossbeam_channel::bounded::<()>(0);
        let shared: Shared = Arc::new((Mutex::new(Session::new(output, printer)), Condvar::new()));
        let pump_shared = Arc::clone(&shared);
        let pump = std::thread::Builder::new()
            .name("sockscope-pump".into())
            .spawn(move || pump(&rx, &stopped, &pump_shared))
            .ok();
        Runner {
            engine,
            shared,
            pump,
            stop: Some(stop),
            script: false,
            interrupt: None,
            packets: None,
        }
    }

    /// Script mode, for a runner whose engine was started for it (`sockscope run`): every
    /// socket a line can name is one this runner saw created, so `expect` on an unknown
    /// socket fails at once; and `accept ID` without a duration waits [`DEFAULT_ACCEPT`]
    /// instead of for ever.
    pub fn set_script_mode(&mut self, on: bool) {
        self.script = on;
    }

    /// Makes every wait (`sleep`, `expect`, a command's outcome) end with
    /// [`RunError::Interrupted`] within [`INTERRUPT_POLL`] of `flag` being set; the wait
    /// clears it. A flag set while nothing waits is cleared when the next statement starts
    /// (the shell goes on), except in script mode, where it interrupts the next wait (a
    /// Ctrl-C between two statements of `sockscope run` ends the run all the same).
    pub fn set_interrupt(&mut self, flag: &'static AtomicBool) {
        self.interrupt = Some(flag);
    }

    fn interrupted(&self) -> bool {
        self.interrupt
            .is_some_and(|f| f.swap(false, Ordering::AcqRel))
    }

    /// The engine this runner drives.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Runs `f` with the session locked (to read the log, names, …).
    pub fn with_session<T>(&self, f: impl FnOnce(&mut Session) -> T) -> T {
        f(&mut lock(&self.shared))
    }

    /// Waits until `done` says the session holds what it waits for, or `deadline` passes.
    fn wait_until<T>(
        &self,
        deadline: Option<Instant>,
        mut done: impl FnMut(&mut Session) -> Option<T>,
    ) -> Result<Option<T>, RunError> {
        let mut guard = lock(&self.shared);
        loop {
            if let Some(v) = done(&mut guard) {
                return Ok(Some(v));
            }
            if guard.ended {
                return Err(RunError::EngineGone);
            }
            if self.interrupted() {
                return Err(RunError::Interrupted);
            }
            let mut wait = match deadline {
                Some(at) => {
                    let left = at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(None);
                    }
                    left
                }
                None => Duration::from_secs(3600),
            };
            if self.interrupt.is_some() {
                wait = wait.min(INTERRUPT_POLL);
            }
            guard = match self.shared.1.wait_timeout(guard, wait) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// Gives the runner the packet library `packet` lines change (and save).
    pub fn set_packets(&mut self, shelf: SharedShelf) {
        self.packets = Some(shelf);
    }

    /// The packet library, if it has one.
    pub fn packets(&self) -> Option<&SharedShelf> {
        self.packets.as_ref()
    }

    /// Runs a `packet` line on the library; `packet list` shows one line per packet.
    fn packet(&self, op: &PacketOp) -> Result<(), RunError> {
        let Some(shelf) = &self.packets else {
            return Err(RunError::Command(format!("{op}: no packet library")));
        };
        let lines = crate::packets::lock(shelf)
            .run(op)
            .map_err(RunError::Command)?;
        let mut session = lock(&self.shared);
        for line in lines {
            session.say(&line);
        }
        Ok(())
    }

    /// Runs one statement and waits for its outcome.
    pub fn execute(&self, stmt: &Statement) -> Result<(), RunError> {
        if !self.script {
            let _ = self.interrupted();
        }
        lock(&self.shared).command(&stmt.to_string());
        match stmt {
            Statement::Engine(cmd) => self.run_command(cmd),
            Statement::Packet(op) => self.packet(op),
            Statement::Stress(s) => self.stress(s),
            Statement::Sleep(d) => {
                let at = Instant::now() + *d;
                self.wait_until(Some(at), |_| None::<()>)?;
                Ok(())
            }
            Statement::Expect {
                sock,
                payload,
                timeout,
            } => self.expect_payload(sock, payload, *timeout),
            Statement::ExpectReset { sock, timeout } => self.expect_peer(
                sock,
                *timeout,
                |s, id| s.was_reset(id),
                "reset: the peer did not reset the connection",
            ),
            Statement::ExpectClosed { sock, timeout } => {
                self.check_exists(sock)?;
                self.expect_peer(
                    sock,
                    *timeout,
                    |s, id| s.peer_closed(id),
                    "closed: the peer did not close",
                )
            }
        }
    }

    /// `expect ID reset|closed [TIMEOUT]`: waits until `seen` holds for `sock`; else fails
    /// with `expect ID {failure} within TIMEOUT`.
    fn expect_peer(
        &self,
        sock: &SockRef,
        timeout: Option<Duration>,
        seen: impl Fn(&Session, crate::engine::SockId) -> bool,
        failure: &str,
    ) -> Result<(), RunError> {
        let limit = timeout.unwrap_or(DEFAULT_EXPECT);
        let at = Instant::now() + limit;
        let found = self.wait_until(Some(at), |s| {
            let id = s.resolve(sock)?;
            seen(s, id).then_some(())
        })?;
        found.ok_or_else(|| {
            RunError::Expect(format!(
                "expect {sock} {failure} within {}",
                crate::lang::duration_text(limit)
            ))
        })
    }

    /// Submits an engine command and waits for the event that ends it. In a script an
    /// `accept` without a timeout gets the default one, so that a script never hangs.
    fn run_command(&self, cmd: &Command) -> Result<(), RunError> {
        let cmd = match cmd {
            Command::Accept {
                sock,
                name,
                timeout: None,
            } if self.script => Command::Accept {
                sock: sock.clone(),
                name: name.clone(),
                timeout: Some(DEFAULT_ACCEPT),
            },
            cmd => cmd.clone(),
        };
        let id = self.engine.submit(cmd);
        let ev: Option<Event> = self.wait_until(None, |s| s.take_outcome(id))?;
        match ev.map(|e| e.kind) {
            Some(EventKind::Failed(e)) => Err(RunError::Command(e.to_string())),
            _ => Ok(()),
        }
    }

    /// `expect ID PAYLOAD [TIMEOUT]`: waits for the payload to arrive on `sock`.
    fn expect_payload(
        &self,
        sock: &SockRef,
        payload: &Payload,
        timeout: Option<Duration>,
    ) -> Result<(), RunError> {
        let needle = payload
            .load()
            .map_err(|e| RunError::Command(format!("read file: {e}")))?;
        self.check_exists(sock)?;
        let limit = timeout.unwrap_or(DEFAULT_EXPECT);
        let at = Instant::now() + limit;
        // The session looks for the payload as data arrives (see `Session::watch`).
        let found = self.wait_until(Some(at), |s| {
            let id = s.resolve(sock)?;
            let hit = if s.watching(id) {
                s.watched_found()
            } else {
                s.watch(id, &needle)
            };
            hit.then_some(())
        });
        lock(&self.shared).unwatch();
        match found? {
            Some(()) => Ok(()),
            None => Err(RunError::Expect(self.expect_failure(sock, &needle, limit))),
        }
    }

    /// In script mode, fails at once when `sock` names no socket this session created (nor
    /// one an auto-accepting listener may still accept).
    fn check_exists(&self, sock: &SockRef) -> Result<(), RunError> {
        let s = lock(&self.shared);
        if !self.script || s.resolve(sock).is_some_and(|id| s.exists(id)) || s.may_appear(sock) {
            return Ok(());
        }
        Err(RunError::Command(no_socket(sock)))
    }

    fn expect_failure(&self, sock: &SockRef, needle: &[u8], limit: Duration) -> String {
        let s = lock(&self.shared);
        let within = crate::lang::duration_text(limit);
        match s.resolve(sock) {
            None => format!(
                "expect {sock}: no socket {sock} (ids are s1, s2, …; names come from `as NAME`)"
            ),
            Some(id) if self.script && !s.exists(id) => no_socket(sock),
            Some(id) => {
                let got = s.unmatched(id);
                let arrived = if got.is_empty() {
                    "nothing".to_string()
                } else {
                    format!(
                        "{}: {}",
                        crate::log::format::plural(got.len() as u64, "byte"),
                        show_bytes(got, 256)
                    )
                };
                format!(
                    "expect {sock} {} timed out after {within}; {sock} received {arrived}",
                    show_bytes(needle, 256)
                )
            }
        }
    }

    /// Prepares for running `lines` as a whole script: only the data of the sockets its
    /// `expect` lines name is kept, in windows fit for the longest payload they wait for
    /// (without it, every socket's last [`super::session::EXPECT_WINDOW`] bytes are kept).
    pub fn plan(&self, lines: &[ScriptLine]) {
        let mut socks = Vec::new();
        let mut longest = 0usize;
        for l in lines {
            if let Statement::Expect { sock, payload, .. } = &l.stmt {
                socks.push(sock.clone());
                let len = match payload {
                    crate::engine::Payload::Bytes(b) => b.len(),
                    crate::engine::Payload::File(p) => std::fs::metadata(p)
                        .map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX)),
                };
                longest = longest.max(len);
            }
        }
        lock(&self.shared).plan(socks, longest);
    }

    /// Runs script lines in order; stops at the first failure and returns it with its line.
    pub fn run_script(&self, lines: &[ScriptLine]) -> Result<(), (usize, String, RunError)> {
        self.plan(lines);
        for l in lines {
            self.execute(&l.stmt)
                .map_err(|e| (l.line, l.text.trim().to_string(), e))?;
        }
        Ok(())
    }

    /// Stops the engine, lets the pump print the last events, and returns the session.
    pub fn finish(mut self) -> Session {
        self.engine.shutdown();
        if let Some(p) = self.pump.take() {
            let _ = p.join();
        }
        self.stop = None;
        let mut guard = lock(&self.shared);
        std::mem::replace(&mut *guard, Session::new(Output::Quiet, Box::new(|_| {})))
    }
}

/// The message of an `expect` on a socket that does not exist.
fn no_socket(sock: &SockRef) -> String {
    format!(
        "expect {sock}: there is no socket {sock} (ids are s1, s2, … in order of creation; names come from `as NAME`)"
    )
}

impl Drop for Runner {
    /// Stops the pump (the engine goes on, for its other users) and waits for it.
    fn drop(&mut self) {
        self.stop = None;
        if let Some(p) = self.pump.take() {
            let _ = p.join();
        }
    }
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
