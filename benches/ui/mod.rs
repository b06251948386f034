//! Helpers of the `ui_frames` bench: the real app in an `egui_kittest::Harness`, a frame
//! measured as kittest's step plus tessellation, and the scenes measured (a filled log,
//! connections listed, the Sockets panel alone, idleness, the start).

pub mod flood;
pub mod panel;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use egui_kittest::Harness;
use sockscope::app::SockscopeApp;
use sockscope::engine::{Addr, Engine, Event, EventKind, SockId};

use crate::common;

pub type App = Harness<'static, SockscopeApp>;

/// Frames are paced like a 60 Hz display while traffic flows.
pub const VSYNC: Duration = Duration::from_millis(16);

pub fn app(size: [f32; 2]) -> App {
    Harness::builder()
        .with_size(egui::Vec2::from(size))
        .with_max_steps(64)
        .build_eframe(|cc| {
            let engine = Engine::start().expect("engine starts");
            SockscopeApp::new(engine, &cc.egui_ctx).with_native_dialogs(false)
        })
}

/// One frame: the app's `ui` and egui's layout (kittest's step), then tessellation.
pub fn frame(h: &mut App) -> f64 {
    let t = Instant::now();
    h.step();
    let shapes = h.output().shapes.clone();
    let ppp = h.ctx.pixels_per_point();
    std::hint::black_box(h.ctx.tessellate(shapes, ppp));
    t.elapsed().as_secs_f64() * 1e3
}

/// `n` frames after a few unmeasured ones; milliseconds each.
pub fn frames(h: &mut App, n: usize) -> Vec<f64> {
    for _ in 0..5 {
        frame(h);
    }
    (0..n).map(|_| frame(h)).collect()
}

/// Median and 99th percentile.
pub fn stats(v: &[f64]) -> (f64, f64) {
    let mut a = v.to_vec();
    let p50 = common::median(&mut a);
    (p50, common::percentile(&mut a, 99.0))
}

pub fn run(h: &mut App, line: &str) {
    h.state_mut().run_line(line);
}

/// Steps (paced) until `cond` holds; panics after `limit`.
pub fn settle(h: &mut App, what: &str, limit: Duration, cond: impl Fn(&SockscopeApp) -> bool) {
    let start = Instant::now();
    while !cond(h.state()) {
        assert!(
            start.elapsed() < limit,
            "timed out waiting for {what}; console:\n{}",
            h.state().console_text().join("\n")
        );
        h.step();
        std::thread::sleep(Duration::from_millis(2));
    }
    h.step();
}

/// The port an app's socket is bound to.
pub fn port(h: &App, id: u32) -> u16 {
    h.state()
        .state()
        .get(SockId(id))
        .and_then(|r| r.local.as_ref())
        .and_then(|a| a.ip())
        .map(|a| a.port())
        .expect("a bound socket")
}

/// A trivial eframe app: the reference for the time to the first frame.
pub struct Trivial;

impl eframe::App for Trivial {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| ui.label("hello"));
    }
}

/// Creation, first frame and settling of the real app, and of the trivial app (ms).
pub fn first_frames(reps: usize) -> (f64, f64) {
    let (mut ours, mut triv) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        let t = Instant::now();
        let h = app([1200.0, 760.0]);
        ours.push(t.elapsed().as_secs_f64() * 1e3);
        drop(h);
        let t = Instant::now();
        let h = Harness::builder()
            .with_size(egui::Vec2::new(1200.0, 760.0))
            .build_eframe(|_| Trivial);
        triv.push(t.elapsed().as_secs_f64() * 1e3);
        drop(h);
    }
    (common::median(&mut ours), common::median(&mut triv))
}

/// Fills the app's log with `n` records: commands, sends and receives of 32 bytes.
pub fn fill_log(h: &mut App, n: usize) {
    let peer = Addr::Ip(SocketAddr::from((Ipv4Addr::LOCALHOST, 40_000)));
    let data: Arc<[u8]> = Arc::from(&b"GET /index.html HTTP/1.1\r\nHost: x"[..32]);
    let base = SystemTime::now();
    let log = h.state_mut().log_mut();
    for i in 0..n {
        if i % 100 == 0 {
            log.push_command(format!("send s1 \"request {i}\""));
            continue;
        }
        let kind = if i % 2 == 0 {
            EventKind::Received {
                peer: Some(peer.clone()),
                data: data.clone(),
                truncated_from: None,
            }
        } else {
            EventKind::Sent {
                peer: None,
                data: data.clone(),
                reply: false,
            }
        };
        log.push_event(Event {
            at: base + Duration::from_micros(i as u64),
            socket: Some(SockId(1 + (i % 4) as u32)),
            cmd: None,
            kind,
        });
    }
}

/// Repaints asked for, and CPU seconds used, over `span` of idleness.
pub fn idle(h: &mut App, span: Duration) -> (usize, f64) {
    // Let animations and pending repaints finish first.
    for _ in 0..64 {
        if !h.ctx.has_requested_repaint() {
            break;
        }
        h.step();
    }
    let cpu0 = common::cpu_self_s();
    let start = Instant::now();
    let mut repaints = 0;
    while start.elapsed() < span {
        if h.ctx.has_requested_repaint() {
            repaints += 1;
            h.step();
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (repaints, common::cpu_self_s() - cpu0)
}
