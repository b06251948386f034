//! The runner's own tests: interrupts, script mode, a dropped runner.

use super::*;
use crate::lang::parse_line;

fn quiet(engine: &Engine) -> Runner {
    Runner::new(engine.clone(), Output::Quiet, Box::new(|_| {}))
}

/// Parses and runs one line (the stress statement's tests use it too).
pub(super) fn run(r: &Runner, line: &str) -> Result<(), RunError> {
    match parse_line(line) {
        Ok(Some(stmt)) => r.execute(&stmt),
        other => panic!("{line:?} does not parse: {other:?}"),
    }
}

#[test]
fn set_interrupt_ends_a_sleep_and_a_waiting_accept_and_the_runner_goes_on() {
    static FLAG: AtomicBool = AtomicBool::new(false);
    let engine = Engine::start().expect("engine");
    let mut r = quiet(&engine);
    r.set_interrupt(&FLAG);
    run(&r, "socket tcp as srv").expect("socket");
    run(&r, "bind srv 127.0.0.1:0").expect("bind");
    run(&r, "listen srv").expect("listen");
    for line in ["sleep 60s", "accept srv", "expect srv \"never\" 60s"] {
        let setter = std::thread::spawn(|| {
            std::thread::sleep(Duration::from_millis(100));
            FLAG.store(true, Ordering::Release);
        });
        let t0 = Instant::now();
        assert_eq!(run(&r, line), Err(RunError::Interrupted), "{line}");
        assert!(t0.elapsed() < Duration::from_secs(30), "{line}");
        setter.join().expect("setter");
        assert!(!FLAG.load(Ordering::Acquire), "the wait cleared the flag");
    }
    // A flag left set while nothing waited does not interrupt the next statement.
    FLAG.store(true, Ordering::Release);
    run(&r, "sleep 10ms").expect("the next statement runs");
    run(&r, "status").expect("the runner goes on");
    r.finish();
}

#[test]
fn in_script_mode_a_ctrl_c_between_statements_interrupts_the_next_wait() {
    static FLAG: AtomicBool = AtomicBool::new(false);
    let engine = Engine::start().expect("engine");
    let mut r = quiet(&engine);
    r.set_script_mode(true);
    r.set_interrupt(&FLAG);
    FLAG.store(true, Ordering::Release); // as if Ctrl-C came between two statements
    let t0 = Instant::now();
    assert_eq!(run(&r, "sleep 30s"), Err(RunError::Interrupted));
    assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    r.finish();
}

#[test]
fn a_dropped_runner_stops_its_pump_and_the_engine_goes_on() {
    let engine = Engine::start().expect("engine");
    let first = quiet(&engine);
    run(&first, "socket udp as a").expect("socket");
    let (done, dropped) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        drop(first);
        let _ = done.send(());
    });
    dropped
        .recv_timeout(Duration::from_secs(5))
        .expect("dropping the runner returns: its pump stopped");
    let second = quiet(&engine);
    second.with_session(|s| s.learn_name(crate::engine::SockId(1), "a"));
    run(&second, "bind a 127.0.0.1:0").expect("the engine still runs");
    run(&second, "sendto a $a \"x\"").expect("send to itself");
    run(&second, "expect a \"x\" 2s").expect("a learned name resolves for expect");
    engine.shutdown();
}
