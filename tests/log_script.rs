//! The session's commands saved as a script replay with `sockscope run`.

mod common;
mod log_rig;

use std::process::Stdio;

use common::proc::{sockscope_in, succeeded};
use log_rig::prelude::*;
use sockscope::engine::AddrSpec;

#[test]
fn saved_script_replays_with_sockscope_run() {
    let mut lab = Lab::new();
    let a = lab.bound_udp("a");
    let b = lab.bound_udp("b");
    lab.ok(
        "sendto a $b \"hi\\x00there\"",
        Command::SendTo {
            sock: id(a),
            addr: AddrSpec::LocalOf(id(b)),
            payload: bytes(b"hi\0there"),
        },
    );
    lab.log.push_command("expect b \"there\" 2s");
    lab.engine.shutdown();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("replay.scope");
    let info = save::save_script(&lab.log, &path).expect("script saved");
    assert_eq!(info.records, 6);
    assert_eq!(mode(&path), 0o600);
    let (text, body) = script_body(&path);
    assert_eq!(
        body,
        [
            "socket udp as a",
            "bind a 127.0.0.1:0",
            "socket udp as b",
            "bind b 127.0.0.1:0",
            "sendto a $b \"hi\\x00there\"",
            "expect b \"there\" 2s"
        ]
    );
    assert!(text.starts_with('#'));
    let out = sockscope_in(dir.path())
        .arg("run")
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .expect("sockscope runs");
    succeeded(&out, "replay");
}
