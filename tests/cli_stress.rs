//! `sockscope stress` against a thread-per-connection echo on loopback: live lines, the
//! final report on stdout and in `--report FILE` (CSV and JSON), refusals with exit 2.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;

fn echo_server() -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut b = [0u8; 4096];
                while let Ok(n) = c.read(&mut b) {
                    if n == 0 || c.write_all(&b[..n]).is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn stress(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .arg("stress")
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn a_stress_run_prints_the_final_report_and_saves_it_as_csv_and_json() {
    let addr = echo_server().to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("r.csv");
    let csv_s = csv.to_string_lossy().to_string();
    let out = stress(&[
        "--report", &csv_s, &addr, "clients", "4", "pingpong", "hello", "count", "500",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("final: ") && last.contains(" ok 500 failed 0"),
        "{last}"
    );
    let text = std::fs::read_to_string(&csv).expect("the report");
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let at = |n: &str| row[head.iter().position(|h| *h == n).expect("column")];
    assert_eq!(
        (at("sent"), at("ok"), at("connects"), at("active")),
        ("500", "500", "4", "0")
    );

    let json = dir.path().join("r.json");
    let json_s = json.to_string_lossy().to_string();
    let out = stress(&[
        "--json", "--report", &json_s, &addr, "clients", "2", "pingpong", "x", "count", "50",
    ]);
    assert!(out.status.success());
    let last: serde_json::Value = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .expect("a JSON line");
    assert_eq!(
        (last["ok"].as_u64(), last["done"].as_bool()),
        (Some(50), Some(true))
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("report")).expect("JSON");
    assert_eq!(saved["ok"], 50);
}

#[test]
fn malformed_tests_exit_2_and_say_why() {
    let out = stress(&["127.0.0.1:9", "pingpong", "x", "sni", "a.test"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("sni, ca and insecure go with tls"));
    let out = stress(&["127.0.0.1:9", "clients", "3"]);
    assert_eq!(out.status.code(), Some(2));
}
