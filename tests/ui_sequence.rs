//! The log's Sequence view in the real app on a real engine over loopback: a two-socket
//! TCP exchange draws one arrow per send (the receive on the other end adds none), the
//! lanes carry the sockets' names, and clicking an arrow opens its log row's detail.

#[path = "gui/harness.rs"]
mod harness;

use egui_kittest::kittest::Queryable;
use harness::{app_listening, click, console, console_lines, shown, wait_for};
use sockscope::engine::EventKind;

fn received(app: &sockscope::app::SockscopeApp, text: &[u8]) -> bool {
    app.log().iter().any(|r| match &*r {
        sockscope::log::Record::Event(ev) => {
            matches!(&ev.kind, EventKind::Received { data, .. } if &data[..] == text)
        }
        _ => false,
    })
}

#[test]
fn a_tcp_exchange_draws_an_arrow_per_send_and_a_click_selects_its_row() {
    let mut h = app_listening();
    console_lines(
        &mut h,
        &[
            "socket tcp as cli",
            "connect cli $srv",
            "accept srv as conn",
        ],
    );
    wait_for(&mut h, "the accepted connection", |a| {
        a.state().sockets.len() == 3
    });
    console(&mut h, "send cli \"ping\"");
    wait_for(&mut h, "ping to arrive", |a| received(a, b"ping"));
    console(&mut h, "send conn \"pong\"");
    wait_for(&mut h, "pong to arrive", |a| received(a, b"pong"));

    click(&mut h, "Sequence");
    h.run();
    assert_eq!(
        shown(&h, "ping (4 B)"),
        1,
        "one arrow for ping, not one per end"
    );
    assert_eq!(shown(&h, "pong (4 B)"), 1, "one arrow for pong");
    assert_eq!(shown(&h, "connect (SYN)"), 1);
    assert_eq!(
        h.query_all_by_label("accept").count(),
        1,
        "the accept arrow"
    );

    h.get_by_label("pong (4 B)").click();
    h.run();
    assert!(
        h.query_by_label_contains("Record ").is_some(),
        "the arrow's log row opened in the detail"
    );
    assert!(
        h.query_by_label_contains("conn sent 4 bytes").is_some()
            || h.query_by_label_contains("sent 4 bytes").is_some(),
        "the detail is pong's send"
    );

    click(&mut h, "Table");
    h.run();
    assert_eq!(shown(&h, "ping (4 B)"), 0, "the table is back");
}
