//! Engine tests for Unix domain sockets: stream and datagram, bound to a path or to Linux's
//! abstract namespace; the socket file goes away on close (and only that file).

mod common;

use common::{Rig, WAIT};
use sockscope::engine::{Addr, AddrSpec, Command, EventKind, Family, Payload, Proto, SockId};

fn path_spec(p: &std::path::Path) -> AddrSpec {
    AddrSpec::Exact(Addr::Path(p.to_path_buf()))
}

fn bind(rig: &mut Rig, s: SockId, spec: AddrSpec) -> Addr {
    match rig
        .ok(Command::Bind {
            sock: s.into(),
            addr: spec,
        })
        .kind
    {
        EventKind::Bound { local, .. } => local,
        other => panic!("{other:?}"),
    }
}

fn stream_exchange(rig: &mut Rig, spec: AddrSpec) {
    let l = rig.socket(Proto::UnixStream, Family::Unix);
    bind(rig, l, spec.clone());
    rig.ok(Command::Listen {
        sock: l.into(),
        backlog: None,
    });
    let c = rig.socket(Proto::UnixStream, Family::Unix);
    rig.ok(Command::Connect {
        sock: c.into(),
        addr: spec,
        timeout: None,
    });
    let acc = rig.ok(Command::Accept {
        sock: l.into(),
        name: None,
        timeout: Some(WAIT),
    });
    let srv = acc.socket.expect("accepted");
    rig.send(c, b"over a unix stream");
    rig.recv_until(srv, b"over a unix stream");
    rig.send(srv, b"and back");
    rig.recv_until(c, b"and back");
    rig.ok(Command::Shutdown {
        sock: c.into(),
        how: sockscope::engine::How::Write,
    });
    rig.wait_on(srv, "eof", |k| matches!(k, EventKind::PeerClosed));
}

#[test]
fn unix_stream_on_a_path_and_the_file_is_removed_on_close() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("srv.sock");
    let mut rig = Rig::new();
    stream_exchange(&mut rig, path_spec(&path));
    assert!(path.exists(), "binding made the socket file");
    rig.ok(Command::Close {
        sock: sockscope::engine::SockRef::Id(SockId(1)),
    });
    assert!(!path.exists(), "close removed the socket file");
}

#[test]
fn close_removes_only_the_socket_file_it_created() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("srv.sock");
    let mut rig = Rig::new();
    let a = rig.socket(Proto::UnixStream, Family::Unix);
    bind(&mut rig, a, path_spec(&path));
    // Someone replaces the socket file by a regular file after the bind.
    std::fs::remove_file(&path).expect("remove the socket file");
    std::fs::write(&path, b"precious").expect("write a regular file");
    rig.ok(Command::Close { sock: a.into() });
    assert_eq!(
        std::fs::read(&path).expect("the regular file is still there"),
        b"precious"
    );
    // Another socket's file at the path is not ours either.
    std::fs::remove_file(&path).expect("remove the regular file");
    let b = rig.socket(Proto::UnixStream, Family::Unix);
    let c = rig.socket(Proto::UnixStream, Family::Unix);
    bind(&mut rig, b, path_spec(&path));
    std::fs::remove_file(&path).expect("remove b's file");
    bind(&mut rig, c, path_spec(&path));
    rig.ok(Command::Close { sock: b.into() });
    assert!(path.exists(), "closing b left c's socket file alone");
    rig.ok(Command::Close { sock: c.into() });
    assert!(!path.exists(), "closing c removed its own file");
}

#[test]
fn unix_stream_in_the_abstract_namespace() {
    let mut rig = Rig::new();
    let name = format!("sockscope-test-{}", std::process::id());
    stream_exchange(&mut rig, AddrSpec::Exact(Addr::Abstract(name)));
}

#[test]
fn unix_datagrams_with_sendto_on_paths() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rig = Rig::new();
    let a = rig.socket(Proto::UnixDgram, Family::Unix);
    let b = rig.socket(Proto::UnixDgram, Family::Unix);
    let a_addr = bind(&mut rig, a, path_spec(&dir.path().join("a.sock")));
    bind(&mut rig, b, path_spec(&dir.path().join("b.sock")));
    rig.ok(Command::SendTo {
        sock: a.into(),
        addr: path_spec(&dir.path().join("b.sock")),
        payload: Payload::from("dgram"),
    });
    let common::Received { peer, data, .. } = rig.next_received(b, "received");
    assert_eq!(&data[..], b"dgram");
    assert_eq!(
        peer,
        Some(a_addr.clone()),
        "recvfrom names the sender's path"
    );
    // Reply to the sender's path, through $ID.
    rig.ok(Command::SendTo {
        sock: b.into(),
        addr: AddrSpec::LocalOf(a.into()),
        payload: "reply".into(),
    });
    rig.recv_until(a, b"reply");
}

#[test]
fn unix_datagrams_in_the_abstract_namespace() {
    let mut rig = Rig::new();
    let a = rig.socket(Proto::UnixDgram, Family::Unix);
    let b = rig.socket(Proto::UnixDgram, Family::Unix);
    let pid = std::process::id();
    bind(
        &mut rig,
        a,
        AddrSpec::Exact(Addr::Abstract(format!("ss-a-{pid}"))),
    );
    let b_addr = bind(
        &mut rig,
        b,
        AddrSpec::Exact(Addr::Abstract(format!("ss-b-{pid}"))),
    );
    assert_eq!(b_addr.to_string(), format!("@ss-b-{pid}"));
    rig.ok(Command::SendTo {
        sock: a.into(),
        addr: AddrSpec::Exact(b_addr),
        payload: "abstract".into(),
    });
    rig.recv_until(b, b"abstract");
}

#[test]
fn unix_addresses_are_refused_on_ip_sockets_and_ip_on_unix() {
    let mut rig = Rig::new();
    let u = rig.socket(Proto::UnixStream, Family::Unix);
    rig.refused(
        "unix socket",
        Command::Bind {
            sock: u.into(),
            addr: common::spec("127.0.0.1:0"),
        },
    );
    rig.refused(
        "path",
        Command::Bind {
            sock: u.into(),
            addr: AddrSpec::Any(0),
        },
    );
    let t = rig.socket(Proto::Tcp, Family::V4);
    rig.refused(
        "IP:PORT",
        Command::Bind {
            sock: t.into(),
            addr: AddrSpec::Exact(Addr::Abstract("x".into())),
        },
    );
    rig.refused(
        "cannot be of family",
        Command::Socket {
            proto: Proto::Tcp,
            family: Family::Unix,
            name: None,
        },
    );
}

#[test]
fn binding_an_existing_path_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("taken.sock");
    std::fs::write(&path, b"").expect("file");
    let mut rig = Rig::new();
    let u = rig.socket(Proto::UnixStream, Family::Unix);
    rig.refused(
        "already exists",
        Command::Bind {
            sock: u.into(),
            addr: path_spec(&path),
        },
    );
}
