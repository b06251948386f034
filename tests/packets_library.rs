//! The packet library's file: it survives a kill in the middle of a write, a folder
//! round-trips through export and import, Packet Sender's export imports, and
//! `sockscope run --packets FILE` reads and changes that library.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::proc::{exit_with, feed, sockscope, succeeded};

use sockscope::packets::{
    Form, Library, Packet, export_folder, import_json, import_packet_sender, load, save,
};

fn bin() -> Command {
    let mut c = sockscope();
    c.arg("run").arg("--no-journal");
    c
}

/// The temporary files of saves under way next to `path`.
fn temps(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.starts_with(".packets.json.") && n.ends_with(".tmp")
                })
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_kill_in_the_middle_of_writes_leaves_a_whole_library() {
    // Each line rewrites the whole file, 300 KB more each time: a write takes long enough
    // to be caught with its temporary file open, and that is when the process is killed.
    let body = "x".repeat(300_000);
    let mut script = String::new();
    for i in 0..40 {
        script.push_str(&format!("packet save p{i} \"{body}\"\n"));
    }
    let mut mid_write = 0;
    for round in 0..3 {
        let dir = tempfile::tempdir().expect("temp dir");
        let lib_path = dir.path().join("packets.json");
        let script_path = dir.path().join("fill.scope");
        std::fs::write(&script_path, &script).expect("script");
        let mut child = bin()
            .arg("--packets")
            .arg(&lib_path)
            .arg(&script_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("sockscope runs");
        let start = Instant::now();
        let mut caught = false;
        let mut max_seen = 0;
        while start.elapsed() < Duration::from_secs(60) {
            let saved = std::fs::metadata(&lib_path).map(|m| m.len()).unwrap_or(0);
            // Past the first two saves, kill as soon as a save is seen under way: its
            // temporary file exists, or (were the file written in place) the file has
            // shrunk below what it held.
            max_seen = max_seen.max(saved);
            let in_place = max_seen > 600_000 && saved < max_seen;
            if saved > 600_000 && temps(dir.path()) > 0 || in_place {
                caught = true;
                break;
            }
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::yield_now();
        }
        child.kill().expect("kill -9");
        let _ = child.wait();
        if caught && temps(dir.path()) > 0 {
            mid_write += 1;
        }
        let lib = load(&lib_path).expect("the file is a whole library after the kill");
        assert!(
            lib.packets.len() >= 2,
            "round {round}: what was saved stays"
        );
        for (i, p) in lib.packets.iter().enumerate() {
            assert_eq!(p.name, format!("p{i}"), "round {round}: packets in order");
            assert_eq!(p.payload.len(), 300_000, "round {round}: {} whole", p.name);
        }
    }
    assert!(
        mid_write > 0,
        "at least one kill landed while a save was being written"
    );
}

#[test]
fn a_folder_round_trips_through_export_and_import() {
    let mut lib = Library::new();
    for (name, folder, payload, form) in [
        ("ping", "demo", "PING\\r\\n", Form::Escaped),
        ("read", "modbus", "01 03 00 00 00 01", Form::Hex),
        ("hello", "demo", "héllo {seq}", Form::Text),
    ] {
        lib.put(Packet {
            name: name.into(),
            folder: folder.into(),
            payload: payload.into(),
            form,
            to: Some("127.0.0.1:7".into()),
            checksum: (form == Form::Hex).then(|| "crc16-modbus".into()),
            notes: format!("note of {name}"),
        });
    }
    let json = export_folder(&lib, "demo");
    let back = import_json(&json, None).expect("imports");
    let demo: Vec<Packet> = lib.in_folder("demo").map(|(_, p)| p.clone()).collect();
    assert_eq!(back, demo);
    let moved = import_json(&json, Some("copy")).expect("imports");
    assert!(moved.iter().all(|p| p.folder == "copy") && moved.len() == 2);
    // The whole library through its file, too.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lib.json");
    save(&path, &lib).expect("saves");
    assert_eq!(load(&path).expect("loads"), lib);
    assert!(
        import_json(
            "{\"packets\": [{\"name\": \"x\", \"payload\": \"zz\", \"form\": \"hex\"}]}",
            None
        )
        .is_err(),
        "bad hex is refused"
    );
}

/// A Packet Sender export as its `Packet::ExportJSON` writes it (lower-cased keys, numbers
/// as strings, the newest packet first).
const PACKET_SENDER_EXPORT: &str = r#"[
    {
        "asciistring": "SGVsbG8=",
        "errorstring": "",
        "fromip": "",
        "fromport": "0",
        "hexstring": "48 65 6C 6C 6F",
        "name": "Hello UDP",
        "port": "5005",
        "repeat": "0",
        "requestpath": "",
        "sendresponse": "0",
        "tcporudp": "UDP",
        "toip": "127.0.0.1"
    },
    {
        "asciistring": "",
        "errorstring": "",
        "fromip": "",
        "fromport": "0",
        "hexstring": "01 03 00 00 00 01 84 0A",
        "name": "modbus_read",
        "port": "502",
        "repeat": "2.5",
        "requestpath": "",
        "sendresponse": "0",
        "tcporudp": "TCP",
        "toip": "::1"
    },
    {"name": "", "hexstring": "00"}
]"#;

#[test]
fn packet_senders_export_imports_with_name_bytes_destination_and_method() {
    let got = import_packet_sender(PACKET_SENDER_EXPORT).expect("imports");
    assert_eq!(got.len(), 2, "the nameless entry is skipped");
    assert_eq!(got[0].name, "Hello UDP");
    assert_eq!(got[0].bytes(), Ok(b"Hello".to_vec()));
    assert_eq!(got[0].to.as_deref(), Some("127.0.0.1:5005"));
    assert_eq!(got[0].notes, "method UDP");
    assert_eq!(got[0].folder, "Packet Sender");
    assert_eq!(got[1].bytes(), Ok(vec![1, 3, 0, 0, 0, 1, 0x84, 0x0a]));
    assert_eq!(got[1].to.as_deref(), Some("[::1]:502"));
    assert_eq!(got[1].notes, "method TCP; repeat every 2.5 s");
    assert_eq!(import_json(PACKET_SENDER_EXPORT, None).expect("same"), got);
}

#[test]
fn run_with_packets_reads_and_saves_that_library() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lib_path = dir.path().join("mine.json");
    let mut lib = Library::new();
    lib.put(Packet {
        name: "greeting".into(),
        payload: "hello".into(),
        ..Packet::default()
    });
    save(&lib_path, &lib).expect("saves");
    let script = "socket udp as a\nbind a 127.0.0.1:0\nsocket udp as b\nconnect b $a\n\
                  send b @greeting\nexpect a \"hello\"\npacket save bye \"bye\\n\" checksum crc8\n\
                  packet del greeting\nsend b @bye\nexpect a @bye\npacket list\n";
    let out = feed(
        bin().arg("--packets").arg(&lib_path).arg("-"),
        script.as_bytes(),
    );
    let stdout = succeeded(&out, "the packets script");
    assert!(stdout.contains("bye  \"bye\\n\" checksum crc8"), "{stdout}");
    let after = load(&lib_path).expect("loads");
    assert!(after.get("greeting").is_none());
    assert_eq!(
        after.get("bye").and_then(|p| p.checksum.as_deref()),
        Some("crc8")
    );
    // A script naming a packet that is not there does not run (exit 2).
    let bad = dir.path().join("bad.scope");
    std::fs::write(&bad, "socket udp\nsend s1 @nothing\n").expect("write");
    let st = bin()
        .arg("--packets")
        .arg(&lib_path)
        .arg(&bad)
        .output()
        .expect("runs");
    exit_with(&st, 2, "a script naming a missing packet");
    assert!(
        String::from_utf8_lossy(&st.stderr).contains("@bye"),
        "names the known packets"
    );
}
