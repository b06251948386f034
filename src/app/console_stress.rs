//! A `stress` line typed in the app's console: the test runs on its own client pool
//! ([`crate::stress`]) while the window goes on; each frame takes its updates, a line in
//! the console four times a second and the final report at the end (an error line when
//! some requests failed), and `report FILE` is saved. `$NAME` is the local address of one
//! of the app's sockets. One test at a time.

use crate::lang::StressStmt;
use crate::stress::{Stress, report, words::resolve};

use super::SockscopeApp;
use super::console::ConsoleLine;

/// The console's stress test under way, if any.
#[derive(Default)]
pub(super) struct ConsoleStress {
    run: Option<(Stress, StressStmt)>,
}

impl SockscopeApp {
    /// Starts the test a console line asked for.
    pub(super) fn start_console_stress(&mut self, s: StressStmt) {
        let line = s.to_string();
        self.log.push_command(line.clone());
        self.console.push(ConsoleLine::Command(line));
        if self.console_stress.run.is_some() {
            let busy = "a stress test is already running: wait for its report";
            return self.console.push(ConsoleLine::Error(busy.into()));
        }
        let addr = resolve(&s.test.addr, |r| {
            let id = self.state.resolve(r)?;
            self.state.get(id)?.local.clone()
        });
        let started =
            addr.and_then(|a| Stress::start(s.test.at(a)).map_err(|e| format!("stress: {e}")));
        match started {
            Ok(st) => self.console_stress.run = Some((st, s)),
            Err(e) => self.console.push(ConsoleLine::Error(e)),
        }
    }

    /// Shows the updates that have come; at the end, the report (and saves it).
    pub(super) fn poll_console_stress(&mut self, ctx: &egui::Context) {
        let Some((st, s)) = &self.console_stress.run else {
            return;
        };
        let mut last = None;
        for u in st.updates().try_iter() {
            let text = report::line(&u, false);
            if u.done {
                last = Some(u.figures);
                self.console.push(ConsoleLine::Ok(text));
                break;
            }
            self.console.push(ConsoleLine::Info(text));
        }
        let Some(f) = last else {
            ctx.request_repaint_after(crate::stress::EVERY);
            return;
        };
        if let Some(path) = &s.report
            && let Err(e) = report::save(&f, path)
        {
            self.console
                .push(ConsoleLine::Error(format!("report: {e}")));
        }
        if f.failed > 0 {
            let why = format!(
                "stress {}: {} of {} requests failed",
                s.test.addr, f.failed, f.sent
            );
            self.console.push(ConsoleLine::Error(why));
        }
        self.console_stress.run = None;
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::engine::Engine;

    #[test]
    fn a_console_stress_line_runs_against_the_apps_own_echo_server() {
        let engine = Engine::start().expect("engine");
        let ctx = egui::Context::default();
        let mut app = SockscopeApp::new(engine.clone(), &ctx);
        for line in crate::script::ECHO_SERVER_LINES {
            app.run_line(line);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        let listening = |app: &SockscopeApp| {
            app.state
                .resolve(&crate::engine::SockRef::Name("srv".into()))
                .and_then(|id| app.state.get(id))
                .is_some_and(|r| r.local.is_some())
        };
        while !listening(&app) || app.console_stress.run.is_some() {
            assert!(Instant::now() < deadline, "{:?}", app.console_text());
            app.drain_events(&ctx);
            std::thread::sleep(Duration::from_millis(10));
        }
        app.run_line("stress $srv clients 2 pingpong hi count 50");
        while app.console_stress.run.is_some() {
            assert!(Instant::now() < deadline, "{:?}", app.console_text());
            app.drain_events(&ctx);
            app.poll_console_stress(&ctx);
            std::thread::sleep(Duration::from_millis(10));
        }
        let text = app.console_text();
        assert!(
            text.contains(&"> stress $srv clients 2 pingpong \"hi\" count 50".to_string()),
            "{text:?}"
        );
        let last = text.last().cloned().unwrap_or_default();
        assert!(
            last.starts_with("ok: final: ") && last.contains(" sent 50 ok 50 failed 0,"),
            "{text:?}"
        );
        engine.shutdown();
    }
}
