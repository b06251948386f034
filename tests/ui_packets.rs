//! The *Packets* window in the real app (egui_kittest): a click on a library packet sends
//! it to the selected socket (checksum appended), Ctrl+1 sends the folder's first packet,
//! and "Save as packet" in the send box's tools files the message in the library's file. A plain
//! std UDP socket on loopback is the peer.
//!
//! `SOCKSCOPE_PACKETS_SHOT=FILE` also renders the window to FILE (the README's picture).

mod common;
#[path = "gui/harness.rs"]
mod harness;

use std::net::UdpSocket;
use std::time::Duration;

use common::std_peer::recv_datagram as recv;
use egui_kittest::Harness;
use harness::{MAX_STEPS, click, sock, type_into, wait_for};
use sockscope::app::SockscopeApp;
use sockscope::engine::{Engine, SockState};
use sockscope::packets::{Form, Library, Packet, Shelf, load};

fn library() -> Library {
    let mut lib = Library::new();
    for (name, payload, form, checksum, notes) in [
        (
            "ping",
            "PING\\r\\n",
            Form::Escaped,
            None,
            "a line the echo server answers",
        ),
        (
            "read_holding",
            "01 03 00 00 00 01",
            Form::Hex,
            Some("crc16-modbus"),
            "Modbus RTU: read register 0",
        ),
        ("hello", "hello #{seq}", Form::Text, None, ""),
    ] {
        lib.put(Packet {
            name: name.into(),
            folder: "bench".into(),
            payload: payload.into(),
            form,
            to: None,
            checksum: checksum.map(Into::into),
            notes: notes.into(),
        });
    }
    lib
}

fn app_with(path: &std::path::Path) -> Harness<'static, SockscopeApp> {
    sockscope::packets::save(path, &library()).expect("library saved");
    let shelf = Shelf::open(Some(path)).expect("opens").shared();
    Harness::builder()
        .with_size(egui::Vec2::new(1280.0, 900.0))
        .with_max_steps(MAX_STEPS)
        .build_eframe(move |cc| {
            let engine = Engine::start().expect("engine starts");
            SockscopeApp::new(engine, &cc.egui_ctx)
                .with_native_dialogs(false)
                .with_packets(shelf.clone())
        })
}

#[test]
fn clicking_a_library_packet_sends_it_and_ctrl_1_sends_the_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("packets.json");
    let peer = UdpSocket::bind("127.0.0.1:0").expect("peer");
    peer.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let at = peer.local_addr().expect("addr");
    let mut h = app_with(&path);
    h.state_mut().run_line("socket udp");
    h.state_mut().run_line(&format!("connect s1 {at}"));
    wait_for(&mut h, "s1 connected", |a| {
        sock(a, 1).is_some_and(|r| r.state == SockState::Connected)
    });
    h.state_mut().show_packets(true);
    h.run_ok();
    click(&mut h, "Send read_holding  (Ctrl+2)");
    assert_eq!(
        recv(&peer),
        [0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x84, 0x0a]
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Num1);
    h.run_ok();
    assert_eq!(recv(&peer), b"PING\r\n");
    if let Some(shot) = std::env::var_os("SOCKSCOPE_PACKETS_SHOT") {
        match h.render() {
            Ok(img) => img.save(&shot).expect("screenshot saved"),
            Err(e) => eprintln!("SKIPPED screenshot: no wgpu adapter ({e})"),
        }
    }
}

#[test]
fn save_as_packet_from_the_send_box_files_the_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("packets.json");
    let mut h = app_with(&path);
    h.state_mut().run_line("socket udp");
    h.state_mut().run_line("connect s1 127.0.0.1:9");
    wait_for(&mut h, "s1 connected", |a| {
        sock(a, 1).is_some_and(|r| r.state == SockState::Connected)
    });
    type_into(&mut h, "Message", "status? \\x01");
    click(&mut h, "Send tools");
    click(&mut h, "Save as packet");
    type_into(&mut h, "Name", "status");
    click(&mut h, "Save packet");
    let lib = load(&path).expect("loads");
    let saved = lib.get("status").expect("filed in the library's file");
    assert_eq!(
        saved.bytes(),
        Ok(b"status? \\x01".to_vec()),
        "as the send box sends it (text mode: as typed)"
    );
    assert_eq!(saved.folder, "bench", "in the folder shown");
}
