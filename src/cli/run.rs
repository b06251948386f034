//! `sockscope run FILE|-`: parse the whole script, then run it headless and report.

use std::io::Read;
use std::path::Path;

use crate::lang::{ParseError, parse_script};

use super::{err_line, out_line};

/// Longest payload shown in a text line.
const SHOWN_BYTES: usize = 4096;

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

/// Runs a script file and returns the exit status (0, 1 or 2).
pub fn run(file: &str, json: bool, log: Option<&Path>, echo: bool) -> i32 {
    let text = match read_script(file) {
        Ok(t) => t,
        Err(msg) => {
            err_line(&msg);
            return 2;
        }
    };
    let lines = match parse_script(&text) {
        Ok(l) => l,
        Err(e) => {
            err_line(&e.with_file(file));
            return 2;
        }
    };
    let runner = match super::start_runner(json, SHOWN_BYTES, Box::new(out_line)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    runner.plan(&lines);
    let mut result = Ok(());
    for l in &lines {
        if echo && !json {
            out_line(&format!("> {}", l.stmt));
        }
        if let Err(e) = runner.execute(&l.stmt) {
            result = Err(format!("{file}:{}: {}: {e}", l.line, l.text.trim()));
            break;
        }
    }
    let session = runner.finish();
    let mut code = 0;
    if let Err(msg) = result {
        err_line(&msg);
        code = 1;
    }
    if let Some(path) = log
        && let Err(e) = crate::log::save::save(&session.log, path)
    {
        err_line(&format!("cannot save the log: {e}"));
        code = 1;
    }
    code
}
