//! SIGTERM in the app: the terminate flag (what the SIGTERM handler sets) makes the next
//! frame end the session as a clean exit does — the journal ended (deleted), so the next
//! start offers no recovery — and ask the window to close, which runs eframe's exit (it
//! saves the settings and calls `on_exit`). The real handler is checked on this process too.

#[path = "gui/harness.rs"]
mod harness;

use std::path::Path;
use std::sync::atomic::Ordering;

use egui::{ViewportCommand, ViewportId};
use egui_kittest::Harness;
use harness::app_with;
use sockscope::app::SockscopeApp;

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
    let mut h = app_with(
        egui::Vec2::new(1200.0, 800.0),
        8,
        Some(tmp.path().to_path_buf()),
    );
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
