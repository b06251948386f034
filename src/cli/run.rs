//! `sockscope run FILE|-`: parse the whole script, then run it headless and report.

use std::io::Read;
use std::path::Path;

use crate::lang::{ParseError, parse_script_in};
use crate::log::SessionLog;
use crate::log::format::plural;
use crate::log::save::Format;
use crate::log::save::stream::{self, LogStream};
use crate::script::{RunError, shown_line};

use super::err_line;

/// Exit status of a run that Ctrl-C interrupted (128 + SIGINT, as a shell reports it).
const INTERRUPTED: i32 = 130;

/// Longest payload shown in a text line.
const SHOWN_BYTES: usize = 4096;

/// Reads and parses a script file (`-` for standard input); what goes wrong is said on
/// standard error and given back as exit status 2, before anything runs.
/// `@NAME` payloads are the packets of `lib`.
pub(crate) fn load_script(
    file: &str,
    lib: &crate::packets::Library,
) -> Result<Vec<crate::lang::ScriptLine>, i32> {
    let text = read_script(file).map_err(|msg| {
        err_line(&msg);
        2
    })?;
    parse_script_in(&text, lib).map_err(|e| {
        err_line(&e.with_file(file));
        2
    })
}

/// Opens the packet library (`--packets FILE`, else the user's); exit status 2 when its
/// file cannot be read.
pub(crate) fn open_packets(path: Option<&Path>) -> Result<crate::packets::SharedShelf, i32> {
    crate::packets::Shelf::open(path)
        .map(crate::packets::Shelf::shared)
        .map_err(|e| {
            err_line(&format!("--packets: {e}"));
            2
        })
}

/// Reads the script; a non-UTF-8 script is a parse error at the first bad byte.
fn read_script(file: &str) -> Result<String, String> {
    let mut bytes = Vec::new();
    let read = if file == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(file).map(|b| bytes = b)
    };
    read.map_err(|e| format!("{file}: cannot read: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let col = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
        let byte = e.as_bytes().get(good.len()).copied().unwrap_or(0);
        let err = ParseError {
            line,
            col,
            expected: "UTF-8 text".into(),
            found: format!("byte 0x{byte:02x}"),
        };
        err.with_file(file)
    })
}

/// Checks the `--log` path and creates its file before anything runs; exit status 2 when
/// it cannot be used (unknown extension, no file name, a folder, a missing folder).
fn open_log(log: Option<&Path>) -> Result<Option<LogStream>, i32> {
    log.map(stream::create).transpose().map_err(|e| {
        err_line(&format!("--log: {e}"));
        2
    })
}

/// Finishes the `--log` file and says on stderr what it could not hold; returns the exit
/// status it calls for (1 when payload bytes are missing from it or it was not saved) and
/// whether it was saved.
fn finish_log(stream: LogStream, log: &SessionLog) -> (i32, bool) {
    let info = match stream.finish(log) {
        Ok(info) => info,
        Err(e) => {
            err_line(&format!("cannot save the log: {e}"));
            return (1, false);
        }
    };
    let shown = info.path.display();
    if info.skipped > 0 {
        let why = match info.format {
            Format::Pcap => {
                "a pcap holds IP traffic only: payloads on Unix sockets (and with unknown addresses) are left out"
            }
            _ => "commands spanning lines are left out",
        };
        err_line(&format!(
            "{shown}: {} this format cannot hold: {why}",
            plural(info.skipped as u64, "record")
        ));
    }
    if info.evicted > 0 {
        err_line(&format!(
            "{shown}: {} written without their bytes: they had left memory (the payload budget) before the {} was written",
            plural(info.evicted as u64, "payload"),
            info.format.extension()
        ));
        return (1, true);
    }
    (0, true)
}

/// Runs a script file and returns the exit status (0, 1, 2, or 130 after Ctrl-C); unless
/// `session.no_journal`, the session is journaled until it ends (kept when the `--log` file
/// could not be saved). `session.packets` is the packet library's file (`None`: the user's,
/// in the data folder).
pub fn run(file: &str, log: Option<&Path>, echo: bool, session: &super::SessionArgs) -> i32 {
    let (json, journal, explain) = (session.json, !session.no_journal, session.explain);
    let shelf = match open_packets(session.packets.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let lines = match load_script(file, &crate::packets::lock(&shelf).lib) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let stream = match open_log(log) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let printer = Box::new(super::out::buffered_line);
    let mut runner = match super::start_runner(json, SHOWN_BYTES, printer) {
        Ok(r) => r,
        Err(code) => return code,
    };
    runner.with_session(|s| s.set_flusher(Box::new(super::out::flush_out)));
    runner.set_script_mode(true);
    runner.with_session(|s| s.set_explain(explain));
    runner.set_packets(shelf);
    if let Some(stream) = stream {
        runner.with_session(|s| s.stream_to(stream));
    }
    super::journaling::attach(&runner, journal);
    match super::sigint::install() {
        Ok(flag) => runner.set_interrupt(flag),
        Err(e) => err_line(&format!("Ctrl-C will kill the run: cannot handle it: {e}")),
    }
    runner.plan(&lines);
    let mut result = Ok(());
    for l in &lines {
        if echo && !json {
            super::out::buffered_line(&format!("> {}", l.stmt));
        }
        if let Err(e) = runner.execute(&l.stmt) {
            let code = if e == RunError::Interrupted {
                INTERRUPTED
            } else {
                1
            };
            let line = shown_line(&l.text);
            result = Err((code, format!("{file}:{}: {line}: {e}", l.line)));
            break;
        }
    }
    let mut session = runner.finish();
    super::out::flush_out();
    let mut code = 0;
    if let Err((failed, msg)) = result {
        err_line(&msg);
        code = failed;
    }
    let mut saved = true;
    if let Some(stream) = session.take_stream() {
        let (log_code, ok) = finish_log(stream, &session.log);
        code = code.max(log_code);
        saved = ok;
    }
    super::journaling::end(&mut session.log, !saved);
    code
}
