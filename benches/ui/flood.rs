//! The flood scene: a TCP flood on the app's own engine, frames paced at 60 Hz, clicks
//! measured while it runs.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use sockscope::app::SockscopeApp;
use sockscope::engine::Engine;

use super::{VSYNC, app, frame, run, settle};

/// A flood from `cli` to `srv`'s accepted connection, frames paced at 60 Hz; returns frame
/// times, click latencies (frames that got the release), answer latencies of `+ UDP`, and
/// the bytes received.
pub struct FloodRun {
    pub frames: Vec<f64>,
    pub clicks: Vec<f64>,
    pub clicks_late: usize,
    pub answers: Vec<f64>,
    /// The last `+ UDP` had no answer yet when the flood ended.
    pub unanswered: bool,
    pub received: u64,
    /// With the journal: records logged, and records / payload bytes the journal left out
    /// because its writer was behind.
    pub journal: Option<(usize, sockscope::log::journal::Omitted)>,
}

pub fn flood(secs: f64, journal: Option<&std::path::Path>) -> FloodRun {
    let mut h = match journal {
        Some(dir) => Harness::builder()
            .with_size(egui::Vec2::new(1200.0, 760.0))
            .with_max_steps(64)
            .build_eframe(|cc| {
                let engine = Engine::start().expect("engine starts");
                SockscopeApp::new(engine, &cc.egui_ctx)
                    .with_native_dialogs(false)
                    .with_data_dir(dir)
            }),
        None => app([1200.0, 760.0]),
    };
    for line in [
        "socket tcp as srv",
        "bind srv 127.0.0.1:0",
        "listen srv",
        "accept srv auto",
        "socket tcp as cli",
        "connect cli $srv",
    ] {
        run(&mut h, line);
    }
    settle(&mut h, "the connection", Duration::from_secs(10), |a| {
        a.state().sockets.len() >= 3 && a.state().pending.is_empty()
    });
    h.get_by_label("View").click();
    h.run();
    h.get_by_label("Traffic generator and sink").click();
    h.run();
    run(
        &mut h,
        &format!("flood cli 1400 max {}ms", (secs * 1000.0) as u64),
    );
    let mut out = FloodRun {
        frames: Vec::new(),
        clicks: Vec::new(),
        clicks_late: 0,
        answers: Vec::new(),
        unanswered: false,
        received: 0,
        journal: None,
    };
    let start = Instant::now();
    let mut next_click = start + Duration::from_millis(200);
    let mut waiting: Option<(Instant, usize)> = None;
    while start.elapsed().as_secs_f64() < secs {
        let t = Instant::now();
        if t >= next_click && waiting.is_none() {
            // A click on "Payloads as hex", one frame per pointer event as a display would
            // deliver them: is it handled in the frame that gets the release, and how long
            // is that frame?
            let before = h.state().settings().log_hex;
            let pos = h.get_by_label("Payloads as hex").rect().center();
            h.event(egui::Event::PointerMoved(pos));
            out.frames.push(frame(&mut h));
            for pressed in [true, false] {
                h.event(egui::Event::PointerButton {
                    pos,
                    button: egui::PointerButton::Primary,
                    pressed,
                    modifiers: egui::Modifiers::default(),
                });
                let took = frame(&mut h);
                if pressed {
                    out.frames.push(took);
                } else {
                    out.clicks.push(took);
                }
            }
            if h.state().settings().log_hex == before {
                out.clicks_late += 1;
            }
            // A click whose answer comes from the engine: "+ UDP" until the socket shows.
            let n = h.state().state().sockets.len();
            h.get_by_label("+ UDP").click();
            waiting = Some((Instant::now(), n));
            next_click = Instant::now() + Duration::from_millis(250);
        } else {
            out.frames.push(frame(&mut h));
        }
        if let Some((t0, n)) = waiting
            && h.state().state().sockets.len() > n
        {
            out.answers.push(t0.elapsed().as_secs_f64() * 1e3);
            waiting = None;
        }
        let spent = t.elapsed();
        if spent < VSYNC {
            std::thread::sleep(VSYNC - spent);
        }
    }
    if let Some((t0, _)) = waiting {
        // Still unanswered when the flood ended: count the wait so far, and say so.
        out.answers.push(t0.elapsed().as_secs_f64() * 1e3);
        out.unanswered = true;
    }
    out.received = h.state().traffic().received.bytes;
    let log = h.state().log();
    out.journal = log.journal().map(|j| (log.len(), j.omitted()));
    out
}
