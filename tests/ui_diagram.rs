//! The Diagram tab in the real app on a real engine over loopback: the BSD-call graph
//! lights the step the socket is at after bind, listen and connect; clicking a drawn step
//! performs it; the TCP state machine shows LISTEN, ESTABLISHED, and TIME-WAIT after an
//! active close.

#[path = "gui/harness.rs"]
mod harness;

use egui_kittest::Harness;
use harness::{app, click, console, select, shown, wait_for};
use sockscope::app::SockscopeApp;
use sockscope::engine::{SockId, SockState};

fn state_of(a: &SockscopeApp, n: u32) -> Option<SockState> {
    a.state().get(SockId(n)).map(|r| r.state)
}

/// Clicks the drawn step `call` and waits for socket `n` to reach `state` by it.
fn click_step(h: &mut Harness<'_, SockscopeApp>, call: &str, n: u32, state: SockState) {
    click(h, call);
    let what = format!("{call} taking socket {n} to {state}");
    wait_for(h, &what, |a| state_of(a, n) == Some(state));
}

#[test]
fn the_calls_light_up_as_steps_are_clicked_and_the_tcp_states_follow() {
    let mut h = app();
    console(&mut h, "socket tcp as srv");
    wait_for(&mut h, "srv", |a| state_of(a, 1).is_some());
    select(&mut h, 1);
    click(&mut h, "Diagram");
    assert_eq!(shown(&h, "• socket()"), 1, "a new socket is at socket()");
    assert_eq!(shown(&h, "• CLOSED"), 1, "and CLOSED in the kernel");

    // The drawn steps do the step, with the Lifecycle tab's fields (127.0.0.1, port 0).
    click_step(&mut h, "bind()", 1, SockState::Bound);
    assert_eq!(shown(&h, "• bind()"), 1);
    assert_eq!(shown(&h, "socket() · done"), 1);
    click_step(&mut h, "listen()", 1, SockState::Listening);
    assert_eq!(shown(&h, "• listen()"), 1);
    assert_eq!(
        shown(&h, "• LISTEN"),
        1,
        "the kernel state machine lights LISTEN"
    );

    console(&mut h, "socket tcp as cli");
    wait_for(&mut h, "cli", |a| state_of(a, 2).is_some());
    select(&mut h, 2);
    click_step(&mut h, "connect()", 2, SockState::Connected);
    assert_eq!(shown(&h, "• connect()"), 1);
    assert_eq!(shown(&h, "• ESTABLISHED"), 1);

    console(&mut h, "accept srv as conn");
    wait_for(&mut h, "conn", |a| state_of(a, 3).is_some());
    // cli closes first (the active close), then conn: cli's address pair goes to TIME-WAIT.
    console(&mut h, "close cli");
    console(&mut h, "close conn");
    wait_for(&mut h, "both closed", |a| {
        state_of(a, 2) == Some(SockState::Closed) && state_of(a, 3) == Some(SockState::Closed)
    });
    select(&mut h, 2);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while shown(&h, "• TIME-WAIT") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the diagram never showed TIME-WAIT after the active close"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
        h.step();
    }
    assert_eq!(shown(&h, "• close()"), 1);
}
