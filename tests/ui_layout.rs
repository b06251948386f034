//! The window's layout at the sizes people use (800×600, the smallest the app allows, and
//! 1280×800): the newest log row is in full view above the console whatever the panels
//! above it hold, the lifecycle and send controls are inside the window, and rows keep
//! their place when a step completes.

#[path = "gui/harness.rs"]
mod harness;

use egui::accesskit::Role;
use egui::{Rect, Vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use harness::{MAX_STEPS, sock};
use harness::{bound_udp, click, type_into, wait_for};
use sockscope::app::SockscopeApp;
use sockscope::engine::Engine;

/// The two sizes the layout is checked at.
const SIZES: [(f32, f32); 2] = [(1280.0, 800.0), (800.0, 600.0)];

/// The app on a fresh engine in a window of `w`×`h` points.
fn app_sized(w: f32, h: f32) -> Harness<'static, SockscopeApp> {
    Harness::builder()
        .with_size(Vec2::new(w, h))
        .with_max_steps(MAX_STEPS)
        .build_eframe(|cc| {
            let engine = Engine::start().expect("engine starts");
            SockscopeApp::new(engine, &cc.egui_ctx).with_native_dialogs(false)
        })
}

fn window(h: &Harness<'_, SockscopeApp>) -> Rect {
    h.ctx.content_rect()
}

/// The rect of the widget labelled exactly `label`.
fn rect_of(h: &Harness<'_, SockscopeApp>, label: &str) -> Rect {
    h.get_by_label(label).rect()
}

/// A UDP socket that sends `n` messages to itself by clicks (3 log rows each), the last
/// one `last-one`, with the Send tools open.
fn udp_talking_to_itself(h: &mut Harness<'_, SockscopeApp>, n: usize) {
    bound_udp(h, 1);
    type_into(h, "Destination", "$s1");
    click(h, "Send tools");
    for i in 0..n {
        let text = if i + 1 == n {
            "last-one".to_string()
        } else {
            format!("m{i}")
        };
        type_into(h, "Message", &text);
        click(h, "Send");
        wait_for(h, "the datagram comes back", |a| {
            sock(a, 1).is_some_and(|r| r.counters.msgs_in == i as u64 + 1)
        });
    }
}

#[test]
fn the_newest_log_row_is_in_full_view_above_the_console() {
    for (w, hgt) in SIZES {
        let mut h = app_sized(w, hgt);
        udp_talking_to_itself(&mut h, 14);
        assert!(
            h.state().log().len() >= 40,
            "{} rows",
            h.state().log().len()
        );
        assert!(
            h.query_by_role_and_label(Role::Button, "Send in chunks")
                .is_some(),
            "the Send tools are open"
        );
        h.run_ok();
        let console_top = rect_of(&h, "Console").top();
        let win = window(&h);
        let rows: Vec<Rect> = h
            .query_all_by_label("\"last-one\"")
            .map(|n| n.rect())
            .collect();
        assert!(
            rows.len() >= 2,
            "{w}x{hgt}: the sent and received rows of the last message are laid out ({} found)",
            rows.len()
        );
        for r in rows {
            assert!(win.contains_rect(r), "{w}x{hgt}: {r:?} inside {win:?}");
            assert!(
                r.bottom() <= console_top + 0.5,
                "{w}x{hgt}: the row {r:?} ends above the console (top {console_top})"
            );
        }
    }
}

/// The rect of the button labelled `label`.
fn button(h: &Harness<'_, SockscopeApp>, label: &str) -> Rect {
    h.get_by_role_and_label(Role::Button, label).rect()
}

/// Rows of the log table laid out between the log's header and the console.
fn visible_log_rows(h: &Harness<'_, SockscopeApp>) -> usize {
    let top = h.get_by_label("Time").rect().bottom();
    let bottom = rect_of(h, "Console").top();
    h.query_all_by_label_contains(".")
        .filter(|n| {
            let node = n.accesskit_node();
            let l = node.value().or(node.label()).unwrap_or_default();
            let t = l.trim();
            t.len() >= 8
                && t.split_once('.').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && a.chars().all(|c| c.is_ascii_digit())
                        && b.len() == 6
                        && b.chars().all(|c| c.is_ascii_digit())
                })
        })
        .filter(|n| n.rect().top() >= top - 0.5 && n.rect().bottom() <= bottom + 0.5)
        .count()
}

#[test]
fn the_controls_and_eight_log_rows_fit_the_smallest_window() {
    for (w, hgt) in SIZES {
        let mut h = app_sized(w, hgt);
        udp_talking_to_itself(&mut h, 14);
        let win = window(&h);
        let log_top = rect_of(&h, "Log").top();
        let console_top = rect_of(&h, "Console").top();
        let bind = button(&h, "Bind");
        assert!(
            win.contains_rect(bind),
            "{w}x{hgt}: Bind {bind:?} in {win:?}"
        );
        assert!(
            bind.bottom() <= log_top,
            "{w}x{hgt}: Bind {bind:?} above the log ({log_top})"
        );
        for b in ["Send", "Send tools"] {
            let r = button(&h, b);
            assert!(win.contains_rect(r), "{w}x{hgt}: {b} {r:?} in {win:?}");
            assert!(
                r.bottom() <= console_top,
                "{w}x{hgt}: {b} {r:?} above the console ({console_top})"
            );
        }
        let port = h.get_by_label("Port").rect();
        assert!(
            port.width() >= 60.0,
            "{w}x{hgt}: the port field is {port:?}"
        );
        let input_top = h.get_by_label("Command").rect().top();
        for line in h.query_all_by_label_contains("ok: s1") {
            let r = line.rect();
            assert!(
                r.bottom() <= input_top + 0.5,
                "{w}x{hgt}: the console line {r:?} ends above its input ({input_top})"
            );
        }
        let rows = visible_log_rows(&h);
        assert!(rows >= 8, "{w}x{hgt}: {rows} log rows in view");
    }
}

#[test]
fn rows_keep_their_place_when_a_step_completes() {
    for (w, hgt) in SIZES {
        let mut h = app_sized(w, hgt);
        harness::new_socket(&mut h, "+ TCP", 1);
        let listen = button(&h, "Listen");
        click(&mut h, "Bind");
        wait_for(&mut h, "s1 bound", |a| {
            sock(a, 1).is_some_and(|r| r.local.is_some())
        });
        assert_eq!(
            button(&h, "Listen"),
            listen,
            "{w}x{hgt}: Listen stays put after Bind"
        );
        // A person scrolls the controls to the row they want, in a small window.
        h.get_by_role_and_label(Role::Button, "Listen")
            .scroll_to_me();
        h.run_ok();
        let close = button(&h, "Close");
        click(&mut h, "Listen");
        wait_for(&mut h, "s1 listening", |a| {
            sock(a, 1).is_some_and(|r| r.state == sockscope::engine::SockState::Listening)
        });
        assert_eq!(
            button(&h, "Close"),
            close,
            "{w}x{hgt}: Close stays put after Listen"
        );
    }
}

/// With a row's detail open in the smallest window, the log keeps at least 40 % of the
/// width beside it (the detail once took 430 of its ~490 points).
#[test]
fn a_rows_detail_leaves_the_log_most_of_a_small_window() {
    let h = detail_open_at_800x600();
    let detail = rect_of(&h, "Close detail");
    let log = rect_of(&h, "Log");
    let win = window(&h);
    let share = (detail.left() - log.left()) / (win.right() - log.left());
    assert!(
        share >= 0.4,
        "the log keeps {:.0} % of the width beside the detail ({log:?}, {detail:?})",
        share * 100.0
    );
}

/// A TCP listener at `w`×`h`, its kernel state read (so the Diagram tab has both pictures).
fn tcp_listener(w: f32, hgt: f32) -> Harness<'static, SockscopeApp> {
    let mut h = app_sized(w, hgt);
    harness::new_socket(&mut h, "+ TCP", 1);
    click(&mut h, "Bind");
    wait_for(&mut h, "s1 bound", |a| {
        sock(a, 1).is_some_and(|r| r.local.is_some())
    });
    click(&mut h, "Listen");
    wait_for(&mut h, "s1 listening with its kernel state read", |a| {
        sock(a, 1).is_some_and(|r| {
            r.state == sockscope::engine::SockState::Listening && r.tcp_state.is_some()
        })
    });
    h
}

/// The top of the log: the controls end above it.
fn log_top(h: &Harness<'_, SockscopeApp>) -> f32 {
    rect_of(h, "Log").top()
}

/// Scrolls the button labelled `label` into view and checks it is whole inside the window
/// and above the log (so inside the controls).
fn reachable(h: &mut Harness<'_, SockscopeApp>, label: &str, at: &str) {
    h.get_by_role_and_label(Role::Button, label).scroll_to_me();
    h.run_ok();
    let r = button(h, label);
    let win = window(h);
    assert!(win.contains_rect(r), "{at}: {label} {r:?} inside {win:?}");
    let top = log_top(h);
    assert!(
        r.bottom() <= top,
        "{at}: {label} {r:?} above the log ({top})"
    );
}

/// A listener's TLS row in a 1280×800 window: its files' line is in full view as the tab
/// opens (it was the second of three lines, cut by the controls' bottom edge), and its
/// last line scrolls into view, at both sizes.
#[test]
fn the_tls_row_of_a_listener_fits_or_scrolls_into_view() {
    let h = tcp_listener(1280.0, 800.0);
    for label in ["TLS server", "Cert"] {
        let r = h.get_by_label(label).rect();
        assert!(
            r.bottom() <= log_top(&h),
            "1280x800: {label} {r:?} in full view above the log ({})",
            log_top(&h)
        );
    }
    for (w, hgt) in SIZES {
        let mut h = tcp_listener(w, hgt);
        reachable(
            &mut h,
            "Make a self-signed certificate",
            &format!("{w}x{hgt}"),
        );
    }
}

/// Every box of the Diagram tab's two pictures can be brought into view: in a window
/// narrower than the calls graph the tab scrolls sideways, and the controls scroll down.
#[test]
fn every_box_of_the_diagram_tab_is_reachable() {
    for (w, hgt) in SIZES {
        let mut h = tcp_listener(w, hgt);
        click(&mut h, "Diagram");
        let at = format!("{w}x{hgt}");
        let buttons = |h: &Harness<'_, SockscopeApp>, name: &str| -> Vec<String> {
            h.query_all_by_label_contains(name)
                .filter(|n| n.accesskit_node().role() == Role::Button)
                .filter_map(|n| n.accesskit_node().label())
                .collect()
        };
        let calls = ["accept()", "close()", "shutdown("];
        let states = sockscope::diagram::tcp::STATES.map(|s| s.name());
        for name in calls.into_iter().chain(states) {
            let found = buttons(&h, name);
            assert!(!found.is_empty(), "{at}: a box {name:?} is drawn");
            for label in found {
                reachable(&mut h, &label, &at);
            }
        }
    }
}

/// An 800×600 window with a UDP socket that has talked to itself, the detail of its last
/// message open.
fn detail_open_at_800x600() -> Harness<'static, SockscopeApp> {
    let mut h = app_sized(800.0, 600.0);
    udp_talking_to_itself(&mut h, 1);
    h.get_all_by_label("\"last-one\"")
        .next()
        .expect("a row of the last message")
        .click();
    h.run_ok();
    h
}

/// With a row's detail open in an 800×600 window, the send box's header row (modes,
/// Destination, History) stays one line: History once wrapped to "Hist / ory".
#[test]
fn the_send_header_keeps_history_on_one_line_beside_the_detail() {
    let h = detail_open_at_800x600();
    let history = button(&h, "History");
    let mode = h.get_by_label("hex").rect();
    let win = window(&h);
    assert!(
        history.height() <= mode.height() + 0.5,
        "History {history:?} is one line, as the mode button {mode:?}"
    );
    assert!(win.contains_rect(history), "History {history:?} in {win:?}");
}
