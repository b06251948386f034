//! JSON lines and CSV: a log of real loopback traffic saved in each, read back into rows and
//! compared with the engine's events.

mod log_rig;

use log_rig::prelude::*;

#[test]
fn jsonl_and_csv_round_trip_real_loopback_traffic() {
    let s = loopback_session();
    let log = &s.log;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("session.jsonl");
    save::save(log, &path).unwrap_or_else(|e| panic!("{e}"));
    let path_csv = dir.path().join("session.csv");
    save::save(log, &path_csv).unwrap_or_else(|e| panic!("{e}"));
    let rows = read::read_jsonl(&dir.path().join("session.jsonl")).expect("jsonl reads back");
    check_rows(&rows, log, log, "jsonl");
    let srv_row = rows
        .iter()
        .find(|r| r.socket.as_deref() == Some("s1"))
        .expect("srv row");
    assert_eq!(srv_row.name.as_deref(), Some("srv"));

    let rows = read::read_csv(&dir.path().join("session.csv")).expect("csv reads back");
    check_rows(&rows, log, log, "csv");
    let err = rows
        .iter()
        .find(|r| r.direction.name() == "error")
        .expect("error row");
    assert!(
        err.error.as_deref().is_some_and(|e| e.contains("nosuch")),
        "{err:?}"
    );
}
