//! Every shipped lesson, played through the real engine on loopback: its commands run as
//! a script does, and every step ticks from the engine's events alone (not from the
//! commands), in order. A lesson whose step can never tick fails here.

use std::time::{Duration, Instant};

use sockscope::engine::Engine;
use sockscope::lang::{Statement, parse_line};
use sockscope::lessons::{Progress, lessons};
use sockscope::log::Record;
use sockscope::script::{Output, Runner};

#[test]
fn every_lesson_ticks_every_step_from_the_engine_events() {
    let all = lessons();
    assert_eq!(all.len(), 7, "every lesson file parses");
    for lesson in all {
        let engine = Engine::start().expect("engine starts");
        let runner = Runner::new(engine, Output::Quiet, Box::new(|_| {}));
        let mut progress = Progress::new();
        let mut seen = 0;
        for (i, step) in lesson.steps.iter().enumerate() {
            if let Some(cmd) = &step.command {
                let stmt: Statement = parse_line(cmd)
                    .unwrap_or_else(|e| panic!("{}: `{cmd}` parses: {e}", lesson.id))
                    .unwrap_or_else(|| panic!("{}: `{cmd}` is a statement", lesson.id));
                // A step that shows an error (port 0's "in use") fails as a script does;
                // the lesson goes on all the same.
                let _ = runner.execute(&stmt);
            }
            // As a learner would: the next step once this one has ticked (its events are
            // the engine's, read from the session log).
            let deadline = Instant::now() + Duration::from_secs(10);
            while progress.done <= i && Instant::now() < deadline {
                runner.with_session(|s| {
                    for rec in s.log.iter_range(seen..s.log.len()) {
                        if let Record::Event(ev) = &*rec {
                            progress.absorb(&lesson, ev);
                        }
                    }
                    seen = s.log.len();
                });
                std::thread::sleep(Duration::from_millis(5));
            }
            assert!(
                progress.done > i,
                "{}: step {} never ticked: {:?}",
                lesson.id,
                i + 1,
                step.text
            );
        }
        assert!(progress.finished(&lesson), "{}", lesson.id);
        drop(runner.finish());
    }
}

#[test]
fn steps_tick_only_in_order() {
    let lesson = lessons()
        .into_iter()
        .find(|l| l.id == "tcp_ok_bye")
        .expect("the lesson");
    let engine = Engine::start().expect("engine starts");
    let runner = Runner::new(engine, Output::Quiet, Box::new(|_| {}));
    // The client's socket first: the lesson's first step (the server's socket) waits.
    for cmd in ["socket tcp as client", "socket tcp as server"] {
        let stmt = parse_line(cmd).expect("parses").expect("a statement");
        runner.execute(&stmt).expect("runs");
    }
    let session = runner.finish();
    let mut progress = Progress::new();
    for rec in session.log.iter() {
        if let Record::Event(ev) = &*rec {
            progress.absorb(&lesson, ev);
        }
    }
    assert_eq!(
        progress.done, 1,
        "the server's socket ticks step 1, the client's waits"
    );
}
