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
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::time::{SystemTime, UNIX_EPOCH};

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};

use super::{Record, SessionLog};
use crate::engine::{Addr, EventKind, How, Proto, SockId};

/// Largest frame written (the capture's snap length).
const SNAPLEN: u32 = 262_144;
const TCP_SYN: u8 = 0x02;
const TCP_FIN: u8 = 0x01;
const TCP_PSH: u8 = 0x08;
const TCP_ACK: u8 = 0x10;
const TCP_RST: u8 = 0x04;
const MAC_LOCAL: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const MAC_PEER: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

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

/// Folded ones' complement checksum of the parts.
pub(crate) fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u64 = 0;
    for part in parts {
        let mut chunks = part.chunks_exact(2);
        for w in &mut chunks {
            sum += u64::from(u16::from_be_bytes([w[0], w[1]]));
        }
        if let [last] = chunks.remainder() {
            sum += u64::from(*last) << 8;
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// One packet to build.
struct Segment<'a> {
    src: SocketAddr,
    dst: SocketAddr,
    /// Local side sends (for the MAC addresses).
    outgoing: bool,
    proto: Proto,
    seq: u32,
    ack: u32,
    flags: u8,
    /// The bytes, or `None` when only the length is known (evicted).
    data: Option<&'a [u8]>,
    len: usize,
}

struct Builder<W: Write> {
    out: PcapWriter<W>,
    ip_id: u16,
    counts: PcapCounts,
}

impl<W: Write> Builder<W> {
    fn frame(&mut self, at: SystemTime, s: &Segment<'_>) -> Result<(), PcapError> {
        let (src, dst) = (s.src, s.dst);
        let l4_hdr = match s.proto {
            Proto::Tcp => 20,
            // Unix sockets never reach here: their addresses are not IP.
            Proto::Udp | Proto::UnixStream | Proto::UnixDgram => 8,
        };
        let l4_len = l4_hdr + s.len;
        let mut l4 = Vec::with_capacity(l4_hdr + s.data.map_or(0, <[u8]>::len));
        l4.extend_from_slice(&src.port().to_be_bytes());
        l4.extend_from_slice(&dst.port().to_be_bytes());
        match s.proto {
            Proto::Tcp => {
                l4.extend_from_slice(&s.seq.to_be_bytes());
                l4.extend_from_slice(&s.ack.to_be_bytes());
                l4.push(5 << 4);
                l4.push(s.flags);
                l4.extend_from_slice(&65535u16.to_be_bytes());
                l4.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
            }
            Proto::Udp | Proto::UnixStream | Proto::UnixDgram => {
                l4.extend_from_slice(&(l4_len as u16).to_be_bytes());
                l4.extend_from_slice(&[0, 0]);
            }
        }
        if let Some(d) = s.data {
            l4.extend_from_slice(d);
        }
        let proto_no: u8 = match s.proto {
            Proto::Tcp => 6,
            Proto::Udp | Proto::UnixStream | Proto::UnixDgram => 17,
        };
        let mut frame = Vec::with_capacity(14 + 40 + l4.len());
        let (dmac, smac) = if s.outgoing {
            (MAC_PEER, MAC_LOCAL)
        } else {
            (MAC_LOCAL, MAC_PEER)
        };
        frame.extend_from_slice(&dmac);
        frame.extend_from_slice(&smac);
        let ip_hdr_len;
        match (src.ip(), dst.ip()) {
            (IpAddr::V4(si), IpAddr::V4(di)) => {
                frame.extend_from_slice(&0x0800u16.to_be_bytes());
                ip_hdr_len = 20;
                let mut ip = [0u8; 20];
                ip[0] = 0x45;
                ip[2..4].copy_from_slice(&((20 + l4_len) as u16).to_be_bytes());
                ip[4..6].copy_from_slice(&self.ip_id.to_be_bytes());
                self.ip_id = self.ip_id.wrapping_add(1);
                ip[6] = 0x40; // don't fragment
                ip[8] = 64;
                ip[9] = proto_no;
                ip[12..16].copy_from_slice(&si.octets());
                ip[16..20].copy_from_slice(&di.octets());
                let c = checksum(&[&ip]);
                ip[10..12].copy_from_slice(&c.to_be_bytes());
                let mut pseudo = [0u8; 12];
                pseudo[..4].copy_from_slice(&si.octets());
                pseudo[4..8].copy_from_slice(&di.octets());
                pseudo[9] = proto_no;
                pseudo[10..12].copy_from_slice(&(l4_len as u16).to_be_bytes());
                if s.data.is_some() {
                    fill_l4_checksum(&mut l4, s.proto, &pseudo);
                }
                frame.extend_from_slice(&ip);
            }
            (sip, dip) => {
                let to6 = |ip: IpAddr| match ip {
                    IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                    IpAddr::V6(v6) => v6,
                };
                let (si, di): (Ipv6Addr, Ipv6Addr) = (to6(sip), to6(dip));
                frame.extend_from_slice(&0x86ddu16.to_be_bytes());
                ip_hdr_len = 40;
                let mut ip = [0u8; 40];
                ip[0] = 0x60;
                ip[4..6].copy_from_slice(&(l4_len as u16).to_be_bytes());
                ip[6] = proto_no;
                ip[7] = 64;
                ip[8..24].copy_from_slice(&si.octets());
                ip[24..40].copy_from_slice(&di.octets());
                let mut pseudo = [0u8; 40];
                pseudo[..16].copy_from_slice(&si.octets());
                pseudo[16..32].copy_from_slice(&di.octets());
                pseudo[32..36].copy_from_slice(&(l4_len as u32).to_be_bytes());
                pseudo[39] = proto_no;
                if s.data.is_some() {
                    fill_l4_checksum(&mut l4, s.proto, &pseudo);
                }
                frame.extend_from_slice(&ip);
            }
        }
        frame.extend_from_slice(&l4);
        let orig_len = 14 + ip_hdr_len + l4_len;
        let ts = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        let pkt = PcapPacket::new(ts, orig_len as u32, &frame);
        self.out.write_packet(&pkt)?;
        self.counts.packets += 1;
        Ok(())
    }
}

fn fill_l4_checksum(l4: &mut [u8], proto: Proto, pseudo: &[u8]) {
    let at = match proto {
        Proto::Tcp => 16,
        Proto::Udp | Proto::UnixStream | Proto::UnixDgram => 6,
    };
    let mut c = checksum(&[pseudo, l4]);
    if proto == Proto::Udp && c == 0 {
        c = 0xffff;
    }
    l4[at..at + 2].copy_from_slice(&c.to_be_bytes());
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

/// Writes the session as a pcap of Ethernet frames.
pub(crate) fn write_pcap<W: Write>(log: &SessionLog, w: W) -> Result<PcapCounts, PcapError> {
    let header = PcapHeader {
        snaplen: SNAPLEN,
        datalink: DataLink::ETHERNET,
        ts_resolution: TsResolution::MicroSecond,
        endianness: Endianness::native(),
        ..PcapHeader::default()
    };
    let mut b = Builder {
        out: PcapWriter::with_header(w, header)?,
        ip_id: 1,
        counts: PcapCounts::default(),
    };
    let ip = |a: &Addr| a.ip();

    // Every IP endpoint the session's own sockets hold, to spot both ends of a conversation.
    let mut protos: HashMap<SockId, Proto> = HashMap::new();
    let mut locals: Vec<(SockId, SocketAddr)> = Vec::new();
    for rec in log.iter() {
        let Record::Event(ev) = &*rec else { continue };
        let Some(id) = ev.socket else { continue };
        match &ev.kind {
            EventKind::Created { proto, .. } => {
                protos.insert(id, *proto);
            }
            EventKind::Accepted { local, .. } => {
                protos.insert(id, Proto::Tcp);
                locals.extend(ip(local).map(|a| (id, a)));
            }
            EventKind::Bound { local, .. }
            | EventKind::Listening { local, .. }
            | EventKind::Connected { local, .. } => locals.extend(ip(local).map(|a| (id, a))),
            _ => {}
        }
    }
    let is_ours = |proto: Proto, addr: SocketAddr| {
        locals.iter().any(|(id, l)| {
            protos.get(id).is_none_or(|p| *p == proto)
                && l.port() == addr.port()
                && (canon_ip(l.ip()) == canon_ip(addr.ip())
                    || (l.ip().is_unspecified() && addr.ip().is_loopback()))
        })
    };

    let mut socks: HashMap<SockId, Sock> = HashMap::new();
    let mut next_seq: HashMap<(SocketAddr, SocketAddr), u32> = HashMap::new();
    let mut handshakes: HashSet<(SocketAddr, SocketAddr)> = HashSet::new();
    let mut salt = 0u32;

    for rec in log.iter() {
        let Record::Event(ev) = &*rec else { continue };
        let Some(id) = ev.socket else { continue };
        let s = socks.entry(id).or_default();
        if s.proto.is_none() {
            s.proto = protos.get(&id).copied();
        }
        let at = ev.at;
        match &ev.kind {
            EventKind::Bound { local, .. } | EventKind::Listening { local, .. } => {
                s.local = ip(local).or(s.local);
            }
            EventKind::Accepted { local, peer, .. } | EventKind::Connected { local, peer } => {
                let accepted = matches!(ev.kind, EventKind::Accepted { .. });
                if accepted {
                    s.proto = Some(Proto::Tcp);
                }
                let (Some(l), Some(p)) = (ip(local), ip(peer)) else {
                    continue;
                };
                let (l, p) = same_family(l, p);
                s.local = Some(l);
                s.peer = Some(p);
                s.fin_in = false;
                s.fin_out = false;
                if s.proto != Some(Proto::Tcp) {
                    continue;
                }
                // The client's view makes the handshake; an accept makes it only when the
                // client is not one of ours.
                let (c, srv) = if accepted { (p, l) } else { (l, p) };
                if (accepted && is_ours(Proto::Tcp, p)) || handshakes.contains(&(c, srv)) {
                    continue;
                }
                handshakes.insert((c, srv));
                salt = salt.wrapping_add(1);
                let (ic, is) = (isn(c, srv, salt), isn(srv, c, salt));
                next_seq.insert((c, srv), ic.wrapping_add(1));
                next_seq.insert((srv, c), is.wrapping_add(1));
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
                b.frame(at, &seg(c, srv, ic, 0, TCP_SYN, true))?;
                b.frame(
                    at,
                    &seg(srv, c, is, ic.wrapping_add(1), TCP_SYN | TCP_ACK, false),
                )?;
                b.frame(
                    at,
                    &seg(
                        c,
                        srv,
                        ic.wrapping_add(1),
                        is.wrapping_add(1),
                        TCP_ACK,
                        true,
                    ),
                )?;
            }
            EventKind::Sent { peer, .. } | EventKind::Received { peer, .. } => {
                let outgoing = matches!(ev.kind, EventKind::Sent { .. });
                let proto = s.proto.unwrap_or(Proto::Udp);
                let len = ev.payload_len().unwrap_or(0);
                let data = ev.payload();
                let remote = peer.as_ref().and_then(ip).or(s.peer);
                let (Some(remote), Some(local)) = (remote, s.local) else {
                    b.counts.skipped += 1;
                    continue;
                };
                if !outgoing && is_ours(proto, remote) {
                    b.counts.deduplicated += 1;
                    continue;
                }
                let (local, remote) = same_family(concrete_local(local, remote), remote);
                let (src, dst) = if outgoing {
                    (local, remote)
                } else {
                    (remote, local)
                };
                b.counts.records += 1;
                if data.is_none() {
                    b.counts.evicted += 1;
                }
                let max = max_payload(proto, src.is_ipv4());
                let mut off = 0;
                loop {
                    let n = (len - off).min(max);
                    let (seq, ack) = match proto {
                        Proto::Tcp => {
                            let seq = *next_seq
                                .entry((src, dst))
                                .or_insert_with(|| isn(src, dst, 0));
                            let ack = *next_seq
                                .entry((dst, src))
                                .or_insert_with(|| isn(dst, src, 0));
                            next_seq.insert((src, dst), seq.wrapping_add(n as u32));
                            (seq, ack)
                        }
                        Proto::Udp | Proto::UnixStream | Proto::UnixDgram => (0, 0),
                    };
                    b.frame(
                        at,
                        &Segment {
                            src,
                            dst,
                            outgoing,
                            proto,
                            seq,
                            ack,
                            flags: TCP_PSH | TCP_ACK,
                            data: data.map(|d| &d[off..off + n]),
                            len: n,
                        },
                    )?;
                    off += n;
                    if off >= len {
                        break;
                    }
                }
            }
            EventKind::Shut { .. }
            | EventKind::Closed
            | EventKind::PeerClosed
            | EventKind::Reset => {
                let outgoing = match &ev.kind {
                    EventKind::Shut { how } => *how != How::Read,
                    EventKind::Closed => true,
                    _ => false,
                };
                let (Some(Proto::Tcp), Some(l), Some(p)) = (s.proto, s.local, s.peer) else {
                    continue;
                };
                if (outgoing && s.fin_out) || (!outgoing && (s.fin_in || is_ours(Proto::Tcp, p))) {
                    continue;
                }
                if outgoing {
                    s.fin_out = true;
                } else {
                    s.fin_in = true;
                }
                if matches!(ev.kind, EventKind::Reset) {
                    s.fin_out = true; // nothing more leaves a reset connection
                }
                let (src, dst) = if outgoing { (l, p) } else { (p, l) };
                let seq = *next_seq
                    .entry((src, dst))
                    .or_insert_with(|| isn(src, dst, 0));
                let ack = *next_seq
                    .entry((dst, src))
                    .or_insert_with(|| isn(dst, src, 0));
                next_seq.insert((src, dst), seq.wrapping_add(1));
                b.frame(
                    at,
                    &Segment {
                        src,
                        dst,
                        outgoing,
                        proto: Proto::Tcp,
                        seq,
                        ack,
                        // The peer's reset is a RST: no FIN follows it.
                        flags: if matches!(ev.kind, EventKind::Reset) {
                            TCP_RST | TCP_ACK
                        } else {
                            TCP_FIN | TCP_ACK
                        },
                        data: Some(&[]),
                        len: 0,
                    },
                )?;
            }
            _ => {}
        }
    }
    let counts = b.counts;
    b.out.into_writer().flush().map_err(PcapError::IoError)?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_pcap_checksum_known_value() {
        // The IPv4 header example from RFC 1071 discussions: checksum 0xb861.
        let hdr = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(checksum(&[&hdr]), 0xb861);
    }

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
