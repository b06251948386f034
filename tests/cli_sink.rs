//! `sockscope run` as a headless UDP sink under a flood: its output is written in large
//! buffered pieces, the text lines are thinned to what a reader can follow (the rest told
//! in summary lines that account for every datagram), and `--json` prints every event.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Datagrams of the flood.
const FLOOD: u64 = 50_000;
/// Every datagram is this long (the end marker too), so bytes / SIZE counts them.
const SIZE: usize = 64;
/// The flood's pace, datagrams a second: far past what a reader follows (the text output
/// thins to 100 lines a second), within what a debug build takes in on a busy machine (as
/// fast as a std socket sends, two floods at once, it counted 41 % in one run of CI).
const PACE: f64 = 50_000.0;

/// One flood at a time: the two tests' floods would otherwise share the two cores.
static ONE_FLOOD: std::sync::Mutex<()> = std::sync::Mutex::new(());

const SCRIPT: &str =
    "socket udp as sink\nbind sink 127.0.0.1:0\nexpect sink \"THE-END\" 120s\nstatus\n";

/// Runs the sink script (with `args`), floods it from a std socket, ends it with a marker;
/// returns its whole standard output.
fn flood_the_sink(args: &[&str]) -> String {
    let _one = ONE_FLOOD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("sink.scope");
    std::fs::File::create(&script)
        .and_then(|mut f| f.write_all(SCRIPT.as_bytes()))
        .expect("script");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sockscope"))
        .args(["run", "--no-journal"])
        .args(args)
        .arg(&script)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start sockscope");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut head = String::new();
    // The bound address is printed (flushed while the script waits) before any traffic.
    let port = loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).expect("read") > 0,
            "no bound line in {head}"
        );
        head.push_str(&line);
        if let Some(at) = line.find("127.0.0.1:") {
            let digits: String = line[at + 10..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            break digits.parse::<u16>().expect("port");
        }
    };
    let reader = std::thread::spawn(move || {
        let mut rest = String::new();
        out.read_to_string(&mut rest).expect("read");
        rest
    });
    let tx = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let start = Instant::now();
    for i in 0..FLOOD {
        tx.send_to(&[b'x'; SIZE], ("127.0.0.1", port))
            .expect("send");
        if i % 500 == 499 {
            let due = start + Duration::from_secs_f64((i + 1) as f64 / PACE);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
    }
    let mut marker = b"THE-END".to_vec();
    marker.resize(SIZE, b'.');
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().expect("wait").is_none() && Instant::now() < deadline {
        let _ = tx.send_to(&marker, ("127.0.0.1", port));
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = child.wait().expect("exit");
    assert!(status.success(), "{status}");
    head + &reader.join().expect("reader")
}

/// The datagrams `status` says the sink took in.
fn counted(out: &str) -> u64 {
    let line = out
        .lines()
        .find(|l| l.contains(" udp v4 ") && l.contains(" in "))
        .unwrap_or_else(|| panic!("no status line in {out}"));
    let bytes: u64 = line
        .split(" in ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no byte count in {line}"));
    bytes / SIZE as u64
}

#[test]
fn a_flooded_text_sink_prints_a_readable_few_lines_and_accounts_for_every_datagram() {
    let out = flood_the_sink(&[]);
    let counted = counted(&out);
    assert!(
        counted > FLOOD / 2,
        "the sink kept up: {counted} of {FLOOD}"
    );
    let shown = out
        .lines()
        .filter(|l| l.contains(" received 64 bytes"))
        .count() as u64;
    let held: u64 = out
        .lines()
        .filter_map(|l| l.split("… ").nth(1))
        .filter_map(|r| r.split(' ').next())
        .filter_map(|n| n.parse::<u64>().ok())
        .sum();
    assert_eq!(
        shown + held,
        counted,
        "every datagram is shown or summarized"
    );
    assert!(
        out.lines().count() < 2_000,
        "{} lines for {counted} datagrams",
        out.lines().count()
    );
}

#[test]
fn a_flooded_json_sink_prints_every_event() {
    let out = flood_the_sink(&["--json"]);
    let counted = counted_json(&out);
    let received = out
        .lines()
        .filter(|l| l.contains("\"event\":\"received\""))
        .count() as u64;
    assert_eq!(received, counted, "one JSON line per datagram");
}

/// The datagrams the `status` event of a JSON run says the sink took in.
fn counted_json(out: &str) -> u64 {
    let status = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event"] == "status")
        .unwrap_or_else(|| panic!("no status event"));
    let bytes = status.to_string();
    let at = bytes.find("\"bytes_in\":").expect("bytes_in in the status");
    let n: String = bytes[at + 11..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    n.parse::<u64>().expect("a number") / SIZE as u64
}
