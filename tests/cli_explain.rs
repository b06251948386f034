//! `run --explain` prints a learner's second line under an error (the call, the errno's
//! name, what it means, what to try); without the flag a script's output is as before.

mod common;

use common::proc::{exit_with, run_script, sockscope};

fn run(args: &[&str], script: &str) -> String {
    let out = run_script(&mut sockscope(), args, script);
    exit_with(&out, 1, "the connect fails the run")
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
