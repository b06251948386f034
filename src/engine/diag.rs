//! What the kernel says about a socket beyond its options: a listener's accept queue
//! (`TCP_INFO` on a listening socket reports the connections waiting to be accepted in
//! `tcpi_unacked` and the backlog in `tcpi_sacked`), and what the kernel still holds for
//! an address pair after its socket closed (TIME_WAIT and the time left), asked through
//! netlink `sock_diag` (`inet_diag`), as `ss` does.

use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

/// A listener's accept queue as the kernel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptQueue {
    /// Connections established and waiting for `accept()`.
    pub waiting: u32,
    /// The most that may wait (the backlog, as the kernel capped it).
    pub backlog: u32,
}

/// The accept queue of a listening TCP socket; `None` for a socket that is not listening.
pub(crate) fn accept_queue(os: &Socket) -> Option<AcceptQueue> {
    const TCP_LISTEN: u8 = 10;
    let info = crate::sys::net::tcp_info(os)?;
    (info.tcpi_state == TCP_LISTEN).then_some(AcceptQueue {
        waiting: info.tcpi_unacked,
        backlog: info.tcpi_sacked,
    })
}

/// A TCP connection the kernel still holds after its socket closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lingering {
    /// Its TCP state (`TIME_WAIT`, `FIN_WAIT2`, `LAST_ACK`, …).
    pub state: &'static str,
    /// Time left on its timer (for TIME_WAIT: until the kernel forgets it).
    pub left: Duration,
}

const NETLINK_SOCK_DIAG: libc::c_int = 4;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const NLMSG_DONE: u16 = 3;
const NLMSG_ERROR: u16 = 2;

/// `inet_diag_sockid`: the address pair a dump is asked for.
#[derive(Clone, Copy, Default)]
struct DiagSockId {
    sport: [u8; 2],
    dport: [u8; 2],
    src: [u32; 4],
    dst: [u32; 4],
    ifindex: u32,
    cookie: [u32; 2],
}

/// A netlink header and an `inet_diag_req_v2`, as the kernel reads them (72 bytes).
#[derive(Clone, Copy)]
struct DiagReq {
    nl_len: u32,
    nl_type: u16,
    nl_flags: u16,
    nl_seq: u32,
    nl_pid: u32,
    family: u8,
    protocol: u8,
    ext: u8,
    pad: u8,
    states: u32,
    id: DiagSockId,
}

impl DiagReq {
    /// The size of the request on the wire: the 16-byte netlink header, 8 bytes of
    /// family, protocol, extensions, pad and states, and the 48-byte socket id.
    const LEN: usize = 16 + 8 + 48;

    /// The request's bytes in the kernel's layout (native byte order, ports big-endian).
    fn bytes(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(Self::LEN);
        b.extend(self.nl_len.to_ne_bytes());
        b.extend(self.nl_type.to_ne_bytes());
        b.extend(self.nl_flags.to_ne_bytes());
        b.extend(self.nl_seq.to_ne_bytes());
        b.extend(self.nl_pid.to_ne_bytes());
        b.extend([self.family, self.protocol, self.ext, self.pad]);
        b.extend(self.states.to_ne_bytes());
        let id = &self.id;
        b.extend(id.sport);
        b.extend(id.dport);
        b.extend(words_bytes(&id.src));
        b.extend(words_bytes(&id.dst));
        b.extend(id.ifindex.to_ne_bytes());
        b.extend(id.cookie.iter().flat_map(|c| c.to_ne_bytes()));
        b
    }
}

/// The TCP state's name by its number, as the kernel numbers them (`TCP_ESTABLISHED` = 1 …).
pub(crate) fn tcp_state_name(n: u8) -> Option<&'static str> {
    Some(match n {
        1 => "ESTABLISHED",
        2 => "SYN_SENT",
        3 => "SYN_RECV",
        4 => "FIN_WAIT1",
        5 => "FIN_WAIT2",
        6 => "TIME_WAIT",
        7 => "CLOSE",
        8 => "CLOSE_WAIT",
        9 => "LAST_ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        _ => return None,
    })
}

fn addr_words(ip: IpAddr) -> [u32; 4] {
    let mut w = [0u32; 4];
    match ip {
        IpAddr::V4(a) => w[0] = u32::from_ne_bytes(a.octets()),
        IpAddr::V6(a) => {
            for (i, c) in a.octets().chunks(4).enumerate() {
                w[i] = u32::from_ne_bytes([c[0], c[1], c[2], c[3]]);
            }
        }
    }
    w
}

/// What the kernel still holds for the TCP connection from `local` to `peer` whose socket
/// is closed (TIME_WAIT, or an orphan still closing), if anything; `None` when it holds
/// nothing (or netlink cannot be asked).
pub fn lingering(local: SocketAddr, peer: SocketAddr) -> Option<Lingering> {
    // Every state but ESTABLISHED / LISTEN / SYN_RECV: what a closed socket leaves.
    let states: u32 = (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 9) | (1 << 11);
    let family = if local.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    let req = DiagReq {
        nl_len: DiagReq::LEN as u32,
        nl_type: SOCK_DIAG_BY_FAMILY,
        nl_flags: (libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16,
        nl_seq: 1,
        nl_pid: 0,
        family: family as u8,
        protocol: libc::IPPROTO_TCP as u8,
        ext: 0,
        pad: 0,
        states,
        id: DiagSockId {
            sport: local.port().to_be_bytes(),
            dport: peer.port().to_be_bytes(),
            src: addr_words(local.ip()),
            dst: addr_words(peer.ip()),
            ifindex: 0,
            cookie: [u32::MAX; 2],
        },
    };
    let nl = Socket::new(
        Domain::from(libc::AF_NETLINK),
        Type::DGRAM,
        Some(Protocol::from(NETLINK_SOCK_DIAG)),
    )
    .ok()?;
    nl.send(&req.bytes()).ok()?;
    read_dump(&nl, &req.id)
}

/// Reads the dump's answers until its end; returns the one of the pair `want`.
fn read_dump(mut nl: &Socket, want: &DiagSockId) -> Option<Lingering> {
    let mut buf = vec![0u8; 32 * 1024];
    let mut found = None;
    loop {
        let n = nl.read(&mut buf).ok().filter(|n| *n > 0)?;
        let mut at = 0;
        while at + 16 <= n {
            let len = u32::from_ne_bytes(buf[at..at + 4].try_into().ok()?) as usize;
            let kind = u16::from_ne_bytes(buf[at + 4..at + 6].try_into().ok()?);
            if kind == NLMSG_DONE || kind == NLMSG_ERROR {
                return found;
            }
            if len < 16 || at + len > n {
                return found;
            }
            if found.is_none() {
                found = parse_msg(&buf[at + 16..at + len], want);
            }
            at += (len + 3) & !3;
        }
    }
}

/// One `inet_diag_msg`: family, state, timer, retrans, the socket id (48 bytes), then
/// expires (ms), queues, uid, inode.
fn parse_msg(m: &[u8], want: &DiagSockId) -> Option<Lingering> {
    if m.len() < 4 + 48 + 4 {
        return None;
    }
    let state = m[1];
    let id = &m[4..52];
    let same = id[0..2] == want.sport
        && id[2..4] == want.dport
        && id[4..20] == words_bytes(&want.src)
        && id[20..36] == words_bytes(&want.dst);
    if !same {
        return None;
    }
    let expires = u32::from_ne_bytes(m[52..56].try_into().ok()?);
    Some(Lingering {
        state: tcp_state_name(state).unwrap_or("?"),
        left: Duration::from_millis(u64::from(expires)),
    })
}

fn words_bytes(w: &[u32; 4]) -> Vec<u8> {
    w.iter().flat_map(|x| x.to_ne_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_active_closer_leaves_time_wait_which_sock_diag_reports() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("listen");
        let c = std::net::TcpStream::connect(l.local_addr().expect("addr")).expect("connect");
        let (s, _) = l.accept().expect("accept");
        let (local, peer) = (c.local_addr().expect("local"), c.peer_addr().expect("peer"));
        assert_eq!(
            lingering(local, peer),
            None,
            "open sockets are not lingering"
        );
        drop(c); // the active close
        let mut buf = [0u8; 1];
        let _ = std::io::Read::read(&mut &s, &mut buf); // the end of stream
        drop(s);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            if let Some(l) = lingering(local, peer)
                && l.state == "TIME_WAIT"
            {
                assert!(l.left <= Duration::from_secs(60) && l.left > Duration::ZERO);
                break;
            }
            assert!(std::time::Instant::now() < deadline, "TIME_WAIT shows");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    #[test]
    fn a_listener_reports_its_queue() {
        let s = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).expect("socket");
        let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");
        s.bind(&any.into()).expect("bind");
        assert_eq!(accept_queue(&s), None, "not listening yet");
        s.listen(5).expect("listen");
        assert_eq!(
            accept_queue(&s),
            Some(AcceptQueue {
                waiting: 0,
                backlog: 5
            })
        );
        let addr = s
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .expect("local");
        let _c = std::net::TcpStream::connect(addr).expect("connect");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while accept_queue(&s).map(|q| q.waiting) != Some(1) {
            assert!(std::time::Instant::now() < deadline, "the queue shows 1");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}
