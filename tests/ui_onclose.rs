//! The app's side of how connections end, clicked through on a real engine over loopback:
//! the listener's "Close on peer close" switch (`onclose`), and a reset shown as a state.

#[path = "gui/harness.rs"]
mod harness;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use harness::{app_with_pair, assert_ran, sock};
use harness::{check, click, select, wait_for};
use sockscope::engine::{OnClose, SockState};

fn checked(h: &egui_kittest::Harness<'_, sockscope::app::SockscopeApp>, label: &str) -> bool {
    h.get_by_role_and_label(Role::CheckBox, label)
        .accesskit_node()
        .toggled()
        .is_some_and(|t| t == egui::accesskit::Toggled::True)
}

#[test]
fn the_close_on_peer_close_switch_sets_the_listeners_policy() {
    let mut h = app_with_pair(1);
    assert!(
        !checked(&h, "Close on peer close"),
        "a connection accepted by hand is kept by default"
    );
    check(&mut h, "Close on peer close");
    assert_ran(&h, "onclose s1 close");
    wait_for(&mut h, "the policy is set", |a| {
        sock(a, 1).is_some_and(|r| r.config.on_close == Some(OnClose::Close))
    });
    assert!(checked(&h, "Close on peer close"));
    // The client closes: the connection accepted from s1 closes too.
    select(&mut h, 2);
    click(&mut h, "Close");
    wait_for(&mut h, "s3 closed after its peer", |a| {
        sock(a, 3).is_some_and(|r| r.state == SockState::Closed)
    });
}

#[test]
fn a_reset_shows_as_its_own_state() {
    let mut h = app_with_pair(3);
    click(&mut h, "Abort");
    wait_for(&mut h, "s2 reset", |a| {
        sock(a, 2).is_some_and(|r| r.state == SockState::Reset)
    });
    assert!(
        harness::shown(&h, "reset") >= 1,
        "the sockets panel says reset"
    );
}
