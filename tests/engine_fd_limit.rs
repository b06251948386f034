//! Engine test: an auto-accepting listener that runs out of descriptors says so once, and
//! accepts the connections left in its backlog as soon as descriptors free up.
//! Alone in its file: it lowers the process's descriptor limit.

mod common;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Rig;
use sockscope::engine::{Cause, Command, EventKind};

fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64)
}

fn set_soft_nofile(n: u64) -> (u64, u64) {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut r), 0);
        let old = (r.rlim_cur, r.rlim_max);
        r.rlim_cur = n.min(r.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &r), 0);
        old
    }
}

#[test]
fn accepting_resumes_when_descriptors_free_up() {
    let mut rig = Rig::new();
    let (l, addr) = rig.listener();
    const CLIENTS: usize = 40;
    let mut clients: Vec<TcpStream> = (0..CLIENTS)
        .map(|_| TcpStream::connect(addr).expect("connect into the backlog"))
        .collect();
    // Room for 10 accepted connections, no more.
    let (old, _) = set_soft_nofile(open_fds() + 10);
    rig.ok(Command::AcceptAuto {
        sock: l.into(),
        on: true,
    });
    let failed = rig
        .wait(|e| matches!(e.kind, EventKind::Failed(_)))
        .expect("the listener reports that it ran out");
    let EventKind::Failed(err) = &failed.kind else {
        unreachable!()
    };
    assert_eq!(failed.socket, Some(l));
    assert_eq!(err.cause, Cause::TooManyFiles, "{err}");
    assert!(err.to_string().contains("ulimit -n"), "{err}");
    let accepted_early = rig
        .seen
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Accepted { .. }))
        .count();
    assert!(accepted_early < CLIENTS, "{accepted_early} accepted");
    // Retries on a timer say nothing more.
    std::thread::sleep(Duration::from_millis(350));
    // Free descriptors: the backlog drains without any new connection arriving.
    clients.truncate(5);
    let deadline = Instant::now() + common::WAIT;
    let mut accepted = accepted_early;
    let mut more_failures = 0;
    while accepted < CLIENTS && Instant::now() < deadline {
        let Some(ev) = rig.wait(|_| true) else { break };
        match ev.kind {
            EventKind::Accepted { .. } => accepted += 1,
            EventKind::Failed(_) => more_failures += 1,
            _ => {}
        }
    }
    set_soft_nofile(old);
    assert_eq!(
        accepted, CLIENTS,
        "every connection in the backlog is accepted"
    );
    assert_eq!(more_failures, 0, "the shortage is reported once");
}
