//! Helpers shared by the `ui_*` tests: the real app with a real engine in an
//! `egui_kittest::Harness`, clicks and typing by accessible label, and waiting with a
//! deadline for the engine's answer.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use sockscope::app::SockscopeApp;
use sockscope::app::model::state::SockRow;
use sockscope::engine::{Engine, SockId};

/// Frames one `Harness::run` may take before the test fails (kittest's default is 4).
pub const MAX_STEPS: u64 = 32;

/// How long a test waits for the engine before it fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The app on a fresh engine, default settings, save dialogs replaced by the path field.
pub fn app() -> Harness<'static, SockscopeApp> {
    Harness::builder()
        .with_size(egui::Vec2::new(1280.0, 900.0))
        // The engine and the save thread wake the app from other threads, so a `run()`
        // may see a few extra frames; a UI that never stops repainting still fails.
        .with_max_steps(MAX_STEPS)
        .build_eframe(|cc| {
            let engine = Engine::start().expect("engine starts");
            SockscopeApp::new(engine, &cc.egui_ctx).with_native_dialogs(false)
        })
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
    // run_ok: while a socket's kernel state passes by itself (FIN_WAIT1, a listener's
    // queue) the app asks again on a timer, so frames keep coming a while.
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

/// The row of socket `n`, if the app knows it.
pub fn sock(app: &SockscopeApp, n: u32) -> Option<&SockRow> {
    app.state().get(SockId(n))
}

/// Clicks the button labelled `label`.
pub fn click(h: &mut Harness<'_, SockscopeApp>, label: &str) {
    h.query_by_role_and_label(Role::Button, label)
        .unwrap_or_else(|| panic!("no button labelled {label:?}"))
        .click();
    // run_ok: while a socket's kernel state passes by itself (FIN_WAIT1, a listener's
    // queue) the app asks again on a timer, so frames keep coming a while.
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
    // run_ok: while a socket's kernel state passes by itself (FIN_WAIT1, a listener's
    // queue) the app asks again on a timer, so frames keep coming a while.
    h.run_ok();
}

/// Selects socket `n` by clicking its entry in the Sockets panel.
pub fn select(h: &mut Harness<'_, SockscopeApp>, n: u32) {
    let title = sockscope::app::entry_title(sock(h.state(), n).expect("socket exists"));
    h.get_by_label(&title).click();
    // run_ok: while a socket's kernel state passes by itself (FIN_WAIT1, a listener's
    // queue) the app asks again on a timer, so frames keep coming a while.
    h.run_ok();
    assert_eq!(h.state().selected(), Some(SockId(n)), "s{n} is selected");
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
