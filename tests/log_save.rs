//! Saving itself: unknown extensions and failed saves leave nothing behind; saving while a
//! flood arrives writes consistent snapshots.

mod log_rig;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use log_rig::prelude::*;
use sockscope::engine::{Addr, Event, Family, Proto, SockId};

#[test]
fn every_format_is_saved_privately_with_exact_counters() {
    let s = loopback_session();
    let log = &s.log;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut expected_files = BTreeSet::new();

    // Counters are exact and match the payloads.
    let t = log.totals();
    let sent: u64 = [s.client, s.conn, s.u1, s.u2, s.v6a]
        .iter()
        .flat_map(|&k| payloads_of(log, k, true))
        .map(|p| p.len() as u64)
        .sum();
    assert_eq!(t.traffic.bytes_out, sent);
    assert_eq!(
        t.traffic.bytes_in, sent,
        "everything sent on loopback arrived"
    );
    assert_eq!(t.errors, 1);

    // An old file with loose permissions is replaced by a private one.
    let jsonl = dir.path().join("session.jsonl");
    std::fs::write(&jsonl, "old").expect("old file");
    std::fs::set_permissions(&jsonl, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    for f in Format::LOG_FORMATS {
        let path = dir.path().join(format!("session.{}", f.extension()));
        let info = save::save(log, &path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(info.format, f);
        assert_eq!(info.path, path);
        assert_eq!(info.bytes, std::fs::metadata(&path).expect("file").len());
        assert_eq!(mode(&path), 0o600, "{} is private", path.display());
        expected_files.insert(
            path.file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned(),
        );
    }
    assert_eq!(
        dir_names(dir.path()),
        expected_files,
        "no temporary file remains"
    );
}

#[test]
fn unknown_extension_and_failed_save_leave_nothing() {
    let log = loopback_session().log;
    let dir = tempfile::tempdir().expect("tempdir");
    let e = save::save(&log, &dir.path().join("x.docx")).expect_err("unknown format");
    let msg = e.to_string();
    assert!(
        msg.contains("x.docx") && msg.contains(".pcap") && msg.contains(".jsonl"),
        "{msg}"
    );
    // Renaming over a folder fails: the error names the file, and no temporary file stays.
    let target = dir.path().join("taken.csv");
    std::fs::create_dir(&target).expect("dir");
    std::fs::write(target.join("inside"), "x").expect("file");
    let e = save::save(&log, &target).expect_err("cannot replace a folder");
    assert!(e.to_string().contains("taken.csv"), "{e}");
    assert_eq!(
        dir_names(dir.path()),
        BTreeSet::from(["taken.csv".to_string()])
    );
}

#[test]
fn saving_during_a_flood_writes_consistent_snapshots() {
    let local: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
    let peer: SocketAddr = "127.0.0.1:40001".parse().expect("addr");
    let mk = |kind| Event {
        at: SystemTime::now(),
        socket: Some(SockId(1)),
        cmd: None,
        kind,
    };
    let shared = Arc::new(Mutex::new(SessionLog::new()));
    {
        let mut log = shared.lock().expect("lock");
        log.push_event(mk(EventKind::Created {
            proto: Proto::Udp,
            family: Family::V4,
            name: None,
        }));
        log.push_event(mk(EventKind::Bound {
            local: Addr::Ip(local),
            implicit: false,
        }));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let pusher = {
        let shared = shared.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) && i < 200_000 {
                {
                    let mut log = shared.lock().expect("lock");
                    for _ in 0..20 {
                        let data = [format!("flood {i:08}").as_bytes(), &[0xfe]].concat();
                        let kind = if i.is_multiple_of(2) {
                            EventKind::Sent {
                                peer: Some(Addr::Ip(peer)),
                                data: data.into(),
                                reply: false,
                            }
                        } else {
                            EventKind::Received {
                                peer: Some(Addr::Ip(peer)),
                                data: data.into(),
                                truncated_from: None,
                            }
                        };
                        log.push_event(Event {
                            at: SystemTime::now(),
                            socket: Some(SockId(1)),
                            cmd: None,
                            kind,
                        });
                        i += 1;
                    }
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            i
        })
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut overlapped = 0;
    std::thread::sleep(Duration::from_millis(50));
    for round in 0..9 {
        let snap = shared.lock().expect("lock").clone();
        let n = snap.len();
        let f = [Format::Jsonl, Format::Csv, Format::Pcap][round % 3];
        let path = dir.path().join(format!("flood.{}", f.extension()));
        let info = save::save(&snap, &path).unwrap_or_else(|e| panic!("{e}"));
        if shared.lock().expect("lock").len() > n {
            overlapped += 1;
        }
        assert_eq!(mode(&path), 0o600);
        let payloads: Vec<Vec<u8>> = match f {
            Format::Pcap => {
                assert_eq!(info.records, n - 2);
                read::read_pcap(&path)
                    .expect("pcap")
                    .into_iter()
                    .map(|p| {
                        assert!(p.checksums_ok);
                        p.payload
                    })
                    .collect()
            }
            _ => {
                let rows = if f == Format::Csv {
                    read::read_csv(&path)
                } else {
                    read::read_jsonl(&path)
                }
                .expect("reads back");
                assert_eq!(rows.len(), n, "the file is exactly the snapshot");
                let out: u64 = rows
                    .iter()
                    .filter(|r| r.event == "sent")
                    .map(|r| r.len.expect("len") as u64)
                    .sum();
                assert_eq!(out, snap.totals().traffic.bytes_out);
                rows.into_iter()
                    .filter_map(|r| r.payload.map(|p| p.to_vec()))
                    .collect()
            }
        };
        assert_eq!(payloads.len(), n - 2);
        for (i, p) in payloads.iter().enumerate() {
            let mut want = format!("flood {i:08}").into_bytes();
            want.push(0xfe);
            assert_eq!(p, &want, "round {round}: payload {i}");
        }
    }
    stop.store(true, Ordering::Relaxed);
    let pushed = pusher.join().expect("pusher");
    assert!(pushed > 0);
    assert!(
        overlapped >= 3,
        "traffic went on while saving ({overlapped} of 9 saves)"
    );
    let names = dir_names(dir.path());
    assert_eq!(names.len(), 3, "no temporary files: {names:?}");
}
