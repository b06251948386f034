//! `sockscope run` shows an OS error with its errno's name and number, in text and JSON,
//! so that a user can search for `ECONNREFUSED`.

mod common;

use std::net::TcpListener;
use std::process::Output;

use common::proc::{run_script, sockscope};

fn run_stdin(script: &str, extra: &[&str]) -> Output {
    run_script(&mut sockscope(), extra, script)
}

fn refused_script() -> String {
    let probe = TcpListener::bind("127.0.0.1:0").expect("probe");
    let port = probe.local_addr().expect("addr").port();
    drop(probe); // nothing listens there now
    format!("socket tcp\nconnect s1 127.0.0.1:{port}\n")
}

#[test]
fn a_refused_connect_names_econnrefused_and_its_number() {
    let out = run_stdin(&refused_script(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("connection refused") && err.contains("(ECONNREFUSED, errno 111)"),
        "{err}"
    );
    let out = run_stdin(&refused_script(), &["--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("\"error\""))
        .unwrap_or_else(|| panic!("an error line in:\n{stdout}"));
    let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
    assert_eq!(v["errno"], 111, "{line}");
    assert_eq!(v["errno_name"], "ECONNREFUSED", "{line}");
}
