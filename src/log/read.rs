//! Reading saved logs back: `.jsonl` (and journals) and `.csv` into comparable [`Row`]s, and a
//! minimal pcap reader that takes the synthetic Ethernet/IP/TCP/UDP headers apart again.
//! Tests use it to check that every format round-trips; recovery uses it to read journals.

use std::fs::File;
use std::io::{BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pcap_file::pcap::PcapReader;
use serde_json::Value;

use super::row::Direction;
use crate::engine::Proto;

pub use super::row::Row;

/// Why a saved log could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A line or record is not what the format says.
    #[error("{}:{line}: {what}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line (1-based; for CSV, the record number counting the header as 1).
        line: usize,
        /// What is wrong.
        what: String,
    },
    /// The pcap container itself is broken.
    #[error("cannot read {} as pcap: {source}", path.display())]
    Pcap {
        /// The file.
        path: PathBuf,
        /// What the pcap reader said.
        source: pcap_file::PcapError,
    },
}

fn read_text(path: &Path) -> Result<String, ReadError> {
    let mut s = String::new();
    File::open(path)
        .and_then(|f| BufReader::new(f).read_to_string(&mut s))
        .map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(s)
}

/// Decodes lower- or upper-case hex without separators.
pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|p| {
            let hi = (p[0] as char).to_digit(16)?;
            let lo = (p[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

fn opt_str(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A row from one JSON object of the `--json` schema (a `.jsonl` line or a journal line).
pub fn row_from_json(v: &Value) -> Result<Row, String> {
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    let ts = opt_str(v, "ts").ok_or("no \"ts\"")?;
    let event = opt_str(v, "event").ok_or("no \"event\"")?;
    let len = match v.get("len") {
        None | Some(Value::Null) => None,
        Some(n) => Some(n.as_u64().ok_or("\"len\" is not a count")? as usize),
    };
    let payload: Option<Arc<[u8]>> = match opt_str(v, "hex") {
        Some(h) => Some(Arc::from(decode_hex(&h).ok_or("\"hex\" is not hex")?)),
        None => None,
    };
    if let (Some(n), Some(p)) = (len, &payload)
        && n != p.len()
    {
        return Err(format!(
            "\"len\" is {n} but \"hex\" holds {} bytes",
            p.len()
        ));
    }
    Ok(Row {
        seq: v.get("seq").and_then(Value::as_u64),
        ts,
        t: v.get("t").and_then(Value::as_f64).unwrap_or(0.0),
        socket: opt_str(v, "socket"),
        name: opt_str(v, "name"),
        direction: Direction::of_event(&event),
        event,
        local: opt_str(v, "local"),
        peer: opt_str(v, "peer"),
        len,
        payload,
        text: opt_str(v, "text").filter(|s| !s.is_empty()),
        command: opt_str(v, "command"),
        error: opt_str(v, "error"),
        summary: opt_str(v, "summary"),
        evicted: v.get("evicted").and_then(Value::as_bool).unwrap_or(false),
        ..Row::default()
    })
}

/// Parses JSON lines; blank lines are skipped. Errors carry the 1-based line number.
pub fn parse_jsonl(text: &str) -> Result<Vec<Row>, (usize, String)> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| (i + 1, e.to_string()))?;
        rows.push(row_from_json(&v).map_err(|e| (i + 1, e))?);
    }
    Ok(rows)
}

/// Reads a `.jsonl` log.
pub fn read_jsonl(path: &Path) -> Result<Vec<Row>, ReadError> {
    parse_jsonl(&read_text(path)?).map_err(|(line, what)| ReadError::Parse {
        path: path.to_path_buf(),
        line,
        what,
    })
}

/// Splits CSV text (RFC 4180: `"` quotes, `""` inside quotes, CRLF or LF) into records.
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, (usize, String)> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    let mut dirty = false; // something was read for the current record
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    quoted = false;
                    match chars.peek() {
                        None | Some(',') | Some('\n') | Some('\r') => {}
                        Some(other) => {
                            return Err((line, format!("{other:?} after a closing quote")));
                        }
                    }
                }
                c => {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                }
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                dirty = true;
            }
            ',' => {
                record.push(std::mem::take(&mut field));
                dirty = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                dirty = false;
                line += 1;
            }
            c => {
                field.push(c);
                dirty = true;
            }
        }
    }
    if quoted {
        return Err((line, "a quoted field is not closed".into()));
    }
    if dirty {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// The columns of a saved `.csv` log, in order.
pub const CSV_COLUMNS: [&str; 10] = [
    "time",
    "t",
    "socket",
    "direction",
    "event",
    "local",
    "peer",
    "length",
    "text",
    "hex",
];

/// Parses a `.csv` log (header and rows as [`super::save`] writes them).
pub fn parse_csv_log(text: &str) -> Result<Vec<Row>, (usize, String)> {
    let records = parse_csv(text)?;
    let mut it = records.into_iter();
    match it.next() {
        Some(h) if h == CSV_COLUMNS => {}
        Some(h) => return Err((1, format!("unexpected header {h:?}"))),
        None => return Err((1, "empty file, no header".into())),
    }
    let mut rows = Vec::new();
    for (i, rec) in it.enumerate() {
        let n = i + 2;
        let [
            time,
            t,
            socket,
            direction,
            event,
            local,
            peer,
            length,
            text,
            hex,
        ]: [String; 10] = rec
            .try_into()
            .map_err(|r: Vec<String>| (n, format!("{} fields instead of 10", r.len())))?;
        let some = |s: String| if s.is_empty() { None } else { Some(s) };
        let len = match length.as_str() {
            "" => None,
            s => Some(
                s.parse::<usize>()
                    .map_err(|_| (n, format!("length {s:?}")))?,
            ),
        };
        let evicted = len.is_some_and(|l| l > 0) && hex.is_empty();
        let payload = match (len, evicted) {
            (Some(_), false) => {
                let bytes =
                    decode_hex(&hex).ok_or_else(|| (n, "hex column is not hex".to_string()))?;
                Some(Arc::from(bytes))
            }
            _ => None,
        };
        let mut row = Row {
            ts: time,
            t: t.parse().map_err(|_| (n, format!("t {t:?}")))?,
            socket: some(socket),
            local: some(local),
            peer: some(peer),
            len,
            payload,
            evicted,
            ..Row::default()
        };
        let direction = Direction::from_name(&direction)
            .ok_or_else(|| (n, format!("direction {direction:?}")))?;
        match direction {
            Direction::Command => row.command = Some(text),
            Direction::Error => {
                row.error = Some(text.strip_prefix("error: ").unwrap_or(&text).to_string());
                row.summary = Some(text);
            }
            _ if len.is_some() => row.text = some(text),
            _ => row.summary = some(text),
        }
        row.direction = direction;
        row.event = event;
        rows.push(row);
    }
    Ok(rows)
}

/// Reads a `.csv` log.
pub fn read_csv(path: &Path) -> Result<Vec<Row>, ReadError> {
    parse_csv_log(&read_text(path)?).map_err(|(line, what)| ReadError::Parse {
        path: path.to_path_buf(),
        line,
        what,
    })
}

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

/// Takes an Ethernet frame apart; `None` when it is not Ethernet/IPv4-or-IPv6/TCP-or-UDP.
pub fn parse_frame(ts: Duration, frame: &[u8], orig_len: usize) -> Option<Packet> {
    let truncated = frame.len() < orig_len;
    let ethertype = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
    let ip = frame.get(14..)?;
    let (src_ip, dst_ip, proto_no, l4, l4_wire_len, mut ok, pseudo): (
        IpAddr,
        IpAddr,
        u8,
        &[u8],
        usize,
        bool,
        Vec<u8>,
    ) = match ethertype {
        0x0800 => {
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
            (
                IpAddr::V4(Ipv4Addr::from(src)),
                IpAddr::V4(Ipv4Addr::from(dst)),
                ip[9],
                ip.get(ihl..end)?,
                l4_len,
                ok,
                pseudo,
            )
        }
        0x86dd => {
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
            (
                IpAddr::V6(Ipv6Addr::from(src)),
                IpAddr::V6(Ipv6Addr::from(dst)),
                *ip.get(6)?,
                ip.get(40..end)?,
                plen,
                true,
                pseudo,
            )
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_csv_parser_handles_quotes_and_newlines() {
        let text = "a,b,c\r\n\"x,1\",\"he said \"\"hi\"\"\",\"two\nlines\"\r\n,,\n";
        let recs = parse_csv(text).unwrap();
        assert_eq!(
            recs,
            vec![
                vec!["a", "b", "c"],
                vec!["x,1", "he said \"hi\"", "two\nlines"],
                vec!["", "", ""],
            ]
        );
        assert!(parse_csv("\"open").is_err());
        assert!(parse_csv("\"a\"b").is_err());
    }

    #[test]
    fn log_decode_hex() {
        assert_eq!(decode_hex("00ff7A"), Some(vec![0, 255, 0x7a]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(decode_hex(""), Some(vec![]));
    }

    #[test]
    fn log_json_row_checks_len_against_hex() {
        let v: Value = serde_json::json!({"ts": "x", "event": "sent", "len": 3, "hex": "0102"});
        assert!(row_from_json(&v).is_err());
        let v: Value = serde_json::json!({"ts": "x", "event": "sent", "len": 2, "hex": "0102"});
        assert_eq!(
            row_from_json(&v).unwrap().payload.as_deref(),
            Some(&[1u8, 2][..])
        );
    }
}
