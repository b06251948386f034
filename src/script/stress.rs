//! The `stress` statement in a runner (`sockscope run`, `sockscope shell`, the app's Open
//! script…): the server resolved (`$srv` is the local address of a socket of the session),
//! the test run on its own client pool ([`crate::stress`]) while the engine serves the
//! session's sockets, its live lines printed four times a second and its final report as
//! `sockscope stress` prints them (JSON lines with `--json`, each with `"event": "stress"`
//! and a `ts`), the report saved with `report FILE`.
//!
//! A Ctrl-C (the runner's interrupt) stops the clients after their request under way; the
//! final report is still printed and saved, then the statement ends as interrupted. A test
//! in which any request failed fails like an `expect` that was not met: the script stops
//! there (exit status 1), the shell says why and goes on.

use std::net::SocketAddr;
use std::time::SystemTime;

use crossbeam_channel::RecvTimeoutError;

use super::{INTERRUPT_POLL, RunError, Runner, lock};
use crate::engine::{AddrSpec, Command, EventKind};
use crate::lang::StressStmt;
use crate::stress::{Figures, Stress, StressUpdate, report, words::resolve};

impl Runner {
    /// Runs a `stress` statement to its end (or to a Ctrl-C).
    pub(super) fn stress(&self, s: &StressStmt) -> Result<(), RunError> {
        let addr = self.stress_target(&s.test.addr)?;
        let st = Stress::start(s.test.at(addr))
            .map_err(|e| RunError::Command(format!("stress: {e}")))?;
        let mut interrupted = false;
        let last = loop {
            if !interrupted && self.interrupted() {
                interrupted = true;
                st.stop();
            }
            match st.updates().recv_timeout(INTERRUPT_POLL) {
                Ok(u) => {
                    self.show_stress(&u);
                    if u.done {
                        break u.figures;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break st.wait(),
            }
        };
        if let Some(path) = &s.report {
            report::save(&last, path).map_err(|e| RunError::Command(format!("report: {e}")))?;
        }
        if interrupted {
            return Err(RunError::Interrupted);
        }
        match failures(&last) {
            Some(why) => Err(RunError::Expect(format!("stress {}: {why}", s.test.addr))),
            None => Ok(()),
        }
    }

    /// The server's socket address: `$ID` from the session's log or, for a runner that keeps
    /// none (the app's *Open script…*), from the engine's answer to `status ID`.
    fn stress_target(&self, spec: &AddrSpec) -> Result<SocketAddr, RunError> {
        let logged = {
            let session = lock(&self.shared);
            resolve(spec, |r| {
                let id = session.resolve(r)?;
                session.log.local_of(id).cloned()
            })
        };
        let (Err(why), AddrSpec::LocalOf(r)) = (&logged, spec) else {
            return logged.map_err(RunError::Command);
        };
        let id = self.engine.submit(Command::StatusOf { sock: r.clone() });
        let local = match self
            .wait_until(None, |s| s.take_outcome(id))?
            .map(|e| e.kind)
        {
            // The socket itself comes first, before the connections it accepted.
            Some(EventKind::Status(infos)) => infos.into_iter().next().and_then(|i| i.local),
            _ => return Err(RunError::Command(why.clone())),
        };
        resolve(spec, |_| local).map_err(RunError::Command)
    }

    /// Prints one update as `sockscope stress` does (JSON: with `event` and `ts`).
    fn show_stress(&self, u: &StressUpdate) {
        let text = report::line(u, false);
        let mut json = report::json(&u.figures);
        json["done"] = u.done.into();
        json["event"] = "stress".into();
        json["ts"] = crate::log::format::rfc3339(SystemTime::now()).into();
        lock(&self.shared).show(&text, &json);
    }
}

/// Why a finished test fails its script: `N of M requests failed (kind n, …)`; `None` when
/// every request succeeded.
fn failures(f: &Figures) -> Option<String> {
    if f.failed == 0 {
        return None;
    }
    let kinds: Vec<String> = f.failures.iter().map(|(k, n)| format!("{k} {n}")).collect();
    Some(format!(
        "{} of {} requests failed ({})",
        f.failed,
        f.sent,
        kinds.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::super::tests::run;
    use crate::engine::Engine;
    use crate::script::{Output, Runner};

    /// The app's *Open script…* runner keeps no log: `$srv` comes from the engine.
    #[test]
    fn a_runner_that_keeps_no_log_finds_its_server_through_the_engine() {
        let engine = Engine::start().expect("engine");
        let r = Runner::new(engine.clone(), Output::Quiet, Box::new(|_| {}));
        r.with_session(|s| s.stop_logging());
        for line in crate::script::ECHO_SERVER_LINES {
            run(&r, line).expect(line);
        }
        run(&r, "stress $srv clients 2 pingpong hi count 20").expect("the test succeeds");
        let e = run(&r, "stress $nope clients 1 pingpong hi count 1").expect_err("no such socket");
        assert!(e.to_string().contains("no socket nope"), "{e}");
        engine.shutdown();
    }
}
