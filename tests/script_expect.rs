//! The data a script runner keeps for `expect` stays bounded under many peers: small
//! windows, only for the sockets a script waits on, freed when a connection closes; and
//! `expect` still finds its payload in streams far larger than a window.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use sockscope::engine::{EventKind, SockRef};
use sockscope::lang::{ScriptLine, parse_line, parse_script};
use sockscope::log::Record;
use sockscope::script::{EXPECT_WINDOW, Runner};

const WAIT: Duration = Duration::from_secs(30);
const PEERS: usize = 60;
const EACH: usize = 2 << 20;
/// What one socket's window may hold at most (its buffer's capacity): twice the window.
const PER_SOCKET: usize = 128 << 10;
const _: () = assert!(
    2 * EXPECT_WINDOW <= PER_SOCKET,
    "the window is small by default"
);

fn runner() -> Runner {
    let r = common::script::runner();
    r.with_session(|s| s.log.set_payload_budget(1 << 20));
    r
}

fn run(r: &Runner, line: &str) {
    common::script::run(r, line).unwrap_or_else(|e| panic!("{line}: {e}"));
}

fn closed_events(r: &Runner) -> usize {
    r.with_session(|s| {
        s.log
            .iter()
            .filter(|rec| matches!(&**rec, Record::Event(e) if matches!(e.kind, EventKind::Closed)))
            .count()
    })
}

/// `PEERS` clients send `EACH` bytes each and close; waits until the server saw them all
/// and closed every connection (the auto-accept default).
fn many_peers_send_and_close(r: &Runner, addr: SocketAddr) {
    let block = vec![b'z'; EACH];
    for _ in 0..PEERS {
        let mut c = TcpStream::connect(addr).expect("connect");
        c.write_all(&block).expect("send");
    }
    let deadline = Instant::now() + WAIT;
    while closed_events(r) < PEERS {
        assert!(
            Instant::now() < deadline,
            "{} of {PEERS} connections closed",
            closed_events(r)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let got = r.with_session(|s| s.log.totals().traffic.bytes_in);
    assert_eq!(got, (PEERS * EACH) as u64, "every byte arrived");
}

#[test]
fn a_script_keeps_data_only_for_the_sockets_it_expects_on() {
    let r = runner();
    let script: Vec<ScriptLine> = parse_script("expect srv \"nothing\" 1s\n").expect("parses");
    r.plan(&script);
    let addr = common::script::listening(&r, &["accept srv auto"]);
    many_peers_send_and_close(&r, addr);
    let held = r.with_session(|s| s.expect_bytes_held());
    // srv's own window (its connections' data counts for it); none for the connections.
    assert!(
        held <= PER_SOCKET,
        "{held} bytes held for expect after {} MiB from {PEERS} peers",
        (PEERS * EACH) >> 20
    );
}

#[test]
fn without_a_plan_every_socket_keeps_a_small_window_freed_on_close() {
    let r = runner();
    let addr = common::script::listening(&r, &["accept srv auto"]);
    many_peers_send_and_close(&r, addr);
    let held = r.with_session(|s| s.expect_bytes_held());
    assert!(
        held <= PER_SOCKET,
        "{held} bytes held for expect once the {PEERS} connections closed"
    );
    // The listener's window still serves an expect on it.
    run(&r, "expect srv \"zzzz\" 1s");
}

#[test]
fn expect_finds_a_payload_in_a_stream_far_larger_than_its_window() {
    let r = runner();
    let addr = common::script::listening(&r, &["accept srv auto"]);
    let mut c = TcpStream::connect(addr).expect("connect");
    let mut data = vec![b'a'; 4 << 20];
    data.extend_from_slice(b"END");
    c.write_all(&data).expect("send");
    // It all arrived before the expect: the window's tail still holds the end.
    run(&r, "expect srv \"END\" 10s");

    // A mark at the start of a long stream that arrives while the expect waits: it is
    // found as it arrives, although the window drops it long before the stream ends.
    let srv = SockRef::Name("srv".into());
    std::thread::scope(|scope| {
        let waiter = scope.spawn(|| {
            let stmt = parse_line("expect srv \"MARK\" 20s")
                .ok()
                .flatten()
                .expect("parses");
            r.execute(&stmt)
        });
        let deadline = Instant::now() + WAIT;
        while !r.with_session(|s| s.resolve(&srv).is_some_and(|id| s.watching(id))) {
            assert!(Instant::now() < deadline, "the expect never started");
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut more = b"MARK".to_vec();
        more.extend(std::iter::repeat_n(b'b', 4 << 20));
        c.write_all(&more).expect("send");
        let outcome = waiter.join().expect("expect thread");
        assert_eq!(outcome, Ok(()));
    });
    // Two windows: the connection's and the listener's.
    let held = r.with_session(|s| s.expect_bytes_held());
    assert!(held <= 2 * PER_SOCKET, "{held} bytes held");
}
