//! Help where a person looks for it: the Help menu (shortcuts, the command language,
//! examples shipped in the binary that run in two clicks) and Find in the log (Ctrl+F).

#[path = "gui/harness.rs"]
mod harness;

use egui::accesskit::Role;
use egui::{Key, Modifiers, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use harness::{MAX_STEPS, app_with, commands, shown, sock};
use harness::{bound_udp, click, type_into, wait_for};
use sockscope::app::SockscopeApp;
use sockscope::app::tools::help::EXAMPLES;

fn menu(h: &mut Harness<'_, SockscopeApp>, path: &[&str]) {
    for item in path {
        h.get_by_label(item).click();
        h.run_ok();
    }
}

#[test]
fn help_lists_the_shortcuts_and_the_command_language() {
    let mut h = harness::app();
    menu(&mut h, &["Help", "Keyboard shortcuts"]);
    for keys in ["Ctrl+S", "Ctrl+Enter", "Ctrl+F"] {
        assert!(shown(&h, keys) >= 1, "{keys} is listed");
    }
    menu(&mut h, &["Help", "Command language"]);
    assert_eq!(
        shown(&h, "bind ID ADDR"),
        1,
        "the reference the shell's help prints"
    );
}

#[test]
fn every_example_ships_and_one_runs_in_two_clicks() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("examples/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".scope"))
        .collect();
    on_disk.sort();
    let shipped: Vec<String> = EXAMPLES.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(shipped, on_disk, "every examples/*.scope is in the binary");

    let mut h = harness::app();
    menu(&mut h, &["Help", "Open example", "udp_ok_err.scope"]);
    wait_for(&mut h, "the example ran its exchange", |a| {
        sock(a, 1).is_some_and(|r| r.counters.msgs_in >= 2)
            && sock(a, 2).is_some_and(|r| r.counters.msgs_in >= 2)
    });
    assert!(
        commands(&h).contains(&"socket udp as server".to_string()),
        "{:?}",
        commands(&h)
    );
}

#[test]
fn ctrl_f_finds_jumps_and_scrolls_the_match_into_view() {
    let mut h = app_with(Vec2::new(800.0, 600.0), MAX_STEPS, None);
    bound_udp(&mut h, 1);
    type_into(&mut h, "Destination", "$s1");
    for i in 0..14u64 {
        let text = if i == 0 {
            "needle-first".to_string()
        } else {
            format!("m{i}")
        };
        type_into(&mut h, "Message", &text);
        click(&mut h, "Send");
        wait_for(&mut h, "the datagram comes back", |a| {
            sock(a, 1).is_some_and(|r| r.counters.msgs_in == i + 1)
        });
    }
    assert!(
        h.query_all_by_label("\"needle-first\"").next().is_none(),
        "the first message has scrolled out of view"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::F);
    h.run_ok();
    h.get_by_label("Find in log").type_text("needle");
    h.run_ok();
    // The sendto command, its Sent and its Received record.
    assert_eq!(shown(&h, "0 of 3"), 1, "three matches, none shown yet");
    h.get_by_label("Find in log").focus();
    h.key_press(Key::Enter);
    h.run_ok();
    assert_eq!(shown(&h, "1 of 3"), 1);
    let top = h.get_by_label("Time").rect().bottom();
    let bottom = h.get_by_label("Console").rect().top();
    let rows: Vec<_> = h
        .query_all_by_label("\"needle-first\"")
        .map(|n| n.rect())
        .collect();
    assert!(!rows.is_empty(), "the match is scrolled into view");
    for r in rows {
        assert!(
            r.top() >= top && r.bottom() <= bottom,
            "{r:?} in the log's view"
        );
    }
    h.get_by_label("Find in log").focus();
    h.key_press_modifiers(Modifiers::SHIFT, Key::Enter);
    h.run_ok();
    assert_eq!(
        shown(&h, "3 of 3"),
        1,
        "Shift+Enter goes back, wrapping around"
    );
    assert!(
        h.query_by_role_and_label(Role::Button, "Close find")
            .is_some()
    );
}
