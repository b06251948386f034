//! The spill codec keeps a `tls` event whole: a handshake with its certificate chain reads
//! back as it was written.

use std::time::{Duration, SystemTime};

use super::{decode, encode};
use crate::engine::tls::{CertInfo, Handshake, TlsEvent};
use crate::engine::{Event, EventKind, SockId};
use crate::log::{LoggedEvent, Record};

#[test]
fn a_tls_handshake_survives_the_spill_codec() {
    let hs = TlsEvent::Handshake(Handshake {
        client: true,
        version: "TLS 1.3".into(),
        suite: "TLS_AES_128_GCM_SHA256".into(),
        alpn: Some("h2".into()),
        sni: Some("example.test".into()),
        chain: vec![CertInfo {
            subject: "CN=example.test".into(),
            issuer: "CN=example.test".into(),
            not_before: "2026-01-01T00:00:00Z".into(),
            not_after: "2027-01-01T00:00:00Z".into(),
            sha256: "AB:CD".into(),
            sans: vec!["example.test".into(), "127.0.0.1".into()],
        }],
        unverified: Some("unknown issuer".into()),
    });
    let base = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let ev = Event {
        at: base + Duration::from_millis(5),
        socket: Some(SockId(3)),
        cmd: None,
        kind: EventKind::Tls(Box::new(hs.clone())),
    };
    let mut out = Vec::new();
    assert!(encode(
        &Record::Event(LoggedEvent::new(ev)),
        base,
        true,
        &mut out
    ));
    let mut input = &out[..];
    let back = decode(&mut input, base).expect("decodes");
    let Record::Event(back) = back else {
        panic!("an event, got {back:?}")
    };
    assert_eq!(back.event().socket, Some(SockId(3)));
    match &back.event().kind {
        EventKind::Tls(t) => assert_eq!(**t, hs),
        other => panic!("a tls event, got {other:?}"),
    }
    assert!(input.is_empty(), "the whole record was read");
}
