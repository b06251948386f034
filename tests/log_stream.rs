//! The streaming `--log` writer: the same bytes as a save from memory, every payload byte
//! whatever the payload budget. Real sockets on loopback, driven by the script runner as
//! `sockscope run` drives them.

use std::path::Path;

use sockscope::engine::Engine;
use sockscope::lang::parse_line;
use sockscope::log::read;
use sockscope::log::save::{self, stream};
use sockscope::log::{Record, SessionLog};
use sockscope::script::{Output, Runner};

fn runner() -> Runner {
    let engine = Engine::start().expect("engine starts");
    Runner::new(engine, Output::Quiet, Box::new(|_| {}))
}

fn run(r: &Runner, script: &str) {
    for line in script.lines() {
        match parse_line(line) {
            Ok(Some(stmt)) => r
                .execute(&stmt)
                .unwrap_or_else(|e| panic!("`{line}` failed: {e}")),
            Ok(None) => {}
            Err(e) => panic!("`{line}` does not parse: {e:?}"),
        }
    }
}

/// A session with UDP, TCP, a status, binary and text payloads.
const SESSION: &str = "socket udp as a\nbind a 127.0.0.1:0\nsocket udp as b\nbind b 127.0.0.1:0\n\
    sendto a $b hex:00ff41\nsendto a $b \"h\u{e9}llo, \\\"w\\\"\\r\\n=1+1\"\nexpect b \"=1+1\" 10s\n\
    socket tcp as srv\nbind srv 127.0.0.1:0\nlisten srv\nrespond srv echo\n\
    socket tcp as cli\nconnect cli $srv\naccept srv as conn 10s\nsend cli \"ping\"\n\
    expect cli \"ping\" 10s\nstatus\nclose cli\nexpect conn closed 10s\n";

/// Feeds the records of `log` one by one to a stream, as the runner's session does.
fn stream_records(log: &SessionLog, path: &Path) -> save::SavedInfo {
    let mut mirror = SessionLog::starting_at(log.started());
    let mut s = stream::create(path).expect("stream created");
    for rec in log.iter() {
        match &*rec {
            Record::Command { at, line } => mirror.push_command_at(*at, line.clone()),
            Record::Event(ev) => mirror.push_event(ev.event().clone()),
        }
        s.record(&rec, &mirror);
    }
    s.finish(&mirror).expect("stream finished")
}

#[test]
fn a_streamed_log_has_the_bytes_of_a_save_from_memory() {
    let r = runner();
    run(&r, SESSION);
    let log = r.finish().log;
    let dir = tempfile::tempdir().expect("tempdir");
    for ext in ["txt", "jsonl", "csv"] {
        let saved = dir.path().join(format!("saved.{ext}"));
        let streamed = dir.path().join(format!("streamed.{ext}"));
        save::save(&log, &saved).expect("saved from memory");
        let info = stream_records(&log, &streamed);
        assert_eq!(info.records, log.len(), "{ext}");
        let (a, b) = (
            std::fs::read(&saved).expect("saved"),
            std::fs::read(&streamed).expect("streamed"),
        );
        assert!(a == b, "{ext} differs:\n{}\n---\n{}", text(&a), text(&b));
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&streamed)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{ext}");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        left.is_empty(),
        "no scratch or temporary file stays: {left:?}"
    );
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_streamed_log_holds_every_byte_past_the_payload_budget() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data: Vec<u8> = (0..2_000_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let file = dir.path().join("data.bin");
    std::fs::write(&file, &data).expect("data file");
    let path = dir.path().join("session.jsonl");
    let r = runner();
    r.with_session(|s| {
        s.log.set_payload_budget(64 * 1024);
        s.stream_to(stream::create(&path).expect("stream created"));
    });
    run(
        &r,
        &format!(
            "socket tcp as srv\nbind srv 127.0.0.1:0\nlisten srv\nsocket tcp as cli\n\
             connect cli $srv\naccept srv as conn 10s\nsend cli file:{}\nshutdown cli write\n\
             expect conn closed 30s\n",
            file.display()
        ),
    );
    let mut session = r.finish();
    assert!(
        session.log.evicted().records > 0,
        "the budget pushed payloads out of memory"
    );
    let info = session
        .take_stream()
        .expect("the stream")
        .finish(&session.log)
        .expect("finished");
    assert_eq!(info.evicted, 0);
    let rows = read::read_jsonl(&path).expect("jsonl reads back");
    let bytes_of = |event: &str, sock: &str| -> Vec<u8> {
        rows.iter()
            .filter(|r| r.event == event && r.socket.as_deref() == Some(sock))
            .inspect(|r| assert!(!r.evicted, "a row without its bytes"))
            .flat_map(|r| r.payload.as_deref().unwrap_or_default().to_vec())
            .collect()
    };
    assert!(
        bytes_of("sent", "s2") == data,
        "every byte sent is in the file"
    );
    assert!(
        bytes_of("received", "s3") == data,
        "every byte received is in the file"
    );
}
