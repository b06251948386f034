//! Data steps (send, sendto, chunked, repeat, recv, ready, shutdown), serving configuration
//! and socket options, as Python statements.

use crate::engine::{Command, Family, How, OptValue, Payload, SockOpt};

use super::names::SockInfo;
use super::python::Gen;
use super::python_lit::{py_payload, py_secs};

/// One data or configuration command.
pub(crate) fn data_step(g: &mut Gen<'_>, cmd: &Command) {
    let Some(target) = cmd.target() else { return };
    let Some(s) = g.sock(target) else { return };
    let v = s.var.clone();
    match cmd {
        Command::Send { .. }
        | Command::SendTo { .. }
        | Command::Chunked { .. }
        | Command::Repeat {
            count: Some(_),
            payload: Payload::Bytes(_),
            ..
        } => send_step(g, &s, cmd),
        Command::Recv { .. }
        | Command::RecvSize { .. }
        | Command::RecvMode { .. }
        | Command::Ready { .. } => recv_step(g, &s, cmd),
        Command::Shutdown { how, .. } => {
            let h = match how {
                How::Read => "SHUT_RD",
                How::Write => "SHUT_WR",
                How::Both => "SHUT_RDWR",
            };
            g.emit(&format!("{v}.shutdown(socket.{h})"));
        }
        Command::Respond { .. }
        | Command::RuleAdd { .. }
        | Command::RuleClear { .. }
        | Command::Greet { .. }
        | Command::Frame { .. } => {
            let kind = if g
                .confs
                .get(&v)
                .is_some_and(|c| c.serves() || c.serves_accepted())
            {
                format!("reply_{v} / messages_{v} above carry it out")
            } else {
                "nothing answers on this socket, so it changes nothing here".to_string()
            };
            g.emit(&format!("# serving: {kind}"));
        }
        Command::Join { group, iface, .. } if group.is_ipv4() => {
            let i = iface.as_deref().unwrap_or("0.0.0.0");
            g.emit(&format!(
                "{v}.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(\"{group}\") + socket.inet_aton(\"{i}\"))"
            ));
        }
        Command::Leave { group, iface, .. } if group.is_ipv4() => {
            let i = iface.as_deref().unwrap_or("0.0.0.0");
            g.emit(&format!(
                "{v}.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, socket.inet_aton(\"{group}\") + socket.inet_aton(\"{i}\"))"
            ));
        }
        Command::Repeat { .. } => g.skip("a repeat forever or from a file has no end in a script"),
        Command::RepeatStop { .. } => g.emit("# repeat stop: the repeat above already ended"),
        Command::Flood { .. } => g.skip("flood is a load generator, not a tutorial step"),
        Command::Stats { .. } => g.skip("counters and rates are the app's own bookkeeping"),
        _ => g.skip("no simple Python equivalent"),
    }
}

/// The receiving commands: `recv`, `recvsize`, `recvmode`, `ready`.
fn recv_step(g: &mut Gen<'_>, s: &SockInfo, cmd: &Command) {
    let v = s.var.clone();
    match cmd {
        Command::Recv { max, .. } => {
            let n = max.unwrap_or_else(|| g.size_of(s));
            g.emit(&format!(
                "data = step_recv(\"{v}\", {v}, {n})  # one recv({n}), as step mode does"
            ));
        }
        Command::RecvSize { size, .. } => {
            g.recv_size.insert(v.clone(), *size);
            g.emit(&format!(
                "# recvsize {size}: this socket's recv calls read at most {size} bytes"
            ));
        }
        Command::RecvMode { manual, .. } => g.emit(if *manual {
            "# recvmode manual: a Python socket reads only when recv is called, as step mode does"
        } else {
            "# recvmode auto: the program reads at each expect"
        }),
        Command::Ready { .. } => {
            g.emit(&format!(
                "r, w, _ = select.select([{v}], [{v}], [], 0)  # what select() says now"
            ));
            g.emit(&format!(
                "print(\"{v} readable:\", bool(r), \"writable:\", bool(w))"
            ));
        }
        _ => {}
    }
}

/// The sending commands: `send`, `sendto`, `chunked`, a counted `repeat`.
fn send_step(g: &mut Gen<'_>, s: &SockInfo, cmd: &Command) {
    let v = s.var.clone();
    match cmd {
        Command::Send { payload, .. } => {
            g.emit(&format!(
                "{v}.sendall({})  # the app shows the bytes sent",
                py_payload(payload)
            ));
        }
        Command::SendTo { addr, payload, .. } => {
            let Some(a) = g.addr(addr, s.family) else {
                return;
            };
            g.emit(&format!(
                "{v}.sendto({}, {a})  # one datagram",
                py_payload(payload)
            ));
        }
        Command::Chunked {
            size,
            delay,
            payload,
            ..
        } => {
            g.emit(&format!("data = {}", py_payload(payload)));
            g.emit(&format!(
                "for i in range(0, len(data), {size}):  # pieces of {size} bytes"
            ));
            g.emit(&format!("    {v}.sendall(data[i:i + {size}])"));
            g.emit(&format!("    time.sleep({})", py_secs(*delay)));
        }
        Command::Repeat {
            count: Some(n),
            every,
            payload: Payload::Bytes(p),
            to,
            ..
        } => {
            let dest = match to {
                Some(a) => match g.addr(a, s.family) {
                    Some(a) => Some(a),
                    None => return,
                },
                None => None,
            };
            let data = format!(
                "fill({}, b\"\", \"\", counter, ())",
                super::python_lit::py_bytes(p)
            );
            let send = match dest {
                Some(a) => format!("{v}.sendto({data}, {a})"),
                None => format!("{v}.sendall({data})"),
            };
            g.emit(&format!(
                "for counter in range(1, {}):  # repeat, {{counter}} from 1",
                n + 1
            ));
            g.emit(&format!("    {send}"));
            g.emit(&format!("    time.sleep({})", py_secs(*every)));
        }
        _ => {}
    }
}

/// `option ID NAME [VALUE]` as `setsockopt` (or `getsockopt` to read it back).
pub(crate) fn option_step(g: &mut Gen<'_>, cmd: &Command) {
    let Command::SetOption { sock, opt, value } = cmd else {
        return;
    };
    let Some(s) = g.sock(sock) else { return };
    let v6 = s.family == Family::V6;
    let (level, name) = match opt {
        SockOpt::ReuseAddr => ("SOL_SOCKET", "SO_REUSEADDR"),
        SockOpt::ReusePort => ("SOL_SOCKET", "SO_REUSEPORT"),
        SockOpt::NoDelay => ("IPPROTO_TCP", "TCP_NODELAY"),
        SockOpt::KeepAlive => ("SOL_SOCKET", "SO_KEEPALIVE"),
        SockOpt::KeepIdle => ("IPPROTO_TCP", "TCP_KEEPIDLE"),
        SockOpt::KeepIntvl => ("IPPROTO_TCP", "TCP_KEEPINTVL"),
        SockOpt::KeepCnt => ("IPPROTO_TCP", "TCP_KEEPCNT"),
        SockOpt::RcvBuf => ("SOL_SOCKET", "SO_RCVBUF"),
        SockOpt::SndBuf => ("SOL_SOCKET", "SO_SNDBUF"),
        SockOpt::Ttl if v6 => ("IPPROTO_IPV6", "IPV6_UNICAST_HOPS"),
        SockOpt::Ttl => ("IPPROTO_IP", "IP_TTL"),
        SockOpt::Linger => ("SOL_SOCKET", "SO_LINGER"),
        SockOpt::V6Only => ("IPPROTO_IPV6", "IPV6_V6ONLY"),
        SockOpt::Broadcast => ("SOL_SOCKET", "SO_BROADCAST"),
        SockOpt::MulticastTtl if v6 => ("IPPROTO_IPV6", "IPV6_MULTICAST_HOPS"),
        SockOpt::MulticastTtl => ("IPPROTO_IP", "IP_MULTICAST_TTL"),
        SockOpt::MulticastLoop if v6 => ("IPPROTO_IPV6", "IPV6_MULTICAST_LOOP"),
        SockOpt::MulticastLoop => ("IPPROTO_IP", "IP_MULTICAST_LOOP"),
    };
    let v = &s.var;
    let linger = *opt == SockOpt::Linger;
    let value = match value {
        None if linger => {
            let line = format!(
                "print(\"{v} {name}\", struct.unpack(\"ii\", {v}.getsockopt(socket.{level}, socket.{name}, 8)))"
            );
            return g.emit(&line);
        }
        None => {
            let line =
                format!("print(\"{v} {name}\", {v}.getsockopt(socket.{level}, socket.{name}))");
            return g.emit(&line);
        }
        Some(OptValue::Off) => "struct.pack(\"ii\", 0, 0)".to_string(),
        Some(OptValue::Num(n)) if linger => format!("struct.pack(\"ii\", 1, {n})"),
        Some(OptValue::Num(n)) => n.to_string(),
        Some(OptValue::Bool(b)) => u8::from(*b).to_string(),
    };
    g.emit(&format!(
        "{v}.setsockopt(socket.{level}, socket.{name}, {value})"
    ));
}
