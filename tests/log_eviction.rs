//! The memory budget: a log whose payloads left memory is saved in every format with
//! exact counts and lengths, and says which payloads it no longer has.

mod log_rig;

use log_rig::prelude::*;

#[test]
fn eviction_keeps_counts_and_lengths_exact_in_every_format() {
    let s = loopback_session();
    let full = &s.log;
    let mut log = full.clone();
    log.set_payload_budget(64);
    assert_eq!(log.totals(), full.totals(), "totals stay exact");
    let ev = log.evicted();
    assert!(ev.records >= 8, "{ev:?}");
    assert!(log.payload_bytes_held() <= 64);
    let evicted_bytes: usize = records(&log)
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) => e.evicted(),
            _ => None,
        })
        .sum();
    assert_eq!(ev.bytes, evicted_bytes as u64);
    assert_eq!(
        ev.bytes + log.payload_bytes_held() as u64,
        full.totals().traffic.bytes_in + full.totals().traffic.bytes_out
    );
    // The oldest went first: no kept payload precedes an evicted one.
    let flags: Vec<bool> = records(&log)
        .iter()
        .filter(|r| raw_payload(r).is_some_and(|d| !d.is_empty()) || format::is_evicted(r))
        .map(format::is_evicted)
        .collect();
    assert!(flags.windows(2).all(|w| w[0] || !w[1]), "{flags:?}");
    assert!(!flags.last().expect("payloads")); // the newest still there

    let dir = tempfile::tempdir().expect("tempdir");
    for f in Format::LOG_FORMATS {
        let path = dir.path().join(format!("evicted.{}", f.extension()));
        let info = save::save(&log, &path).unwrap_or_else(|e| panic!("{e}"));
        // The pcap and the sequence diagram hold each payload once, as the sender's.
        let want = match f {
            Format::Pcap | Format::Svg => records(&log)
                .iter()
                .filter(|r| direction_name(r) == "sent" && format::is_evicted(r))
                .count() as u64,
            _ => ev.records,
        };
        assert_eq!(info.evicted as u64, want, "{f:?}");
    }
    check_rows(
        &read::read_jsonl(&dir.path().join("evicted.jsonl")).expect("jsonl"),
        &log,
        full,
        "jsonl after eviction",
    );
    check_rows(
        &read::read_csv(&dir.path().join("evicted.csv")).expect("csv"),
        &log,
        full,
        "csv after eviction",
    );
    let txt = std::fs::read_to_string(dir.path().join("evicted.txt")).expect("txt");
    assert!(
        txt.contains("sent 100000 bytes to "),
        "the big send keeps its length"
    );
    assert!(txt.contains(format::EVICTED_NOTE));
    let packets = read::read_pcap(&dir.path().join("evicted.pcap")).expect("pcap");
    let (c, k) = (local_of(&log, s.client), local_of(&log, s.conn));
    let wire: usize = tcp_flow(&packets, c, k).iter().map(|p| p.len).sum();
    assert_eq!(wire, TEXT.len() + BIN.len() + 100_000);
    assert!(
        packets.iter().any(|p| p.payload.len() < p.len),
        "evicted: cut capture"
    );
    for rec in &records(&log) {
        assert_eq!(format::payload_len(rec), raw_payload_len(full, rec));
    }
}
