//! The traffic window clicked through the real app on a real engine over loopback: a flood
//! started from its generator reaches the sink, whose counts and rate show.

#[path = "gui/harness.rs"]
mod harness;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use harness::{LISTENING, app_with, click, console_lines, shown, type_into, wait_for};
use sockscope::app::SockscopeApp;
use sockscope::engine::SockId;

fn app() -> Harness<'static, SockscopeApp> {
    app_with(egui::Vec2::new(1280.0, 1000.0), 32, None)
}

#[test]
fn flood_from_the_traffic_window_reaches_the_sink() {
    let mut h = app();
    console_lines(&mut h, &LISTENING);
    console_lines(
        &mut h,
        &["accept srv auto", "socket tcp as cli", "connect cli $srv"],
    );
    wait_for(&mut h, "the connection accepted", |a| {
        a.state().get(SockId(3)).is_some()
    });

    click(&mut h, "View");
    h.get_by_label("Traffic generator and sink").click();
    h.run();
    assert!(h.state().settings().show_traffic, "the window is open");
    assert_eq!(
        shown(&h, "received 0 B in 0 msgs"),
        1,
        "the sink starts empty"
    );

    type_into(&mut h, "Flood from", "cli");
    type_into(&mut h, "Size", "1000");
    type_into(&mut h, "Rate", "max");
    type_into(&mut h, "Stop after", "200");
    click(&mut h, "Start flood");
    // The click went through the console as its command.
    assert!(
        h.state()
            .console_text()
            .iter()
            .any(|l| l == "> flood cli 1000 max 200"),
        "console:\n{}",
        h.state().console_text().join("\n")
    );
    wait_for(&mut h, "all 200 000 bytes at the sink", |a| {
        a.traffic().received.bytes == 200_000
    });
    let r = h.state().traffic().received;
    assert!(r.msgs > 0);
    assert_eq!(h.state().traffic().sent.msgs, 200, "the generator's count");
    assert_eq!(
        shown(&h, &format!("received 195.3 KiB in {} msgs", r.msgs)),
        1,
        "the sink's count shows"
    );
    wait_for(&mut h, "the flood's end", |a| a.traffic().floods.is_empty());
    assert_eq!(shown(&h, "last flood: cli sent 200 messages"), 1);

    // Reset zeroes the sink.
    click(&mut h, "Reset");
    assert_eq!(shown(&h, "received 0 B in 0 msgs"), 1);
}
