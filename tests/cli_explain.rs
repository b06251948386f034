//! `run --explain` prints a learner's second line under an error (the call, the errno's
//! name, what it means, what to try); without the flag a script's output is as before.

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], script: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .arg("run")
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(mut input) = child.stdin.take() {
        input.write_all(script.as_bytes()).expect("the script");
    }
    let out = child.wait_with_output().expect("the binary finishes");
    assert_eq!(out.status.code(), Some(1), "the connect fails the run");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A loopback port where nothing listens (bound, read back, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    l.local_addr().expect("its address").port()
}

#[test]
fn a_refused_connect_is_explained_only_when_asked() {
    let script = format!("socket tcp as c\nconnect c 127.0.0.1:{}\n", closed_port());
    let explained = run(&["--explain"], &script);
    let why = explained
        .lines()
        .find(|l| l.trim_start().starts_with("why: "))
        .unwrap_or_else(|| panic!("a why line:\n{explained}"));
    assert!(why.contains("connect() failed with ECONNREFUSED"), "{why}");
    assert!(why.contains("Try: "), "{why}");
    let plain = run(&[], &script);
    assert!(
        !plain.contains("why: "),
        "no explanation unless asked:\n{plain}"
    );
}
