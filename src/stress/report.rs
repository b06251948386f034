//! The final report of a stress test as CSV (a header and one row) or JSON (one object),
//! chosen by the file's extension (`--report FILE.csv|FILE.json`).

use std::path::Path;

use serde_json::{Map, Value, json};

use super::figures::{Failure, Figures};

/// The report's columns, in order: the figures, then one column per failure kind.
pub fn columns() -> Vec<&'static str> {
    let mut c = vec![
        "secs",
        "qps",
        "qps_peak",
        "sent",
        "ok",
        "failed",
        "active",
        "connects",
        "bytes_out",
        "bytes_in",
        "p50_us",
        "p95_us",
        "p99_us",
        "max_us",
    ];
    c.extend(Failure::ALL.iter().map(|f| f.name()));
    c
}

/// A latency in µs rounded to the ns it was measured in.
fn ns(us: f64) -> f64 {
    (us * 1e3).round() / 1e3
}

fn values(f: &Figures) -> Vec<Value> {
    let mut v = vec![
        json!((f.secs * 1000.0).round() / 1000.0),
        json!(f.qps.round()),
        json!(f.qps_peak.round()),
        json!(f.sent),
        json!(f.ok),
        json!(f.failed),
        json!(f.active),
        json!(f.connects),
        json!(f.bytes_out),
        json!(f.bytes_in),
        json!(ns(f.p50_us)),
        json!(ns(f.p95_us)),
        json!(ns(f.p99_us)),
        json!(ns(f.max_us)),
    ];
    v.extend(Failure::ALL.iter().map(|k| {
        json!(
            f.failures
                .iter()
                .find(|(x, _)| x == k)
                .map_or(0, |(_, n)| *n)
        )
    }));
    v
}

/// The report as a JSON object.
pub fn json(f: &Figures) -> Value {
    let m: Map<String, Value> = columns()
        .into_iter()
        .map(str::to_string)
        .zip(values(f))
        .collect();
    Value::Object(m)
}

/// The report as CSV: the header line and one row.
pub fn csv(f: &Figures) -> String {
    let row: Vec<String> = values(f).iter().map(Value::to_string).collect();
    format!("{}\n{}\n", columns().join(","), row.join(","))
}

/// The line `sockscope stress` (and a `stress` statement) prints for an update: the
/// figures as text (`final: …` for the last), or with `json` the report's object with
/// `done`.
pub fn line(u: &super::StressUpdate, json: bool) -> String {
    if json {
        let mut v = self::json(&u.figures);
        v["done"] = u.done.into();
        v.to_string()
    } else if u.done {
        format!("final: {}", u.figures)
    } else {
        u.figures.to_string()
    }
}

/// Writes the report to `path` (`.csv` or `.json`).
pub fn save(f: &Figures, path: &Path) -> Result<(), String> {
    let text = match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => csv(f),
        Some("json") => format!("{}\n", json(f)),
        _ => return Err(format!("{}: a report is .csv or .json", path.display())),
    };
    std::fs::write(path, text).map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_hold_the_same_figures() {
        let f = Figures {
            secs: 2.0,
            qps: 10.0,
            qps_peak: 12.0,
            sent: 21,
            ok: 20,
            failed: 1,
            failures: vec![(Failure::Reset, 1)],
            p99_us: 900.25,
            ..Figures::default()
        };
        let csv = csv(&f);
        let mut lines = csv.lines();
        let head: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        let row: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        assert_eq!(head.len(), row.len());
        let at = |name: &str| row[head.iter().position(|h| *h == name).unwrap_or(0)];
        assert_eq!(
            (at("sent"), at("ok"), at("reset"), at("p99_us")),
            ("21", "20", "1", "900.25")
        );
        let j = json(&f);
        assert_eq!(j["reset"], 1);
        assert_eq!(j["reply_mismatch"], 0);
        assert_eq!(j["qps_peak"], 12.0);
    }
}
