//! SIGTERM in the app: the terminate flag (what the SIGTERM handler sets) makes the next
//! frame end the session as a clean exit does — the journal ended (deleted), so the next
//! start offers no recovery — and ask the window to close, which runs eframe's exit (it
//! saves the settings and calls `on_exit`). The real handler is checked on this process too.

use std::path::Path;
use std::sync::atomic::Ordering;

use egui::{ViewportCommand, ViewportId};
use egui_kittest::Harness;
use sockscope::app::SockscopeApp;
use sockscope::engine::Engine;

fn journals(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.flatten()
            .filter(|e| e.path().to_string_lossy().ends_with(".journal.jsonl"))
            .count()
    })
}

fn asked_to_close(h: &Harness<'_, SockscopeApp>) -> bool {
    h.output()
        .viewport_output
        .get(&ViewportId::ROOT)
        .is_some_and(|v| v.commands.contains(&ViewportCommand::Close))
}

#[test]
fn the_terminate_flag_ends_the_journal_cleanly_and_closes_the_window() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().to_path_buf();
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 800.0))
        .with_max_steps(8)
        .build_eframe(move |cc| {
            let engine = Engine::start().expect("engine starts");
            SockscopeApp::new(engine, &cc.egui_ctx)
                .with_native_dialogs(false)
                .with_data_dir(dir)
        });
    h.state_mut().run_line("socket udp as u");
    h.run();
    assert_eq!(journals(tmp.path()), 1, "journaled while it runs");
    assert!(!asked_to_close(&h));
    h.state().terminate_flag().store(true, Ordering::Release);
    h.step();
    assert!(asked_to_close(&h), "the window is asked to close");
    assert_eq!(
        journals(tmp.path()),
        0,
        "the journal ended as at a clean exit"
    );
    assert!(h.state().log().journal().is_none());
}
