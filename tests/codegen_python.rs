//! `sockscope code python`: the generated programs run under `python3` and make the
//! script's exchange, against sockscope's own loopback peers, the tutorials' servers and a
//! sockscope server in another process. Skips (passes with a note) when python3 is missing.

mod common;

use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use common::proc::{BIN, finish_within, have_python, port_from, start, start_fed, text};
use sockscope::lang::{Statement, parse_script};

/// Generous: the machine is loaded; a program's own timeouts end it well before.
const RUN_LIMIT: Duration = Duration::from_secs(90);

/// A finished program's (stdout, stderr, status).
fn parts(out: Output) -> (String, String, i32) {
    (
        text(&out.stdout),
        text(&out.stderr),
        out.status.code().unwrap_or(-1),
    )
}

/// `sockscope code python -` of a script text: (stdout, stderr, status).
fn generate(script: &str) -> (String, String, i32) {
    let mut cmd = Command::new(BIN);
    let child = start_fed(
        cmd.args(["code", "python", "-"]),
        script.as_bytes(),
        Stdio::piped(),
    );
    parts(finish_within(child, RUN_LIMIT, "sockscope code"))
}

/// Runs a program with python3: (stdout, stderr, status).
fn run_python(code: &str) -> (String, String, i32) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("prog.py");
    std::fs::write(&path, code).expect("write program");
    let mut cmd = Command::new("python3");
    let child = start(cmd.arg(&path), Stdio::null(), Stdio::piped());
    parts(finish_within(child, RUN_LIMIT, "python3"))
}

fn examples() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut all: Vec<_> = std::fs::read_dir(dir)
        .expect("examples/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "scope"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read example");
            (p.display().to_string(), text)
        })
        .collect();
    all.sort();
    assert!(all.len() >= 5, "the examples are there");
    all
}

#[test]
fn every_example_becomes_a_program_python3_runs_to_exit_0() {
    if !have_python() {
        return;
    }
    for (path, text) in examples() {
        let (code, err, status) = generate(&text);
        assert_eq!(status, 0, "{path}: sockscope code failed: {err}");
        assert!(err.is_empty(), "{path}: every step translates, got {err}");
        assert!(code.contains("socket.socket(socket.AF_"), "{path}");
        let (out, perr, rc) = run_python(&code);
        assert_eq!(rc, 0, "{path}: python3 failed\n{perr}\n{out}\n{code}");
        assert!(out.contains("done: every step ran"), "{path}: {out}");
    }
}

/// The expects of the program are real checks: each example with its first expect's
/// payload changed gives a program that exits non-zero, so exit 0 above means the bytes
/// the script expects are the bytes that arrived.
#[test]
fn an_example_with_a_wrong_expect_gives_a_program_that_fails() {
    if !have_python() {
        return;
    }
    for (path, text) in examples() {
        let mut lines = parse_script(&text).expect("parses");
        let Some(l) = lines
            .iter_mut()
            .find(|l| matches!(l.stmt, Statement::Expect { .. }))
        else {
            continue;
        };
        if let Statement::Expect {
            payload, timeout, ..
        } = &mut l.stmt
        {
            *payload = "never sent by anyone".into();
            *timeout = Some(Duration::from_secs(1));
        }
        let generated = sockscope::codegen::python(&lines, &path);
        let (_, perr, rc) = run_python(&generated.code);
        assert_ne!(rc, 0, "{path}: the wrong expect must fail the program");
        assert!(
            perr.contains("never sent by anyone"),
            "{path}: says why: {perr}"
        );
    }
}

/// Starts a process and reads the first stdout line matching `pick` into a port.
fn start_server(
    cmd: &mut Command,
    pick: impl Fn(&str) -> Option<u16> + Send + 'static,
) -> (Child, u16) {
    let child = start(cmd, Stdio::null(), Stdio::null());
    port_from(child, Duration::from_secs(60), pick)
}

fn client_against(mut server: Child, script: &str) {
    let (code, err, status) = generate(script);
    assert_eq!(status, 0, "{err}");
    let (out, perr, rc) = run_python(&code);
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(rc, 0, "python3 failed\n{perr}\n{out}\n{code}");
}

/// The tutorials' TCP server (OK to everything, bye to "close") and UDP server (OK for an
/// even length, Err for odd), on port 0 instead of their fixed ports.
#[test]
fn generated_clients_talk_to_the_tutorials_servers() {
    if !have_python() {
        return;
    }
    let tcp = r#"
import socket
tcp_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp_socket.settimeout(60)
tcp_socket.bind(("127.0.0.1", 0))
tcp_socket.listen()
print("port", tcp_socket.getsockname()[1], flush=True)
conn, addr = tcp_socket.accept()
conn.settimeout(60)
while True:
    data = conn.recv(1024)
    message = data.decode()
    if message == "close":
        conn.sendall("bye".encode())
        break
    conn.sendall("OK".encode())
conn.close()
"#;
    let port_of = |l: &str| l.strip_prefix("port ").and_then(|p| p.trim().parse().ok());
    let (server, port) = start_server(Command::new("python3").args(["-c", tcp]), port_of);
    let script = format!(
        "socket tcp as client\nconnect client 127.0.0.1:{port}\nsend client \"hello\"\n\
         expect client \"OK\"\nsend client \"close\"\nexpect client \"bye\"\n\
         expect client closed\nclose client\n"
    );
    client_against(server, &script);

    let udp = r#"
import socket
udp_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp_socket.settimeout(60)
udp_socket.bind(("127.0.0.1", 0))
print("port", udp_socket.getsockname()[1], flush=True)
while True:
    message, address = udp_socket.recvfrom(1024)
    msgFromServer = "OK"
    if len(message) % 2 == 1:
        msgFromServer = "Err"
    udp_socket.sendto(str.encode(msgFromServer), address)
"#;
    let (server, port) = start_server(Command::new("python3").args(["-c", udp]), port_of);
    let script = format!(
        "socket udp as client\nsendto client 127.0.0.1:{port} \"four\"\nexpect client \"OK\"\n\
         sendto client 127.0.0.1:{port} \"three\"\nexpect client \"Err\"\n"
    );
    client_against(server, &script);
}

/// A sockscope server (`sockscope run`, rules over lines) in another process, and the
/// generated client of the same exchange.
#[test]
fn a_generated_client_talks_to_a_sockscope_server_in_another_process() {
    if !have_python() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server_script = dir.path().join("server.scope");
    std::fs::write(
        &server_script,
        // Configured before it listens, and the port read from the listening line: a
        // client connecting as soon as it knows the port finds the server ready.
        "socket tcp as server\nbind server 127.0.0.1:0\nframe server lines\n\
         rule server add prefix \"PING\" reply \"PONG {counter}\\n\"\n\
         respond server upper\nlisten server\naccept server auto\nsleep 120s\n",
    )
    .expect("write server script");
    let port_of = |l: &str| {
        let (_, addr) = l.split_once(" listening on 127.0.0.1:")?;
        addr.split_whitespace().next()?.parse().ok()
    };
    let mut cmd = Command::new(BIN);
    cmd.arg("run")
        .arg(&server_script)
        .arg("--no-journal")
        .env("SOCKSCOPE_DATA_DIR", dir.path());
    let (server, port) = start_server(&mut cmd, port_of);
    let script = format!(
        "socket tcp as client\nconnect client 127.0.0.1:{port}\nsend client \"PING\\nhi\\n\"\n\
         expect client \"PONG 1\\nHI\"\nclose client\n"
    );
    client_against(server, &script);
}

#[test]
fn steps_python_cannot_say_are_commented_and_named_on_stderr() {
    let (code, err, status) = generate(
        "socket udp as u\nbind u 127.0.0.1:0\nflood u 100 max 10 to 127.0.0.1:9\n\
         option u rcvbuf 65536\n",
    );
    assert_eq!(status, 0, "{err}");
    assert!(
        code.contains("# not translated: flood u 100 max 10 to 127.0.0.1:9"),
        "{code}"
    );
    assert!(err.contains(":3: flood u 100 max 10"), "{err}");
    assert!(
        code.contains("u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)"),
        "{code}"
    );
    assert_eq!(err.lines().count(), 1, "only the flood: {err}");
    let (_, err, status) = generate("bnd u 1\n");
    assert_eq!(status, 2, "a script that does not parse: {err}");
}

#[test]
fn a_stress_line_becomes_a_comment_saying_how_to_run_it_beside_the_program() {
    let (code, err, status) = generate(
        "socket tcp as srv\nbind srv 127.0.0.1:0\nlisten srv\naccept srv auto\nrespond srv echo\n\
         stress $srv clients 4 pingpong hi count 200\n",
    );
    assert_eq!(status, 0, "{err}");
    assert!(
        code.contains(
            "# not translated: stress $srv clients 4 pingpong hi count 200 (a stress test runs on \
             sockscope's own client pool: run `sockscope stress HOST:PORT clients 4 pingpong \"hi\" \
             count 200` (srv's address) while this program serves)"
        ),
        "{code}"
    );
    assert!(err.contains(":6: stress $srv clients 4"), "{err}");
}

/// A script holding both ends of a connection it accepts by hand runs them as two threads
/// (the tutorials' multi-thread section); one whose server serves by itself keeps one
/// sequence of steps beside the server's accept loop.
#[test]
fn both_ends_by_hand_become_two_threads() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/tcp_ok_bye.scope"
    ))
    .expect("example");
    let (code, err, status) = generate(&text);
    assert_eq!(status, 0, "{err}");
    let server = code.find("def server_side():").expect("a server side");
    let client = code.find("def client_side():").expect("a client side");
    let accept = code
        .find("conn, conn_peer = server.accept()")
        .expect("accept");
    let connect = code.find("client.connect(").expect("connect");
    assert!(server < accept && accept < client, "accept is the server's");
    assert!(client < connect, "connect is the client's");
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/tcp_echo_many.scope"
    ))
    .expect("example");
    let (code, _, _) = generate(&text);
    assert!(!code.contains("def server_side"), "{code}");
    assert!(code.contains("def serve_server(listener):"), "{code}");
    assert!(code.contains("return msg, False  # respond echo"), "{code}");
}

/// *Show as code* of a live session: the logged commands become the program, each step
/// with what the app showed after it (the port the OS chose, the bytes received); the
/// program replays the exchange under python3.
#[test]
fn a_live_session_becomes_a_program_noting_what_the_app_showed() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/tcp_ok_bye.scope"
    ))
    .expect("example");
    let engine = sockscope::engine::Engine::start().expect("engine");
    let runner = sockscope::script::Runner::new(
        engine,
        sockscope::script::Output::Text(256),
        Box::new(|_: &str| {}),
    );
    for l in parse_script(&text).expect("parses") {
        runner.execute(&l.stmt).expect("the example runs");
    }
    let session = runner.finish();
    let generated = sockscope::codegen::python_of_session(&session.log);
    assert!(
        generated.untranslated.is_empty(),
        "{:?}",
        generated.untranslated
    );
    let code = generated.code;
    let bound = code
        .lines()
        .find_map(|l| l.strip_prefix("# the app showed: server bound 127.0.0.1:"))
        .expect("the port the OS chose is noted");
    assert!(bound.parse::<u16>().is_ok_and(|p| p != 0), "{bound}");
    assert!(
        code.contains("# the app showed: conn received 5 bytes: \"hello\""),
        "{code}"
    );
    if !have_python() {
        return;
    }
    let (out, perr, rc) = run_python(&code);
    assert_eq!(rc, 0, "python3 failed\n{perr}\n{out}\n{code}");
}

/// A length rule (`len even`) and `expect ID reset` after `abort` run in Python as they
/// do in sockscope.
#[test]
fn length_rules_and_expected_resets_run_in_python() {
    let script = "socket udp as server\nbind server 127.0.0.1:0\n\
        rule server add len even reply \"OK\"\nrule server add any reply \"Err\"\n\
        socket udp as client\nsendto client $server \"four\"\nexpect client \"OK\"\n\
        sendto client $server \"three\"\nexpect client \"Err\"\n\
        socket tcp as l\nbind l 127.0.0.1:0\nlisten l\nsocket tcp as c\nconnect c $l\n\
        accept l as a\nsend c \"x\"\nexpect a \"x\"\nabort a\nexpect c reset\n";
    let (code, err, status) = generate(script);
    assert_eq!(status, 0, "{err}");
    assert!(err.is_empty(), "{err}");
    assert!(code.contains("if len(msg) % 2 == 0:  # rule 1"), "{code}");
    if !have_python() {
        return;
    }
    let (out, perr, rc) = run_python(&code);
    assert_eq!(rc, 0, "python3 failed\n{perr}\n{out}\n{code}");
    assert!(out.contains("c: the peer reset the connection"), "{out}");
}
