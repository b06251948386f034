//! The socket's state as the kernel holds it, current without a click: a listener's
//! accept queue, live, and what Ready? says on a listener.

#[path = "gui/harness.rs"]
mod harness;

use harness::{assert_shown, click, new_socket, type_into, wait_for};
use harness::{poll_until, shown, sock};
use sockscope::engine::SockState;

#[test]
fn a_listener_shows_its_queue_live_and_ready_says_accept_would_return() {
    let mut h = harness::app();
    new_socket(&mut h, "+ TCP", 1);
    type_into(&mut h, "Backlog", "5");
    click(&mut h, "Listen");
    wait_for(&mut h, "s1 listening", |a| {
        sock(a, 1).is_some_and(|r| r.state == SockState::Listening)
    });
    let addr = sock(h.state(), 1)
        .and_then(|r| r.local.as_ref()?.ip())
        .expect("the listener's address");
    // A client outside the app: nothing tells the app it connected but the kernel.
    let _client = std::net::TcpStream::connect(addr).expect("connect to the listener");
    poll_until(&mut h, "the queue shows the waiting connection", |a| {
        sock(a, 1).is_some_and(|r| r.accept_queue.is_some_and(|q| q.waiting == 1))
    });
    h.run_ok();
    assert_shown(&h, "1 of 5 waiting to be accepted", "the listener says so");
    click(&mut h, "Receive");
    click(&mut h, "Ready?");
    wait_for(&mut h, "ready's answer", |a| {
        sock(a, 1).is_some_and(|r| r.config.readiness.is_some())
    });
    assert_eq!(shown(&h, "accept() would return a connection"), 1);
    click(&mut h, "Lifecycle");
    click(&mut h, "Accept");
    wait_for(&mut h, "s2 accepted", |a| sock(a, 2).is_some());
    harness::select(&mut h, 1);
    poll_until(&mut h, "the queue is empty again", |a| {
        sock(a, 1).is_some_and(|r| r.accept_queue.is_some_and(|q| q.waiting == 0))
    });
}

#[test]
fn a_closed_tcp_socket_shows_time_wait_with_the_time_left() {
    let mut h = harness::app();
    harness::tcp_pair(&mut h);
    harness::select(&mut h, 2);
    click(&mut h, "Close"); // the active close: s2's side ends in TIME_WAIT
    wait_for(&mut h, "s2 closed", |a| {
        sock(a, 2).is_some_and(|r| r.is_closed())
    });
    harness::select(&mut h, 3);
    wait_for(&mut h, "s3 sees the end", |a| {
        sock(a, 3).is_some_and(|r| r.state == SockState::HalfClosed)
    });
    click(&mut h, "Close");
    wait_for(&mut h, "s3 closed", |a| {
        sock(a, 3).is_some_and(|r| r.is_closed())
    });
    harness::select(&mut h, 2);
    let deadline = std::time::Instant::now() + harness::DEADLINE;
    while shown(&h, "in TIME_WAIT (") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "s2 shows the kernel's TIME_WAIT"
        );
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_shown(&h, " s left)", "with the time left");
    harness::select(&mut h, 3);
    assert_eq!(
        shown(&h, "TIME_WAIT"),
        0,
        "the passive closer leaves nothing behind"
    );
}
