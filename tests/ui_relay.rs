//! The Relay tab, clicked through on a real engine over loopback: a listener relays to a
//! std echo server, a client's bytes come back through it, and a slider let go sends its
//! `fault` command, which the tab then shows as set.

#[path = "gui/harness.rs"]
mod harness;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use harness::{app_with_socket, assert_ran, click, commands, sock, type_into, wait_for};
use sockscope::engine::{Dir, SockState};

#[test]
fn the_relay_tab_relays_a_listener_and_its_sliders_set_faults_live() {
    let echo = TcpListener::bind("127.0.0.1:0").expect("bind");
    let echo_addr = echo.local_addr().expect("address");
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = echo.accept() {
            let mut buf = [0u8; 1024];
            while let Ok(n) = s.read(&mut buf) {
                if n == 0 || s.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    });
    let mut h = app_with_socket("+ TCP");
    click(&mut h, "Listen");
    wait_for(&mut h, "s1 listening", |a| {
        sock(a, 1).is_some_and(|r| r.state == SockState::Listening)
    });
    let front = sock(h.state(), 1)
        .and_then(|r| r.local.clone())
        .and_then(|a| a.reachable().ip())
        .expect("the listener's address");
    click(&mut h, "Relay");
    type_into(&mut h, "Upstream", &echo_addr.to_string());
    click(&mut h, "Start relay");
    let line = format!("relay s1 to {echo_addr}");
    assert!(commands(&h).contains(&line), "{:?}", commands(&h));
    wait_for(&mut h, "s1 relays", |a| {
        sock(a, 1).is_some_and(|r| r.config.relay.to.is_some())
    });
    // A slider let go (here set by a screen reader's request) sends its fault.
    h.get_by_role_and_label(Role::Slider, "Delay (down)")
        .set_value_accesskit(50.0);
    h.run_ok();
    assert_ran(&h, "fault s1 down delay 50ms");
    wait_for(&mut h, "the delay is set", |a| {
        sock(a, 1)
            .is_some_and(|r| r.config.relay.faults(Dir::Down).delay == Duration::from_millis(50))
    });
    // A client's bytes come back through the relay and the echo server.
    let mut c = TcpStream::connect(front).expect("connect to the relay");
    c.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    c.write_all(b"ping").expect("send");
    let mut got = [0u8; 4];
    let reader = std::thread::spawn(move || c.read_exact(&mut got).map(|_| got));
    wait_for(&mut h, "the echo came back", |_| reader.is_finished());
    assert_eq!(reader.join().expect("reader").expect("echo"), *b"ping");
}
