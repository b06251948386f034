//! A minimal pcap reader that takes the synthetic Ethernet/IP/TCP/UDP headers of a saved
//! capture apart again, verifying every checksum.

use std::fs::File;
use std::io::BufReader;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use pcap_file::pcap::PcapReader;

use super::read::ReadError;
use crate::engine::Proto;

/// One packet of a pcap, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Capture time since the Unix epoch.
    pub ts: Duration,
    /// TCP or UDP.
    pub proto: Proto,
    /// Source address and port.
    pub src: SocketAddr,
    /// Destination address and port.
    pub dst: SocketAddr,
    /// TCP sequence number (0 for UDP).
    pub seq: u32,
    /// TCP acknowledgement number (0 for UDP).
    pub ack: u32,
    /// TCP flags (`0x02` SYN, `0x10` ACK, `0x01` FIN, `0x08` PSH; 0 for UDP).
    pub flags: u8,
    /// The payload bytes captured (fewer than `len` when the capture was cut).
    pub payload: Vec<u8>,
    /// The payload's length as the headers give it.
    pub len: usize,
    /// True when every checksum present (IPv4 header, TCP or UDP) verifies; a cut capture's
    /// TCP/UDP checksum is not checked.
    pub checksums_ok: bool,
}

/// Ones' complement sum of 16-bit big-endian words, folded: the complement of the
/// checksum the pcap writer computes.
fn ones_sum(parts: &[&[u8]]) -> u16 {
    !super::pcap_frame::checksum(parts)
}

/// The IP layer of a frame, taken apart.
struct IpLayer<'a> {
    src: IpAddr,
    dst: IpAddr,
    proto_no: u8,
    /// The TCP or UDP segment as captured.
    l4: &'a [u8],
    /// Its length as the IP header gives it.
    l4_wire_len: usize,
    /// True when the IPv4 header checksum verifies (IPv6 has none).
    ok: bool,
    /// The pseudo-header of the TCP/UDP checksum.
    pseudo: Vec<u8>,
}

fn ipv4_layer(ip: &[u8]) -> Option<IpLayer<'_>> {
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    if ip.first()? >> 4 != 4 || ihl < 20 {
        return None;
    }
    let total = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
    let hdr = ip.get(..ihl)?;
    let ok = ones_sum(&[hdr]) == 0xffff;
    let src: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
    let dst: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
    let l4_len = total.checked_sub(ihl)?;
    let mut pseudo = Vec::with_capacity(12);
    pseudo.extend_from_slice(&src);
    pseudo.extend_from_slice(&dst);
    pseudo.extend_from_slice(&[0, ip[9]]);
    pseudo.extend_from_slice(&(l4_len as u16).to_be_bytes());
    let end = (ihl + l4_len).min(ip.len());
    Some(IpLayer {
        src: IpAddr::V4(Ipv4Addr::from(src)),
        dst: IpAddr::V4(Ipv4Addr::from(dst)),
        proto_no: ip[9],
        l4: ip.get(ihl..end)?,
        l4_wire_len: l4_len,
        ok,
        pseudo,
    })
}

fn ipv6_layer(ip: &[u8]) -> Option<IpLayer<'_>> {
    if ip.first()? >> 4 != 6 {
        return None;
    }
    let plen = usize::from(u16::from_be_bytes([*ip.get(4)?, *ip.get(5)?]));
    let src: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
    let dst: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
    let mut pseudo = Vec::with_capacity(40);
    pseudo.extend_from_slice(&src);
    pseudo.extend_from_slice(&dst);
    pseudo.extend_from_slice(&(plen as u32).to_be_bytes());
    pseudo.extend_from_slice(&[0, 0, 0, *ip.get(6)?]);
    let end = (40 + plen).min(ip.len());
    Some(IpLayer {
        src: IpAddr::V6(Ipv6Addr::from(src)),
        dst: IpAddr::V6(Ipv6Addr::from(dst)),
        proto_no: *ip.get(6)?,
        l4: ip.get(40..end)?,
        l4_wire_len: plen,
        ok: true,
        pseudo,
    })
}

/// Takes an Ethernet frame apart; `None` when it is not Ethernet/IPv4-or-IPv6/TCP-or-UDP.
pub fn parse_frame(ts: Duration, frame: &[u8], orig_len: usize) -> Option<Packet> {
    let truncated = frame.len() < orig_len;
    let ethertype = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
    let ip = frame.get(14..)?;
    let IpLayer {
        src: src_ip,
        dst: dst_ip,
        proto_no,
        l4,
        l4_wire_len,
        mut ok,
        pseudo,
    } = match ethertype {
        0x0800 => ipv4_layer(ip)?,
        0x86dd => ipv6_layer(ip)?,
        _ => return None,
    };
    let port = |at: usize| Some(u16::from_be_bytes([*l4.get(at)?, *l4.get(at + 1)?]));
    let (proto, hdr_len, seq, ack, flags) = match proto_no {
        6 => {
            let off = usize::from(l4.get(12)? >> 4) * 4;
            let seq = u32::from_be_bytes(l4.get(4..8)?.try_into().ok()?);
            let ack = u32::from_be_bytes(l4.get(8..12)?.try_into().ok()?);
            (Proto::Tcp, off, seq, ack, *l4.get(13)?)
        }
        17 => {
            let ulen = usize::from(port(4)?);
            if ulen != l4_wire_len {
                ok = false;
            }
            (Proto::Udp, 8, 0, 0, 0)
        }
        _ => return None,
    };
    if !truncated && l4.len() == l4_wire_len {
        let zero_udp = proto == Proto::Udp && port(6)? == 0 && src_ip.is_ipv4();
        if !zero_udp && ones_sum(&[&pseudo, l4]) != 0xffff {
            ok = false;
        }
    }
    Some(Packet {
        ts,
        proto,
        src: SocketAddr::new(src_ip, port(0)?),
        dst: SocketAddr::new(dst_ip, port(2)?),
        seq,
        ack,
        flags,
        payload: l4.get(hdr_len..)?.to_vec(),
        len: l4_wire_len.checked_sub(hdr_len)?,
        checksums_ok: ok,
    })
}

/// Reads a pcap of Ethernet frames; frames that are not IP/TCP/UDP are left out.
pub fn read_pcap(path: &Path) -> Result<Vec<Packet>, ReadError> {
    let file = File::open(path).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let pcap_err = |source| ReadError::Pcap {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = PcapReader::new(BufReader::new(file)).map_err(pcap_err)?;
    let mut out = Vec::new();
    let mut n = 0;
    while let Some(pkt) = reader.next_packet() {
        let pkt = pkt.map_err(pcap_err)?;
        n += 1;
        match parse_frame(pkt.timestamp, &pkt.data, pkt.orig_len as usize) {
            Some(p) => out.push(p),
            None => {
                return Err(ReadError::Parse {
                    path: path.to_path_buf(),
                    line: n,
                    what: "packet is not Ethernet/IP/TCP-or-UDP".into(),
                });
            }
        }
    }
    Ok(out)
}
