//! The session as a pcap: synthetic Ethernet, IPv4-or-IPv6 and TCP-or-UDP headers around each
//! payload sent or received, so Wireshark opens the session as if it had been captured.
//!
//! - Each `sent` payload is a packet from the socket's local address to its peer, each
//!   `received` one from the peer to the local address. TCP payloads larger than an IP packet
//!   holds are cut into several segments; TCP connects and accepts get a three-way handshake,
//!   shutdowns and closes a FIN, and sequence/acknowledgement numbers count each direction's
//!   bytes per connection. IPv4 header, TCP and UDP checksums are computed.
//! - When both ends of a conversation are sockets of this session (a loopback test), each
//!   byte is on the wire once: the sender's `sent` event makes the packet and the receiver's
//!   `received` event is not repeated (counted as deduplicated).
//! - Framed `message` events repeat bytes already in `received` events and make no packets.
//! - A payload that has left memory is written as a capture cut after the headers (its
//!   headers still give the full length). Unix-socket payloads, and payloads whose addresses
//!   are unknown, are left out and counted as skipped.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::time::SystemTime;

use pcap_file::pcap::{PcapHeader, PcapWriter};
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};

use super::pcap_frame::{Builder, Segment};
use super::{LoggedEvent, Record, SessionLog};
use crate::engine::{Addr, EventKind, How, Proto, SockId};

/// Largest frame written (the capture's snap length).
const SNAPLEN: u32 = 262_144;
const TCP_SYN: u8 = 0x02;
const TCP_FIN: u8 = 0x01;
const TCP_PSH: u8 = 0x08;
const TCP_ACK: u8 = 0x10;
const TCP_RST: u8 = 0x04;

/// What went into the pcap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct PcapCounts {
    /// Records with a payload that became packets.
    pub records: usize,
    /// Packets written, handshakes and FINs included.
    pub packets: usize,
    /// Records whose payload had left memory (written cut after the headers).
    pub evicted: usize,
    /// Payload records left out: Unix sockets, unknown addresses.
    pub skipped: usize,
    /// Received payloads already in the file as the sending socket's packets.
    pub deduplicated: usize,
}

#[derive(Default, Clone, Copy)]
struct Sock {
    proto: Option<Proto>,
    local: Option<SocketAddr>,
    peer: Option<SocketAddr>,
    fin_out: bool,
    fin_in: bool,
}

/// Both addresses in one family: IPv4 when both can be, else IPv6 (IPv4 as mapped).
fn same_family(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    let v4 = |s: SocketAddr| match s.ip() {
        IpAddr::V4(ip) => Some(ip),
        IpAddr::V6(ip) => ip.to_ipv4_mapped(),
    };
    match (v4(a), v4(b)) {
        (Some(x), Some(y)) => (
            SocketAddr::new(IpAddr::V4(x), a.port()),
            SocketAddr::new(IpAddr::V4(y), b.port()),
        ),
        _ => {
            let v6 = |s: SocketAddr| match s.ip() {
                IpAddr::V4(ip) => SocketAddr::new(IpAddr::V6(ip.to_ipv6_mapped()), s.port()),
                IpAddr::V6(_) => s,
            };
            (v6(a), v6(b))
        }
    }
}

/// A local address bound to the unspecified IP, with the IP a packet to `peer` would carry
/// when that is knowable (loopback); else unchanged.
fn concrete_local(local: SocketAddr, peer: SocketAddr) -> SocketAddr {
    if local.ip().is_unspecified() && peer.ip().is_loopback() {
        SocketAddr::new(peer.ip(), local.port())
    } else {
        local
    }
}

fn canon_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// FNV-1a over the flow, for initial sequence numbers that look random but repeat.
fn isn(src: SocketAddr, dst: SocketAddr, salt: u32) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    let text = format!("{src}>{dst}#{salt}");
    for b in text.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// Largest payload one packet of this protocol and family carries.
fn max_payload(proto: Proto, v4: bool) -> usize {
    match (proto, v4) {
        (Proto::Tcp, true) => 65535 - 20 - 20,
        (Proto::Tcp, false) => 65535 - 20,
        (_, true) => 65535 - 20 - 8,
        (_, false) => 65535 - 8,
    }
}

/// Every IP endpoint the session's own sockets hold, to spot both ends of a conversation.
struct Ours {
    protos: HashMap<SockId, Proto>,
    locals: Vec<(SockId, SocketAddr)>,
}

impl Ours {
    /// The first pass over the log: each socket's protocol and local addresses.
    fn scan(log: &SessionLog) -> Ours {
        let mut ours = Ours {
            protos: HashMap::new(),
            locals: Vec::new(),
        };
        for rec in log.iter() {
            let Record::Event(ev) = &*rec else { continue };
            let Some(id) = ev.socket else { continue };
            match &ev.kind {
                EventKind::Created { proto, .. } => {
                    ours.protos.insert(id, *proto);
                }
                EventKind::Accepted { local, .. } => {
                    ours.protos.insert(id, Proto::Tcp);
                    ours.locals.extend(local.ip().map(|a| (id, a)));
                }
                EventKind::Bound { local, .. }
                | EventKind::Listening { local, .. }
                | EventKind::Connected { local, .. } => {
                    ours.locals.extend(local.ip().map(|a| (id, a)))
                }
                _ => {}
            }
        }
        ours
    }

    /// True when `addr` is held by one of the session's sockets of protocol `proto`.
    fn holds(&self, proto: Proto, addr: SocketAddr) -> bool {
        self.locals.iter().any(|(id, l)| {
            self.protos.get(id).is_none_or(|p| *p == proto)
                && l.port() == addr.port()
                && (canon_ip(l.ip()) == canon_ip(addr.ip())
                    || (l.ip().is_unspecified() && addr.ip().is_loopback()))
        })
    }
}

/// The second pass: what each socket and each TCP direction has reached so far.
struct Flows<W: Write> {
    b: Builder<W>,
    ours: Ours,
    socks: HashMap<SockId, Sock>,
    next_seq: HashMap<(SocketAddr, SocketAddr), u32>,
    handshakes: HashSet<(SocketAddr, SocketAddr)>,
    salt: u32,
}

/// Writes the session as a pcap of Ethernet frames.
pub(crate) fn write_pcap<W: Write>(log: &SessionLog, w: W) -> Result<PcapCounts, PcapError> {
    let header = PcapHeader {
        snaplen: SNAPLEN,
        datalink: DataLink::ETHERNET,
        ts_resolution: TsResolution::MicroSecond,
        endianness: Endianness::native(),
        ..PcapHeader::default()
    };
    let mut f = Flows {
        b: Builder {
            out: PcapWriter::with_header(w, header)?,
            ip_id: 1,
            counts: PcapCounts::default(),
        },
        ours: Ours::scan(log),
        socks: HashMap::new(),
        next_seq: HashMap::new(),
        handshakes: HashSet::new(),
        salt: 0,
    };
    for rec in log.iter() {
        let Record::Event(ev) = &*rec else { continue };
        let Some(id) = ev.socket else { continue };
        f.event(id, ev)?;
    }
    let counts = f.b.counts;
    f.b.out.into_writer().flush().map_err(PcapError::IoError)?;
    Ok(counts)
}

impl<W: Write> Flows<W> {
    /// The packets one event of socket `id` makes.
    fn event(&mut self, id: SockId, ev: &LoggedEvent) -> Result<(), PcapError> {
        let s = self.socks.entry(id).or_default();
        if s.proto.is_none() {
            s.proto = self.ours.protos.get(&id).copied();
        }
        match &ev.kind {
            EventKind::Bound { local, .. } | EventKind::Listening { local, .. } => {
                s.local = local.ip().or(s.local);
                Ok(())
            }
            EventKind::Accepted { local, peer, .. } => self.connected(id, ev.at, local, peer, true),
            EventKind::Connected { local, peer } => self.connected(id, ev.at, local, peer, false),
            EventKind::Sent { peer, .. } => self.payload(id, ev, peer.as_ref(), true),
            EventKind::Received { peer, .. } => self.payload(id, ev, peer.as_ref(), false),
            EventKind::Shut { how } => self.fin(id, ev.at, *how != How::Read, false),
            EventKind::Closed => self.fin(id, ev.at, true, false),
            EventKind::PeerClosed => self.fin(id, ev.at, false, false),
            EventKind::Reset => self.fin(id, ev.at, false, true),
            _ => Ok(()),
        }
    }

    /// A connection set up: the socket learns its addresses; a TCP client's view (or an
    /// accept whose client is not one of ours) makes the three-way handshake.
    fn connected(
        &mut self,
        id: SockId,
        at: SystemTime,
        local: &Addr,
        peer: &Addr,
        accepted: bool,
    ) -> Result<(), PcapError> {
        let s = self.socks.entry(id).or_default();
        if accepted {
            s.proto = Some(Proto::Tcp);
        }
        let (Some(l), Some(p)) = (local.ip(), peer.ip()) else {
            return Ok(());
        };
        let (l, p) = same_family(l, p);
        s.local = Some(l);
        s.peer = Some(p);
        s.fin_in = false;
        s.fin_out = false;
        if s.proto != Some(Proto::Tcp) {
            return Ok(());
        }
        let (c, srv) = if accepted { (p, l) } else { (l, p) };
        if (accepted && self.ours.holds(Proto::Tcp, p)) || self.handshakes.contains(&(c, srv)) {
            return Ok(());
        }
        self.handshakes.insert((c, srv));
        self.salt = self.salt.wrapping_add(1);
        let (ic, is) = (isn(c, srv, self.salt), isn(srv, c, self.salt));
        self.next_seq.insert((c, srv), ic.wrapping_add(1));
        self.next_seq.insert((srv, c), is.wrapping_add(1));
        let seg = |src, dst, seq, ack, flags, from_client: bool| Segment {
            src,
            dst,
            outgoing: from_client != accepted,
            proto: Proto::Tcp,
            seq,
            ack,
            flags,
            data: Some(&[]),
            len: 0,
        };
        let (ic1, is1) = (ic.wrapping_add(1), is.wrapping_add(1));
        self.b.frame(at, &seg(c, srv, ic, 0, TCP_SYN, true))?;
        self.b
            .frame(at, &seg(srv, c, is, ic1, TCP_SYN | TCP_ACK, false))?;
        self.b.frame(at, &seg(c, srv, ic1, is1, TCP_ACK, true))
    }

    /// A payload sent or received: packets from the local address to the peer or back, cut
    /// to what one packet holds; left out when the addresses are unknown, and when the
    /// sender is one of ours (its own `sent` made the packets).
    fn payload(
        &mut self,
        id: SockId,
        ev: &LoggedEvent,
        peer: Option<&Addr>,
        outgoing: bool,
    ) -> Result<(), PcapError> {
        let s = self.socks.entry(id).or_default();
        let proto = s.proto.unwrap_or(Proto::Udp);
        let len = ev.payload_len().unwrap_or(0);
        let data = ev.payload();
        let remote = peer.and_then(Addr::ip).or(s.peer);
        let (Some(remote), Some(local)) = (remote, s.local) else {
            self.b.counts.skipped += 1;
            return Ok(());
        };
        if !outgoing && self.ours.holds(proto, remote) {
            self.b.counts.deduplicated += 1;
            return Ok(());
        }
        let (local, remote) = same_family(concrete_local(local, remote), remote);
        let (src, dst) = if outgoing {
            (local, remote)
        } else {
            (remote, local)
        };
        self.b.counts.records += 1;
        if data.is_none() {
            self.b.counts.evicted += 1;
        }
        let max = max_payload(proto, src.is_ipv4());
        let mut off = 0;
        loop {
            let n = (len - off).min(max);
            let (seq, ack) = match proto {
                Proto::Tcp => self.advance(src, dst, n as u32),
                Proto::Udp | Proto::UnixStream | Proto::UnixDgram => (0, 0),
            };
            let seg = Segment {
                src,
                dst,
                outgoing,
                proto,
                seq,
                ack,
                flags: TCP_PSH | TCP_ACK,
                data: data.map(|d| &d[off..off + n]),
                len: n,
            };
            self.b.frame(ev.at, &seg)?;
            off += n;
            if off >= len {
                return Ok(());
            }
        }
    }

    /// The sequence and acknowledgement numbers of `n` bytes from `src` to `dst`; the
    /// direction's next sequence number moves on by `n`.
    fn advance(&mut self, src: SocketAddr, dst: SocketAddr, n: u32) -> (u32, u32) {
        let seq = *self
            .next_seq
            .entry((src, dst))
            .or_insert_with(|| isn(src, dst, 0));
        let ack = *self
            .next_seq
            .entry((dst, src))
            .or_insert_with(|| isn(dst, src, 0));
        self.next_seq.insert((src, dst), seq.wrapping_add(n));
        (seq, ack)
    }

    /// A TCP side closing: one FIN each way (a RST for the peer's reset), none for the
    /// incoming side when the peer is one of ours (its own close made it).
    fn fin(
        &mut self,
        id: SockId,
        at: SystemTime,
        outgoing: bool,
        reset: bool,
    ) -> Result<(), PcapError> {
        let s = self.socks.entry(id).or_default();
        let (Some(Proto::Tcp), Some(l), Some(p)) = (s.proto, s.local, s.peer) else {
            return Ok(());
        };
        if (outgoing && s.fin_out) || (!outgoing && (s.fin_in || self.ours.holds(Proto::Tcp, p))) {
            return Ok(());
        }
        if outgoing {
            s.fin_out = true;
        } else {
            s.fin_in = true;
        }
        if reset {
            s.fin_out = true; // nothing more leaves a reset connection
        }
        let (src, dst) = if outgoing { (l, p) } else { (p, l) };
        let (seq, ack) = self.advance(src, dst, 1);
        let seg = Segment {
            src,
            dst,
            outgoing,
            proto: Proto::Tcp,
            seq,
            ack,
            // The peer's reset is a RST: no FIN follows it.
            flags: if reset {
                TCP_RST | TCP_ACK
            } else {
                TCP_FIN | TCP_ACK
            },
            data: Some(&[]),
            len: 0,
        };
        self.b.frame(at, &seg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_pcap_family_mixing() {
        let a: SocketAddr = "[::ffff:127.0.0.1]:5".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:6".parse().unwrap();
        let (x, y) = same_family(a, b);
        assert!(x.is_ipv4() && y.is_ipv4());
        let c: SocketAddr = "[::1]:7".parse().unwrap();
        let (x, y) = same_family(b, c);
        assert!(x.is_ipv6() && y.is_ipv6());
    }
}
