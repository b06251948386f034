//! What the app refuses and how it says so: invalid fields turn red and send nothing,
//! buttons are disabled in the wrong states, console lines parse with the language, and
//! "Save log…" falls back to a path field and really writes the file.

#[path = "gui/harness.rs"]
mod harness;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use harness::{
    app, app_with_socket, assert_shown, click, commands, enabled, shown, sock, type_into, wait_for,
};
use sockscope::engine::{SockId, SockState};

#[test]
fn invalid_port_shows_the_form_and_sends_nothing() {
    let mut h = app_with_socket("+ TCP");
    type_into(&mut h, "Port", "70000");
    click(&mut h, "Bind");
    assert_eq!(
        shown(&h, "a port number 0–65535"),
        1,
        "the accepted form is shown"
    );
    // Give the engine time to answer anything that might have been sent.
    std::thread::sleep(std::time::Duration::from_millis(100));
    h.run();
    assert_eq!(
        commands(&h),
        vec!["socket tcp".to_string()],
        "no bind was sent"
    );
    assert_eq!(
        sock(h.state(), 1).map(|r| r.state),
        Some(SockState::Created)
    );

    // A bad address: red, nothing sent; then a good one goes through.
    type_into(&mut h, "Connect to", "localhost");
    click(&mut h, "Connect");
    assert!(shown(&h, "HOST:PORT, [IPV6]:PORT") >= 1);
    type_into(&mut h, "Bind address", "::1");
    type_into(&mut h, "Port", "0");
    click(&mut h, "Bind");
    assert_eq!(shown(&h, "is IPv6 and this socket is IPv4"), 1);
    assert_eq!(commands(&h).len(), 1, "still nothing sent");

    type_into(&mut h, "Bind address", "127.0.0.1");
    assert_eq!(
        shown(&h, "is IPv6 and this socket is IPv4"),
        0,
        "the error goes away once the input is valid"
    );
    click(&mut h, "Bind");
    wait_for(&mut h, "s1 bound", |a| {
        sock(a, 1).is_some_and(|r| r.state == SockState::Bound)
    });
}

#[test]
fn invalid_hex_sends_nothing() {
    let mut h = app_with_socket("+ UDP");
    click(&mut h, "hex");
    type_into(&mut h, "Destination", "127.0.0.1:9");
    type_into(&mut h, "Message", "48 6");
    click(&mut h, "Send");
    assert!(shown(&h, "pairs of hex digits") >= 1);
    assert_eq!(commands(&h).len(), 1, "only the socket command");
}

#[test]
fn buttons_follow_the_socket_state() {
    let mut h = app_with_socket("+ TCP");
    for (label, on) in [
        ("Bind", true),
        ("Listen", true),
        ("Accept", false),
        ("Connect", true),
        ("Send", false),
        ("read", false),
        ("write", false),
        ("both", false),
        ("Close", true),
    ] {
        assert_eq!(enabled(&h, label), on, "{label} on a created TCP socket");
    }
    click(&mut h, "Listen");
    wait_for(&mut h, "s1 listening", |a| {
        sock(a, 1).is_some_and(|r| r.state == SockState::Listening)
    });
    for (label, on) in [
        ("Bind", false),
        ("Listen", false),
        ("Accept", true),
        ("Connect", false),
        ("Send", false),
        ("Close", true),
    ] {
        assert_eq!(enabled(&h, label), on, "{label} on a listening socket");
    }
    // Listening without bind: the OS chose the address, and it is shown.
    assert!(sock(h.state(), 1).is_some_and(|r| r.local.is_some()));
    let auto = h.get_by_role_and_label(Role::CheckBox, "Auto-accept");
    auto.click();
    h.run();
    wait_for(&mut h, "auto-accept on", |a| {
        sock(a, 1).is_some_and(|r| r.auto_accept)
    });
    click(&mut h, "Close");
    wait_for(&mut h, "s1 closed", |a| {
        sock(a, 1).is_some_and(|r| r.state == SockState::Closed)
    });
    // A closed socket shows its history, with no controls that cannot act.
    for label in ["Bind", "Listen", "Accept", "Close"] {
        assert!(
            h.query_by_role_and_label(Role::Button, label).is_none(),
            "no {label} on a closed socket"
        );
    }
}

#[test]
fn console_runs_the_command_language() {
    let mut h = app();
    type_into(&mut h, "Command", "socket udp as echo");
    h.get_by_label("Command").focus();
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    wait_for(&mut h, "the named socket", |a| {
        sock(a, 1).is_some_and(|r| r.name.as_deref() == Some("echo"))
    });
    assert_eq!(h.state().selected(), Some(SockId(1)));
    for (line, says) in [
        ("bind echo 127.0.0.1:0", "ok: echo bound 127.0.0.1:"),
        ("bnd s1", "error: 1:1: expected"),
        ("expect s1 \"x\"", "belong in scripts"),
        (
            "listen echo",
            "error: listen: echo is a udp socket; only stream sockets",
        ),
    ] {
        type_into(&mut h, "Command", line);
        click(&mut h, "Run");
        wait_for(&mut h, says, |a| {
            a.console_text().iter().any(|l| l.contains(says))
        });
    }
    assert_shown(&h, "error: 1:1: expected", "the parse error is on screen");
    click(&mut h, "Sockets");
    click(&mut h, "Status");
    wait_for(&mut h, "status lines", |a| {
        a.console_text()
            .iter()
            .any(|l| l.starts_with("s1") && l.contains("echo"))
    });
}

#[test]
fn save_log_falls_back_to_a_path_field_and_writes_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("session.jsonl");
    let mut h = app_with_socket("+ TCP");
    click(&mut h, "File");
    // The menu item's accessible label carries its shortcut too.
    h.get_by_label_contains("Save log…").click();
    h.run();
    type_into(&mut h, "Save to", &path.display().to_string());
    click(&mut h, "Save");
    wait_for(&mut h, "the save", |a| {
        a.message().is_some_and(|m| m.starts_with("Saved"))
    });
    assert_shown(&h, "Saved 2 records", "the status bar says what was saved");
    let text = std::fs::read_to_string(&path).expect("saved file");
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains("\"command\":\"socket tcp\""), "{text}");

    // Ctrl+S opens it again.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::S);
    h.run();
    assert!(
        h.query_by_label("Save to").is_some(),
        "Ctrl+S asks where to save"
    );
}
