//! A compact binary form of a [`Record`], for the spill file: varints, addresses as raw
//! bytes, times relative to a base. Every record that traffic or peers can cause has one;
//! the replies to a setting or a `status` (`Set`, `Responding`, `Status`), one per command,
//! have none ([`encode`] says so and the store keeps them in memory).

use std::net::SocketAddr;
use std::time::SystemTime;

use super::codec_read::Reader;
use super::{LoggedEvent, Record};
use crate::engine::{
    Addr, Cause, CmdId, Event, EventKind, Family, How, Op, OpError, Proto, SockId,
};

/// Every [`Op`], in the order of its code.
pub(super) const OPS: [Op; 24] = [
    Op::Socket,
    Op::Bind,
    Op::Listen,
    Op::Accept,
    Op::Connect,
    Op::Send,
    Op::SendTo,
    Op::Recv,
    Op::Shutdown,
    Op::Close,
    Op::Respond,
    Op::Resolve,
    Op::ReadFile,
    Op::Status,
    Op::Set,
    Op::Option,
    Op::Join,
    Op::Leave,
    Op::Repeat,
    Op::Abort,
    Op::Ready,
    Op::Chunked,
    Op::Flood,
    Op::Tls,
];

/// Appends `rec` to `out` with its time relative to `base`; `keep_payload` says whether the
/// payload bytes go along (else only their length, and the record reads back as evicted).
/// Returns false, writing nothing, for a record without a binary form.
pub(super) fn encode(
    rec: &Record,
    base: SystemTime,
    keep_payload: bool,
    out: &mut Vec<u8>,
) -> bool {
    match rec {
        Record::Command { at, line } => {
            out.push(0);
            put_time(out, *at, base);
            put_bytes(out, line.as_bytes());
            true
        }
        Record::Event(ev) => {
            let start = out.len();
            out.push(1);
            put_time(out, ev.at, base);
            put_uint(out, ev.socket.map_or(0, |s| u64::from(s.0) + 1));
            put_uint(out, ev.cmd.map_or(0, CmdId::get));
            if put_kind(out, ev, keep_payload) {
                true
            } else {
                out.truncate(start);
                false
            }
        }
    }
}

/// Reads one record written by [`encode`] with the same `base`, advancing `input`.
pub(super) fn decode(input: &mut &[u8], base: SystemTime) -> Option<Record> {
    let mut r = Reader(input);
    let rec = match r.byte()? {
        0 => Record::Command {
            at: r.time(base)?,
            line: r.string()?,
        },
        1 => {
            let at = r.time(base)?;
            let socket = r.uint()?.checked_sub(1).map(|n| SockId(n as u32));
            let cmd = Some(r.uint()?).filter(|&n| n > 0).map(CmdId::from_raw);
            let (kind, evicted) = r.kind()?;
            let event = Event {
                at,
                socket,
                cmd,
                kind,
            };
            Record::Event(LoggedEvent { event, evicted })
        }
        _ => return None,
    };
    *input = r.0;
    Some(rec)
}

/// Appends the event's kind: a tag, then its fields. False for a kind without binary form.
fn put_kind(out: &mut Vec<u8>, ev: &LoggedEvent, keep: bool) -> bool {
    match &ev.event.kind {
        EventKind::Received { .. } | EventKind::Sent { .. } | EventKind::Message { .. } => {
            put_traffic(out, ev, keep)
        }
        EventKind::Created {
            proto,
            family,
            name,
        } => {
            out.extend([3, proto_code(*proto), family_code(*family)]);
            put_opt_str(out, name.as_deref());
        }
        EventKind::Bound { local, implicit } => {
            out.push(4);
            put_addr(out, local);
            out.push(u8::from(*implicit));
        }
        EventKind::Listening { local, backlog } => {
            out.push(5);
            put_addr(out, local);
            put_uint(out, u64::from(*backlog));
        }
        EventKind::Accepted {
            listener,
            local,
            peer,
            name,
        } => {
            out.push(6);
            put_uint(out, u64::from(listener.0));
            put_addr(out, local);
            put_addr(out, peer);
            put_opt_str(out, name.as_deref().map(String::as_str));
        }
        EventKind::Connecting { peer } => {
            out.push(7);
            put_addr(out, peer);
        }
        EventKind::Connected { local, peer } => {
            out.push(8);
            put_addr(out, local);
            put_addr(out, peer);
        }
        EventKind::Tls(t) => {
            // Rare and nested (a certificate chain): its JSON is compact enough.
            out.push(21);
            put_bytes(out, &serde_json::to_vec(t).unwrap_or_default());
        }
        EventKind::Status(_) | EventKind::Responding { .. } | EventKind::Set(_) => return false,
        EventKind::SendProgress { .. }
        | EventKind::PeerClosed
        | EventKind::Shut { .. }
        | EventKind::AutoAccept { .. }
        | EventKind::Closed
        | EventKind::Failed(_)
        | EventKind::Readiness { .. }
        | EventKind::WouldBlock
        | EventKind::RepeatDone { .. }
        | EventKind::Flooded { .. }
        | EventKind::Stats(_)
        | EventKind::Reset => put_progress(out, &ev.event.kind),
    }
    true
}

/// The payload-carrying kinds (tags 0-2); the payload's bytes go along only when `keep`
/// and they are still in memory, else only its length.
fn put_traffic(out: &mut Vec<u8>, ev: &LoggedEvent, keep: bool) {
    let payload = |out: &mut Vec<u8>, data: &[u8]| match ev.evicted {
        Some(n) => {
            out.push(0);
            put_uint(out, u64::from(n));
        }
        None if keep => {
            out.push(1);
            put_bytes(out, data);
        }
        None => {
            out.push(0);
            put_uint(out, data.len() as u64);
        }
    };
    match &ev.event.kind {
        EventKind::Received {
            peer,
            data,
            truncated_from,
        } => {
            out.push(0);
            put_opt_addr(out, peer.as_ref());
            put_uint(out, truncated_from.map_or(0, |n| n as u64 + 1));
            payload(out, data);
        }
        EventKind::Sent { peer, data, reply } => {
            out.push(1);
            put_opt_addr(out, peer.as_ref());
            out.push(u8::from(*reply));
            payload(out, data);
        }
        EventKind::Message { peer, data } => {
            out.push(2);
            put_opt_addr(out, peer.as_ref());
            payload(out, data);
        }
        _ => {}
    }
}

/// The kinds without addresses (tags 9-20): progress, closes, failures, counters.
fn put_progress(out: &mut Vec<u8>, kind: &EventKind) {
    match kind {
        EventKind::SendProgress { sent, total } => {
            out.push(9);
            put_uint(out, *sent);
            put_uint(out, *total);
        }
        EventKind::PeerClosed => out.push(10),
        EventKind::Shut { how } => out.extend([11, how_code(*how)]),
        EventKind::AutoAccept { on } => out.extend([12, u8::from(*on)]),
        EventKind::Closed => out.push(13),
        EventKind::Failed(e) => {
            out.push(14);
            put_error(out, e);
        }
        EventKind::Readiness {
            readable,
            writable,
            pending,
        } => {
            out.extend([15, u8::from(*readable), u8::from(*writable)]);
            put_uint(out, *pending as u64);
        }
        EventKind::WouldBlock => out.push(16),
        EventKind::RepeatDone { sent } => {
            out.push(17);
            put_uint(out, *sent);
        }
        EventKind::Flooded { msgs, bytes } => {
            out.push(18);
            put_uint(out, *msgs);
            put_uint(out, *bytes);
        }
        EventKind::Stats(s) => {
            out.push(19);
            let c = &s.counters;
            for n in [c.bytes_in, c.bytes_out, c.msgs_in, c.msgs_out] {
                put_uint(out, n);
            }
            for f in [s.secs, s.rate_in, s.rate_out] {
                out.extend(f.to_le_bytes());
            }
        }
        EventKind::Reset => out.push(20),
        // The address-carrying kinds are written by `put_kind`, the rest have no binary form.
        _ => {}
    }
}

fn put_error(out: &mut Vec<u8>, e: &OpError) {
    out.push(OPS.iter().position(|o| *o == e.op).unwrap_or(0) as u8);
    put_opt_addr(out, e.addr.as_ref());
    match &e.cause {
        Cause::AddrInUse => out.push(0),
        Cause::AddrNotAvailable => out.push(1),
        Cause::PermissionDenied { privileged, errno } => {
            out.extend([2, u8::from(*privileged)]);
            put_uint(out, u64::from(*errno as u32));
        }
        Cause::Refused => out.push(3),
        Cause::Reset => out.push(4),
        Cause::BrokenPipe => out.push(5),
        Cause::TimedOut(d) => {
            out.push(6);
            put_uint(out, d.as_nanos().min(u128::from(u64::MAX)) as u64);
        }
        Cause::NetUnreachable => out.push(7),
        Cause::HostUnreachable => out.push(8),
        Cause::Refusal(r) => {
            // A refusal is rare: kept as its serde form, every field intact.
            out.push(9);
            put_bytes(out, &serde_json::to_vec(r).unwrap_or_default());
        }
        Cause::NoSuchSocket(s) => {
            out.push(10);
            put_bytes(out, s.as_bytes());
        }
        Cause::Unresolved(s) => {
            out.push(11);
            put_bytes(out, s.as_bytes());
        }
        Cause::TooManyFiles => out.push(12),
        Cause::Os { errno, text } => {
            out.push(13);
            put_uint(out, u64::from(*errno as u32));
            put_bytes(out, text.as_bytes());
        }
        Cause::KernelTimedOut { connecting } => out.extend([14, u8::from(*connecting)]),
        Cause::SystemTooManyFiles => out.push(15),
    }
}

fn proto_code(p: Proto) -> u8 {
    match p {
        Proto::Tcp => 0,
        Proto::Udp => 1,
        Proto::UnixStream => 2,
        Proto::UnixDgram => 3,
    }
}

fn family_code(f: Family) -> u8 {
    match f {
        Family::V4 => 0,
        Family::V6 => 1,
        Family::Unix => 2,
    }
}

fn how_code(h: How) -> u8 {
    match h {
        How::Read => 0,
        How::Write => 1,
        How::Both => 2,
    }
}

/// LEB128: 7 bits a byte, low first.
fn put_uint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_uint(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_bytes(out, s.as_bytes());
        }
    }
}

/// A time as signed nanoseconds from `base` (zig-zag, so both directions stay short).
fn put_time(out: &mut Vec<u8>, at: SystemTime, base: SystemTime) {
    let nanos: i128 = match at.duration_since(base) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    };
    let n = nanos.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
    put_uint(out, ((n << 1) ^ (n >> 63)) as u64);
}

fn put_addr(out: &mut Vec<u8>, a: &Addr) {
    match a {
        Addr::Ip(SocketAddr::V4(v4)) => {
            out.push(1);
            out.extend(v4.ip().octets());
            out.extend(v4.port().to_le_bytes());
        }
        Addr::Ip(SocketAddr::V6(v6)) => {
            out.push(2);
            out.extend(v6.ip().octets());
            out.extend(v6.port().to_le_bytes());
            put_uint(out, u64::from(v6.flowinfo()));
            put_uint(out, u64::from(v6.scope_id()));
        }
        Addr::Path(p) => {
            out.push(3);
            put_bytes(out, p.as_os_str().as_encoded_bytes());
        }
        Addr::Abstract(s) => {
            out.push(4);
            put_bytes(out, s.as_bytes());
        }
        Addr::Unnamed => out.push(5),
    }
}

fn put_opt_addr(out: &mut Vec<u8>, a: Option<&Addr>) {
    match a {
        None => out.push(0),
        Some(a) => put_addr(out, a),
    }
}

#[cfg(test)]
#[path = "codec_tls_tests.rs"]
mod tls_tests;
