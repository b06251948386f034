//! Whole sessions clicked through the real app on a real engine over loopback: a TCP
//! session from listen to close, and a UDP exchange.

#[path = "gui/harness.rs"]
mod harness;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use harness::{
    app, app_with_socket, click, enabled, new_socket, select, send_text, shown, sock, type_into,
    wait_for,
};
use sockscope::engine::{Proto, SockId, SockState};

#[test]
fn tcp_session_from_listen_to_close() {
    let mut h = app();

    // A listener: create, bind 127.0.0.1 port 0, listen.
    new_socket(&mut h, "+ TCP", 1);
    assert_eq!(
        h.state().selected(),
        Some(SockId(1)),
        "a new socket is selected"
    );
    assert!(!enabled(&h, "Accept"), "accept needs a listening socket");
    click(&mut h, "Bind");
    wait_for(&mut h, "s1 bound", |a| {
        sock(a, 1).is_some_and(|r| r.state == SockState::Bound)
    });
    let local = sock(h.state(), 1)
        .and_then(|r| r.local.clone())
        .expect("s1 has an address");
    let port = local.ip().expect("an IP address").port();
    assert_ne!(port, 0, "the OS chose a port");
    assert_eq!(
        shown(&h, &format!("bound to 127.0.0.1:{port} — port {port}")),
        1,
        "the chosen port is shown under Bind"
    );
    assert!(!enabled(&h, "Bind"), "a socket binds once");
    click(&mut h, "Listen");
    wait_for(&mut h, "s1 listening", |a| {
        sock(a, 1).is_some_and(|r| r.state == SockState::Listening)
    });

    // A client connects to the shown port.
    new_socket(&mut h, "+ TCP", 2);
    assert_eq!(h.state().selected(), Some(SockId(2)));
    assert!(
        !enabled(&h, "Send"),
        "an unconnected TCP socket cannot send"
    );
    type_into(&mut h, "Connect to", &format!("127.0.0.1:{port}"));
    click(&mut h, "Connect");
    wait_for(&mut h, "s2 connected", |a| {
        sock(a, 2).is_some_and(|r| r.state == SockState::Connected)
    });

    // The listener accepts: the connection appears under it.
    select(&mut h, 1);
    click(&mut h, "Accept");
    wait_for(&mut h, "s3 accepted", |a| sock(a, 3).is_some());
    let s3 = sock(h.state(), 3).expect("s3");
    assert_eq!(
        (s3.parent, s3.proto, s3.state),
        (Some(SockId(1)), Proto::Tcp, SockState::Connected)
    );
    assert_eq!(
        sock(h.state(), 1).map(|r| r.children.clone()),
        Some(vec![SockId(3)])
    );

    // Client to server.
    send_text(&mut h, 2, "hello from client");
    wait_for(&mut h, "s3 receives", |a| {
        sock(a, 3).is_some_and(|r| r.counters.bytes_in == 17)
    });
    assert!(
        shown(&h, "\"hello from client\"") >= 2,
        "the log shows the send and the receive"
    );

    // Server to client, sent with Ctrl+Enter from the message field.
    select(&mut h, 3);
    type_into(&mut h, "Message", "hello from server");
    h.get_by_label("Message").focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    wait_for(&mut h, "s2 receives", |a| {
        sock(a, 2).is_some_and(|r| r.counters.bytes_in == 17)
    });
    assert!(
        shown(&h, "\"hello from server\"") >= 2,
        "the log shows the reply both ways"
    );

    // Every click was a command in the console.
    let console = h.state().console_text();
    for expected in [
        "> socket tcp".to_string(),
        "> bind s1 127.0.0.1:0".to_string(),
        "> listen s1".to_string(),
        format!("> connect s2 127.0.0.1:{port}"),
        "> accept s1".to_string(),
        "> send s2 \"hello from client\"".to_string(),
        "> send s3 \"hello from server\"".to_string(),
    ] {
        assert!(
            console.iter().any(|l| l.starts_with(&expected)),
            "console has {expected:?}:\n{}",
            console.join("\n")
        );
    }
    assert!(
        shown(&h, &format!("> connect s2 127.0.0.1:{port}")) >= 1,
        "the console shows it"
    );

    // Half-close from the client: the server sees end of stream.
    select(&mut h, 2);
    click(&mut h, "write");
    wait_for(&mut h, "s3 sees the peer close", |a| {
        sock(a, 3).is_some_and(|r| r.halves.read_done)
    });
    assert_eq!(
        sock(h.state(), 2).map(|r| r.state),
        Some(SockState::HalfClosed)
    );
    assert_eq!(
        sock(h.state(), 3).map(|r| r.state),
        Some(SockState::HalfClosed)
    );
    assert!(!enabled(&h, "Send"), "the write side is shut down");

    // Close all three.
    for n in [2, 3, 1] {
        select(&mut h, n);
        click(&mut h, "Close");
        wait_for(&mut h, "closed", move |a| {
            sock(a, n).is_some_and(|r| r.state == SockState::Closed)
        });
        // A closed socket shows its history, with no controls that cannot act.
        assert!(
            h.query_by_label("Close").is_none(),
            "s{n} is closed: no Close button"
        );
    }
    assert_eq!(
        shown(&h, "0 open of 3 sockets"),
        1,
        "the status bar counts them"
    );
    let totals = h.state().log().totals();
    assert_eq!(
        (
            totals.traffic.bytes_in,
            totals.traffic.bytes_out,
            totals.errors
        ),
        (34, 34, 0)
    );
}

#[test]
fn udp_exchange_with_destination_then_connected() {
    let mut h = app_with_socket("+ UDP");
    assert!(
        h.query_by_role_and_label(Role::Button, "Listen").is_none(),
        "UDP sockets have no listen step"
    );
    click(&mut h, "Bind");
    wait_for(&mut h, "s1 bound", |a| {
        sock(a, 1).is_some_and(|r| r.local.is_some())
    });
    let p1 = sock(h.state(), 1)
        .and_then(|r| r.local.clone())
        .and_then(|a| a.ip())
        .expect("addr")
        .port();

    // s2 sends a datagram to s1 without binding: the OS binds it on first use.
    new_socket(&mut h, "+ UDP", 2);
    type_into(&mut h, "Destination", &format!("127.0.0.1:{p1}"));
    type_into(&mut h, "Message", "ping");
    click(&mut h, "Send");
    wait_for(&mut h, "s1 receives ping", |a| {
        sock(a, 1).is_some_and(|r| r.counters.bytes_in == 4)
    });
    let p2 = sock(h.state(), 2)
        .and_then(|r| r.local.clone())
        .and_then(|a| a.ip())
        .expect("s2 bound implicitly")
        .port();
    assert!(shown(&h, "\"ping\"") >= 2);

    // s1 answers to s2's address.
    select(&mut h, 1);
    type_into(&mut h, "Destination", &format!("127.0.0.1:{p2}"));
    type_into(&mut h, "Message", "pong");
    click(&mut h, "Send");
    wait_for(&mut h, "s2 receives pong", |a| {
        sock(a, 2).is_some_and(|r| r.counters.bytes_in == 4)
    });
    assert!(shown(&h, "\"pong\"") >= 2);

    // Connected UDP: no destination needed.
    select(&mut h, 2);
    type_into(&mut h, "Connect to", &format!("127.0.0.1:{p1}"));
    click(&mut h, "Connect");
    wait_for(&mut h, "s2 connected", |a| {
        sock(a, 2).is_some_and(|r| r.state == SockState::Connected)
    });
    assert!(
        h.query_by_label("Destination").is_none(),
        "a connected socket needs no destination"
    );
    type_into(&mut h, "Message", "again");
    click(&mut h, "Send");
    wait_for(&mut h, "s1 receives again", |a| {
        sock(a, 1).is_some_and(|r| r.counters.bytes_in == 9)
    });
    let console = h.state().console_text();
    assert!(
        console
            .iter()
            .any(|l| l == &format!("> sendto s2 127.0.0.1:{p1} \"ping\"")),
        "{console:#?}"
    );
    assert!(
        console.iter().any(|l| l == "> send s2 \"again\""),
        "{console:#?}"
    );
}
