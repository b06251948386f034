//! The app's TLS section (issue 16), clicked through on a real engine over loopback: the
//! accepted connection becomes a server with a certificate made on the spot, the client
//! starts an `insecure` handshake, and the socket header shows the handshake's summary.

#[path = "gui/harness.rs"]
mod harness;

use harness::{
    app_with_pair, assert_ran, assert_shown, check, click, commands, select, shown, sock, wait_for,
};

#[test]
fn the_tls_section_upgrades_a_connection_and_the_header_shows_the_handshake() {
    // The accepted connection (s3) is the server: a certificate made on the spot.
    let mut h = app_with_pair(3);
    click(&mut h, "Make a self-signed certificate");
    assert!(
        commands(&h)
            .iter()
            .any(|c| c == "tls s3 server self-signed"),
        "{:?}",
        commands(&h)
    );
    wait_for(&mut h, "s3 waits for the ClientHello", |a| {
        sock(a, 3).is_some_and(|r| r.tls.as_ref().is_some_and(|t| t.handshaking))
    });
    // The client (s2) accepts any certificate and starts its handshake.
    select(&mut h, 2);
    check(&mut h, "insecure");
    click(&mut h, "Start TLS client");
    assert_ran(&h, "tls s2 client insecure");
    wait_for(&mut h, "s2's handshake", |a| {
        sock(a, 2).is_some_and(|r| r.tls.as_ref().is_some_and(|t| t.handshake.is_some()))
    });
    let summary = sock(h.state(), 2)
        .and_then(|r| r.tls.as_ref())
        .and_then(|t| t.handshake.as_ref())
        .map(|hs| hs.summary())
        .expect("a summary");
    assert!(summary.starts_with("TLS 1.3 · TLS_"), "{summary}");
    assert!(shown(&h, &summary) >= 1, "the header shows {summary}");
    assert_shown(&h, "speaks TLS 1.3", "the TLS section says so");
    click(&mut h, "Certificate");
    assert_shown(
        &h,
        "NOT verified",
        "an insecure handshake says it did not verify",
    );
}
