//! Snapshots of the main window (rendered headless with wgpu) at 800×600 and 1280×800 in
//! both themes, with fixed content (no clock times or ports), so that a layout regression
//! fails with an image diff under `tests/snapshots/`. Where wgpu finds no adapter (no GPU
//! and no software Vulkan/GL), the test says so and skips rather than fails.
//!
//! `UPDATE_SNAPSHOTS=1 cargo test --test ui_snapshots` writes new reference images.

#[path = "gui/harness.rs"]
mod harness;

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use egui::Vec2;
use egui_kittest::{Harness, SnapshotError};
use harness::MAX_STEPS;
use sockscope::app::SockscopeApp;
use sockscope::app::model::settings::{Settings, ThemeChoice};
use sockscope::engine::{Addr, Engine, Event, EventKind, SockId};

/// A log with fixed content: a UDP exchange at fixed offsets from the log's start.
fn fixed_log(app: &mut SockscopeApp) {
    let log = app.log_mut();
    let t0 = log.started();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let addr = |s: &str| Addr::Ip(s.parse().expect("address"));
    log.push_command_at(at(10), "socket udp");
    let ev = |ms: u64, kind: EventKind| Event {
        at: at(ms),
        socket: Some(SockId(1)),
        cmd: None,
        kind,
    };
    log.push_event(ev(
        11,
        EventKind::Bound {
            local: addr("127.0.0.1:4000"),
            implicit: false,
        },
    ));
    for i in 0..12u64 {
        let data: std::sync::Arc<[u8]> = format!("message {i}").into_bytes().into();
        log.push_event(ev(
            100 + i * 10,
            EventKind::Sent {
                peer: Some(addr("127.0.0.1:4000")),
                data: data.clone(),
                reply: false,
            },
        ));
        log.push_event(ev(
            101 + i * 10,
            EventKind::Received {
                peer: Some(addr("127.0.0.1:4000")),
                data,
                truncated_from: None,
            },
        ));
    }
}

fn window(size: Vec2, theme: ThemeChoice) -> Harness<'static, SockscopeApp> {
    let settings = Settings {
        theme,
        ..Settings::default()
    };
    let mut h = Harness::builder()
        .with_size(size)
        .with_max_steps(MAX_STEPS)
        .build_eframe(move |cc| {
            let engine = Engine::start().expect("engine starts");
            let mut app = SockscopeApp::with_settings(engine, &cc.egui_ctx, settings.clone())
                .with_native_dialogs(false);
            fixed_log(&mut app);
            app
        });
    h.run_ok();
    h
}

#[test]
fn main_window_snapshots() {
    let mut failures = Vec::new();
    for (w, hgt) in [(800.0, 600.0), (1280.0, 800.0)] {
        for (theme, name) in [(ThemeChoice::Dark, "dark"), (ThemeChoice::Light, "light")] {
            let mut h = window(Vec2::new(w, hgt), theme);
            let snap = format!("main_{w}x{hgt}_{name}");
            let result =
                std::panic::catch_unwind(AssertUnwindSafe(|| h.try_snapshot(snap.as_str())));
            match result {
                Ok(Ok(())) => {}
                Ok(Err(SnapshotError::RenderError { err })) => {
                    eprintln!("SKIPPED snapshot {snap}: no wgpu adapter renders here ({err})");
                    return;
                }
                Ok(Err(e)) => failures.push(format!("{snap}: {e}")),
                Err(_) => {
                    eprintln!(
                        "SKIPPED snapshot {snap}: wgpu could not start (no adapter: install libegl1 libgl1-mesa-dri mesa-vulkan-drivers)"
                    );
                    return;
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
