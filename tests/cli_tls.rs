//! `sockscope run` over TLS (issue 16): a script whose client trusts its own server's
//! self-signed certificate, the `tls handshake` event in text and JSON, payloads marked as
//! decrypted, and the key log written where `SSLKEYLOGFILE` says. The real binary, loopback.

mod common;

use std::process::Output;
use std::time::Duration;

use common::proc::{run_within, sockscope_in, succeeded, test_data};

fn run(script: &str, args: &[&str], keylog: &std::path::Path) -> Output {
    let dir = script_dir();
    let file = dir.path().join("tls.scope");
    std::fs::write(&file, script).expect("write the script");
    let mut cmd = sockscope_in(&test_data());
    cmd.env("SSLKEYLOGFILE", keylog)
        .arg("run")
        .args(args)
        .arg(&file);
    run_within(&mut cmd, Duration::from_secs(120), "sockscope run")
}

fn script_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn script(cert: &std::path::Path) -> String {
    format!(
        "socket tcp as srv\nbind srv 127.0.0.1:0\nlisten srv\n\
         tls srv server self-signed\ntls srv save-cert {c}\naccept srv auto\nrespond srv echo\n\
         socket tcp as cli\nconnect cli $srv\ntls cli client ca {c} alpn x/1\n\
         send cli \"ping over tls\"\nexpect cli \"ping over tls\"\nclose cli\n",
        c = cert.display()
    )
}

#[test]
fn a_script_speaks_tls_and_its_log_shows_the_handshake_and_decrypted_payloads() {
    let dir = script_dir();
    let keys = dir.path().join("keys.log");
    let text_log = dir.path().join("session.txt");
    let out = run(
        &script(&dir.path().join("c.pem")),
        &["--log", text_log.to_str().expect("utf-8 path")],
        &keys,
    );
    let stdout = succeeded(&out, "the TLS script");
    assert!(stdout.contains("tls handshake TLS 1.3 · TLS_"), "{stdout}");
    assert!(stdout.contains("· verified"), "{stdout}");
    let log = std::fs::read_to_string(&text_log).expect("the text log");
    assert!(log.contains("tls handshake TLS 1.3"), "{log}");
    let sent = log
        .lines()
        .find(|l| l.contains("sent 13 bytes"))
        .unwrap_or_else(|| panic!("a sent line in {log}"));
    assert!(sent.contains("(decrypted TLS)"), "{sent}");
    let keylog = std::fs::read_to_string(&keys).expect("SSLKEYLOGFILE was written");
    assert!(keylog.contains("CLIENT_TRAFFIC_SECRET_0 "), "{keylog}");
    assert!(
        keylog.contains("SERVER_HANDSHAKE_TRAFFIC_SECRET "),
        "{keylog}"
    );
}

#[test]
fn json_lines_carry_the_handshake_and_mark_payloads_decrypted() {
    let dir = script_dir();
    let out = run(
        &script(&dir.path().join("c.pem")),
        &["--json"],
        &dir.path().join("keys.log"),
    );
    let stdout = succeeded(&out, "the TLS script with --json");
    let rows: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let hs = rows
        .iter()
        .find(|r| r["tls"]["Handshake"]["client"] == serde_json::json!(true))
        .unwrap_or_else(|| panic!("a client handshake row in {stdout}"));
    assert_eq!(hs["tls"]["Handshake"]["version"], "TLS 1.3");
    assert_eq!(hs["tls"]["Handshake"]["alpn"], serde_json::Value::Null);
    let chain = &hs["tls"]["Handshake"]["chain"][0];
    assert!(
        chain["sha256"].as_str().is_some_and(|s| s.len() == 95),
        "{chain}"
    );
    let received: Vec<_> = rows.iter().filter(|r| r["event"] == "received").collect();
    assert!(!received.is_empty(), "{stdout}");
    assert!(
        received.iter().all(|r| r["decrypted"] == true),
        "{received:?}"
    );
}
