//! JSON lines and CSV: a log of real loopback traffic saved in each, read back into rows and
//! compared with the engine's events.

mod log_rig;

use log_rig::prelude::*;

#[test]
fn jsonl_and_csv_round_trip_real_loopback_traffic() {
    let s = loopback_session();
    let log = &s.log;
    let (_jsonl_dir, jsonl, _) = saved_as(log, "session.jsonl");
    let (_csv_dir, csv, _) = saved_as(log, "session.csv");
    let rows = read::read_jsonl(&jsonl).expect("jsonl reads back");
    check_rows(&rows, log, log, "jsonl");
    let srv_row = rows
        .iter()
        .find(|r| r.socket.as_deref() == Some("s1"))
        .expect("srv row");
    assert_eq!(srv_row.name.as_deref(), Some("srv"));

    let rows = read::read_csv(&csv).expect("csv reads back");
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
