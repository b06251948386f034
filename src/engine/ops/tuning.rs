//! Commands that tune a socket in the kernel: options, multicast membership, and abort
//! (linger 0, so that close sends a reset).

use std::net::{IpAddr, Ipv4Addr};

use socket2::InterfaceIndexOrAddress;

use crate::engine::error::{Cause, Op, OpError};
use crate::engine::event::{CmdId, EventKind, Setting, SockId};
use crate::engine::fsm::{Refusal, Step};
use crate::engine::options::{self, OptValue, SockOpt};
use crate::engine::reactor::Reactor;

/// An interface named by index or name, as `if_nametoindex` resolves it.
fn iface_index(op: Op, name: &str) -> Result<u32, OpError> {
    if let Ok(n) = name.parse::<u32>() {
        return Ok(n);
    }
    if name.contains('\0') {
        let name = name.to_string();
        return Err(OpError::state(op, Refusal::BadInterface { name }));
    }
    crate::sys::net::if_nametoindex(name).ok_or_else(|| {
        let name = name.to_string();
        OpError::state(op, Refusal::NoInterface { name })
    })
}

impl Reactor {
    /// `option ID NAME [VALUE]`.
    pub(crate) fn option(
        &mut self,
        cmd: CmdId,
        id: SockId,
        opt: SockOpt,
        value: Option<OptValue>,
    ) -> Result<(), OpError> {
        let sock = &self.socks[&id];
        sock.check(Op::Option, Step::Option)?;
        let os = sock.open(Op::Option)?;
        let fail = |e: std::io::Error| OpError {
            op: Op::Option,
            addr: None,
            cause: match e.kind() {
                std::io::ErrorKind::InvalidInput => {
                    Cause::Refusal(Box::new(Refusal::BadOptionValue(e.to_string())))
                }
                _ => Cause::from_io(&e, None),
            },
        };
        if let Some(v) = value {
            options::set(os, sock.family, opt, v).map_err(|e| {
                let mut err = fail(e);
                err.cause = err.cause.prefixed(&opt.to_string());
                err
            })?;
        }
        let value = options::get(os, sock.family, opt).map_err(fail)?;
        self.hub.emit(
            Some(id),
            Some(cmd),
            EventKind::Set(Setting::Option { opt, value }),
        );
        Ok(())
    }

    /// `join` and `leave`.
    pub(crate) fn membership(
        &mut self,
        cmd: CmdId,
        id: SockId,
        group: IpAddr,
        iface: Option<&str>,
        join: bool,
    ) -> Result<(), OpError> {
        let op = if join { Op::Join } else { Op::Leave };
        let sock = &self.socks[&id];
        sock.check(op, Step::Multicast)?;
        let os = sock.open(op)?;
        if !group.is_multicast() {
            return Err(OpError::state(op, Refusal::NotMulticast { group }));
        }
        let result = match group {
            IpAddr::V4(g) => {
                let via = match iface {
                    None => InterfaceIndexOrAddress::Address(Ipv4Addr::UNSPECIFIED),
                    Some(text) => match text.parse::<Ipv4Addr>() {
                        Ok(a) => InterfaceIndexOrAddress::Address(a),
                        Err(_) => InterfaceIndexOrAddress::Index(iface_index(op, text)?),
                    },
                };
                if join {
                    os.join_multicast_v4_n(&g, &via)
                } else {
                    os.leave_multicast_v4_n(&g, &via)
                }
            }
            IpAddr::V6(g) => {
                let idx = match iface {
                    None => 0,
                    Some(text) => iface_index(op, text)?,
                };
                if join {
                    os.join_multicast_v6(&g, idx)
                } else {
                    os.leave_multicast_v6(&g, idx)
                }
            }
        };
        result.map_err(|e| {
            let mut err = OpError::io(op, None, &e);
            err.cause = err.cause.prefixed(&format!("group {group}"));
            err
        })?;
        let s = if join {
            Setting::Joined(group)
        } else {
            Setting::Left(group)
        };
        self.hub.emit(Some(id), Some(cmd), EventKind::Set(s));
        Ok(())
    }

    /// `abort`: linger 0, then close — the peer sees a reset.
    pub(crate) fn abort(&mut self, cmd: CmdId, id: SockId) -> Result<(), OpError> {
        let sock = &self.socks[&id];
        sock.check(Op::Abort, Step::Abort)?;
        let os = sock.open(Op::Abort)?;
        os.set_linger(Some(std::time::Duration::ZERO))
            .map_err(|e| OpError::io(Op::Abort, None, &e))?;
        if let Some(s) = self.socks.get_mut(&id) {
            s.outq.clear();
        }
        self.close(Some(cmd), id)
    }
}
