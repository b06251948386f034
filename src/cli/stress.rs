//! `sockscope stress ADDR clients N (pingpong PAYLOAD [expect PAYLOAD] | throughput SIZE)
//! [for DURATION | count K] [rate R/s] [connect per-request|once] [tcp|udp|tls] …`: runs a
//! stress test headless, prints its figures four times a second and the final report, and
//! saves it with `--report FILE.csv|FILE.json` (or the words' `report FILE`).

use std::path::Path;

use crate::stress::{Stress, parse_cli, report};

use super::{err_line, out_line};

/// Runs the test; exit status 0 when every request succeeded, 1 when some failed (or
/// the report could not be saved), 2 when the words do not make a test.
pub fn stress(words: &[String], json: bool, report_to: Option<&Path>) -> i32 {
    let (cfg, words_report) = match parse_cli(words) {
        Ok(c) => c,
        Err(e) => {
            err_line(&e);
            return 2;
        }
    };
    let report_to = report_to.or(words_report.as_deref());
    if let Some(p) = report_to
        && !matches!(p.extension().and_then(|e| e.to_str()), Some("csv" | "json"))
    {
        err_line(&format!(
            "--report: {}: a report is .csv or .json",
            p.display()
        ));
        return 2;
    }
    let st = match Stress::start(cfg) {
        Ok(s) => s,
        Err(e) => {
            err_line(&format!("stress: {e}"));
            return 1;
        }
    };
    let mut last = None;
    for u in st.updates().iter() {
        out_line(&report::line(&u, json));
        if u.done {
            last = Some(u.figures);
            break;
        }
    }
    let Some(f) = last else {
        err_line("stress: the test ended without a report");
        return 1;
    };
    let mut code = i32::from(f.failed > 0);
    if let Some(p) = report_to
        && let Err(e) = report::save(&f, p)
    {
        err_line(&format!("--report: {e}"));
        code = 1;
    }
    code
}
