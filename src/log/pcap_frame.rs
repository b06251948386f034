//! One synthetic packet of the session's pcap: an Ethernet frame around an IPv4 or IPv6
//! header around a TCP or UDP header and the payload, with every checksum computed.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{SystemTime, UNIX_EPOCH};

use pcap_file::PcapError;
use pcap_file::pcap::{PcapPacket, PcapWriter};

use super::pcap::PcapCounts;
use crate::engine::Proto;

const MAC_LOCAL: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const MAC_PEER: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

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
pub(super) struct Segment<'a> {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    /// Local side sends (for the MAC addresses).
    pub outgoing: bool,
    pub proto: Proto,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
    /// The bytes, or `None` when only the length is known (evicted).
    pub data: Option<&'a [u8]>,
    pub len: usize,
}

impl Segment<'_> {
    /// The TCP or UDP header's length.
    fn l4_hdr_len(&self) -> usize {
        match self.proto {
            Proto::Tcp => 20,
            // Unix sockets never reach here: their addresses are not IP.
            Proto::Udp | Proto::UnixStream | Proto::UnixDgram => 8,
        }
    }

    /// The IP protocol number.
    fn proto_no(&self) -> u8 {
        match self.proto {
            Proto::Tcp => 6,
            Proto::Udp | Proto::UnixStream | Proto::UnixDgram => 17,
        }
    }

    /// The TCP or UDP header and the bytes, checksum left zero.
    fn l4(&self) -> Vec<u8> {
        let l4_len = self.l4_hdr_len() + self.len;
        let mut l4 = Vec::with_capacity(self.l4_hdr_len() + self.data.map_or(0, <[u8]>::len));
        l4.extend_from_slice(&self.src.port().to_be_bytes());
        l4.extend_from_slice(&self.dst.port().to_be_bytes());
        match self.proto {
            Proto::Tcp => {
                l4.extend_from_slice(&self.seq.to_be_bytes());
                l4.extend_from_slice(&self.ack.to_be_bytes());
                l4.push(5 << 4);
                l4.push(self.flags);
                l4.extend_from_slice(&65535u16.to_be_bytes());
                l4.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
            }
            Proto::Udp | Proto::UnixStream | Proto::UnixDgram => {
                l4.extend_from_slice(&(l4_len as u16).to_be_bytes());
                l4.extend_from_slice(&[0, 0]);
            }
        }
        if let Some(d) = self.data {
            l4.extend_from_slice(d);
        }
        l4
    }
}

/// Writes the packets and counts them.
pub(super) struct Builder<W: Write> {
    pub out: PcapWriter<W>,
    pub ip_id: u16,
    pub counts: PcapCounts,
}

impl<W: Write> Builder<W> {
    /// Writes one packet, stamped `at`.
    pub fn frame(&mut self, at: SystemTime, s: &Segment<'_>) -> Result<(), PcapError> {
        let l4_len = s.l4_hdr_len() + s.len;
        let mut l4 = s.l4();
        let mut frame = Vec::with_capacity(14 + 40 + l4.len());
        let (dmac, smac) = if s.outgoing {
            (MAC_PEER, MAC_LOCAL)
        } else {
            (MAC_LOCAL, MAC_PEER)
        };
        frame.extend_from_slice(&dmac);
        frame.extend_from_slice(&smac);
        let ip_hdr_len = match (s.src.ip(), s.dst.ip()) {
            (IpAddr::V4(si), IpAddr::V4(di)) => {
                let (ip, pseudo) = ipv4_header(si, di, s.proto_no(), l4_len, self.ip_id);
                self.ip_id = self.ip_id.wrapping_add(1);
                if s.data.is_some() {
                    fill_l4_checksum(&mut l4, s.proto, &pseudo);
                }
                frame.extend_from_slice(&0x0800u16.to_be_bytes());
                frame.extend_from_slice(&ip);
                ip.len()
            }
            (sip, dip) => {
                let (ip, pseudo) = ipv6_header(to6(sip), to6(dip), s.proto_no(), l4_len);
                if s.data.is_some() {
                    fill_l4_checksum(&mut l4, s.proto, &pseudo);
                }
                frame.extend_from_slice(&0x86ddu16.to_be_bytes());
                frame.extend_from_slice(&ip);
                ip.len()
            }
        };
        frame.extend_from_slice(&l4);
        let orig_len = 14 + ip_hdr_len + l4_len;
        let ts = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        let pkt = PcapPacket::new(ts, orig_len as u32, &frame);
        self.out.write_packet(&pkt)?;
        self.counts.packets += 1;
        Ok(())
    }
}

/// An IP address as IPv6 (IPv4 as mapped).
fn to6(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

/// The IPv4 header (checksum filled in) and the TCP/UDP pseudo-header.
fn ipv4_header(
    si: Ipv4Addr,
    di: Ipv4Addr,
    proto_no: u8,
    l4_len: usize,
    id: u16,
) -> ([u8; 20], [u8; 12]) {
    let mut ip = [0u8; 20];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&((20 + l4_len) as u16).to_be_bytes());
    ip[4..6].copy_from_slice(&id.to_be_bytes());
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
    (ip, pseudo)
}

/// The IPv6 header and the TCP/UDP pseudo-header.
fn ipv6_header(si: Ipv6Addr, di: Ipv6Addr, proto_no: u8, l4_len: usize) -> ([u8; 40], [u8; 40]) {
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
    (ip, pseudo)
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
}
