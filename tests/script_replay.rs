//! A session saved as a script (the app's *File → Save as script…*) replays on fresh ports:
//! the lines the app logged carry the literal ports the OS chose, the saved script names
//! the session's own sockets with `$ID` instead. Real sockets on loopback.

mod common;
mod log_rig;

use std::time::{Duration, Instant};

use common::proc::{run_within, sockscope_in, succeeded};

use sockscope::engine::{EventKind, SockId};
use sockscope::lang::parse_line;
use sockscope::log::save;
use sockscope::log::{Record, SessionLog};
use sockscope::script::{Output, Runner};

fn run(r: &Runner, line: &str) {
    match parse_line(line) {
        Ok(Some(stmt)) => r
            .execute(&stmt)
            .unwrap_or_else(|e| panic!("`{line}` failed: {e}")),
        other => panic!("`{line}` does not parse: {other:?}"),
    }
}

fn received(log: &SessionLog, sock: SockId) -> Vec<u8> {
    log.iter()
        .filter_map(|r| match &*r {
            Record::Event(ev) if ev.socket == Some(sock) => match &ev.kind {
                EventKind::Received { data, .. } => Some(data.to_vec()),
                _ => None,
            },
            _ => None,
        })
        .flatten()
        .collect()
}

/// Polls the session until `sock` has received `want`.
fn wait_received(r: &Runner, sock: u32, want: &[u8]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while r.with_session(|s| received(&s.log, SockId(sock))) != want {
        assert!(Instant::now() < deadline, "s{sock} never received {want:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn local_port(r: &Runner, sock: u32) -> u16 {
    r.with_session(|s| s.log.local_of(SockId(sock)).and_then(|a| a.ip()))
        .map(|a| a.port())
        .unwrap_or_else(|| panic!("s{sock} has a local address"))
}

#[test]
fn a_saved_session_replays_on_fresh_ports_while_the_first_still_runs() {
    let engine = sockscope::engine::Engine::start().expect("engine");
    let r = Runner::new(engine.clone(), Output::Quiet, Box::new(|_| {}));
    // What a person clicks in the app, logged as the app logs it: the ports the OS chose
    // were read off the screen and typed in.
    run(&r, "socket tcp as srv");
    run(&r, "bind srv 127.0.0.1:0");
    run(&r, "listen srv");
    let srv = local_port(&r, 1);
    run(&r, "socket tcp");
    run(&r, &format!("connect s2 127.0.0.1:{srv}"));
    run(&r, "accept srv");
    run(&r, "send s2 \"hello\"");
    wait_received(&r, 3, b"hello");
    run(&r, "send s3 \"world\"");
    wait_received(&r, 2, b"world");
    run(&r, "socket udp");
    run(&r, "bind s4 127.0.0.1:0");
    let udp = local_port(&r, 4);
    run(&r, "socket udp");
    run(&r, &format!("sendto s5 127.0.0.1:{udp} hex:00ff"));
    wait_received(&r, 4, b"\x00\xff");
    run(&r, "close s4");
    run(&r, "socket udp");
    run(&r, &format!("bind s6 127.0.0.1:{udp}"));

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("session.scope");
    let log = r.with_session(|s| s.log.clone());
    let info = save::save_script(&log, &path).expect("saved");
    assert_eq!(info.records, 15);
    let (text, body) = log_rig::script_body(&path);
    assert_eq!(
        body,
        [
            "socket tcp as srv",
            "bind srv 127.0.0.1:0",
            "listen srv",
            "socket tcp",
            "connect s2 $srv",
            "accept srv 10s",
            "send s2 \"hello\"",
            "expect s3 \"hello\"",
            "send s3 \"world\"",
            "expect s2 \"world\"",
            "socket udp",
            "bind s4 127.0.0.1:0",
            "socket udp",
            "sendto s5 $s4 hex:00ff",
            "expect s4 hex:00ff",
            "close s4",
            "socket udp",
            "bind s6 127.0.0.1:0",
        ],
        "{text}"
    );
    // The first session's listener still listens: a replay that reached it would hang.
    let mut replay = sockscope_in(&dir.path().join("data"));
    let out = run_within(
        replay.arg("run").arg(&path),
        Duration::from_secs(60),
        "replay",
    );
    succeeded(&out, "replay");
    engine.shutdown();
}
