//! The Python generator: one block of tutorial-style socket calls per script statement.

use std::collections::HashMap;

use crate::engine::{Command, Family, SockRef};
use crate::lang::{ScriptLine, Statement};

use super::Generated;
use super::names::{Names, SockInfo};
use super::python_lit::{py_addr, py_payload, py_secs};
use super::python_rt::{FILL, PRELUDE};
use super::python_sides::{Side, manual_listeners, setup_end, side_of, two_threads};
use super::python_srv::server_functions;
use super::python_steps::{data_step, option_step};
use super::servers::{ServerConf, collect};

/// How long `expect` waits when the script gives no duration, as sockscope does.
const EXPECT_DEFAULT_SECS: &str = "5.0";

/// The generator's state while it walks the script.
pub(crate) struct Gen<'a> {
    pub names: Names,
    pub confs: &'a HashMap<String, ServerConf>,
    pub recv_size: HashMap<String, usize>,
    pub body: String,
    pub untranslated: Vec<String>,
    pub line: &'a ScriptLine,
}

impl Gen<'_> {
    /// Adds one line of the program.
    pub fn emit(&mut self, code: &str) {
        self.body.push_str(code);
        self.body.push('\n');
    }

    /// Marks the current statement as left out, with why.
    pub fn skip(&mut self, why: &str) {
        let text = self.line.text.trim();
        self.emit(&format!("# not translated: {text} ({why})"));
        self.untranslated
            .push(format!("{}: {text}: {why}", self.line.line));
    }

    /// The socket a reference names; a reference to an unknown socket is left out.
    pub fn sock(&mut self, r: &SockRef) -> Option<SockInfo> {
        let info = self.names.get(r).cloned();
        if info.is_none() {
            self.skip(&format!("the script never made a socket {r}"));
        }
        info
    }

    /// An address for a socket of `family`, or `None` (left out) when it cannot be said.
    pub fn addr(&mut self, spec: &crate::engine::AddrSpec, family: Family) -> Option<String> {
        let a = py_addr(spec, family, &self.names);
        if a.is_none() {
            self.skip(&format!("{spec} names no socket of the script"));
        }
        a
    }

    /// Bytes per recv on a socket: its `recvsize`, else the tutorials' 1024 (65536 for datagrams,
    /// so a datagram is never cut).
    pub fn size_of(&self, s: &SockInfo) -> usize {
        let own = self.recv_size.get(&s.var);
        let inherited = s.parent.as_ref().and_then(|p| self.recv_size.get(p));
        own.or(inherited)
            .copied()
            .unwrap_or(if s.proto.is_stream() { 1024 } else { 65536 })
    }
}

/// The Python 3 program for a parsed script; `source` names the script in the header.
pub fn python(lines: &[ScriptLine], source: &str) -> Generated {
    python_noted(lines, &[], source)
}

/// The same, with what the app showed after each line (`notes[i]` for `lines[i]`) as comments.
pub(crate) fn python_noted(lines: &[ScriptLine], notes: &[Vec<String>], source: &str) -> Generated {
    let confs = collect(lines);
    let mut servers: Vec<&ServerConf> = confs
        .values()
        .filter(|c| c.serves() || c.serves_accepted())
        .collect();
    servers.sort_by_key(|c| c.last);
    let listeners = manual_listeners(confs.values());
    let mut chunks: Vec<(Side, String)> = Vec::new();
    let mut untranslated = Vec::new();
    let mut names = Names::default();
    let mut recv_size = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        let mut g = Gen {
            names,
            confs: &confs,
            recv_size,
            body: String::new(),
            untranslated,
            line,
        };
        g.emit("");
        g.emit(&format!("# line {}: {}", line.line, line.text.trim()));
        for n in notes.get(i).into_iter().flatten() {
            g.emit(&format!(
                "# the app showed: {}",
                n.replace(['\n', '\r'], " ")
            ));
        }
        statement(&mut g, &line.stmt);
        for c in servers.iter().filter(|c| c.last == i && c.serves()) {
            g.emit(&format!(
                "threading.Thread(target=serve_{v}, args=({v},), daemon=True).start()  \
                 # {v} now serves by itself",
                v = c.var
            ));
        }
        chunks.push((side_of(&line.stmt, &g.names, &listeners), g.body));
        (names, recv_size, untranslated) = (g.names, g.recv_size, g.untranslated);
    }
    let sides: Vec<Side> = chunks.iter().map(|(s, _)| *s).collect();
    let split = setup_end(lines, &sides).filter(|&end| sides[end + 1..].contains(&Side::Client));
    let body = match split {
        Some(end) => two_threads(&chunks, end, &names.vars()),
        None => {
            let steps: String = chunks.iter().map(|(_, c)| c.as_str()).collect();
            format!("\n\n# The steps of the script, in order.\n{steps}")
        }
    };
    let mut code = format!(
        "#!/usr/bin/env python3\n# {source} as a Python program, written by `sockscope code python`.\n\
         # Each step quotes the script line it comes from and says what sockscope shows there.\n"
    );
    code.push_str(PRELUDE);
    if servers.iter().any(|c| !c.rules.is_empty()) || body.contains("fill(") {
        code.push_str(FILL);
    }
    for c in &servers {
        code.push_str(&server_functions(c));
    }
    code.push_str(&body);
    code.push_str("\nprint(\"done: every step ran and every expect was met\")\n");
    Generated { code, untranslated }
}

/// One statement.
fn statement(g: &mut Gen<'_>, stmt: &Statement) {
    match stmt {
        Statement::Engine(cmd) => command(g, cmd),
        Statement::Expect {
            sock,
            payload,
            timeout,
        } => {
            let Some(s) = g.sock(sock) else { return };
            if g.confs.get(&s.var).is_some_and(|c| c.serves()) {
                return g.skip("its own loop reads what arrives on a serving socket");
            }
            let t = timeout.map_or(EXPECT_DEFAULT_SECS.to_string(), py_secs);
            g.emit("# the app shows the bytes as they arrive; the step passes once these are among them");
            let line = format!(
                "expect(\"{v}\", {v}, {}, {t}, {})",
                py_payload(payload),
                g.size_of(&s),
                v = s.var
            );
            g.emit(&line);
        }
        Statement::ExpectClosed { sock, timeout } => expect_peer(
            g,
            sock,
            *timeout,
            "expect_closed",
            "# the app shows the peer closing: recv returns b\"\"",
        ),
        Statement::ExpectReset { sock, timeout } => expect_peer(
            g,
            sock,
            *timeout,
            "expect_reset",
            "# the app shows the peer resetting: recv raises ConnectionResetError",
        ),
        Statement::Sleep(d) => g.emit(&format!("time.sleep({})", py_secs(*d))),
        // The library only names payloads; the lines that use them hold the bytes.
        Statement::Packet(_) => g.skip("the packet library is sockscope's own"),
        // A pool of concurrent clients with HDR percentiles is no few lines of Python: say
        // how to run the same test beside the program instead.
        Statement::Stress(s) => g.skip(&stress_advice(s)),
    }
}

/// What to run instead of a `stress` line: the same words for `sockscope stress`, with the
/// address of the program's own server where the line says `$ID`.
fn stress_advice(s: &crate::lang::StressStmt) -> String {
    let line = s.to_string();
    let target = s.test.addr.to_string();
    let rest = line
        .strip_prefix(&format!("stress {target}"))
        .unwrap_or_default();
    let (addr, whose) = match &s.test.addr {
        crate::engine::AddrSpec::LocalOf(r) => {
            ("HOST:PORT".to_string(), format!(" ({r}'s address)"))
        }
        a => (a.to_string(), String::new()),
    };
    format!(
        "a stress test runs on sockscope's own client pool: run `sockscope stress {addr}{rest}`{whose} while this program serves"
    )
}

/// `expect ID closed|reset [TIMEOUT]` as a call of the runtime's `func` (`expect_closed`,
/// `expect_reset`), under a comment on what the app shows.
fn expect_peer(
    g: &mut Gen<'_>,
    sock: &SockRef,
    timeout: Option<std::time::Duration>,
    func: &str,
    comment: &str,
) {
    let Some(s) = g.sock(sock) else { return };
    let t = timeout.map_or(EXPECT_DEFAULT_SECS.to_string(), py_secs);
    g.emit(comment);
    let line = format!("{func}(\"{v}\", {v}, {t}, {})", g.size_of(&s), v = s.var);
    g.emit(&line);
}

/// One engine command: sockets' lifecycle here, data and options in `python_steps`.
fn command(g: &mut Gen<'_>, cmd: &Command) {
    match cmd {
        Command::Socket {
            proto,
            family,
            name,
        } => socket_step(g, *proto, *family, name.as_deref()),
        Command::Bind { sock, addr } => {
            let Some(s) = g.sock(sock) else { return };
            let Some(a) = g.addr(addr, s.family) else {
                return;
            };
            let v = &s.var;
            g.emit(&format!("{v}.bind({a})"));
            g.emit(&format!(
                "print(\"{v} bound\", {v}.getsockname())  # the app shows the address, port 0 = the port the OS chose"
            ));
        }
        Command::Listen { sock, backlog } => {
            let Some(s) = g.sock(sock) else { return };
            g.emit(&format!("{}.listen({})", s.var, backlog.unwrap_or(5)));
        }
        Command::Accept {
            sock,
            name,
            timeout,
        } => accept(g, sock, name.as_deref(), *timeout),
        Command::AcceptAuto { sock, on } => {
            if g.sock(sock).is_some() {
                let what = if *on {
                    "a thread accepts every connection (started below)"
                } else {
                    "off"
                };
                g.emit(&format!("# accept auto: {what}"));
            }
        }
        Command::Connect {
            sock,
            addr,
            timeout,
        } => connect_step(g, sock, addr, *timeout),
        Command::Close { sock } => {
            let Some(s) = g.sock(sock) else { return };
            g.emit(&format!("{}.close()", s.var));
        }
        Command::Abort { sock } => {
            let Some(s) = g.sock(sock) else { return };
            let v = &s.var;
            g.emit(&format!(
                "{v}.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack(\"ii\", 1, 0))  # linger 0: the peer gets a reset"
            ));
            g.emit(&format!("{v}.close()"));
        }
        Command::Status | Command::StatusOf { .. } => {
            g.emit("# status: the app's socket list shows each socket's state here");
        }
        Command::SetOption { .. } => option_step(g, cmd),
        other => data_step(g, other),
    }
}

/// `socket …`: `socket.socket(family, type)` with the program's timeout.
fn socket_step(g: &mut Gen<'_>, proto: crate::engine::Proto, family: Family, name: Option<&str>) {
    let var = g.names.create(name, proto, family, None);
    let fam = match family {
        Family::V4 => "AF_INET",
        Family::V6 => "AF_INET6",
        Family::Unix => "AF_UNIX",
    };
    let kind = if proto.is_stream() {
        "SOCK_STREAM"
    } else {
        "SOCK_DGRAM"
    };
    g.emit(&format!(
        "{var} = socket.socket(socket.{fam}, socket.{kind})  # the app lists the new socket"
    ));
    g.emit(&format!("{var}.settimeout(TIMEOUT)"));
}

/// `connect ID ADDR [DURATION]`.
fn connect_step(
    g: &mut Gen<'_>,
    sock: &SockRef,
    addr: &crate::engine::AddrSpec,
    timeout: Option<std::time::Duration>,
) {
    let Some(s) = g.sock(sock) else { return };
    let Some(a) = g.addr(addr, s.family) else {
        return;
    };
    let v = &s.var;
    if let Some(t) = timeout {
        g.emit(&format!("{v}.settimeout({})", py_secs(t)));
    }
    g.emit(&format!("{v}.connect({a})"));
    if timeout.is_some() {
        g.emit(&format!("{v}.settimeout(TIMEOUT)"));
    }
    g.emit(&format!(
        "print(\"{v} connected\", {v}.getsockname(), \"->\", {v}.getpeername())"
    ));
}

/// `accept ID [as NAME] [DURATION]`: one `accept()`; a listener that answers gets the
/// connection served by a thread.
fn accept(
    g: &mut Gen<'_>,
    sock: &SockRef,
    name: Option<&str>,
    timeout: Option<std::time::Duration>,
) {
    let Some(s) = g.sock(sock) else { return };
    let var = g.names.create(name, s.proto, s.family, Some(s.var.clone()));
    let l = &s.var;
    let t = timeout.map_or("TIMEOUT".to_string(), py_secs);
    let mut lines = vec![
        format!("{l}.settimeout({t})"),
        format!(
            "{var}, {var}_peer = {l}.accept()  # the app shows the new connection and its peer"
        ),
        format!("{l}.settimeout(TIMEOUT)"),
        format!("{var}.settimeout(TIMEOUT)"),
        format!("print(\"{l} accepted\", {var}_peer)"),
    ];
    if g.confs.get(l).is_some_and(|c| c.serves_accepted()) {
        lines.push(format!(
            "threading.Thread(target=handle_{l}, args=({var}, {var}_peer), daemon=True).start()"
        ));
    }
    for line in lines {
        g.emit(&line);
    }
}
