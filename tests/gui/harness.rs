//! Helpers shared by the `ui_*` tests: the real app with a real engine in an
//! `egui_kittest::Harness`, clicks and typing by accessible label that let the frames
//! settle (`run_ok`: an engine answer landing while a frame settles just takes more
//! frames, and while a socket's kernel state passes by itself — FIN_WAIT1, a listener's
//! queue — the app asks again on a timer), waiting with a deadline for the engine's answer,
//! and sockets set up by clicks.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use sockscope::app::SockscopeApp;
use sockscope::app::model::state::SockRow;
use sockscope::engine::{Engine, SockId, SockState};

/// Frames one `Harness::run` may take before the test fails (kittest's default is 4).
pub const MAX_STEPS: u64 = 32;

/// How long a test waits for the engine before it fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The app on a fresh engine, default settings, save dialogs replaced by the path field.
pub fn app() -> Harness<'static, SockscopeApp> {
    app_with(egui::Vec2::new(1280.0, 900.0), MAX_STEPS, None)
}

/// The app in a window of `size`, `max_steps` frames a run, journaling into `data` (the
/// user's data folder when `None`), save dialogs replaced by the path field.
pub fn app_with(
    size: egui::Vec2,
    max_steps: u64,
    data: Option<PathBuf>,
) -> Harness<'static, SockscopeApp> {
    Harness::builder()
        .with_size(size)
        // The engine and the save thread wake the app from other threads, so a `run()`
        // may see a few extra frames; a UI that never stops repainting still fails.
        .with_max_steps(max_steps)
        .build_eframe(move |cc| {
            let engine = Engine::start().expect("engine starts");
            let app = SockscopeApp::new(engine, &cc.egui_ctx).with_native_dialogs(false);
            match data {
                Some(dir) => app.with_data_dir(dir),
                None => app,
            }
        })
}

/// Types a console line and runs it.
pub fn console(h: &mut Harness<'_, SockscopeApp>, line: &str) {
    type_into(h, "Command", line);
    click(h, "Run");
}

/// Runs each of `lines` in the console, in order.
pub fn console_lines(h: &mut Harness<'_, SockscopeApp>, lines: &[&str]) {
    for line in lines {
        console(h, line);
    }
}

/// Socket `n`'s message and byte counts in after `quiet` more (time for anything that
/// should not come to arrive) and the frames settled.
pub fn quiet_counts(
    h: &mut Harness<'_, SockscopeApp>,
    n: u32,
    quiet: Duration,
) -> Option<(u64, u64)> {
    std::thread::sleep(quiet);
    h.run_ok();
    counts_in(h.state(), n)
}

/// Socket `n`'s message and byte counts in, if the app knows it.
pub fn counts_in(app: &SockscopeApp, n: u32) -> Option<(u64, u64)> {
    sock(app, n).map(|r| (r.counters.msgs_in, r.counters.bytes_in))
}

/// Steps the app, a frame at a time, until `cond` holds, or fails the test naming `what`.
pub fn poll_until(
    h: &mut Harness<'_, SockscopeApp>,
    what: &str,
    cond: impl Fn(&SockscopeApp) -> bool,
) {
    let start = Instant::now();
    loop {
        h.step();
        if cond(h.state()) {
            return;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "timed out after {DEADLINE:?} waiting for {what}; console:\n{}",
            h.state().console_text().join("\n")
        );
        std::thread::sleep(Duration::from_millis(5));
    }
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

/// The commands the app ran, in order, as the session log has them.
pub fn commands(h: &Harness<'_, SockscopeApp>) -> Vec<String> {
    h.state()
        .log()
        .iter()
        .filter_map(|r| match &*r {
            sockscope::log::Record::Command { line, .. } => Some(line.clone()),
            _ => None,
        })
        .collect()
}

/// Fails the test unless the app ran the command `line` (as the session log has it).
pub fn assert_ran(h: &Harness<'_, SockscopeApp>, line: &str) {
    let ran = commands(h);
    assert!(ran.iter().any(|c| c == line), "{line:?} not among {ran:?}");
}

/// Types `text` into socket `n`'s Message field and clicks Send.
pub fn send_text(h: &mut Harness<'_, SockscopeApp>, n: u32, text: &str) {
    select(h, n);
    type_into(h, "Message", text);
    click(h, "Send");
}

/// The app with a TCP listener named srv (see [`LISTENING`]) made in its console.
pub fn app_listening() -> Harness<'static, SockscopeApp> {
    let mut h = app();
    console_lines(&mut h, &LISTENING);
    h
}

/// The row of socket `n`, if the app knows it.
pub fn sock(app: &SockscopeApp, n: u32) -> Option<&SockRow> {
    app.state().get(SockId(n))
}

/// Clicks the button labelled `label`.
pub fn click(h: &mut Harness<'_, SockscopeApp>, label: &str) {
    h.query_by_role_and_label(Role::Button, label)
        .unwrap_or_else(|| panic!("no button labelled {label:?}"))
        .click();
    h.run_ok();
}

/// True when the button labelled `label` is enabled.
pub fn enabled(h: &Harness<'_, SockscopeApp>, label: &str) -> bool {
    !h.get_by_role_and_label(Role::Button, label)
        .accesskit_node()
        .is_disabled()
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

/// Fails the test (saying `what`) unless some widget shows text containing `needle`.
pub fn assert_shown(h: &Harness<'_, SockscopeApp>, needle: &str, what: &str) {
    assert!(shown(h, needle) >= 1, "{what}: {needle:?} is not on screen");
}

/// The app with socket s1 made by clicking `button` ("+ UDP", "+ TCP", …).
pub fn app_with_socket(button: &str) -> Harness<'static, SockscopeApp> {
    let mut h = app();
    new_socket(&mut h, button, 1);
    h
}

/// How many widgets show text containing `needle`.
pub fn shown(h: &Harness<'_, SockscopeApp>, needle: &str) -> usize {
    h.query_all_by_label_contains(needle).count()
}

/// The text of the field named `label`.
pub fn field(h: &Harness<'_, SockscopeApp>, label: &str) -> String {
    h.get_by_label(label)
        .accesskit_node()
        .value()
        .map(|v| v.to_string())
        .unwrap_or_default()
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

/// The app with [`tcp_pair`]'s three sockets, socket `n` selected.
pub fn app_with_pair(n: u32) -> Harness<'static, SockscopeApp> {
    let mut h = app();
    tcp_pair(&mut h);
    select(&mut h, n);
    h
}

/// The console lines of a TCP listener named srv on 127.0.0.1 (the OS picks the port).
pub const LISTENING: [&str; 3] = ["socket tcp as srv", "bind srv 127.0.0.1:0", "listen srv"];

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
        field(h, "Connect to"),
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
