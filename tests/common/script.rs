//! The script tests' set-up: a quiet runner on a fresh engine, lines of the command
//! language run through it, and a listener named `srv` whose address is read from the log.

use std::net::SocketAddr;

use sockscope::engine::{Engine, EventKind};
use sockscope::lang::parse_line;
use sockscope::log::Record;
use sockscope::script::{Output, RunError, Runner};

/// A runner on a fresh engine that prints nothing.
pub fn runner() -> Runner {
    Runner::new(
        Engine::start().expect("engine"),
        Output::Quiet,
        Box::new(|_| {}),
    )
}

/// Runs one line of the command language (which must parse).
pub fn run(r: &Runner, line: &str) -> Result<(), RunError> {
    match parse_line(line) {
        Ok(Some(stmt)) => r.execute(&stmt),
        other => panic!("{line:?} does not parse: {other:?}"),
    }
}

/// A TCP listener named srv on 127.0.0.1, set up further by `then` (lines that must
/// succeed); returns its address.
pub fn listening(r: &Runner, then: &[&str]) -> SocketAddr {
    let setup = ["socket tcp as srv", "bind srv 127.0.0.1:0", "listen srv"];
    for line in setup.iter().chain(then) {
        run(r, line).unwrap_or_else(|e| panic!("{line}: {e}"));
    }
    r.with_session(|s| {
        s.log.iter().find_map(|rec| match &*rec {
            Record::Event(e) => match &e.kind {
                EventKind::Bound { local, .. } => local.ip(),
                _ => None,
            },
            _ => None,
        })
    })
    .expect("srv is bound")
}
