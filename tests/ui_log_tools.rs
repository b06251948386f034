//! The session log's tools clicked through the real app on a real engine over loopback:
//! "Save as script…" then "Open script…" replays the session in a fresh app; a script with
//! a syntax error shows `FILE:LINE:COL` and runs nothing; a journal left by a crashed
//! session is offered for recovery and saved; the filter bar narrows the log's rows.

#[path = "gui/harness.rs"]
mod harness;

use std::path::Path;
use std::time::SystemTime;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use harness::{app_with, assert_shown, click, console_lines, shown, type_into, wait_for};
use sockscope::app::SockscopeApp;
use sockscope::engine::{Event, EventKind, SockId};
use sockscope::log::SessionLog;
use sockscope::log::journal::Journal;

/// The app journaling into `dir`, save and open dialogs replaced by path fields.
fn app_in(dir: &Path) -> Harness<'static, SockscopeApp> {
    app_with(egui::Vec2::new(1280.0, 1600.0), 32, Some(dir.to_path_buf()))
}

/// Opens the File menu and clicks the item whose label starts with `item`.
fn file_menu(h: &mut Harness<'_, SockscopeApp>, item: &str) {
    click(h, "File");
    h.get_by_label_contains(item).click();
    h.run();
}

fn sockets(app: &SockscopeApp) -> usize {
    app.state().sockets.len()
}

#[test]
fn save_as_script_then_open_script_replays_the_session() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let script = tmp.path().join("session.scope");
    let mut h = app_in(tmp.path());
    console_lines(
        &mut h,
        &[
            "socket udp as echo",
            "bind echo 127.0.0.1:0",
            "respond echo upper",
            "socket udp as cli",
            "sendto cli $echo \"ping\"",
        ],
    );
    wait_for(&mut h, "the upper-cased reply", |a| {
        a.state()
            .get(SockId(2))
            .is_some_and(|r| r.counters.bytes_in == 4)
    });

    file_menu(&mut h, "Save as script…");
    type_into(&mut h, "Save to", &script.display().to_string());
    click(&mut h, "Save");
    wait_for(&mut h, "the script saved", |a| {
        a.message()
            .is_some_and(|m| m.starts_with("Saved 5 commands"))
    });
    let text = std::fs::read_to_string(&script).expect("script written");
    assert!(text.contains("socket udp as echo\n"), "{text}");
    assert!(text.contains("sendto cli $echo \"ping\"\n"), "{text}");
    // The data each socket received is saved as an expect, so the replay checks it.
    assert!(
        text.contains("expect echo \"ping\"\nexpect cli \"PING\"\n"),
        "{text}"
    );

    // A fresh app on a fresh engine replays it: the sockets appear, the reply arrives.
    let tmp2 = tempfile::tempdir().expect("temp dir");
    let mut h2 = app_in(tmp2.path());
    assert_eq!(sockets(h2.state()), 0);
    file_menu(&mut h2, "Open script…");
    type_into(&mut h2, "Script file", &script.display().to_string());
    click(&mut h2, "Open and run");
    wait_for(&mut h2, "the script ran", |a| {
        a.message()
            .is_some_and(|m| m.contains("all 7 statements succeeded"))
    });
    wait_for(&mut h2, "the replayed reply", |a| {
        a.state()
            .get(SockId(2))
            .is_some_and(|r| r.counters.bytes_in == 4)
    });
    assert_eq!(sockets(h2.state()), 2, "both sockets appear");
    let console = h2.state().console_text();
    for expected in ["> socket udp as echo", "> respond echo upper"] {
        assert!(
            console.iter().any(|l| l == expected),
            "console shows {expected:?}:\n{}",
            console.join("\n")
        );
    }
    // The replayed commands are in the log, so the session can be saved as a script again.
    let commands = h2
        .state()
        .log()
        .iter()
        .filter(|r| matches!(**r, sockscope::log::Record::Command { .. }))
        .count();
    assert_eq!(commands, 7, "the five commands and the two expects");
    // Each statement is stamped when the script ran it, so the log reads in time order.
    let times: Vec<SystemTime> = h2.state().log().iter().map(|r| r.at()).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "records in time order: {:?}",
        h2.state()
            .log()
            .iter()
            .map(|r| (
                r.at(),
                sockscope::log::format::summary(&r, h2.state().log(), 20)
            ))
            .collect::<Vec<_>>()
    );
    assert!(shown(&h2, "\"PING\"") >= 1, "the reply shows in the log");
}

/// Runs `text` as an opened script and waits for its final message.
fn run_script_text(h: &mut Harness<'_, SockscopeApp>, path: &Path, text: &str) -> String {
    std::fs::write(path, text).expect("write script");
    file_menu(h, "Open script…");
    type_into(h, "Script file", &path.display().to_string());
    let before = h.state().message().map(str::to_string);
    click(h, "Open and run");
    // Each of this test's scripts ends with a message unlike the one before it.
    wait_for(h, "the script to end", |a| {
        a.message().is_some_and(|m| {
            Some(m) != before.as_deref()
                && (m.contains("succeeded") || m.starts_with("Script failed"))
        })
    });
    h.state().message().unwrap_or_default().to_string()
}

#[test]
fn each_opened_script_knows_earlier_names_and_expects_only_new_data() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut h = app_in(tmp.path());
    console_lines(
        &mut h,
        &[
            "socket udp as srv",
            "bind srv 127.0.0.1:0",
            "socket udp as cli",
            "sendto cli $srv \"before\"",
        ],
    );
    wait_for(&mut h, "the first datagram", |a| {
        a.state()
            .get(SockId(1))
            .is_some_and(|r| r.counters.bytes_in == 6)
    });
    // Names given in the console before the script are known to its `expect`; data that
    // arrived before the script does not count.
    let a = tmp.path().join("a.scope");
    let msg = run_script_text(&mut h, &a, "expect srv \"before\" 300ms\n");
    assert!(msg.starts_with("Script failed at line 1"), "{msg}");
    assert!(msg.contains("received nothing"), "{msg}");
    let msg = run_script_text(
        &mut h,
        &a,
        "sendto cli $srv \"hello world\"\nexpect srv \"hello\" 2s\n",
    );
    assert!(msg.contains("all 2 statements succeeded"), "{msg}");
    // A later script starts afresh: the unmatched " world" of the last one is not its data.
    let msg = run_script_text(&mut h, &a, "expect srv \"world\" 300ms\n");
    assert!(msg.starts_with("Script failed at line 1"), "{msg}");
}

#[test]
fn script_with_a_syntax_error_shows_where_and_runs_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let script = tmp.path().join("bad.scope");
    std::fs::write(
        &script,
        "socket udp as a\n# fine so far\nbind a 127.0.0.1:99999\n",
    )
    .expect("write script");
    let mut h = app_in(tmp.path());
    file_menu(&mut h, "Open script…");
    type_into(&mut h, "Script file", &script.display().to_string());
    click(&mut h, "Open and run");
    wait_for(&mut h, "the parse error", |a| {
        a.message().is_some_and(|m| m.starts_with("Script not run"))
    });
    let console = h.state().console_text();
    let want = format!("error: {}:3:", script.display());
    assert!(
        console.iter().any(|l| l.starts_with(&want)),
        "console shows {want:?}:\n{}",
        console.join("\n")
    );
    assert_shown(&h, "bad.scope:3:", "the error is on screen");
    // Nothing ran: give the engine a moment, then check.
    std::thread::sleep(std::time::Duration::from_millis(200));
    h.run();
    assert_eq!(sockets(h.state()), 0, "no socket was created");
    assert!(
        !console.iter().any(|l| l.starts_with("> ")),
        "no command ran"
    );
}

#[test]
fn recovery_is_offered_for_a_leftover_journal_and_saves_it() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // A crashed session: a journal dropped without finish() stays behind.
    let journal_path = {
        let mut log = SessionLog::new();
        log.attach_journal(Journal::create_in(tmp.path()).expect("journal"));
        log.push_command("socket udp");
        log.push_event(Event {
            at: SystemTime::now(),
            socket: Some(SockId(1)),
            cmd: None,
            kind: EventKind::Received {
                peer: None,
                data: b"survived the crash"[..].into(),
                truncated_from: None,
            },
        });
        let j = log.take_journal().expect("attached");
        let p = j.path().to_path_buf();
        drop(j);
        p
    };
    assert_eq!(
        Journal::leftovers(tmp.path()).expect("list"),
        vec![journal_path.clone()]
    );

    let mut h = app_in(tmp.path());
    let start = std::time::Instant::now();
    while h
        .query_by_label_contains("The previous session ended unexpectedly (2 records")
        .is_none()
    {
        assert!(
            start.elapsed() < harness::DEADLINE,
            "no recovery offer shown; message {:?}; journals left: {:?}; dir: {:?}; file: {:?}",
            h.state().message(),
            Journal::leftovers(tmp.path()),
            std::fs::read_dir(tmp.path()).map(|d| d
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .collect::<Vec<_>>()),
            std::fs::read_to_string(&journal_path)
        );
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // Our own journal is held by this app: it is not offered.
    click(&mut h, "Save its log…");
    let out = tmp.path().join("recovered.jsonl");
    type_into(&mut h, "Save to", &out.display().to_string());
    click(&mut h, "Save");
    wait_for(&mut h, "the recovered log saved", |a| {
        a.message()
            .is_some_and(|m| m.starts_with("Saved 2 records"))
    });
    let text = std::fs::read_to_string(&out).expect("recovered log written");
    assert!(text.contains("survived the crash"), "{text}");
    assert!(!journal_path.exists(), "the journal is deleted once saved");
    assert!(
        h.query_by_label_contains("The previous session ended unexpectedly")
            .is_none(),
        "the offer is gone"
    );
    // The running app journals its own session in the same folder.
    let ours = std::fs::read_dir(tmp.path())
        .expect("list")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".journal.jsonl"))
        .count();
    assert_eq!(ours, 1, "the app's own journal");
}

#[test]
fn filter_by_direction_and_text_narrows_the_rows() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut h = app_in(tmp.path());
    console_lines(
        &mut h,
        &[
            "socket udp as echo",
            "bind echo 127.0.0.1:0",
            "respond echo echo",
            "socket udp as cli",
            "sendto cli $echo \"alpha\"",
            "sendto cli $echo \"bravo\"",
        ],
    );
    wait_for(&mut h, "both echoes", |a| {
        a.state()
            .get(SockId(2))
            .is_some_and(|r| r.counters.bytes_in == 10)
    });
    let total = h.state().log().len();
    assert_eq!(shown(&h, &format!("showing all {total} records")), 1);
    assert!(cells(&h, "command") >= 6, "command rows");
    assert_eq!(cells(&h, "\"alpha\""), 4, "sent and received, both ends");

    // Open the filter bar; only received rows: uncheck the other directions.
    h.get_by_label("Filter").click();
    h.run();
    h.get_by_label("Directions: all").click();
    h.run();
    for d in ["Sent", "Events", "Commands", "Errors"] {
        h.get_by_label(d).click();
        h.run();
    }
    assert_eq!(
        shown(&h, "Directions: received"),
        1,
        "the menu says what shows"
    );
    h.key_press(egui::Key::Escape);
    h.run();
    assert_eq!(
        shown(&h, "showing 4 of"),
        1,
        "two datagrams each way were received"
    );
    assert_eq!(cells(&h, "received"), 4);
    assert_eq!(
        cells(&h, "command") + cells(&h, "sent"),
        0,
        "the rest is hidden"
    );
    assert_eq!(
        cells(&h, "\"alpha\""),
        2,
        "alpha received by echo and by cli"
    );

    // And a text search on top.
    type_into(&mut h, "Find text", "BRAVO");
    assert_eq!(shown(&h, "showing 2 of"), 1, "case is ignored");
    assert_eq!(cells(&h, "\"alpha\""), 0);
    assert_eq!(cells(&h, "\"bravo\""), 2);

    click(&mut h, "Clear filter");
    assert_eq!(shown(&h, &format!("showing all {total} records")), 1);
    assert_eq!(cells(&h, "\"alpha\""), 4);
}

/// How many widgets are labelled exactly `text` (the log's cells; the console's lines
/// carry more text).
fn cells(h: &Harness<'_, SockscopeApp>, text: &str) -> usize {
    h.query_all_by_label(text).count()
}
