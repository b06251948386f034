//! `sockscope shell`: an interactive prompt with line editing, history kept across runs and
//! tab completion of commands and socket names; events print as they happen.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, ExternalPrinter, Helper};

use crate::lang::{COMMANDS, Statement, parse_line, parse_line_in};
use crate::log::journal::Journal;
use crate::script::{RunError, Runner};

use super::{err_line, out_line};

/// Completes command words first, socket ids and names after.
struct ShellHelper {
    sockets: Arc<Mutex<Vec<String>>>,
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let head = line.get(..pos).unwrap_or(line);
        let start = head.rfind(' ').map_or(0, |i| i + 1);
        let word = &head[start..];
        let first = head[..start].trim().is_empty();
        let mut words: Vec<String> = if first {
            COMMANDS
                .iter()
                .map(|c| c.name.to_string())
                .chain(["help".into(), "quit".into()])
                .collect()
        } else {
            let socks = self.sockets.lock().map(|s| s.clone()).unwrap_or_default();
            let dollar = socks.iter().map(|s| format!("${s}")).collect::<Vec<_>>();
            socks.into_iter().chain(dollar).collect()
        };
        words.retain(|w| w.starts_with(word));
        words.sort();
        words.dedup();
        let pairs = words
            .into_iter()
            .map(|w| Pair {
                display: w.clone(),
                replacement: w,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }
}

impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

/// Where the shell keeps its history: `shell_history.txt` in the data folder
/// ([`Journal::data_dir`]; created 0700 when missing).
fn history_path() -> Option<PathBuf> {
    let dir = Journal::data_dir()?;
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(&dir).ok()?;
    Some(dir.join("shell_history.txt"))
}

/// The line said when a statement fails: an interrupted engine command goes on in the engine.
fn failure_text(stmt: &Statement, e: &RunError) -> String {
    match (e, stmt) {
        (RunError::Interrupted, Statement::Engine(_)) => {
            format!("interrupted: `{stmt}` goes on in the engine until it completes or times out")
        }
        (RunError::Interrupted, _) => "interrupted".into(),
        _ => format!("error: {e}"),
    }
}

fn help_text() -> String {
    crate::lang::help_text()
}

/// The shell's runner, printing through rustyline (so that events do not break the line
/// being typed), interrupted by Ctrl-C, journaled unless `journal` is false.
fn start(
    rl: &mut Editor<ShellHelper, DefaultHistory>,
    json: bool,
    journal: bool,
) -> Result<Runner, i32> {
    let printer: Box<dyn FnMut(&str) + Send> = match rl.create_external_printer() {
        Ok(mut p) => Box::new(move |line: &str| {
            let _ = p.print(format!("{line}\n"));
        }),
        Err(_) => Box::new(out_line),
    };
    let mut runner = super::start_runner(json, 1024, printer)?;
    match super::sigint::install() {
        Ok(flag) => runner.set_interrupt(flag),
        Err(e) => err_line(&format!(
            "Ctrl-C will end the shell (no SIGINT handler: {e})"
        )),
    }
    super::journaling::attach(&runner, journal);
    Ok(runner)
}

/// Runs one typed line (`quit`, `help` or a statement); false when the shell is to end.
fn run_line(runner: &Runner, line: &str, sockets: &Mutex<Vec<String>>) -> bool {
    match line {
        "quit" | "exit" => return false,
        "help" | "?" => {
            out_line(&help_text());
            return true;
        }
        _ => {}
    }
    let parsed = match runner.packets() {
        Some(shelf) => parse_line_in(line, &crate::packets::lock(shelf).lib),
        None => parse_line(line),
    };
    match parsed {
        Ok(Some(stmt)) => {
            if let Err(e) = runner.execute(&stmt) {
                err_line(&failure_text(&stmt, &e));
            }
        }
        Ok(None) => {}
        Err(e) => err_line(&format!(
            "{}^\n{e}",
            " ".repeat(e.col.saturating_sub(1) + 11)
        )),
    }
    let labels = runner.with_session(|s| s.labels());
    if let Ok(mut socks) = sockets.lock() {
        *socks = labels;
    }
    true
}

/// Runs the interactive shell; returns the exit status. Unless `session.no_journal`, the
/// session is journaled until the shell ends; `session.packets` is the packet library's
/// file (`None`: the user's).
pub fn shell(session: &super::SessionArgs) -> i32 {
    let (json, journal, explain) = (session.json, !session.no_journal, session.explain);
    let shelf = match super::run::open_packets(session.packets.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let config = rustyline::Config::builder()
        .completion_type(rustyline::CompletionType::List)
        .max_history_size(5000)
        .map(|b| b.auto_add_history(false).build())
        .unwrap_or_default();
    let mut rl: Editor<ShellHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(r) => r,
        Err(e) => {
            err_line(&format!("cannot open the terminal: {e}"));
            return 1;
        }
    };
    let sockets = Arc::new(Mutex::new(Vec::new()));
    rl.set_helper(Some(ShellHelper {
        sockets: Arc::clone(&sockets),
    }));
    let tail = super::paste::PasteTail::default();
    rl.bind_sequence(
        rustyline::Event::Any,
        rustyline::EventHandler::Conditional(Box::new(tail.clone())),
    );
    let history = history_path();
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    let mut runner = match start(&mut rl, json, journal) {
        Ok(r) => r,
        Err(code) => return code,
    };
    runner.with_session(|s| s.set_explain(explain));
    runner.set_packets(shelf);
    out_line(&format!(
        "sockscope {} shell — type help, Tab completes, quit leaves",
        super::VERSION
    ));
    loop {
        match rl.readline("sockscope> ") {
            Ok(line) => {
                let line = tail.complete(line);
                let trimmed = line.trim();
                if trimmed.is_empty() {
                    continue;
                }
                // Saved line by line, so that a crash keeps it.
                if rl.add_history_entry(trimmed).unwrap_or(false)
                    && let Some(h) = &history
                {
                    let _ = rl.append_history(h);
                }
                if !run_line(&runner, trimmed, &sockets) {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {
                tail.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                err_line(&format!("error: {e}"));
                break;
            }
        }
    }
    if let Some(h) = &history {
        let _ = rl.append_history(h);
    }
    let mut session = runner.finish();
    super::journaling::end(&mut session.log, false);
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustyline::history::DefaultHistory;

    fn complete(line: &str, sockets: &[&str]) -> (usize, Vec<String>) {
        let helper = ShellHelper {
            sockets: Arc::new(Mutex::new(sockets.iter().map(|s| s.to_string()).collect())),
        };
        let history = DefaultHistory::new();
        let ctx = Context::new(&history);
        let (start, pairs) = helper.complete(line, line.len(), &ctx).expect("completes");
        (start, pairs.into_iter().map(|p| p.replacement).collect())
    }

    #[test]
    fn completes_command_words_first() {
        assert_eq!(
            complete("sta", &[]),
            (0, vec!["stats".to_string(), "status".to_string()])
        );
        assert_eq!(complete("lis", &[]).1, vec!["listen".to_string()]);
        assert!(complete("", &[]).1.contains(&"socket".to_string()));
    }

    #[test]
    fn completes_socket_names_and_their_addresses_after_the_command() {
        assert_eq!(
            complete("send s", &["s1", "srv", "c"]),
            (5, vec!["s1".to_string(), "srv".to_string()])
        );
        assert_eq!(
            complete("connect c $s", &["srv"]),
            (10, vec!["$srv".to_string()])
        );
    }
}
