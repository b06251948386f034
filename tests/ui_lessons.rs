//! The Lessons window in the real app on a real engine: a step ticks when the engine's
//! events show it done (here after "Type it for me" runs its command, and after a command
//! typed in the console), not when a button is clicked; the View menu's language turns
//! the lesson into Italian.

#[path = "gui/harness.rs"]
mod harness;

use egui_kittest::kittest::Queryable;
use harness::{app, click, shown, type_into, wait_for};

#[test]
fn a_lesson_ticks_its_steps_from_the_engine_and_speaks_italian() {
    let mut h = app();
    click(&mut h, "View");
    h.get_by_label("Lessons").click();
    h.run();
    assert_eq!(
        shown(&h, "A UDP server needs no listen and no accept"),
        1,
        "the first lesson is shown"
    );
    assert_eq!(shown(&h, "[next]"), 1);
    assert_eq!(shown(&h, "[done]"), 0);

    // Typed for the learner: the step ticks once the engine reports the socket.
    click(&mut h, "Type it for me");
    wait_for(&mut h, "the server socket", |a| {
        a.state().sockets.len() == 1
    });
    assert_eq!(
        shown(&h, "[done]"),
        1,
        "step 1 ticked from the created event"
    );
    assert_eq!(shown(&h, "1 / 7"), 1, "the counter moved");

    // Typed by hand in the console: the same.
    type_into(&mut h, "Command", "bind server 127.0.0.1:0");
    click(&mut h, "Run");
    wait_for(&mut h, "the bind", |a| {
        a.state().sockets.values().any(|r| r.local.is_some())
    });
    assert_eq!(shown(&h, "[done]"), 2, "step 2 ticked from the bound event");

    // A command for a later step does not tick it out of order.
    type_into(&mut h, "Command", "socket tcp as other");
    click(&mut h, "Run");
    wait_for(&mut h, "another socket", |a| a.state().sockets.len() == 2);
    assert_eq!(
        shown(&h, "[done]"),
        2,
        "a TCP socket is not the lesson's UDP client"
    );

    click(&mut h, "View");
    h.get_by_label("Italiano").click();
    h.run();
    assert!(
        h.query_by_label_contains("Crea il socket del client")
            .is_some(),
        "the steps in Italian"
    );
    assert_eq!(shown(&h, "[fatto]"), 2);
}
