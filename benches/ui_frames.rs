//! The desktop app's frames, headless (egui_kittest driving the real `SockscopeApp` on a real
//! engine over loopback): frame time with a million log entries, with 10,000 accepted
//! connections listed, and during a flood (with the click latency then), repaints asked for
//! while idle, and the time to the first frame. Each figure is a ratio against a reference
//! measured in the same run: the frame of an empty app, or a trivial eframe app's start.
//!
//! A frame here is `Harness::step` (the app's `ui`, egui's layout, and kittest's AccessKit
//! tree, which the real app builds only for a screen reader) plus tessellating its shapes;
//! painting on the GPU is not included.

mod common;
mod ui;

use std::time::{Duration, Instant};

use common::Section;
use common::clients::{clients, clients_ready, end_clients, spawn_clients};
use egui_kittest::kittest::Queryable;
use ui::flood::flood;
use ui::panel::{accepted_state, list_frames};
use ui::{app, fill_log, first_frames, frame, frames, idle, port, run, settle, stats};

fn main() {
    if let Some(role) = common::arg_value("--role") {
        let n: usize = common::arg_value("--n")
            .and_then(|v| v.parse().ok())
            .expect("--n N");
        let port = common::arg_value("--port")
            .and_then(|v| v.parse().ok())
            .expect("--port P");
        assert_eq!(role, "clients", "unknown role");
        return clients(port, n);
    }
    if let Ok(part) = std::env::var("SOCKSCOPE_BENCH_PART") {
        // Profiling one part alone: `flood` or `flood-journal`, nothing written.
        let dir = tempfile::tempdir().expect("temp dir");
        let journal = (part == "flood-journal").then(|| dir.path());
        let f = flood(4.0, journal);
        let (f50, f99) = stats(&f.frames);
        let fmax = f.frames.iter().copied().fold(0.0, f64::max);
        let (a50, a99) = stats(&f.answers);
        println!(
            "{part}: frames p50 {f50:.2} ms, p99 {f99:.2} ms, max {fmax:.2} ms; {} MiB; \
             answers p50 {a50:.2} ms, p99 {a99:.2} ms ({} clicks{})",
            f.received >> 20,
            f.answers.len(),
            if f.unanswered {
                ", the last unanswered"
            } else {
                ""
            }
        );
        if let Some((records, o)) = f.journal {
            println!(
                "journal: {records} records logged; {} of them without their payload, {} MiB \
                 of payload not written (writer behind)",
                o.records,
                o.bytes >> 20
            );
        }
        return;
    }
    let bench = common::bench_mode();
    let (_, hard) = common::raise_nofile();
    let log_n = if bench { 1_000_000 } else { 5_000 };
    let socks_n = if bench { 10_000 } else { 50 }.min(hard.saturating_sub(200) as usize);
    let n_frames = if bench { 200 } else { 10 };
    let flood_secs = if bench { 4.0 } else { 0.5 };
    let mut s = Section::new("ui_frames", "6. The app's frames (headless)");

    // Reference: the empty app.
    let mut empty = app([1200.0, 760.0]);
    let (ref50, ref99) = stats(&frames(&mut empty, n_frames));
    let (idle_repaints_ref, idle_cpu_ref) = idle(&mut empty, Duration::from_secs(1));
    drop(empty);
    eprintln!("empty app: {ref50:.2} ms p50, {ref99:.2} ms p99");

    // A million log entries.
    let mut h = app([1200.0, 760.0]);
    let t = Instant::now();
    fill_log(&mut h, log_n);
    let fill_s = t.elapsed().as_secs_f64();
    let (log50, log99) = stats(&frames(&mut h, n_frames));
    // The same log as a sequence diagram: fed 50,000 rows a frame, then only the steps
    // in view are laid out.
    h.get_by_label("Sequence").click();
    let building: Vec<f64> = (0..log_n / 50_000 + 2).map(|_| frame(&mut h)).collect();
    let (build50, build99) = stats(&building);
    let (seq50, seq99) = stats(&frames(&mut h, n_frames));
    h.get_by_label("Table").click();
    eprintln!(
        "sequence of {log_n}: building {build50:.2} / {build99:.2} ms, then {seq50:.2} / {seq99:.2} ms"
    );
    h.get_by_label("Filter").click();
    h.run();
    h.get_by_label("Find text")
        .set_text_value_accesskit("request 99");
    let t = Instant::now();
    let mut filter_frames = Vec::new();
    while h.query_by_label_contains("showing all").is_some()
        || h.query_by_label_contains("(searched").is_some()
    {
        filter_frames.push(frame(&mut h));
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "the filter never finished"
        );
    }
    let filter_s = t.elapsed().as_secs_f64();
    let (filt50, filt99) = stats(&filter_frames);
    let (fil_idle50, _) = stats(&frames(&mut h, n_frames));
    drop(h);
    eprintln!("log {log_n}: {log50:.2} / {log99:.2} ms; filtering {filt50:.2} / {filt99:.2} ms");

    // 10,000 accepted connections listed.
    let mut h = app([1200.0, 760.0]);
    for line in [
        "socket tcp as srv",
        "bind srv 127.0.0.1:0",
        "listen srv 4096",
        "accept srv auto",
    ] {
        run(&mut h, line);
    }
    settle(&mut h, "the listener", Duration::from_secs(10), |a| {
        a.state().pending.is_empty()
    });
    let (child, mut out) = spawn_clients(port(&h, 1), socks_n);
    let t = Instant::now();
    settle(
        &mut h,
        "every connection listed",
        Duration::from_secs(120),
        |a| a.state().sockets.len() > socks_n,
    );
    let list_s = t.elapsed().as_secs_f64();
    clients_ready(&mut out);
    let (sock50, sock99) = stats(&frames(&mut h, n_frames));
    end_clients(child);
    drop(h);
    eprintln!("{socks_n} sockets: {sock50:.2} / {sock99:.2} ms");

    // The Sockets panel alone: every entry laid out, or only those in view.
    let (all50, all99) = list_frames(accepted_state(socks_n), false, n_frames);
    let (virt50, virt99) = list_frames(accepted_state(socks_n), true, n_frames);
    eprintln!("list alone: {all50:.2} / {all99:.2} ms; virtualized {virt50:.2} / {virt99:.2} ms");

    // A flood, without and with the session journal.
    let fl = flood(flood_secs, None);
    let dir = tempfile::tempdir().expect("temp dir");
    let fj = flood(flood_secs, Some(dir.path()));

    // Idle after traffic, and the first frame.
    let mut h = app([1200.0, 760.0]);
    run(&mut h, "socket udp as a");
    run(&mut h, "bind a 127.0.0.1:0");
    run(&mut h, "sendto a $a \"ping\"");
    settle(&mut h, "the datagram", Duration::from_secs(10), |a| {
        a.log().totals().traffic.msgs_in == 1
    });
    let (idle_repaints, idle_cpu) = idle(&mut h, Duration::from_secs(1));
    drop(h);
    let (first, first_ref) = first_frames(if bench { 5 } else { 1 });

    let ms = |x: f64| format!("{x:.2} ms");
    s.row(
        format!("frame with {log_n} log entries, p50 (p99)"),
        format!("{} ({})", ms(log50), ms(log99)),
        format!("{} ({}) (empty app)", ms(ref50), ms(ref99)),
        Some(log50 / ref50),
        "≤ 8 ms",
        Some(log99 <= 8.0),
    );
    s.row(
        format!("frame with the {log_n} entries as a sequence diagram, once built, p50 (p99)"),
        format!("{} ({})", ms(seq50), ms(seq99)),
        format!("{} ({}) (the log as a table)", ms(log50), ms(log99)),
        Some(seq50 / log50),
        "≤ 8 ms",
        Some(seq99 <= 8.0),
    );
    s.row(
        format!("frame while the sequence diagram takes in the {log_n} entries (50,000 a frame), p50 (p99)"),
        format!("{} ({})", ms(build50), ms(build99)),
        format!("{} (the log as a table)", ms(log50)),
        Some(build50 / log50),
        "≤ 100 ms",
        Some(build99 <= 100.0),
    );
    s.row(
        format!("frame while a text filter searches the {log_n} entries, p50 (p99)"),
        format!("{} ({})", ms(filt50), ms(filt99)),
        format!("{} (empty app)", ms(ref50)),
        Some(filt50 / ref50),
        "≤ 16 ms",
        Some(filt99 <= 16.0),
    );
    s.row(
        format!("frame with {socks_n} accepted connections listed, p50 (p99)"),
        format!("{} ({})", ms(sock50), ms(sock99)),
        format!("{} ({}) (empty app)", ms(ref50), ms(ref99)),
        Some(sock50 / ref50),
        "≤ 16 ms",
        Some(sock99 <= 16.0),
    );
    s.row(
        format!("the Sockets panel alone with {socks_n} connections: every entry laid out (as now), p50 (p99)"),
        format!("{} ({})", ms(all50), ms(all99)),
        format!("{} ({}) (empty app)", ms(ref50), ms(ref99)),
        Some(all50 / ref50),
        "≤ 16 ms",
        Some(all99 <= 16.0),
    );
    s.row(
        format!("the Sockets panel alone with {socks_n} connections, virtualized (`app::sockets_list`), p50 (p99)"),
        format!("{} ({})", ms(virt50), ms(virt99)),
        format!("{} ({}) (every entry laid out)", ms(all50), ms(all99)),
        Some(virt50 / all50),
        "≤ 16 ms",
        Some(virt99 <= 16.0),
    );
    for (what, f) in [("", &fl), (", session journaled", &fj)] {
        let (f50, f99) = stats(&f.frames);
        let (c50, cmax) = (
            stats(&f.clicks).0,
            f.clicks.iter().copied().fold(0.0, f64::max),
        );
        let (a50, a99) = stats(&f.answers);
        s.row(
            format!("frame during a TCP flood (1400 B sends){what}, p50 (p99)"),
            format!("{} ({})", ms(f50), ms(f99)),
            format!("{} ({}) (empty app)", ms(ref50), ms(ref99)),
            Some(f50 / ref50),
            "≤ 16 ms",
            Some(f99 <= 16.0),
        );
        s.row(
            format!("click during the flood{what}: the frame that gets the release and handles the click, p50 (max)"),
            format!(
                "{} ({}); {} of {} late",
                ms(c50),
                ms(cmax),
                f.clicks_late,
                f.clicks.len()
            ),
            format!("{} (empty app frame)", ms(ref50)),
            Some(c50 / ref50),
            "handled in that frame, ≤ 16 ms",
            Some(f.clicks_late == 0 && cmax <= 16.0),
        );
        s.row(
            format!("click → the engine's answer shown (`+ UDP` → socket listed) during the flood{what}, p50 (p99)"),
            if f.unanswered {
                format!(
                    "{} ({}); the last of {} still unanswered when the flood ended",
                    ms(a50),
                    ms(a99),
                    f.answers.len()
                )
            } else {
                format!("{} ({}); {} clicks", ms(a50), ms(a99), f.answers.len())
            },
            format!("{} (a 60 Hz frame)", ms(16.7)),
            Some(a50 / 16.7),
            "–",
            None,
        );
    }
    s.row(
        "repaints asked for in an idle second (after traffic)",
        format!("{idle_repaints} (CPU {:.1} ms)", idle_cpu * 1e3),
        format!(
            "{idle_repaints_ref} (CPU {:.1} ms) (empty app)",
            idle_cpu_ref * 1e3
        ),
        None,
        "0",
        Some(idle_repaints == 0),
    );
    s.row(
        "start: app and engine created, first frame, settled",
        ms(first),
        format!("{} (trivial eframe app)", ms(first_ref)),
        Some(first / first_ref),
        "≤ 300 ms",
        Some(first <= 300.0),
    );
    s.note(format!(
        "a frame = `Harness::step` (the app's `ui`, egui layout, and kittest's AccessKit tree update, \
         which the real app does only for a screen reader) + `Context::tessellate`; no GPU painting; \
         window 1200×760; {n_frames} frames after 5 unmeasured, median and 99th percentile"
    ));
    s.note(format!(
        "log: {log_n} records pushed into the app's `SessionLog` directly ({fill_s:.2} s): \
         commands, 32-byte sends and receives on s1–s4; the table follows the newest row; \
         the filter `Find text` = \"request 99\" scanned the log in {filter_s:.2} s at 3 ms a frame, \
         then frames took {} (p50)",
        ms(fil_idle50)
    ));
    s.note(format!(
        "connections: an auto-accepting listener in the app, {socks_n} clients from a child process \
         (blocking connects, one after another); all listed after {list_s:.2} s of stepping the app"
    ));
    s.note(format!(
        "flood: `flood cli 1400 max {flood_secs}s` from a client to the listener's accepted connection \
         on the app's engine, the traffic window open, frames paced at 60 Hz; sink received \
         {:.0} MiB (no journal) and {:.0} MiB (journaled); every 250 ms a click on \"Payloads as hex\" \
         (late = not toggled by the frame that got the release) and a click on \"+ UDP\"",
        fl.received as f64 / 1048576.0,
        fj.received as f64 / 1048576.0,
    ));
    s.note(
        "idle: `Context::has_requested_repaint` polled every 5 ms for a second after the app settled; \
         CPU = `getrusage` of the whole process (engine thread included)",
    );
    s.note(
        "start: `Harness::build_eframe` (engine start, app creation, first frame, and the frames \
         kittest runs until nothing changes) against the same for an app showing one label; the \
         window itself (winit, GL context) is not part of it",
    );
    s.finish();
}
