//! Steps for the `ui_controls*` tests: clicks, typing and waiting that settle with
//! `run_ok` (an engine answer landing while a frame settles just takes more frames), the
//! commands the app ran, and a TCP pair set up by clicks.

#![allow(dead_code)]

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sockscope::app::SockscopeApp;
use sockscope::engine::{SockId, SockState};

use super::harness::{poll_until, shown, sock};

/// Clicks the button labelled `label`.
pub fn click(h: &mut Harness<'_, SockscopeApp>, label: &str) {
    h.query_by_role_and_label(Role::Button, label)
        .unwrap_or_else(|| panic!("no button labelled {label:?}"))
        .click();
    h.run_ok();
}

/// Clicks the button labelled `label` while events keep coming (a repeat under way).
pub fn click_busy(h: &mut Harness<'_, SockscopeApp>, label: &str) {
    h.get_by_role_and_label(Role::Button, label).click();
    h.run_steps(2);
}

/// Clicks the checkbox labelled `label`.
pub fn check(h: &mut Harness<'_, SockscopeApp>, label: &str) {
    h.get_by_role_and_label(Role::CheckBox, label).click();
    h.run_ok();
}

/// Replaces the text of the field named `label`.
pub fn type_into(h: &mut Harness<'_, SockscopeApp>, label: &str, text: &str) {
    h.get_by_label(label).set_text_value_accesskit(text);
    h.run_ok();
}

/// Selects socket `n` by clicking its entry in the Sockets panel.
pub fn select(h: &mut Harness<'_, SockscopeApp>, n: u32) {
    let title = sockscope::app::entry_title(sock(h.state(), n).expect("socket exists"));
    h.get_by_label(&title).click();
    h.run_ok();
    assert_eq!(h.state().selected(), Some(SockId(n)), "s{n} is selected");
}

/// Steps the app until `cond` holds (or fails the test naming `what`), then lets it settle.
pub fn wait_for(
    h: &mut Harness<'_, SockscopeApp>,
    what: &str,
    cond: impl Fn(&SockscopeApp) -> bool,
) {
    poll_until(h, what, cond);
    h.run_ok();
}

#[allow(unused_imports)] // not every test file that includes these steps reads the commands
pub use super::harness::commands;

/// Clicks `button` ("+ UDP", "+ TCP", …) and waits for socket `n` to appear.
pub fn new_socket(h: &mut Harness<'_, SockscopeApp>, button: &str, n: u32) {
    click(h, button);
    wait_for(h, &format!("s{n} created"), |a| sock(a, n).is_some());
}

/// A UDP socket `n`, bound by the Bind button's defaults (the OS picks the port).
pub fn bound_udp(h: &mut Harness<'_, SockscopeApp>, n: u32) {
    new_socket(h, "+ UDP", n);
    click(h, "Bind");
    wait_for(h, &format!("s{n} bound"), |a| {
        sock(a, n).is_some_and(|r| r.local.is_some())
    });
}

/// A listener s1, a client s2 connected to it, and s3 accepted — all by clicks.
pub fn tcp_pair(h: &mut Harness<'_, SockscopeApp>) {
    new_socket(h, "+ TCP", 1);
    click(h, "Listen");
    wait_for(h, "s1 listening", |a| {
        sock(a, 1).is_some_and(|r| r.state == SockState::Listening)
    });
    let listener = sock(h.state(), 1)
        .and_then(|r| r.local.clone())
        .map(|a| a.reachable().to_string())
        .expect("the listener's address");
    new_socket(h, "+ TCP", 2);
    assert_eq!(
        super::harness::field(h, "Connect to"),
        listener,
        "Connect to is prefilled with the listener's address"
    );
    click(h, "Connect");
    wait_for(h, "s2 connected", |a| {
        sock(a, 2).is_some_and(|r| r.state == SockState::Connected)
    });
    assert!(
        shown(h, "(chosen by the OS at connect)") >= 1,
        "the client's port came with connect"
    );
    select(h, 1);
    click(h, "Accept");
    wait_for(h, "s3 accepted", |a| sock(a, 3).is_some());
}
