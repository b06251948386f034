//! Socket options: names as the command language spells them, values, and setting and
//! reading them back from the kernel; plus the kernel's TCP state of a connection.

use std::fmt;
use std::io;
use std::time::Duration;

use socket2::{Socket, TcpKeepalive};

use crate::engine::command::Family;

/// An option of `option ID NAME [VALUE]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SockOpt {
    /// `SO_REUSEADDR`.
    ReuseAddr,
    /// `SO_REUSEPORT`.
    ReusePort,
    /// `TCP_NODELAY` (Nagle off).
    NoDelay,
    /// `SO_KEEPALIVE`.
    KeepAlive,
    /// `TCP_KEEPIDLE`, seconds.
    KeepIdle,
    /// `TCP_KEEPINTVL`, seconds.
    KeepIntvl,
    /// `TCP_KEEPCNT`, probes.
    KeepCnt,
    /// `SO_RCVBUF`, bytes (the kernel doubles what is asked).
    RcvBuf,
    /// `SO_SNDBUF`, bytes.
    SndBuf,
    /// `IP_TTL` / `IPV6_UNICAST_HOPS`.
    Ttl,
    /// `SO_LINGER`: `off`, or seconds (0 makes close send a reset).
    Linger,
    /// `IPV6_V6ONLY`: off for a dual-stack socket.
    V6Only,
    /// `SO_BROADCAST`.
    Broadcast,
    /// `IP_MULTICAST_TTL` / `IPV6_MULTICAST_HOPS`.
    MulticastTtl,
    /// `IP_MULTICAST_LOOP` / `IPV6_MULTICAST_LOOP`.
    MulticastLoop,
}

impl SockOpt {
    /// Every option, in the order help lists them.
    pub const ALL: [SockOpt; 15] = [
        SockOpt::ReuseAddr,
        SockOpt::ReusePort,
        SockOpt::NoDelay,
        SockOpt::KeepAlive,
        SockOpt::KeepIdle,
        SockOpt::KeepIntvl,
        SockOpt::KeepCnt,
        SockOpt::RcvBuf,
        SockOpt::SndBuf,
        SockOpt::Ttl,
        SockOpt::Linger,
        SockOpt::V6Only,
        SockOpt::Broadcast,
        SockOpt::MulticastTtl,
        SockOpt::MulticastLoop,
    ];

    /// The option's name in the command language.
    pub fn name(self) -> &'static str {
        match self {
            SockOpt::ReuseAddr => "reuseaddr",
            SockOpt::ReusePort => "reuseport",
            SockOpt::NoDelay => "nodelay",
            SockOpt::KeepAlive => "keepalive",
            SockOpt::KeepIdle => "keepidle",
            SockOpt::KeepIntvl => "keepintvl",
            SockOpt::KeepCnt => "keepcnt",
            SockOpt::RcvBuf => "rcvbuf",
            SockOpt::SndBuf => "sndbuf",
            SockOpt::Ttl => "ttl",
            SockOpt::Linger => "linger",
            SockOpt::V6Only => "v6only",
            SockOpt::Broadcast => "broadcast",
            SockOpt::MulticastTtl => "mcast-ttl",
            SockOpt::MulticastLoop => "mcast-loop",
        }
    }

    /// The option named `name`, if any.
    pub fn from_name(name: &str) -> Option<SockOpt> {
        SockOpt::ALL.into_iter().find(|o| o.name() == name)
    }

    /// True for on/off options.
    pub fn is_bool(self) -> bool {
        matches!(
            self,
            SockOpt::ReuseAddr
                | SockOpt::ReusePort
                | SockOpt::NoDelay
                | SockOpt::KeepAlive
                | SockOpt::V6Only
                | SockOpt::Broadcast
                | SockOpt::MulticastLoop
        )
    }

    /// What a value of this option looks like, for messages and help.
    pub fn value_form(self) -> &'static str {
        match self {
            o if o.is_bool() => "on|off",
            SockOpt::Linger => "off|SECONDS",
            SockOpt::KeepIdle | SockOpt::KeepIntvl => "SECONDS",
            SockOpt::RcvBuf | SockOpt::SndBuf => "BYTES",
            _ => "NUMBER",
        }
    }
}

impl fmt::Display for SockOpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value to set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptValue {
    /// `on` / `off`.
    Bool(bool),
    /// A number (bytes, seconds, hops, probes).
    Num(u32),
    /// `off` for linger.
    Off,
}

impl fmt::Display for OptValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptValue::Bool(true) => f.write_str("on"),
            OptValue::Bool(false) | OptValue::Off => f.write_str("off"),
            OptValue::Num(n) => write!(f, "{n}"),
        }
    }
}

fn want_bool(opt: SockOpt, v: OptValue) -> io::Result<bool> {
    match v {
        OptValue::Bool(b) => Ok(b),
        OptValue::Off => Ok(false),
        OptValue::Num(0) => Ok(false),
        OptValue::Num(1) => Ok(true),
        OptValue::Num(_) => Err(bad_value(opt)),
    }
}

fn want_num(opt: SockOpt, v: OptValue) -> io::Result<u32> {
    match v {
        OptValue::Num(n) => Ok(n),
        _ => Err(bad_value(opt)),
    }
}

fn bad_value(opt: SockOpt) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{} takes {}", opt.name(), opt.value_form()),
    )
}

fn onoff(b: bool) -> String {
    if b { "on".into() } else { "off".into() }
}

/// Sets an option on the kernel socket.
pub(crate) fn set(os: &Socket, family: Family, opt: SockOpt, v: OptValue) -> io::Result<()> {
    let v6 = family == Family::V6;
    match opt {
        SockOpt::ReuseAddr => os.set_reuse_address(want_bool(opt, v)?),
        SockOpt::ReusePort => os.set_reuse_port(want_bool(opt, v)?),
        SockOpt::NoDelay => os.set_tcp_nodelay(want_bool(opt, v)?),
        SockOpt::KeepAlive => os.set_keepalive(want_bool(opt, v)?),
        SockOpt::KeepIdle => {
            let secs = want_num(opt, v)?;
            os.set_tcp_keepalive(&TcpKeepalive::new().with_time(Duration::from_secs(secs.into())))
        }
        SockOpt::KeepIntvl => {
            let secs = want_num(opt, v)?;
            os.set_tcp_keepalive(
                &TcpKeepalive::new().with_interval(Duration::from_secs(secs.into())),
            )
        }
        SockOpt::KeepCnt => {
            os.set_tcp_keepalive(&TcpKeepalive::new().with_retries(want_num(opt, v)?))
        }
        SockOpt::RcvBuf => os.set_recv_buffer_size(want_num(opt, v)? as usize),
        SockOpt::SndBuf => os.set_send_buffer_size(want_num(opt, v)? as usize),
        SockOpt::Ttl if v6 => os.set_unicast_hops_v6(want_num(opt, v)?),
        SockOpt::Ttl => os.set_ttl_v4(want_num(opt, v)?),
        SockOpt::Linger => match v {
            OptValue::Off | OptValue::Bool(false) => os.set_linger(None),
            OptValue::Num(secs) => os.set_linger(Some(Duration::from_secs(secs.into()))),
            OptValue::Bool(true) => Err(bad_value(opt)),
        },
        SockOpt::V6Only => os.set_only_v6(want_bool(opt, v)?),
        SockOpt::Broadcast => os.set_broadcast(want_bool(opt, v)?),
        SockOpt::MulticastTtl if v6 => os.set_multicast_hops_v6(want_num(opt, v)?),
        SockOpt::MulticastTtl => os.set_multicast_ttl_v4(want_num(opt, v)?),
        SockOpt::MulticastLoop if v6 => os.set_multicast_loop_v6(want_bool(opt, v)?),
        SockOpt::MulticastLoop => os.set_multicast_loop_v4(want_bool(opt, v)?),
    }
}

/// Reads an option back from the kernel, as text.
pub(crate) fn get(os: &Socket, family: Family, opt: SockOpt) -> io::Result<String> {
    let v6 = family == Family::V6;
    Ok(match opt {
        SockOpt::ReuseAddr => onoff(os.reuse_address()?),
        SockOpt::ReusePort => onoff(os.reuse_port()?),
        SockOpt::NoDelay => onoff(os.tcp_nodelay()?),
        SockOpt::KeepAlive => onoff(os.keepalive()?),
        SockOpt::KeepIdle => os.tcp_keepalive_time()?.as_secs().to_string(),
        SockOpt::KeepIntvl => os.tcp_keepalive_interval()?.as_secs().to_string(),
        SockOpt::KeepCnt => os.tcp_keepalive_retries()?.to_string(),
        SockOpt::RcvBuf => os.recv_buffer_size()?.to_string(),
        SockOpt::SndBuf => os.send_buffer_size()?.to_string(),
        SockOpt::Ttl if v6 => os.unicast_hops_v6()?.to_string(),
        SockOpt::Ttl => os.ttl_v4()?.to_string(),
        SockOpt::Linger => match os.linger()? {
            None => "off".into(),
            Some(d) => d.as_secs().to_string(),
        },
        SockOpt::V6Only => onoff(os.only_v6()?),
        SockOpt::Broadcast => onoff(os.broadcast()?),
        SockOpt::MulticastTtl if v6 => os.multicast_hops_v6()?.to_string(),
        SockOpt::MulticastTtl => os.multicast_ttl_v4()?.to_string(),
        SockOpt::MulticastLoop if v6 => onoff(os.multicast_loop_v6()?),
        SockOpt::MulticastLoop => onoff(os.multicast_loop_v4()?),
    })
}

/// The kernel's state of a TCP socket (`ESTABLISHED`, `CLOSE_WAIT`, `TIME_WAIT`, …) from
/// `TCP_INFO`; `None` for other sockets or when the kernel does not say.
pub(crate) fn tcp_state(os: &Socket) -> Option<&'static str> {
    crate::engine::diag::tcp_state_name(crate::sys::net::tcp_info(os)?.tcpi_state)
}
