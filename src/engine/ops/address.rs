//! Addresses for a socket's commands: an address spec made concrete for the socket's
//! family (`*:PORT`, `$ID`, an IPv4 address on an IPv6 socket), and the ephemeral bind a
//! first `sendto` makes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::engine::addr::{Addr, AddrSpec};
use crate::engine::command::Family;
use crate::engine::error::{Cause, Op, OpError};
use crate::engine::event::SockId;
use crate::engine::fsm::Refusal;
use crate::engine::reactor::Reactor;

impl Reactor {
    /// Turns an address spec into a concrete address for a socket of `family`.
    pub(crate) fn resolve(&self, op: Op, spec: &AddrSpec, family: Family) -> Result<Addr, OpError> {
        let addr = match spec {
            AddrSpec::Exact(a) => a.clone(),
            AddrSpec::Any(port) => Addr::Ip(match family {
                Family::V4 => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), *port),
                Family::V6 => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), *port),
                Family::Unix => return Err(OpError::state(op, Refusal::UnixAny)),
            }),
            AddrSpec::Host(host, _) => {
                // Names are resolved off this thread before the command runs
                // (`defer_for_name`); one that reaches here was not, and is not waited for.
                return Err(OpError::new(Op::Resolve, Cause::Unresolved(host.clone())));
            }
            AddrSpec::LocalOf(r) => {
                let id = self
                    .lookup(r)
                    .ok_or_else(|| OpError::new(Op::Resolve, Cause::NoSuchSocket(r.to_string())))?;
                match &self.socks[&id].local {
                    Some(a) => a.reachable(),
                    None => {
                        let sock = r.to_string();
                        return Err(OpError::state(Op::Resolve, Refusal::NoLocalYet { sock }));
                    }
                }
            }
        };
        fit_family(op, addr, family)
    }

    /// Binds an unbound IP datagram socket to an ephemeral port, as the OS does on a first
    /// `sendto`, but first, so that the reply port is reported before a datagram leaves;
    /// then registers it with the poller.
    pub(crate) fn bind_implicitly(&mut self, id: SockId) -> Result<(), OpError> {
        let family = self.sock(id).family;
        if self.sock(id).local.is_none() && family != Family::Unix {
            let any = self.resolve(Op::SendTo, &AddrSpec::Any(0), family)?;
            let sa = any
                .to_sock()
                .map_err(|e| OpError::io(Op::Bind, Some(&any), &e))?;
            if let Some(os) = self.sock(id).os.as_ref() {
                os.bind(&sa)
                    .map_err(|e| OpError::io(Op::Bind, Some(&any), &e))?;
            }
            self.note_implicit_bind(id);
        }
        self.register(id)
    }
}

/// Checks an address against a socket's family; an IPv4 address on an IPv6 socket is mapped.
fn fit_family(op: Op, addr: Addr, family: Family) -> Result<Addr, OpError> {
    let refusal = match (&addr, family) {
        (Addr::Ip(SocketAddr::V6(a)), Family::V4) => Refusal::V6OnV4 {
            addr: a.to_string(),
        },
        (Addr::Ip(SocketAddr::V4(a)), Family::V6) => {
            let mapped = a.ip().to_ipv6_mapped();
            return Ok(Addr::Ip(SocketAddr::new(IpAddr::V6(mapped), a.port())));
        }
        (Addr::Ip(_), Family::Unix) => Refusal::IpOnUnix,
        (Addr::Path(_) | Addr::Abstract(_) | Addr::Unnamed, Family::V4 | Family::V6) => {
            Refusal::PathOnIp
        }
        _ => return Ok(addr),
    };
    Err(OpError::at(op, &addr, Cause::Refusal(Box::new(refusal))))
}
