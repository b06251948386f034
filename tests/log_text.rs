//! The text log: a log of real loopback traffic saved as `.txt` reads as the log's own lines,
//! payloads in full, a `status`'s sockets under it.

mod log_rig;

use log_rig::prelude::*;

#[test]
fn text_log_holds_every_line_and_full_payloads() {
    let s = loopback_session();
    let log = &s.log;
    let (_dir, path, _) = saved_as(log, "session.txt");
    let txt = std::fs::read_to_string(&path).expect("txt");
    let lines: Vec<&str> = txt.lines().collect();
    assert!(lines[0].starts_with("# sockscope session log"));
    let mut at = 1;
    for rec in &records(log) {
        assert_eq!(lines[at], format::text_line(rec, log, usize::MAX));
        if let Some(data) = raw_payload(rec) {
            assert!(
                lines[at].contains(&format!(" {} bytes ", data.len())),
                "{}",
                lines[at]
            );
            let shown = if format::is_texty(data) {
                format::quoted(data)
            } else {
                format!("hex:{}", format::hex(data))
            };
            assert!(lines[at].ends_with(&shown), "full payload in {}", lines[at]);
        }
        at += 1;
        if let Record::Event(ev) = rec
            && let EventKind::Status(list) = &ev.kind
        {
            assert!(!list.is_empty());
            at += list.len();
        }
    }
    assert_eq!(at, lines.len());
}
