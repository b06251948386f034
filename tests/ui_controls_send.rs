//! The sending tools clicked through the real app over loopback: a file sent with a
//! progress bar, and a message sent in pieces that the peer reassembles by its framing.

#[path = "gui/harness.rs"]
mod harness;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use harness::{app_with_pair, assert_shown, enabled, sock};
use harness::{click, commands, select, type_into, wait_for};
use sockscope::engine::Framing;

#[test]
fn a_file_goes_out_with_progress() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.bin");
    let size: u64 = 3 << 20;
    let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &data).expect("file written");

    let mut h = app_with_pair(2);
    click(&mut h, "Send tools");
    assert!(!enabled(&h, "Send file"), "no file yet");
    type_into(
        &mut h,
        "File path",
        &dir.path().join("missing").display().to_string(),
    );
    assert!(!enabled(&h, "Send file"), "no such file");
    type_into(&mut h, "File path", &path.display().to_string());
    click(&mut h, "Send file");
    wait_for(&mut h, "the whole file at s3", |a| {
        sock(a, 3).is_some_and(|r| r.counters.bytes_in == size)
    });
    wait_for(&mut h, "the send completes", |a| {
        sock(a, 2).is_some_and(|r| r.config.progress == Some((size, size)))
    });
    assert_shown(&h, "3.0 MiB of 3.0 MiB", "the progress bar is full");
    assert_eq!(
        commands(&h).last(),
        Some(&format!("send s2 file:{}", path.display()))
    );
}

#[test]
fn a_message_in_chunks_is_reassembled_by_framing() {
    let mut h = app_with_pair(3);
    click(&mut h, "Receive");
    h.get_by_role_and_label(Role::ComboBox, "Framing").click();
    h.run_ok();
    click(&mut h, "lines (\\n)");
    click(&mut h, "Set framing");
    wait_for(&mut h, "line framing", |a| {
        sock(a, 3).is_some_and(|r| r.config.framing == Framing::Delimited(b"\n".to_vec()))
    });

    select(&mut h, 2);
    click(&mut h, "escaped");
    type_into(&mut h, "Message", "hello, framing\\n");
    click(&mut h, "Send tools");
    type_into(&mut h, "piece bytes", "4");
    type_into(&mut h, "delay ms", "15");
    click(&mut h, "Send in chunks");
    wait_for(&mut h, "all 15 bytes", |a| {
        sock(a, 3).is_some_and(|r| r.counters.bytes_in == 15)
    });
    wait_for(&mut h, "the chunked send ends", |a| {
        sock(a, 2).is_some_and(|r| r.config.last_done.is_some() && r.config.sending.is_none())
    });
    let (s2, s3) = (sock(h.state(), 2).cloned(), sock(h.state(), 3).cloned());
    let (s2, s3) = (s2.expect("s2"), s3.expect("s3"));
    assert_eq!(s2.counters.msgs_out, 4, "4 + 4 + 4 + 3 bytes");
    assert!(
        s3.counters.msgs_in >= 2,
        "the pieces arrive as several chunks"
    );
    assert_eq!(
        s3.config.messages_in, 1,
        "framing makes one message of them"
    );
    assert!(
        commands(&h).contains(&"chunked s2 4 15ms \"hello, framing\\n\"".to_string()),
        "{:?}",
        commands(&h)
    );
}
