//! TLS against other implementations on loopback (issue 16): sockscope's client against
//! `openssl s_server`, `openssl s_client` and `curl -k` against sockscope's server. A test
//! whose tool is not installed says so and passes (`.ci/run` installs them where it can).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command as Proc, Stdio};

use common::Rig;
use common::proc::start;
use common::tls::{cmd, handshake_of, openssl_cert, server_handshake};
use sockscope::engine::{Family, Proto};

/// True when `tool` runs; else prints why the test is skipped.
fn have(tool: &str) -> bool {
    match Proc::new(tool).arg("--version").output() {
        Ok(_) => true,
        Err(e) => {
            eprintln!("SKIPPED: {tool} is not installed ({e})");
            false
        }
    }
}

/// A port free a moment ago on 127.0.0.1.
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Kills a child on drop, so a failing test leaves no process behind.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn client_against_openssl_s_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((cert, key)) = openssl_cert(dir.path()) else {
        return;
    };
    let port = free_port();
    let mut s_server = Proc::new("openssl");
    s_server
        .args(["s_server", "-rev", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .args(["-alpn", "sockscope/1"]);
    let mut child = start(&mut s_server, Stdio::null(), Stdio::null());
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let _server = Reaped(child);
    let mut line = String::new();
    while !line.contains("ACCEPT") {
        line.clear();
        assert!(
            out.read_line(&mut line).expect("s_server's output") > 0,
            "s_server ended"
        );
    }
    let mut rig = Rig::new();
    let c = rig.socket(Proto::Tcp, Family::V4);
    rig.ok(cmd(&format!("connect {c} 127.0.0.1:{port}")));
    let done = rig.ok(cmd(&format!(
        "tls {c} client sni localhost ca {} alpn sockscope/1",
        cert.display()
    )));
    let h = handshake_of(done);
    assert_eq!(
        h.unverified, None,
        "openssl's certificate verified against ca"
    );
    assert_eq!(h.alpn.as_deref(), Some("sockscope/1"));
    assert_eq!(h.sni.as_deref(), Some("localhost"));
    assert_eq!(h.chain[0].subject, "CN=localhost");
    rig.ok(cmd(&format!("send {c} \"hello tls\\n\"")));
    let got = rig.recv_until(c, b"slt olleh");
    assert!(
        String::from_utf8_lossy(&got).contains("slt olleh"),
        "{got:?}"
    );
}

#[test]
fn openssl_s_client_against_our_server_with_loaded_cert() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((cert, key)) = openssl_cert(dir.path()) else {
        return;
    };
    let mut rig = Rig::new();
    let (l, addr) = rig.listener();
    rig.ok(cmd(&format!(
        "tls {l} server cert {} key {}",
        cert.display(),
        key.display()
    )));
    rig.ok(cmd(&format!("accept {l} auto")));
    rig.ok(cmd(&format!("respond {l} upper")));
    let mut s_client = Proc::new("openssl");
    s_client
        .args(["s_client", "-quiet", "-verify_return_error", "-connect"])
        .arg(addr.to_string())
        .arg("-CAfile")
        .arg(&cert);
    let mut child = start(&mut s_client, Stdio::piped(), Stdio::null());
    let mut stdin = child.stdin.take().expect("stdin");
    let mut out = child.stdout.take().expect("stdout");
    let _client = Reaped(child);
    let h = server_handshake(&mut rig, l);
    assert_eq!(h.version, "TLS 1.3");
    stdin.write_all(b"shout\n").expect("s_client takes input");
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while !got.windows(6).any(|w| w == b"SHOUT\n") {
        let n = out.read(&mut buf).expect("s_client's output");
        assert!(n > 0, "s_client ended having printed {got:?}");
        got.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn curl_k_against_our_https_responder() {
    if !have("curl") {
        return;
    }
    let mut rig = Rig::new();
    let (l, addr) = rig.listener();
    rig.ok(cmd(&format!("tls {l} server self-signed alpn http/1.1")));
    rig.ok(cmd(&format!("accept {l} auto")));
    rig.ok(cmd(&format!(
        "rule {l} add any reply \"HTTP/1.1 200 OK\\r\\nContent-Length: 12\\r\\nConnection: close\\r\\n\\r\\nhello, curl\\n\" close"
    )));
    let url = format!("https://{addr}/");
    let curl = std::thread::spawn(move || {
        Proc::new("curl")
            .args(["-sSk", "--max-time", "60"])
            .arg(&url)
            .output()
            .expect("curl runs")
    });
    let h = server_handshake(&mut rig, l);
    assert_eq!(h.alpn.as_deref(), Some("http/1.1"));
    let out = curl.join().expect("curl ends");
    assert!(
        out.status.success(),
        "curl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello, curl\n");
    let _: SocketAddr = addr;
}

/// A Python TLS server that tells how the client's data ended: `CLEAN <data>` after a
/// close_notify, `RAGGED <data>` after a bare TCP FIN; after a clean end it still answers
/// `bye` (the client only shut its write side).
const PY_TLS_JUDGE: &str = r#"
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
print(l.getsockname()[1], flush=True)
c, _ = l.accept()
s = ctx.wrap_socket(c, server_side=True, suppress_ragged_eofs=False)
got = b""
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        got += d
    print("CLEAN", got.decode(), flush=True)
    s.sendall(b"bye")
except ssl.SSLEOFError:
    print("RAGGED", got.decode(), flush=True)
"#;

#[test]
fn shutting_the_write_side_ends_the_tls_stream_with_close_notify() {
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((cert, key)) = openssl_cert(dir.path()) else {
        return;
    };
    if !have("python3") {
        return;
    }
    let mut py = Proc::new("python3");
    py.args(["-c", PY_TLS_JUDGE]).arg(&cert).arg(&key);
    let mut child = start(&mut py, Stdio::null(), Stdio::null());
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let _server = Reaped(child);
    let mut line = String::new();
    out.read_line(&mut line).expect("the judge's port");
    let port: u16 = line.trim().parse().expect("a port");
    let mut rig = Rig::new();
    let c = rig.socket(Proto::Tcp, Family::V4);
    rig.ok(cmd(&format!("connect {c} 127.0.0.1:{port}")));
    rig.ok(cmd(&format!(
        "tls {c} client sni localhost ca {}",
        cert.display()
    )));
    rig.ok(cmd(&format!("send {c} \"the data\"")));
    rig.ok(cmd(&format!("shutdown {c} write")));
    line.clear();
    out.read_line(&mut line).expect("the judge's verdict");
    assert_eq!(line.trim(), "CLEAN the data", "close_notify before the FIN");
    let got = rig.recv_until(c, b"bye");
    assert!(got.ends_with(b"bye"), "the read side stays open: {got:?}");
}
