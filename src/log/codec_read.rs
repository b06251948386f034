//! Reading back the binary form [`super::codec`] writes: a [`Reader`] over the bytes that
//! answers `None` on anything short or unknown.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::codec::OPS;
use crate::engine::{
    Addr, Cause, Counters, EventKind, Family, How, OpError, Proto, SockId, SockStats,
};

/// Reads what the `put_*` functions wrote; `None` on anything short or unknown.
pub(super) struct Reader<'a>(pub(super) &'a [u8]);

impl<'a> Reader<'a> {
    pub(super) fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    pub(super) fn flag(&mut self) -> Option<bool> {
        Some(self.byte()? != 0)
    }

    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    pub(super) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    pub(super) fn uint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(n);
            }
        }
        None
    }

    pub(super) fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.uint()?).ok()
    }

    pub(super) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.usize()?;
        self.take(n)
    }

    pub(super) fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }

    pub(super) fn opt_string(&mut self) -> Option<Option<String>> {
        match self.byte()? {
            0 => Some(None),
            _ => Some(Some(self.string()?)),
        }
    }

    pub(super) fn time(&mut self, base: SystemTime) -> Option<SystemTime> {
        let z = self.uint()?;
        let n = ((z >> 1) as i64) ^ -((z & 1) as i64);
        let d = Duration::from_nanos(n.unsigned_abs());
        if n >= 0 {
            base.checked_add(d)
        } else {
            base.checked_sub(d)
        }
    }

    pub(super) fn addr(&mut self) -> Option<Addr> {
        let tag = self.byte()?;
        self.addr_tagged(tag)
    }

    pub(super) fn opt_addr(&mut self) -> Option<Option<Addr>> {
        match self.byte()? {
            0 => Some(None),
            tag => Some(Some(self.addr_tagged(tag)?)),
        }
    }

    pub(super) fn addr_tagged(&mut self, tag: u8) -> Option<Addr> {
        Some(match tag {
            1 => {
                let ip = Ipv4Addr::from(self.array::<4>()?);
                let port = u16::from_le_bytes(self.array()?);
                Addr::Ip(SocketAddr::V4(SocketAddrV4::new(ip, port)))
            }
            2 => {
                let ip = Ipv6Addr::from(self.array::<16>()?);
                let port = u16::from_le_bytes(self.array()?);
                let flow = u32::try_from(self.uint()?).ok()?;
                let scope = u32::try_from(self.uint()?).ok()?;
                Addr::Ip(SocketAddr::V6(SocketAddrV6::new(ip, port, flow, scope)))
            }
            3 => {
                use std::os::unix::ffi::OsStringExt;
                let raw = self.bytes()?.to_vec();
                Addr::Path(PathBuf::from(std::ffi::OsString::from_vec(raw)))
            }
            4 => Addr::Abstract(self.string()?),
            5 => Addr::Unnamed,
            _ => return None,
        })
    }

    /// A payload: its bytes (`None` evicted), or its length only (`Some(len)` evicted).
    pub(super) fn payload(&mut self) -> Option<(Arc<[u8]>, Option<u32>)> {
        match self.byte()? {
            0 => Some((
                super::record::empty_payload(),
                Some(u32::try_from(self.uint()?).ok()?),
            )),
            _ => Some((Arc::from(self.bytes()?), None)),
        }
    }

    pub(super) fn kind(&mut self) -> Option<(EventKind, Option<u32>)> {
        let tag = self.byte()?;
        if tag <= 2 {
            return self.traffic(tag);
        }
        let kind = match tag {
            3 => EventKind::Created {
                proto: [Proto::Tcp, Proto::Udp, Proto::UnixStream, Proto::UnixDgram]
                    .get(usize::from(self.byte()?))
                    .copied()?,
                family: [Family::V4, Family::V6, Family::Unix]
                    .get(usize::from(self.byte()?))
                    .copied()?,
                name: self.opt_string()?,
            },
            4 => EventKind::Bound {
                local: self.addr()?,
                implicit: self.flag()?,
            },
            5 => EventKind::Listening {
                local: self.addr()?,
                backlog: u32::try_from(self.uint()?).ok()?,
            },
            6 => EventKind::Accepted {
                listener: SockId(u32::try_from(self.uint()?).ok()?),
                local: self.addr()?,
                peer: self.addr()?,
                name: self.opt_string()?.map(Box::new),
            },
            7 => EventKind::Connecting { peer: self.addr()? },
            8 => EventKind::Connected {
                local: self.addr()?,
                peer: self.addr()?,
            },
            9 => EventKind::SendProgress {
                sent: self.uint()?,
                total: self.uint()?,
            },
            10 => EventKind::PeerClosed,
            11 => EventKind::Shut {
                how: [How::Read, How::Write, How::Both]
                    .get(usize::from(self.byte()?))
                    .copied()?,
            },
            12 => EventKind::AutoAccept { on: self.flag()? },
            13 => EventKind::Closed,
            20 => EventKind::Reset,
            21 => EventKind::Tls(Box::new(serde_json::from_slice(self.bytes()?).ok()?)),
            14 => EventKind::Failed(self.error()?),
            15 => EventKind::Readiness {
                readable: self.flag()?,
                writable: self.flag()?,
                pending: self.usize()?,
            },
            16 => EventKind::WouldBlock,
            17 => EventKind::RepeatDone { sent: self.uint()? },
            18 => EventKind::Flooded {
                msgs: self.uint()?,
                bytes: self.uint()?,
            },
            19 => EventKind::Stats(self.stats()?),
            _ => return None,
        };
        Some((kind, None))
    }

    pub(super) fn traffic(&mut self, tag: u8) -> Option<(EventKind, Option<u32>)> {
        let peer = self.opt_addr()?;
        Some(match tag {
            0 => {
                let truncated_from = self.usize()?.checked_sub(1);
                let (data, evicted) = self.payload()?;
                let kind = EventKind::Received {
                    peer,
                    data,
                    truncated_from,
                };
                (kind, evicted)
            }
            1 => {
                let reply = self.flag()?;
                let (data, evicted) = self.payload()?;
                (EventKind::Sent { peer, data, reply }, evicted)
            }
            _ => {
                let (data, evicted) = self.payload()?;
                (EventKind::Message { peer, data }, evicted)
            }
        })
    }

    pub(super) fn stats(&mut self) -> Option<SockStats> {
        let mut n = [0u64; 4];
        for v in &mut n {
            *v = self.uint()?;
        }
        let mut f = [0f64; 3];
        for v in &mut f {
            *v = f64::from_le_bytes(self.array()?);
        }
        Some(SockStats {
            counters: Counters {
                bytes_in: n[0],
                bytes_out: n[1],
                msgs_in: n[2],
                msgs_out: n[3],
            },
            secs: f[0],
            rate_in: f[1],
            rate_out: f[2],
        })
    }

    pub(super) fn error(&mut self) -> Option<OpError> {
        let op = OPS.get(usize::from(self.byte()?)).copied()?;
        let addr = self.opt_addr()?;
        let cause = match self.byte()? {
            0 => Cause::AddrInUse,
            1 => Cause::AddrNotAvailable,
            2 => Cause::PermissionDenied {
                privileged: self.flag()?,
                errno: self.uint()? as u32 as i32,
            },
            3 => Cause::Refused,
            4 => Cause::Reset,
            5 => Cause::BrokenPipe,
            6 => Cause::TimedOut(Duration::from_nanos(self.uint()?)),
            7 => Cause::NetUnreachable,
            8 => Cause::HostUnreachable,
            9 => Cause::Refusal(Box::new(serde_json::from_str(&self.string()?).ok()?)),
            10 => Cause::NoSuchSocket(self.string()?),
            11 => Cause::Unresolved(self.string()?),
            12 => Cause::TooManyFiles,
            13 => Cause::Os {
                errno: self.uint()? as u32 as i32,
                text: self.string()?,
            },
            14 => Cause::KernelTimedOut {
                connecting: self.flag()?,
            },
            15 => Cause::SystemTooManyFiles,
            _ => return None,
        };
        Some(OpError { op, addr, cause })
    }
}
