//! The selected socket and the Sockets list say everything about a socket: which half of
//! a half-closed connection is closed, the kernel's state and counters in full, a closed
//! socket's history without controls that cannot act, a new socket scrolled into view;
//! and the send box selects its text after a send.

#[path = "gui/harness.rs"]
mod harness;

use egui::accesskit::Role;
use egui::{Color32, FontId, Modifiers, Vec2};
use egui_kittest::kittest::{NodeT, Queryable};
use harness::{MAX_STEPS, app_with, assert_shown, field, send_text, shown, sock};
use harness::{bound_udp, click, new_socket, select, tcp_pair, type_into, wait_for};
use sockscope::engine::SockState;

#[test]
fn half_closed_says_which_half_in_the_list_and_the_header() {
    let mut h = harness::app();
    tcp_pair(&mut h);
    select(&mut h, 2);
    click(&mut h, "write");
    wait_for(&mut h, "s2 shut and s3 sees the end", |a| {
        sock(a, 2).is_some_and(|r| r.state == SockState::HalfClosed)
            && sock(a, 3).is_some_and(|r| r.state == SockState::HalfClosed)
    });
    assert!(
        shown(&h, "our write side shut") >= 2,
        "s2's entry and header say its write side is shut"
    );
    select(&mut h, 3);
    assert!(
        shown(&h, "the peer's side closed") >= 2,
        "s3's entry and header say the peer closed"
    );
}

#[test]
fn a_closed_socket_shows_its_history_and_no_controls() {
    let mut h = harness::app();
    tcp_pair(&mut h);
    send_text(&mut h, 2, "hello");
    wait_for(&mut h, "s3 gets it", |a| {
        sock(a, 3).is_some_and(|r| r.counters.bytes_in == 5)
    });
    click(&mut h, "Close");
    wait_for(&mut h, "s2 closed", |a| {
        sock(a, 2).is_some_and(|r| r.is_closed())
    });
    for b in [
        "Bind", "Listen", "Accept", "Connect", "Pick", "Send", "Close", "Abort",
    ] {
        assert!(
            h.query_by_role_and_label(Role::Button, b).is_none(),
            "a closed socket has no {b} button"
        );
    }
    assert!(h.query_by_label("Message").is_none(), "nor a send box");
    assert_eq!(shown(&h, "sent 5 B in 1 messages"), 1, "its final counters");
    assert_shown(&h, "was connected to 127.0.0.1:", "its peer");
}

#[test]
fn after_a_send_typing_replaces_the_message_and_ctrl_enter_repeats() {
    let mut h = harness::app();
    bound_udp(&mut h, 1);
    type_into(&mut h, "Destination", "$s1");
    h.get_by_label("Message").focus();
    h.run_ok();
    h.get_by_label("Message").type_text("abc");
    h.run_ok();
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::Enter);
    wait_for(&mut h, "abc comes back", |a| {
        sock(a, 1).is_some_and(|r| r.counters.bytes_in == 3)
    });
    assert_eq!(field(&h, "Message"), "abc", "the text stays for a repeat");
    h.get_by_label("Message").type_text("wxyz");
    h.run_ok();
    assert_eq!(
        field(&h, "Message"),
        "wxyz",
        "typing replaced the sent text"
    );
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::Enter);
    wait_for(&mut h, "wxyz comes back", |a| {
        sock(a, 1).is_some_and(|r| r.counters.bytes_in == 7)
    });
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::Enter);
    wait_for(&mut h, "the repeat comes back", |a| {
        sock(a, 1).is_some_and(|r| r.counters.bytes_in == 11)
    });
}

#[test]
fn the_list_shows_state_and_counters_in_full() {
    let mut h = harness::app();
    tcp_pair(&mut h);
    wait_for(&mut h, "the kernel's state of s3", |a| {
        sock(a, 3).is_some_and(|r| r.tcp_state == Some("ESTABLISHED"))
    });
    let list_right = sockscope::app::SOCKETS_PANEL_WIDTH;
    let status_top = h.ctx.content_rect().bottom() - 30.0;
    let lines: Vec<(String, egui::Rect)> = h
        .query_all_by_label_contains("ESTABLISHED")
        .chain(h.query_all_by_label_contains(" msgs"))
        .filter_map(|n| {
            let node = n.accesskit_node();
            let text = node.value().or(node.label())?.to_string();
            // The entries' lines (the header and the status bar say these words too).
            let r = n.rect();
            (r.left() < list_right && r.bottom() < status_top).then_some((text, r))
        })
        .collect();
    assert!(
        lines
            .iter()
            .filter(|(t, _)| t.contains("ESTABLISHED"))
            .count()
            >= 2,
        "both ends show their kernel state: {lines:?}"
    );
    assert!(
        lines.iter().filter(|(t, _)| t.contains(" msgs")).count() >= 3,
        "counters of the three sockets: {lines:?}"
    );
    for (text, rect) in lines {
        assert!(!text.contains('…'), "{text:?} is cut");
        let width = h.ctx.fonts_mut(|f| {
            f.layout_no_wrap(text.clone(), FontId::monospace(11.0), Color32::WHITE)
                .size()
                .x
        });
        assert!(
            rect.width() + 0.5 >= width,
            "{text:?} needs {width} points and has {}",
            rect.width()
        );
    }
}

#[test]
fn a_new_socket_is_scrolled_into_view() {
    let mut h = app_with(Vec2::new(800.0, 600.0), MAX_STEPS, None);
    for n in 1..=9 {
        new_socket(&mut h, "+ UDP", n);
    }
    let title = sockscope::app::entry_title(sock(h.state(), 9).expect("s9"));
    let node = h
        .query_by_label(&title)
        .unwrap_or_else(|| panic!("{title:?} is laid out (in view)"));
    let win = h.ctx.content_rect();
    let r = node.rect();
    assert!(
        r.top() >= 0.0 && r.bottom() <= win.bottom() - 20.0,
        "{title:?} at {r:?} is in view in {win:?}"
    );
}
