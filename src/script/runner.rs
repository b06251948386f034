//! Runs statements of the command language against an engine and waits for their outcome:
//! the one executor behind `sockscope run`, `sockscope shell` and scripts opened in the app.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;

use crate::engine::{Engine, Event, EventKind, SockRef};
use crate::lang::{ScriptLine, Statement};
use crate::log::format::show_bytes;

use super::session::{Output, Printer, Session};

/// How long `expect` waits when the line gives no duration.
pub const DEFAULT_EXPECT: Duration = Duration::from_secs(5);

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
}

type Shared = Arc<(Mutex<Session>, Condvar)>;

fn lock(shared: &Shared) -> MutexGuard<'_, Session> {
    shared.0.lock().unwrap_or_else(|p| p.into_inner())
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
            .spawn(move || {
                loop {
                    crossbeam_channel::select! {
                        recv(rx) -> ev => match ev {
                            Ok(ev) => lock(&pump_shared).absorb(ev),
                            Err(_) => break,
                        },
                        recv(stopped) -> _ => break,
                    }
                    pump_shared.1.notify_all();
                }
                lock(&pump_shared).ended = true;
                pump_shared.1.notify_all();
            })
            .ok();
        Runner {
            engine,
            shared,
            pump,
            stop: Some(stop),
        }
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
            let wait = match deadline {
                Some(at) => {
                    let left = at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(None);
                    }
                    left
                }
                None => Duration::from_secs(3600),
            };
            guard = match self.shared.1.wait_timeout(guard, wait) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// Runs one statement and waits for its outcome.
    pub fn execute(&self, stmt: &Statement) -> Result<(), RunError> {
        lock(&self.shared).command(&stmt.to_string());
        match stmt {
            Statement::Engine(cmd) => {
                let id = self.engine.submit(cmd.clone());
                let ev: Option<Event> = self.wait_until(None, |s| s.take_outcome(id))?;
                match ev.map(|e| e.kind) {
                    Some(EventKind::Failed(e)) => Err(RunError::Command(e.to_string())),
                    _ => Ok(()),
                }
            }
            Statement::Sleep(d) => {
                let at = Instant::now() + *d;
                self.wait_until(Some(at), |_| None::<()>)?;
                Ok(())
            }
            Statement::Expect {
                sock,
                payload,
                timeout,
            } => {
                let needle = payload
                    .load()
                    .map_err(|e| RunError::Command(format!("read file: {e}")))?;
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
            Statement::ExpectReset { sock, timeout } => {
                let limit = timeout.unwrap_or(DEFAULT_EXPECT);
                let at = Instant::now() + limit;
                let found = self.wait_until(Some(at), |s| {
                    let id = s.resolve(sock)?;
                    s.was_reset(id).then_some(())
                })?;
                match found {
                    Some(()) => Ok(()),
                    None => Err(RunError::Expect(format!(
                        "expect {sock} reset: the peer did not reset the connection within {}",
                        crate::lang::duration_text(limit)
                    ))),
                }
            }
            Statement::ExpectClosed { sock, timeout } => {
                let limit = timeout.unwrap_or(DEFAULT_EXPECT);
                let at = Instant::now() + limit;
                let found = self.wait_until(Some(at), |s| {
                    let id = s.resolve(sock)?;
                    s.peer_closed(id).then_some(())
                })?;
                match found {
                    Some(()) => Ok(()),
                    None => Err(RunError::Expect(format!(
                        "expect {sock} closed: the peer did not close within {}",
                        crate::lang::duration_text(limit)
                    ))),
                }
            }
        }
    }

    fn expect_failure(&self, sock: &SockRef, needle: &[u8], limit: Duration) -> String {
        let s = lock(&self.shared);
        let within = crate::lang::duration_text(limit);
        match s.resolve(sock) {
            None => format!(
                "expect {sock}: no socket {sock} (ids are s1, s2, …; names come from `as NAME`)"
            ),
            Some(id) => {
                let got = s.unmatched(id);
                let arrived = if got.is_empty() {
                    "nothing".to_string()
                } else {
                    format!("{} bytes: {}", got.len(), show_bytes(got, 256))
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
mod tests {
    use super::*;
    use crate::lang::parse_line;

    fn quiet(engine: &Engine) -> Runner {
        Runner::new(engine.clone(), Output::Quiet, Box::new(|_| {}))
    }

    fn run(r: &Runner, line: &str) -> Result<(), RunError> {
        match parse_line(line) {
            Ok(Some(stmt)) => r.execute(&stmt),
            other => panic!("{line:?} does not parse: {other:?}"),
        }
    }

    #[test]
    fn a_dropped_runner_stops_its_pump_and_the_engine_goes_on() {
        let engine = Engine::start().expect("engine");
        let first = quiet(&engine);
        run(&first, "socket udp as a").expect("socket");
        let (done, dropped) = crossbeam_channel::bounded(1);
        std::thread::spawn(move || {
            drop(first);
            let _ = done.send(());
        });
        dropped
            .recv_timeout(Duration::from_secs(5))
            .expect("dropping the runner returns: its pump stopped");
        let second = quiet(&engine);
        second.with_session(|s| s.learn_name(crate::engine::SockId(1), "a"));
        run(&second, "bind a 127.0.0.1:0").expect("the engine still runs");
        run(&second, "sendto a $a \"x\"").expect("send to itself");
        run(&second, "expect a \"x\" 2s").expect("a learned name resolves for expect");
        engine.shutdown();
    }
}
