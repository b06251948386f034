//! The *Stress* window in the real app (egui_kittest) at 800×600, the smallest window the
//! app allows: opened from View → Stress, a test typed into its form against a plain std
//! echo server on loopback runs to its final report (every request ok), a closed port
//! shows its refused connections, bad input turns the field red and disables Start, a
//! listening socket of the session can be picked as the server, a TLS test needs the
//! server's certificate trusted (or "any certificate"), and the report saves as CSV through
//! the path field.
//!
//! `SOCKSCOPE_STRESS_SHOT=FILE` also renders the window after a run to FILE (the README's
//! picture, `assets/stress.png`).

#[path = "gui/harness.rs"]
mod harness;
#[path = "common/tcp_server.rs"]
mod tcp_server;

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use harness::{MAX_STEPS, check, click, enabled, field, shown, type_into, wait_for};
use sockscope::app::SockscopeApp;
use sockscope::engine::{Engine, SockState};
use sockscope::stress::{Failure, Figures};
use tcp_server::{echo, server};

/// How long a test may take to end on a loaded machine.
const RUN_DEADLINE: Duration = Duration::from_secs(90);

/// The app at 800×600 on a fresh engine, save dialogs replaced by the path field.
fn small_app() -> Harness<'static, SockscopeApp> {
    Harness::builder()
        .with_size(egui::Vec2::new(800.0, 600.0))
        .with_max_steps(MAX_STEPS)
        .build_eframe(|cc| {
            let engine = Engine::start().expect("engine starts");
            SockscopeApp::new(engine, &cc.egui_ctx).with_native_dialogs(false)
        })
}

/// A loopback port nothing listens on (bound, read back, closed).
fn closed_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr")
}

/// View → Stress.
fn open_window(h: &mut Harness<'_, SockscopeApp>) {
    click(h, "View");
    check(h, "Stress");
    assert!(
        h.query_by_role_and_label(Role::Button, "Start").is_some(),
        "the window shows its Start button"
    );
}

/// Fills the form: `clients` clients, `count` requests to `addr`.
fn fill(h: &mut Harness<'_, SockscopeApp>, addr: &str, clients: &str, count: &str) {
    type_into(h, "Server", addr);
    type_into(h, "Clients", clients);
    h.get_by_role_and_label(Role::RadioButton, "Count").click();
    h.run_ok();
    type_into(h, "Count of requests", count);
}

/// Steps the app until the window's test has its final report (real time: the clients
/// run on their own threads), then lets the frames settle.
fn wait_report(h: &mut Harness<'_, SockscopeApp>) -> Figures {
    let start = Instant::now();
    while h.state().stress_report().is_none() {
        assert!(start.elapsed() < RUN_DEADLINE, "the test ends");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_ok();
    h.state().stress_report().cloned().expect("the report")
}

/// An auto-accepting echo listener `srv` of the app's own session (with `extra` set-up lines
/// run after `listen`); its reachable address once it listens.
fn echo_listener(h: &mut Harness<'_, SockscopeApp>, extra: &[&str]) -> String {
    let lines = ["socket tcp as srv", "bind srv 127.0.0.1:0", "listen srv"];
    let tail = ["accept srv auto", "respond srv echo"];
    for line in lines.iter().chain(extra).chain(&tail) {
        h.state_mut().run_line(line);
    }
    wait_for(h, "srv listening", |a| {
        harness::sock(a, 1).is_some_and(|r| r.state == SockState::Listening)
    });
    harness::sock(h.state(), 1)
        .and_then(|r| r.local.clone())
        .map(|a| a.reachable().to_string())
        .expect("the listener's address")
}

/// The rect of the only widget labelled `label`, inside the window's content.
fn in_view(h: &Harness<'_, SockscopeApp>, role: Role, label: &str) -> bool {
    let r = h.get_by_role_and_label(role, label).rect();
    h.ctx.content_rect().contains_rect(r)
}

/// When the last frame asked to be painted again.
fn repaint_delay(h: &Harness<'_, SockscopeApp>) -> Duration {
    h.output().viewport_output[&egui::ViewportId::ROOT].repaint_delay
}

/// The report table shows each of `rows` (a figure's name and value, as a screen reader
/// reads its cell) once.
fn report_shows(h: &Harness<'_, SockscopeApp>, rows: &[&str]) {
    for row in rows {
        let exact = h.query_all_by_label(row).count();
        assert_eq!(
            exact,
            1,
            "the report shows {row} (once: {} contain it)",
            shown(h, row)
        );
    }
}

#[test]
fn a_count_against_an_echo_server_ends_in_a_report_with_every_request_ok() {
    let addr = server(echo);
    let mut h = small_app();
    open_window(&mut h);
    fill(&mut h, &addr.to_string(), "4", "400");
    // 400 requests at 200/s: two seconds, eight live updates for the plots.
    type_into(&mut h, "Rate", "200");
    assert!(
        in_view(&h, Role::Button, "Start"),
        "Start is in view at 800×600"
    );
    click(&mut h, "Start");
    assert!(
        h.state().stress_running() || h.state().stress_report().is_some(),
        "Start started the test"
    );
    let f = wait_report(&mut h);
    assert_eq!((f.sent, f.ok, f.failed), (400, 400, 0), "{f}");
    assert_eq!((f.connects, f.active), (4, 0), "{f}");
    assert_eq!(shown(&h, "Final report"), 1, "the report table shows");
    report_shows(
        &h,
        &[
            "requests sent: 400",
            "ok: 400",
            "failed: 0",
            "connections made: 4",
        ],
    );
    assert!(enabled(&h, "Start"), "a new test can start");
    assert!(
        in_view(&h, Role::Button, "Save report…"),
        "the report's Save is in view at 800×600 without scrolling"
    );
    assert!(
        f.secs >= 1.5 && f.qps < 300.0,
        "the rate held the test to 200/s: {f}"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.csv");
    click(&mut h, "Save report…");
    type_into(&mut h, "Save report to", &path.display().to_string());
    click(&mut h, "Save");
    let start = Instant::now();
    while shown(&h, "Saved the report to") == 0 {
        assert!(start.elapsed() < RUN_DEADLINE, "the report is saved");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    let csv = std::fs::read_to_string(&path).expect("the report file");
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let row: Vec<&str> = lines.next().expect("a row").split(',').collect();
    let at = |name: &str| row[head.iter().position(|c| *c == name).expect(name)];
    assert_eq!((at("sent"), at("ok"), at("failed")), ("400", "400", "0"));

    if let Some(shot) = std::env::var_os("SOCKSCOPE_STRESS_SHOT") {
        // The README's picture: the same window with room for its plots.
        h.set_size(egui::Vec2::new(1000.0, 860.0));
        h.run_ok();
        match h.render() {
            Ok(img) => img.save(&shot).expect("screenshot saved"),
            Err(e) => eprintln!("SKIPPED screenshot: no wgpu adapter ({e})"),
        }
    }
}

#[test]
fn a_closed_port_shows_the_refused_connections() {
    let addr = closed_port();
    let mut h = small_app();
    open_window(&mut h);
    fill(&mut h, &addr.to_string(), "2", "30");
    click(&mut h, "Start");
    let f = wait_report(&mut h);
    assert_eq!((f.sent, f.ok, f.failed), (30, 0, 30), "{f}");
    assert_eq!(f.failures, vec![(Failure::ConnectRefused, 30)], "{f}");
    assert_eq!(
        shown(&h, "connect_refused 30"),
        1,
        "the failures by kind show"
    );
    report_shows(
        &h,
        &[
            "requests sent: 30",
            "ok: 0",
            "failed: 30",
            "connect_refused: 30",
        ],
    );
}

#[test]
fn bad_input_turns_the_field_red_and_disables_start() {
    let addr = server(echo);
    let mut h = small_app();
    open_window(&mut h);
    fill(&mut h, &addr.to_string(), "4", "10");
    assert!(enabled(&h, "Start"), "a good form can start");

    type_into(&mut h, "Clients", "0");
    assert!(!enabled(&h, "Start"), "no clients: Start is disabled");
    assert_eq!(
        shown(&h, "Clients: a whole number of clients, 1 to 10000"),
        1
    );
    type_into(&mut h, "Clients", "4");

    type_into(&mut h, "Server", "nowhere");
    assert!(!enabled(&h, "Start"), "a bad address: Start is disabled");
    assert_eq!(shown(&h, "Server: IP:PORT or localhost:PORT"), 1);
    type_into(&mut h, "Server", &addr.to_string());

    h.get_by_role_and_label(Role::RadioButton, "throughput")
        .click();
    h.run_ok();
    h.get_by_role_and_label(Role::RadioButton, "udp").click();
    h.run_ok();
    assert!(!enabled(&h, "Start"), "throughput over UDP is refused");
    assert_eq!(
        shown(&h, "throughput is measured over tcp"),
        1,
        "and the window says why"
    );
    h.get_by_role_and_label(Role::RadioButton, "tcp").click();
    h.run_ok();
    assert!(enabled(&h, "Start"), "fixed: Start is enabled again");
    assert_eq!(shown(&h, "Clients: "), 0, "no error note left");
}

#[test]
fn a_listening_socket_of_the_session_can_be_picked_and_stressed() {
    let mut h = small_app();
    let local = echo_listener(&mut h, &[]);
    open_window(&mut h);
    h.get_by_label("or pick").click();
    h.run_ok();
    h.get_by_label_contains("(tcp listener)").click();
    h.run_ok();
    assert_eq!(field(&h, "Server"), local, "picking fills the server");
    h.get_by_role_and_label(Role::RadioButton, "Count").click();
    h.run_ok();
    type_into(&mut h, "Count of requests", "50");
    type_into(&mut h, "Clients", "2");
    click(&mut h, "Start");
    let f = wait_report(&mut h);
    assert_eq!(
        (f.ok, f.failed),
        (50, 0),
        "the app's own echo answered: {f}"
    );
}

#[test]
fn stop_ends_a_long_test_with_its_report() {
    let addr = server(echo);
    let mut h = small_app();
    open_window(&mut h);
    type_into(&mut h, "Server", &addr.to_string());
    type_into(&mut h, "Clients", "2");
    type_into(&mut h, "Duration", "120s");
    type_into(&mut h, "Rate", "100");
    assert!(!enabled(&h, "Stop"), "nothing to stop yet");
    let t0 = Instant::now();
    click(&mut h, "Start");
    assert!(h.state().stress_running(), "the test runs");
    assert!(!enabled(&h, "Start"), "one test at a time");
    // The live figures show once the first update (250 ms) has come.
    while shown(&h, "Sent / ok / failed") == 0 {
        assert!(t0.elapsed() < RUN_DEADLINE, "live figures show");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_ok(); // a grid's first frame (a sizing pass) asks for one more frame: settled
    assert!(
        repaint_delay(&h) <= Duration::from_millis(100),
        "the window asks for a repaint while the test runs: {:?}",
        repaint_delay(&h)
    );
    click(&mut h, "Stop");
    let f = wait_report(&mut h);
    assert!(
        t0.elapsed() < Duration::from_secs(60) && f.secs < 60.0,
        "Stop ended the 120 s test early: {f}"
    );
    assert!(f.ok > 0 && f.failed == 0 && f.sent == f.ok, "{f}");
    assert_eq!(f.active, 0, "every connection closed: {f}");
    assert!(!h.state().stress_running() && enabled(&h, "Start"));
    assert!(
        repaint_delay(&h) > Duration::from_secs(1),
        "no repaint asked once the test is over: {:?}",
        repaint_delay(&h)
    );
}

/// A TLS test against the session's own self-signed TLS echo: with "any certificate"
/// every request is answered; without it every handshake fails as `tls_failed`.
#[test]
fn a_tls_test_needs_the_certificate_trusted_or_insecure() {
    let mut h = small_app();
    let local = echo_listener(&mut h, &["tls srv server self-signed"]);
    open_window(&mut h);
    fill(&mut h, &local, "1", "4");
    h.get_by_role_and_label(Role::RadioButton, "tls").click();
    h.run_ok();
    click(&mut h, "Start");
    let f = wait_report(&mut h);
    assert_eq!(f.ok, 0, "a self-signed certificate is not trusted: {f}");
    assert!(
        f.failures.iter().any(|(k, _)| *k == Failure::TlsFailed),
        "{f}"
    );
    check(&mut h, "any certificate (insecure)");
    type_into(&mut h, "Clients", "2");
    type_into(&mut h, "Count of requests", "20");
    click(&mut h, "Start");
    let f = wait_report(&mut h);
    assert_eq!((f.ok, f.failed), (20, 0), "insecure accepts it: {f}");
}
