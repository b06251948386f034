//! Socket addresses as the engine reports them, and the address forms a command may name.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;

use socket2::SockAddr;

use crate::engine::command::SockRef;

/// A concrete socket address: an IP address and port, or (later) a Unix path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Addr {
    /// An IPv4 or IPv6 address with a port.
    Ip(SocketAddr),
    /// A Unix domain socket bound to a file path.
    Path(PathBuf),
    /// A Unix domain socket in Linux's abstract namespace (shown as `@name`).
    Abstract(String),
    /// A socket with no address (an unbound Unix socket).
    Unnamed,
}

impl Addr {
    /// The IP socket address, when this is one.
    pub fn ip(&self) -> Option<SocketAddr> {
        match self {
            Addr::Ip(a) => Some(*a),
            _ => None,
        }
    }

    /// Converts an address returned by the OS.
    pub fn from_sock(sa: &SockAddr) -> Addr {
        if let Some(ip) = sa.as_socket() {
            return Addr::Ip(ip);
        }
        if let Some(path) = sa.as_pathname() {
            return Addr::Path(path.to_path_buf());
        }
        if let Some(name) = sa.as_abstract_namespace() {
            return Addr::Abstract(String::from_utf8_lossy(name).into_owned());
        }
        Addr::Unnamed
    }

    /// The address in the form the OS takes.
    pub fn to_sock(&self) -> std::io::Result<SockAddr> {
        match self {
            Addr::Ip(a) => Ok(SockAddr::from(*a)),
            Addr::Path(p) => SockAddr::unix(p),
            Addr::Abstract(name) => SockAddr::unix(format!("\0{name}")),
            Addr::Unnamed => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "an unnamed address cannot be used as a destination",
            )),
        }
    }

    /// The same address with an unspecified IP (`0.0.0.0`, `::`) replaced by loopback,
    /// which is what a peer on this machine connects to.
    pub fn reachable(&self) -> Addr {
        match self {
            Addr::Ip(a) if a.ip().is_unspecified() => {
                let ip = match a.ip() {
                    IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                    IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
                };
                Addr::Ip(SocketAddr::new(ip, a.port()))
            }
            other => other.clone(),
        }
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Addr::Ip(a) => write!(f, "{a}"),
            Addr::Path(p) => write!(f, "{}", p.display()),
            Addr::Abstract(n) => write!(f, "@{n}"),
            Addr::Unnamed => f.write_str("(unnamed)"),
        }
    }
}

impl From<SocketAddr> for Addr {
    fn from(a: SocketAddr) -> Self {
        Addr::Ip(a)
    }
}

/// An address as a command names it, before the engine resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AddrSpec {
    /// A literal address: `127.0.0.1:80`, `[::1]:80`, a Unix path.
    Exact(Addr),
    /// `*:PORT`: the unspecified address of the socket's family.
    Any(u16),
    /// `HOST:PORT` with a host name such as `localhost`, resolved by the engine.
    Host(String, u16),
    /// `$ID`: the current local address of another socket (unspecified IPs become loopback).
    LocalOf(SockRef),
}

impl fmt::Display for AddrSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddrSpec::Exact(Addr::Ip(a)) => write!(f, "{a}"),
            AddrSpec::Exact(a) => write!(f, "{a}"),
            AddrSpec::Any(p) => write!(f, "*:{p}"),
            AddrSpec::Host(h, p) => write!(f, "{h}:{p}"),
            AddrSpec::LocalOf(r) => write!(f, "${r}"),
        }
    }
}

impl From<SocketAddr> for AddrSpec {
    fn from(a: SocketAddr) -> Self {
        AddrSpec::Exact(Addr::Ip(a))
    }
}
