//! The controls beyond the lifecycle, clicked through the real app on a real engine over
//! loopback: Unix sockets, socket options read back from the kernel, the kernel's TCP
//! state, rules, step mode, repeat and abort.

#[path = "gui/harness.rs"]
mod harness;

use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};
use harness::{
    app, app_with_pair, app_with_socket, assert_shown, enabled, quiet_counts, send_text, shown,
    sock,
};
use harness::{
    bound_udp, check, click, click_busy, commands, new_socket, select, tcp_pair, type_into,
    wait_for,
};
use sockscope::engine::{Addr, Proto, SockOpt, SockState};

#[test]
fn unix_stream_pair_by_clicks() {
    let name = format!("@sockscope-ui-{}", std::process::id());
    let mut h = app_with_socket("+ Unix");
    assert_eq!(sock(h.state(), 1).map(|r| r.proto), Some(Proto::UnixStream));
    type_into(&mut h, "Bind path", "not a path");
    click(&mut h, "Bind");
    assert_shown(&h, "a path (/tmp/demo.sock", "the accepted form");
    assert_eq!(commands(&h).len(), 1, "nothing sent for a bad path");
    type_into(&mut h, "Bind path", &name);
    click(&mut h, "Bind");
    wait_for(&mut h, "s1 bound", |a| {
        sock(a, 1).is_some_and(|r| r.local == Some(Addr::Abstract(name[1..].to_string())))
    });
    click(&mut h, "Listen");
    wait_for(&mut h, "s1 listening", |a| {
        sock(a, 1).is_some_and(|r| r.state == SockState::Listening)
    });
    check(&mut h, "Auto-accept");
    wait_for(&mut h, "auto-accept", |a| {
        sock(a, 1).is_some_and(|r| r.auto_accept)
    });

    new_socket(&mut h, "+ Unix", 2);
    assert_eq!(harness::field(&h, "Connect to"), name, "prefilled");
    click(&mut h, "Connect");
    wait_for(&mut h, "s2 connected and s3 accepted", |a| {
        sock(a, 2).is_some_and(|r| r.state == SockState::Connected) && sock(a, 3).is_some()
    });
    type_into(&mut h, "Message", "over unix");
    click(&mut h, "Send");
    wait_for(&mut h, "s3 receives", |a| {
        sock(a, 3).is_some_and(|r| r.counters.bytes_in == 9)
    });
    send_text(&mut h, 3, "and back");
    wait_for(&mut h, "s2 receives", |a| {
        sock(a, 2).is_some_and(|r| r.counters.bytes_in == 8)
    });
    assert!(
        h.query_by_role_and_label(Role::Button, "Abort").is_none(),
        "no abort for Unix sockets"
    );
    assert!(commands(&h).contains(&format!("bind s1 {name}")));
}

#[test]
fn nodelay_is_read_back_on() {
    let mut h = app_with_socket("+ TCP");
    click(&mut h, "Options");
    wait_for(&mut h, "the options read on opening", |a| {
        sock(a, 1).is_some_and(|r| r.config.option(SockOpt::NoDelay) == Some("off"))
    });
    assert_eq!(commands(&h).len(), 1, "opening reads quietly: no command");
    check(&mut h, "nodelay");
    wait_for(&mut h, "nodelay on", |a| {
        sock(a, 1).is_some_and(|r| r.config.option(SockOpt::NoDelay) == Some("on"))
    });
    assert_eq!(
        commands(&h).last().map(String::as_str),
        Some("option s1 nodelay on")
    );
    let on = h.get_by_role_and_label(Role::CheckBox, "nodelay");
    assert_eq!(
        on.accesskit_node().toggled(),
        Some(egui::accesskit::Toggled::True),
        "the checkbox shows the kernel's answer"
    );
}

#[test]
fn rcvbuf_shows_what_the_kernel_set() {
    let mut h = app_with_socket("+ UDP");
    click(&mut h, "Options");
    type_into(&mut h, "rcvbuf", "lots");
    click(&mut h, "Set rcvbuf");
    assert_shown(&h, "rcvbuf: a size in bytes", "red, with the form");
    assert_eq!(commands(&h).len(), 1, "nothing sent");
    type_into(&mut h, "rcvbuf", "4096");
    click(&mut h, "Set rcvbuf");
    wait_for(&mut h, "rcvbuf read back", |a| {
        sock(a, 1).is_some_and(|r| r.config.option(SockOpt::RcvBuf) == Some("8192"))
    });
    assert_shown(&h, "8192", "the kernel's doubled value is shown");
    assert_shown(&h, "(asked 4096)", "next to what was asked");
    assert_eq!(
        commands(&h).last().map(String::as_str),
        Some("option s1 rcvbuf 4096")
    );
}

#[test]
fn kernel_tcp_state_and_abort() {
    let mut h = app();
    tcp_pair(&mut h);
    wait_for(&mut h, "the kernel's state of s1", |a| {
        sock(a, 1).is_some_and(|r| r.tcp_state == Some("LISTEN"))
    });
    select(&mut h, 3);
    wait_for(&mut h, "ESTABLISHED", |a| {
        sock(a, 3).is_some_and(|r| r.tcp_state == Some("ESTABLISHED"))
    });
    assert!(shown(&h, "ESTABLISHED") >= 1);
    assert!(
        !commands(&h).iter().any(|c| c == "status"),
        "the refresh is quiet"
    );

    // The client shuts its write side: the server's kernel says CLOSE_WAIT.
    select(&mut h, 2);
    click(&mut h, "write");
    wait_for(&mut h, "CLOSE_WAIT", |a| {
        sock(a, 3).is_some_and(|r| r.tcp_state == Some("CLOSE_WAIT"))
    });

    // Refresh asks the kernel about the selected socket alone.
    select(&mut h, 3);
    click(&mut h, "Refresh");
    wait_for(&mut h, "the status of s3", |a| {
        a.console_text().iter().any(|l| l.contains("CLOSE_WAIT"))
    });
    assert!(commands(&h).contains(&"status s3".to_string()));

    // Abort the server's side: the client sees a reset, not an orderly close.
    click(&mut h, "Abort");
    wait_for(&mut h, "s3 closed", |a| {
        sock(a, 3).is_some_and(|r| r.is_closed())
    });
    // A reset is a state of its own (not an error, not a half-close).
    wait_for(&mut h, "the reset at s2", |a| {
        sock(a, 2).is_some_and(|r| r.state == SockState::Reset)
    });
    assert!(commands(&h).contains(&"abort s3".to_string()));
}

#[test]
fn a_rule_from_the_editor_answers_a_client() {
    let mut h = app();
    bound_udp(&mut h, 1);
    click(&mut h, "Responders");
    click(&mut h, "exact");
    type_into(&mut h, "Pattern", "ping");
    type_into(&mut h, "Reply template", "pong {counter}");
    click(&mut h, "Add rule");
    wait_for(&mut h, "the rule", |a| {
        sock(a, 1).is_some_and(|r| r.config.rules.len() == 1)
    });
    assert!(shown(&h, "exact \"ping\" → \"pong {counter}\"") >= 1);

    new_socket(&mut h, "+ UDP", 2);
    type_into(&mut h, "Destination", "$s1");
    type_into(&mut h, "Message", "nope");
    click(&mut h, "Send");
    type_into(&mut h, "Message", "ping");
    click(&mut h, "Send");
    wait_for(&mut h, "the answer", |a| {
        sock(a, 2).is_some_and(|r| r.counters.bytes_in == 6)
    });
    assert_eq!(
        quiet_counts(&mut h, 2, Duration::from_millis(100)),
        Some((1, 6)),
        "only the matching message is answered, with \"pong 1\""
    );
    assert_shown(&h, "\"pong 1\"", "the log shows the reply");
}

#[test]
fn an_invalid_regex_shows_the_engine_error() {
    let mut h = app_with_socket("+ TCP");
    click(&mut h, "Responders");
    click(&mut h, "regex");
    type_into(&mut h, "Pattern", "(unclosed");
    type_into(&mut h, "Reply template", "x");
    click(&mut h, "Add rule");
    wait_for(&mut h, "the error", |a| {
        sock(a, 1).is_some_and(|r| {
            r.last_error
                .as_ref()
                .is_some_and(|e| e.to_string().contains("invalid regex"))
        })
    });
    assert!(
        shown(&h, "invalid regex \"(unclosed\"") >= 2,
        "under the editor, and in the console"
    );
    assert!(sock(h.state(), 1).is_some_and(|r| r.config.rules.is_empty()));
}

#[test]
fn step_mode_recv_reads_exactly_n_bytes() {
    let mut h = app_with_pair(3);
    click(&mut h, "Receive");
    assert!(!enabled(&h, "Recv"), "recv needs step mode");
    check(&mut h, "Step mode");
    wait_for(&mut h, "step mode", |a| {
        sock(a, 3).is_some_and(|r| r.config.manual)
    });
    send_text(&mut h, 2, "abcdefgh");
    wait_for(&mut h, "sent", |a| {
        sock(a, 2).is_some_and(|r| r.counters.bytes_out == 8)
    });
    select(&mut h, 3);
    click(&mut h, "Ready?");
    wait_for(&mut h, "8 bytes waiting", |a| {
        sock(a, 3).is_some_and(|r| r.config.readiness.is_some_and(|x| x.pending == 8))
    });
    assert!(shown(&h, "readable · writable · 8 bytes waiting") >= 1);
    assert_eq!(
        sock(h.state(), 3).map(|r| r.counters.bytes_in),
        Some(0),
        "nothing read"
    );
    type_into(&mut h, "Recv bytes", "4");
    click(&mut h, "Recv");
    wait_for(&mut h, "4 bytes read", |a| {
        sock(a, 3).is_some_and(|r| r.counters.bytes_in == 4)
    });
    wait_for(&mut h, "readiness asked again", |a| {
        sock(a, 3).is_some_and(|r| {
            !r.config.readiness_stale && r.config.readiness.is_some_and(|x| x.pending == 4)
        })
    });
    assert_eq!(
        quiet_counts(&mut h, 3, Duration::from_millis(100)),
        Some((1, 4)),
        "exactly one recv of 4 bytes"
    );
    assert!(commands(&h).contains(&"recv s3 4".to_string()));
}

#[test]
fn repeat_three_times_sends_exactly_three() {
    let mut h = app();
    bound_udp(&mut h, 1);
    new_socket(&mut h, "+ UDP", 2);
    click(&mut h, "Send tools");
    type_into(&mut h, "Destination", "$s1");
    type_into(&mut h, "Message", "tick {counter}");
    assert!(
        enabled(&h, "Repeat"),
        "an unbound s2 is bound by the repeat itself, as by sendto"
    );
    type_into(&mut h, "every ms", "20");
    type_into(&mut h, "times", "3");
    click_busy(&mut h, "Repeat");
    wait_for(&mut h, "the repeat ends", |a| {
        sock(a, 2).is_some_and(|r| r.config.last_done == Some(3))
    });
    wait_for(&mut h, "three datagrams", |a| {
        sock(a, 1).is_some_and(|r| r.counters.msgs_in == 3)
    });
    assert_eq!(
        quiet_counts(&mut h, 1, Duration::from_millis(150)),
        Some((3, 18)),
        "tick 1, tick 2, tick 3 and nothing more"
    );
    assert_eq!(sock(h.state(), 2).map(|r| r.counters.msgs_out), Some(3));
    assert!(
        sock(h.state(), 2).is_some_and(|r| r.local.is_some()),
        "s2 was bound implicitly"
    );
    assert!(
        commands(&h)
            .iter()
            .any(|c| c.starts_with("repeat s2 3 20ms \"tick {counter}\" to $s1"))
    );
    assert!(!enabled(&h, "Stop"), "nothing left to stop");
}
