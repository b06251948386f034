//! TLS over real sockets on loopback (issue 16): sockscope's own client against its own
//! server with a self-signed certificate (trusted with `ca`, refused without), a 100 MiB
//! flood whose byte count is exact, STARTTLS against a Python server, and bad input
//! (missing or malformed files, a key that does not match, UDP, a silent or plaintext peer).

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::time::{Duration, Instant};

use common::Rig;
use common::proc::python;
use common::tls::{accepted, cmd, handshake, openssl_cert, wait_for};
use sockscope::engine::tls::TlsEvent;
use sockscope::engine::{Command, EventKind, SockId, SocketInfo};

/// A failure on socket `id`, its text.
fn failure(rig: &mut Rig, id: SockId) -> String {
    let ev = wait_for(rig, &format!("a failure on {id}"), |e| {
        e.socket == Some(id) && matches!(e.kind, EventKind::Failed(_))
    });
    match ev.kind {
        EventKind::Failed(e) => e.to_string(),
        other => panic!("{other:?}"),
    }
}

/// A TLS server listening on 127.0.0.1 with a self-signed certificate saved to `cert`,
/// auto-accepting and echoing.
fn self_signed_server(rig: &mut Rig, cert: &std::path::Path) -> (SockId, SocketAddr) {
    let (l, addr) = rig.listener();
    let ev = rig.ok(cmd(&format!("tls {l} server self-signed test.local")));
    assert!(
        matches!(&ev.kind, EventKind::Tls(t) if matches!(**t, TlsEvent::Serving { self_signed: true, .. })),
        "{ev:?}"
    );
    rig.ok(cmd(&format!("tls {l} save-cert {}", cert.display())));
    rig.ok(cmd(&format!("accept {l} auto")));
    rig.ok(cmd(&format!("respond {l} echo")));
    (l, addr)
}

/// A connected TCP client of `addr`.
fn client(rig: &mut Rig, addr: SocketAddr) -> SockId {
    let c = rig.socket(sockscope::engine::Proto::Tcp, sockscope::engine::Family::V4);
    rig.ok(cmd(&format!("connect {c} {addr}")));
    c
}

fn status_of(rig: &mut Rig, id: SockId) -> SocketInfo {
    match rig.ok(Command::Status).kind {
        EventKind::Status(list) => list
            .into_iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("{id} in status")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn own_client_trusts_own_self_signed_server_with_ca_and_data_flows_decrypted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cert = dir.path().join("server.pem");
    let mut rig = Rig::new();
    let (l, addr) = self_signed_server(&mut rig, &cert);
    let pem = std::fs::read_to_string(&cert).expect("save-cert wrote the certificate");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let c = client(&mut rig, addr);
    let done = rig.ok(cmd(&format!(
        "tls {c} client ca {} alpn h2",
        cert.display()
    )));
    let h = match done.kind {
        EventKind::Tls(t) => match *t {
            TlsEvent::Handshake(h) => h,
            other => panic!("the command is answered by the handshake, got {other:?}"),
        },
        other => panic!("{other:?}"),
    };
    assert_eq!(h.version, "TLS 1.3");
    assert!(h.suite.starts_with("TLS_"), "{}", h.suite);
    assert_eq!(h.unverified, None, "the certificate verified against `ca`");
    let leaf = h.chain.first().expect("the server's certificate");
    assert!(leaf.sans.iter().any(|n| n == "test.local"), "{leaf:?}");
    assert!(leaf.sans.iter().any(|n| n == "127.0.0.1"), "{leaf:?}");
    assert_eq!(leaf.sha256.len(), 32 * 3 - 1);
    let conn = accepted(&mut rig, l);
    let server_side = handshake(&mut rig, conn);
    assert!(!server_side.client);
    assert_eq!(server_side.suite, h.suite);
    // Application data goes through the layer both ways, plaintext in the events.
    rig.ok(cmd(&format!("send {c} \"hello over tls\"")));
    let got = rig.recv_until(c, b"hello over tls");
    assert_eq!(got, b"hello over tls");
    assert_eq!(rig.received(conn), b"hello over tls");
    let st = status_of(&mut rig, c);
    assert_eq!(st.tls.as_deref(), Some(h.summary().as_str()));
    assert_eq!(st.counters.bytes_out, 14, "counters count plaintext");
}

#[test]
fn without_ca_the_self_signed_certificate_is_an_unknown_issuer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rig = Rig::new();
    let (l, addr) = self_signed_server(&mut rig, &dir.path().join("c.pem"));
    let c = client(&mut rig, addr);
    let err = rig.err(cmd(&format!("tls {c} client")));
    assert!(err.to_string().contains("unknown issuer"), "{err}");
    // The socket closed cleanly, and the server heard why (the alert the client sent).
    wait_for(&mut rig, "the client's close", |e| {
        e.socket == Some(c) && matches!(e.kind, EventKind::Closed)
    });
    let conn = accepted(&mut rig, l);
    let why = failure(&mut rig, conn);
    assert!(why.contains("alert"), "{why}");
    // `insecure` goes on, and still says it would not have verified.
    let c2 = client(&mut rig, addr);
    let done = rig.ok(cmd(&format!("tls {c2} client insecure")));
    let EventKind::Tls(t) = done.kind else {
        panic!("{done:?}")
    };
    let TlsEvent::Handshake(h) = *t else {
        panic!("{t:?}")
    };
    let why = h.unverified.expect("insecure says it did not verify");
    assert!(why.contains("unknown issuer"), "{why}");
}

#[test]
fn a_flood_of_100_mib_over_tls_arrives_to_the_byte() {
    const SIZE: u64 = 65_536;
    const COUNT: u64 = 1_600; // 100 MiB
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rig = Rig::new();
    let (l, addr) = rig.listener();
    rig.ok(cmd(&format!("tls {l} server self-signed")));
    rig.ok(cmd(&format!(
        "tls {l} save-cert {}",
        dir.path().join("c.pem").display()
    )));
    rig.ok(cmd(&format!("accept {l} auto")));
    let c = client(&mut rig, addr);
    rig.ok(cmd(&format!(
        "tls {c} client ca {}",
        dir.path().join("c.pem").display()
    )));
    let conn = accepted(&mut rig, l);
    let started = Instant::now();
    rig.engine
        .submit(cmd(&format!("flood {c} {SIZE} max {COUNT}")));
    let want = SIZE * COUNT;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        // Received events are counted from status, not collected (100 MiB of them).
        while rig.rx.try_recv().is_ok() {}
        let got = status_of(&mut rig, conn).counters.bytes_in;
        if got >= want {
            assert_eq!(got, want, "exactly the flooded bytes, no more");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {got} of {want} bytes after {:?}",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(status_of(&mut rig, c).counters.bytes_out, want);
    eprintln!("100 MiB over TLS (debug build) in {:?}", started.elapsed());
}

/// The Python STARTTLS server: plaintext `STARTTLS` → `220 ready`, then TLS, then echo.
const STARTTLS_SERVER: &str = r#"
import socket, ssl, sys
cert, key = sys.argv[1], sys.argv[2]
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
conn.settimeout(60)
buf = b""
while b"\r\n" not in buf:
    buf += conn.recv(100)
assert buf == b"STARTTLS\r\n", buf
conn.sendall(b"220 ready\r\n")
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(cert, key)
tls = ctx.wrap_socket(conn, server_side=True)
data = tls.recv(100)
tls.sendall(b"echo:" + data)
print("done", tls.version(), flush=True)
"#;

#[test]
fn starttls_upgrades_a_connection_that_spoke_plaintext() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((cert, key)) = openssl_cert(dir.path()) else {
        return;
    };
    let mut py = std::process::Command::new("python3")
        .arg("-c")
        .arg(STARTTLS_SERVER)
        .arg(&cert)
        .arg(&key)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut out = py.stdout.take().expect("stdout");
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while out.read(&mut b).expect("port line") == 1 && b[0] != b'\n' {
        line.push(b[0]);
    }
    let port: u16 = String::from_utf8_lossy(&line)
        .trim()
        .parse()
        .expect("a port");
    let mut rig = Rig::new();
    let c = client(&mut rig, SocketAddr::from(([127, 0, 0, 1], port)));
    rig.ok(cmd(&format!("send {c} \"STARTTLS\\r\\n\"")));
    rig.recv_until(c, b"220 ready\r\n");
    rig.ok(cmd(&format!("tls {c} client ca {}", cert.display())));
    rig.ok(cmd(&format!("send {c} \"secret\"")));
    let got = rig.recv_until(c, b"echo:secret");
    assert_eq!(got, b"220 ready\r\necho:secret");
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("python's last line");
    assert!(rest.starts_with("done TLSv1.3"), "{rest}");
    assert!(py.wait().expect("python ends").success());
}

#[test]
fn bad_certificates_and_keys_are_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((cert, key)) = openssl_cert(dir.path()) else {
        return;
    };
    let other = dir.path().join("other");
    std::fs::create_dir(&other).expect("mkdir");
    let Some((_, other_key)) = openssl_cert(&other) else {
        return;
    };
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "this is not PEM\n").expect("write");
    let mut rig = Rig::new();
    let (l, _) = rig.listener();
    let missing = dir.path().join("missing.pem");
    let cases: [(&Path, &Path, &[&str]); 4] = [
        (
            &missing,
            &key,
            &["cannot read the certificate file", "no such file"],
        ),
        (&junk, &key, &["holds no certificate"]),
        (&cert, &junk, &["holds no private key"]),
        (&cert, &other_key, &["does not match the certificate"]),
    ];
    for (c, k, says) in cases {
        let line = format!("tls {l} server cert {} key {}", c.display(), k.display());
        let m = rig.err(cmd(&line)).to_string();
        assert!(says.iter().all(|w| m.contains(w)), "{line}: {m}");
    }
    // After all that the listener still works: the right pair is accepted.
    rig.ok(cmd(&format!(
        "tls {l} server cert {} key {}",
        cert.display(),
        key.display()
    )));
    let u = rig.udp();
    rig.refused("datagram socket", cmd(&format!("tls {u} client insecure")));
    rig.refused(
        "listener can only be a TLS server",
        cmd(&format!("tls {l} client insecure")),
    );
}

#[test]
fn a_silent_peer_times_the_handshake_out_and_a_plaintext_peer_is_named() {
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = silent.local_addr().expect("addr");
    let mut rig = Rig::new();
    let c = client(&mut rig, addr);
    let (_held, _) = silent.accept().expect("accept");
    let started = Instant::now();
    let m = rig
        .err(cmd(&format!("tls {c} client insecure timeout 300ms")))
        .to_string();
    assert!(m.contains("timed out"), "{m}");
    assert!(started.elapsed() >= Duration::from_millis(300));
    wait_for(&mut rig, "the close after the timeout", |e| {
        e.socket == Some(c) && matches!(e.kind, EventKind::Closed)
    });
    // A peer that answers the ClientHello in plaintext (an HTTP server, say).
    let plain = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = plain.local_addr().expect("addr");
    let answer = std::thread::spawn(move || {
        let (mut s, _) = plain.accept().expect("accept");
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.0 400 Bad Request\r\n\r\n");
        std::thread::sleep(Duration::from_millis(500));
    });
    let c = client(&mut rig, addr);
    let m = rig
        .err(cmd(&format!("tls {c} client insecure")))
        .to_string();
    assert!(m.contains("does not speak TLS"), "{m}");
    answer.join().expect("the plaintext peer ends");
}

/// A Python TLS client that waits (so the server's socket fills up), then counts what
/// arrives until the server closes.
const COUNTING_CLIENT: &str = r#"
import socket, ssl, sys, time
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
s.settimeout(60)
time.sleep(1.0)
n = 0
while True:
    b = s.recv(65536)
    if not b:
        break
    n += len(b)
print(n, flush=True)
"#;

#[test]
fn a_greeting_then_close_over_tls_leaves_whole_even_when_the_socket_is_full() {
    const BIG: usize = 8 << 20;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("big.bin");
    let bytes: Vec<u8> = (0..BIG).map(|i| (i % 251) as u8).collect();
    std::fs::write(&file, &bytes).expect("write");
    let mut rig = Rig::new();
    let (l, addr) = rig.listener();
    // A small send buffer (accepted connections inherit it): the last records wait for room.
    rig.ok(cmd(&format!("option {l} sndbuf 4096")));
    rig.ok(cmd(&format!("tls {l} server self-signed")));
    rig.ok(cmd(&format!("greet {l} file:{} close", file.display())));
    rig.ok(cmd(&format!("accept {l} auto")));
    let text = python(COUNTING_CLIENT, &[&addr.port().to_string()]);
    assert_eq!(
        text.trim(),
        BIG.to_string(),
        "every byte of the greeting before the close"
    );
}
