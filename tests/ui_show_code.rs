//! *Show as code* in the real app: File → Show as code… opens a window holding the session
//! so far as a Python program, with what the app showed (the port the OS chose) as comments.

#[path = "gui/harness.rs"]
mod harness;

use harness::{app, assert_shown, click, wait_for};

#[test]
fn file_show_as_code_opens_the_session_as_a_python_program() {
    let mut h = app();
    h.state_mut().run_line("socket udp as u");
    h.state_mut().run_line("bind u 127.0.0.1:0");
    wait_for(&mut h, "u bound", |a| {
        a.log()
            .iter()
            .any(|r| matches!(&*r, sockscope::log::Record::Event(e) if matches!(e.kind, sockscope::engine::EventKind::Bound { .. })))
    });
    assert!(h.state().shown_code().is_none(), "closed at first");
    click(&mut h, "File");
    click(&mut h, "Show as code…");
    let code = h
        .state()
        .shown_code()
        .expect("the window is open")
        .to_string();
    assert!(
        code.contains("u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)"),
        "{code}"
    );
    assert!(code.contains("u.bind((\"127.0.0.1\", 0))"), "{code}");
    let port = code
        .lines()
        .find_map(|l| l.strip_prefix("# the app showed: u bound 127.0.0.1:"))
        .and_then(|p| p.parse::<u16>().ok())
        .expect("the chosen port is noted");
    assert_ne!(port, 0);
    assert_shown(&h, "Show as code", "the window is shown");
    assert_shown(&h, "Copy", "with a Copy button");
}
