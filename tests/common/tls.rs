//! The TLS tests' set-up: commands written in the command language, waits long enough for
//! a debug build's handshakes on a loaded machine, handshake events, and a certificate made
//! by `openssl` (the test is skipped with a message where openssl is missing).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sockscope::engine::tls::{Handshake, TlsEvent};
use sockscope::engine::{Command, Event, EventKind, SockId};
use sockscope::lang::{Statement, parse_line};

use super::Rig;

/// How long a TLS wait may take on a loaded machine (debug builds of ring and rustls).
pub const TLS_WAIT: Duration = Duration::from_secs(60);

/// A line of the command language as the engine command it is.
pub fn cmd(line: &str) -> Command {
    match parse_line(line) {
        Ok(Some(Statement::Engine(c))) => c,
        other => panic!("{line}: {other:?}"),
    }
}

/// The event matching `pred`, among those seen or within [`TLS_WAIT`]; fails naming `what`.
pub fn wait_for(rig: &mut Rig, what: &str, pred: impl Fn(&Event) -> bool) -> Event {
    if let Some(ev) = rig.seen.iter().find(|e| pred(e)) {
        return ev.clone();
    }
    let deadline = Instant::now() + TLS_WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ev = rig
            .rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("never saw {what}; saw {:#?}", rig.seen));
        rig.seen.push(ev.clone());
        if pred(&ev) {
            return ev;
        }
    }
}

/// The handshake a `Tls(Handshake)` event carries.
pub fn handshake_of(ev: Event) -> Handshake {
    match ev.kind {
        EventKind::Tls(t) => match *t {
            TlsEvent::Handshake(h) => h,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// The handshake event of socket `id`.
pub fn handshake(rig: &mut Rig, id: SockId) -> Handshake {
    let ev = wait_for(rig, &format!("the handshake of {id}"), |e| {
        e.socket == Some(id)
            && matches!(&e.kind, EventKind::Tls(t) if matches!(**t, TlsEvent::Handshake(_)))
    });
    handshake_of(ev)
}

/// The first connection `listener` accepted.
pub fn accepted(rig: &mut Rig, listener: SockId) -> SockId {
    let ev = wait_for(
        rig,
        "an accepted connection",
        |e| matches!(e.kind, EventKind::Accepted { listener: l, .. } if l == listener),
    );
    ev.socket.expect("the accepted connection's id")
}

/// The handshake of the first connection `listener` accepted.
pub fn server_handshake(rig: &mut Rig, listener: SockId) -> Handshake {
    let conn = accepted(rig, listener);
    handshake(rig, conn)
}

/// A certificate and key for 127.0.0.1/localhost made by openssl in `dir`, or `None` (with
/// a message: the test is skipped) where openssl is not installed.
pub fn openssl_cert(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    match made {
        Ok(o) if o.status.success() => Some((cert, key)),
        Ok(o) => panic!("openssl req failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => {
            eprintln!("SKIPPED: openssl is not installed ({e})");
            None
        }
    }
}
