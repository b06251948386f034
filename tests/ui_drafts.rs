//! Each socket keeps its own draft fields (bind address, port, destination, message, rule
//! editor), and remembered settings are suggestions: a new socket starts at port 0.

#[path = "gui/harness.rs"]
mod harness;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use harness::{MAX_STEPS, field};
use harness::{new_socket, select, type_into};
use sockscope::app::SockscopeApp;
use sockscope::app::model::settings::Settings;
use sockscope::engine::Engine;

fn click_label(h: &mut Harness<'_, SockscopeApp>, label: &str) {
    h.get_by_label(label).click();
    h.run_ok();
}

/// True when the choice labelled `label` is the one selected.
fn chosen(h: &Harness<'_, SockscopeApp>, label: &str) -> bool {
    h.get_by_label(label).accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
}

#[test]
fn switching_sockets_keeps_each_ones_drafts() {
    let mut h = harness::app();
    new_socket(&mut h, "+ UDP", 1);
    type_into(&mut h, "Bind address", "0.0.0.0");
    type_into(&mut h, "Port", "4321");
    type_into(&mut h, "Destination", "127.0.0.1:9");
    type_into(&mut h, "Message", "for-s1");
    click_label(&mut h, "Responders");
    click_label(&mut h, "regex");
    type_into(&mut h, "Reply template", "tmpl-1");

    new_socket(&mut h, "+ UDP", 2);
    assert_eq!(
        field(&h, "Reply template"),
        "",
        "s2 has its own rule editor"
    );
    assert!(!chosen(&h, "regex"), "s2's match type is its own");
    assert_eq!(field(&h, "Message"), "", "s2 has its own message");
    assert_ne!(
        field(&h, "Destination"),
        "127.0.0.1:9",
        "nor s1's destination"
    );
    click_label(&mut h, "Lifecycle");
    assert_eq!(field(&h, "Port"), "0");
    assert_eq!(field(&h, "Bind address"), "127.0.0.1");
    type_into(&mut h, "Message", "for-s2");

    select(&mut h, 1);
    assert_eq!(field(&h, "Bind address"), "0.0.0.0", "s1's draft is back");
    assert_eq!(field(&h, "Port"), "4321");
    assert_eq!(field(&h, "Destination"), "127.0.0.1:9");
    assert_eq!(field(&h, "Message"), "for-s1");
    click_label(&mut h, "Responders");
    assert_eq!(field(&h, "Reply template"), "tmpl-1");
    assert!(chosen(&h, "regex"), "s1's match type is back");
    select(&mut h, 2);
    assert_eq!(field(&h, "Message"), "for-s2");
}

#[test]
fn a_new_socket_starts_at_port_0_whatever_was_remembered() {
    // The settings an earlier version saved after binding to 15020.
    let saved: Settings =
        serde_json::from_str(r#"{"bind_host":"0.0.0.0","bind_port":"15020"}"#).expect("parse");
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1280.0, 900.0))
        .with_max_steps(MAX_STEPS)
        .build_eframe(move |cc| {
            let engine = Engine::start().expect("engine starts");
            SockscopeApp::with_settings(engine, &cc.egui_ctx, saved.clone())
                .with_native_dialogs(false)
        });
    new_socket(&mut h, "+ TCP", 1);
    assert_eq!(
        field(&h, "Port"),
        "0",
        "a new socket binds to any free port"
    );
    assert_eq!(
        field(&h, "Bind address"),
        "0.0.0.0",
        "the address is remembered as a suggestion"
    );
    type_into(&mut h, "Port", "0");
    harness::click(&mut h, "Bind");
    harness::wait_for(&mut h, "s1 bound", |a| {
        harness::sock(a, 1).is_some_and(|r| r.local.is_some())
    });
}
