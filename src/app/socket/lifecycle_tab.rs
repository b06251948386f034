//! The lifecycle tab of the selected socket: bind (an IP address and port, or a Unix path),
//! listen, accept and auto-accept, connect, shutdown, close and abort. Each button builds
//! a [`Command`]; a button is enabled only when its step is valid in the socket's state,
//! and invalid fields turn red with the accepted form while nothing is sent.

use egui::{RichText, Ui};

use crate::engine::{Addr, AddrSpec, Command, Family, How, OnClose, Op, Proto, SockRef, SockState};

use crate::app::model::settings::Settings;
use crate::app::model::state::{AppState, SockRow};
use crate::app::socket::lifecycle_layout::{bound_line, one_line, peer_line, step_row};
use crate::app::socket::room::Room;
use crate::app::socket::step_guards::{Step, why_not};
use crate::app::widgets::checked::{Field, submit, touched_note};
use crate::app::widgets::fields;
use crate::app::widgets::{step_button, step_checkbox};

/// The bind row's fields.
const BIND_HOST: Field = Field::new("Bind address", 110.0, "IP or *");
const BIND_PORT: Field = Field::new("Port", 70.0, "0 = any free port");
const BIND_PATH: Field = Field::new("Bind path", 240.0, "/tmp/demo.sock or @demo");
/// The listen row's field.
const BACKLOG: Field = Field::new("Backlog", 50.0, "128");

/// Quick choices of the bind address field.
pub const QUICK_HOSTS: [&str; 4] = ["127.0.0.1", "0.0.0.0", "::1", "::"];

/// The lifecycle tab's draft for one socket: its fields, which of them have been used
/// since the socket was selected (an untouched default is not shown in red, and may be
/// prefilled), and the Unix bind path.
#[derive(Debug, Default)]
pub struct Lifecycle {
    /// The bind address field.
    pub(super) bind_host: String,
    /// The bind port field: `0` for a new socket, whatever was used before.
    pub(super) bind_port: String,
    /// The listen backlog field.
    pub(super) backlog: String,
    /// The connect address field.
    pub(super) connect_addr: String,
    bind_touched: bool,
    backlog_touched: bool,
    connect_touched: bool,
    /// The bind path of a Unix socket.
    pub(super) unix_path: String,
    unix_touched: bool,
    /// The connect address was typed or picked for this socket: it is kept as typed.
    connect_touched_ever: bool,
    /// The TLS section's fields.
    tls: crate::app::socket::tls_section::TlsDraft,
}

impl Lifecycle {
    /// The draft of a socket shown for the first time: the addresses remembered from
    /// earlier sessions as suggestions, and port 0 (any free port) until a port is typed.
    pub fn for_socket(row: &SockRow, state: &AppState, settings: &Settings) -> Lifecycle {
        let host_fits = fields::host_port(&settings.bind_host, 0, row.family).is_ok();
        let host = match (host_fits, row.family) {
            (true, _) => settings.bind_host.clone(),
            (false, Family::V6) => "::1".to_string(),
            (false, _) => "127.0.0.1".to_string(),
        };
        let mut l = Lifecycle {
            bind_host: host,
            bind_port: "0".into(),
            backlog: settings.backlog.clone(),
            connect_addr: settings.connect_addr.clone(),
            ..Lifecycle::default()
        };
        l.reselected(row, state);
        l
    }

    /// Forgets what was touched: another socket is selected.
    pub fn reselected(&mut self, row: &SockRow, state: &AppState) {
        self.bind_touched = false;
        self.backlog_touched = false;
        self.connect_touched = false;
        if !self.unix_touched || self.unix_path.trim().is_empty() {
            self.unix_path = format!("@sockscope-{}", row.label());
        }
        self.unix_touched = false;
        // The field shows where a connected socket is connected; for one that may still
        // connect, the newest listener (or bound datagram socket) of the session.
        if let Some(peer) = &row.peer {
            self.connect_addr = peer.to_string();
        } else if why_not(row, Step::Connect).is_none()
            && !self.connect_touched_ever
            && let Some(a) = state.suggested_peer(row)
        {
            self.connect_addr = a.to_string();
        }
    }

    /// Draws the tab's grid.
    pub fn ui(&mut self, ui: &mut Ui, mut room: Room<'_>) {
        let row = room.row;
        let sock = SockRef::Id(row.id);
        // A connected stream socket is past bind, listen and connect: those rows only say
        // what happened, which leaves the log more room.
        let past = row.proto.is_stream() && row.is_connected();
        step_row(ui, "Bind", |ui| {
            if !past && row.family == Family::Unix {
                self.unix_bind_row(ui, row, &sock, room.out);
            } else if !past {
                self.bind_row(ui, row, room.settings, &sock, room.out);
            }
            bound_line(ui, row);
        });
        if row.proto.is_stream() && !past {
            step_row(ui, "Listen", |ui| {
                self.listen_row(ui, &mut room, &sock);
            });
        }
        step_row(ui, "Connect", |ui| {
            if past {
                peer_line(ui, row);
            } else {
                self.connect_row(ui, &mut room, &sock);
            }
        });
        step_row(ui, "Finish", |ui| finish_row(ui, row, &sock, room.out));
        // Last, so that the rows above stay put when it appears (on listen, on connect).
        self.tls.ui(ui, row, room.out);
    }

    fn bind_row(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        settings: &mut Settings,
        sock: &SockRef,
        out: &mut Vec<Command>,
    ) {
        let port = fields::port(&self.bind_port);
        let addr = port
            .clone()
            .and_then(|p| fields::host_port(&self.bind_host, p, row.family));
        let show = self.bind_touched;
        ui.horizontal_wrapped(|ui| {
            let host_bad = addr.is_err() && port.is_ok();
            BIND_HOST.edit(ui, &mut self.bind_host, &mut self.bind_touched, host_bad);
            ui.menu_button("Quick", |ui| {
                for q in QUICK_HOSTS {
                    let v6 = q.contains(':');
                    let ok = !(v6 && row.family == Family::V4);
                    let resp = ui
                        .add_enabled(ok, egui::Button::new(q))
                        .on_hover_text(format!("bind to {q}"))
                        .on_disabled_hover_text("an IPv6 address; this socket is IPv4");
                    if resp.clicked() {
                        self.bind_host = q.to_string();
                        self.bind_touched = true;
                    }
                }
            })
            .response
            .on_hover_text("quick choices: loopback or every interface, IPv4 or IPv6");
            let bad = show && port.is_err();
            BIND_PORT.edit(ui, &mut self.bind_port, &mut self.bind_touched, bad);
            let hover = "bind the socket to this address";
            let before = out.len();
            bind_button(ui, row, sock, &addr, hover, &mut self.bind_touched, out);
            if out.len() > before {
                // A suggestion for the next socket; its port starts at 0 all the same.
                settings.bind_host = self.bind_host.clone();
            }
        });
        touched_note(ui, self.bind_touched, &addr);
    }

    fn unix_bind_row(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        sock: &SockRef,
        out: &mut Vec<Command>,
    ) {
        let addr = fields::address(&self.unix_path, Family::Unix);
        ui.horizontal_wrapped(|ui| {
            BIND_PATH.edit(
                ui,
                &mut self.unix_path,
                &mut self.unix_touched,
                addr.is_err(),
            );
            ui.label(
                RichText::new("a file path, or @name in the abstract namespace (no file)")
                    .weak()
                    .small(),
            );
            let hover = "bind the socket to this path or name";
            bind_button(ui, row, sock, &addr, hover, &mut self.unix_touched, out);
        });
        touched_note(ui, self.unix_touched, &addr);
    }

    fn listen_row(&mut self, ui: &mut Ui, room: &mut Room<'_>, sock: &SockRef) {
        let (row, state) = (room.row, room.state);
        let backlog = fields::backlog(&self.backlog);
        ui.horizontal_wrapped(|ui| {
            let bad = backlog.is_err();
            BACKLOG.edit(ui, &mut self.backlog, &mut self.backlog_touched, bad);
            let tip = "start listening for connections";
            let why = why_not(row, Step::Listen);
            let touched = &mut self.backlog_touched;
            if let Some(b) = submit(ui, "Listen", tip, why, touched, &backlog) {
                room.settings.backlog = self.backlog.clone();
                room.out.push(Command::Listen {
                    sock: sock.clone(),
                    backlog: *b,
                });
            }
            ui.separator();
            if step_button(
                ui,
                "Accept",
                "accept one pending connection (waits for one)",
                why_not(row, Step::Accept),
            ) {
                room.out.push(Command::Accept {
                    sock: sock.clone(),
                    name: None,
                    timeout: None,
                });
            }
            let mut auto = row.auto_accept;
            let why = why_not(row, Step::Accept);
            let tip = "accept every connection as it arrives";
            if step_checkbox(ui, &mut auto, "Auto-accept", tip, why) {
                room.out.push(Command::AcceptAuto {
                    sock: sock.clone(),
                    on: auto,
                });
            }
            on_close_switch(ui, row, why_not(row, Step::Accept), sock, room.out);
        });
        touched_note(ui, self.backlog_touched, &backlog);
        // Always one line, so that the rows below keep their place.
        if state.is_pending(row.id, Op::Accept) {
            ui.label(RichText::new("waiting for a connection…").italics());
        } else if let Some(q) = row.queue_text() {
            one_line(ui, RichText::new(format!("listening · {q}")).weak());
        } else if row.state == SockState::Listening {
            ui.label(RichText::new("listening").weak());
        } else {
            ui.label(RichText::new("not listening").weak());
        }
    }

    fn connect_row(&mut self, ui: &mut Ui, room: &mut Room<'_>, sock: &SockRef) {
        let (row, state) = (room.row, room.state);
        let mut addr = fields::address(&self.connect_addr, row.family);
        if !self.connect_touched && addr.is_err() {
            // An untouched field that is not an address (the old default "127.0.0.1:"):
            // offer the newest listener, or leave it empty with the hint.
            self.connect_addr = state
                .suggested_peer(row)
                .map(|a| a.to_string())
                .unwrap_or_default();
            addr = fields::address(&self.connect_addr, row.family);
        }
        let unix = row.family == Family::Unix;
        ui.horizontal_wrapped(|ui| {
            let hint = if unix {
                "/tmp/demo.sock or @demo"
            } else {
                "HOST:PORT, e.g. 127.0.0.1:8080"
            };
            let field = Field::new("Connect to", 190.0, hint);
            let r = field.edit(
                ui,
                &mut self.connect_addr,
                &mut self.connect_touched,
                addr.is_err(),
            );
            self.connect_touched_ever |= r.changed();
            let targets: Vec<(Addr, String)> = state
                .sockets
                .values()
                .filter(|s| s.id != row.id && !s.is_closed() && s.proto == row.proto)
                .filter(|s| !s.proto.is_stream() || s.state == SockState::Listening)
                .filter_map(|s| s.local.as_ref().map(|a| (a.reachable(), s.label())))
                .collect();
            ui.add_enabled_ui(!targets.is_empty(), |ui| {
                ui.menu_button("Pick", |ui| {
                    for (a, label) in &targets {
                        if ui.button(format!("{a}  ({label})")).clicked() {
                            self.connect_addr = a.to_string();
                            self.connect_touched = true;
                            self.connect_touched_ever = true;
                        }
                    }
                })
                .response
                .on_hover_text("pick the address of another socket of this session")
                .on_disabled_hover_text("no other socket to connect to yet");
            });
            let tip = if row.proto.is_stream() {
                "connect to this address"
            } else {
                "fix the peer: only its datagrams are received, and Send needs no destination"
            };
            let why = why_not(row, Step::Connect);
            if let Some(addr) = submit(ui, "Connect", tip, why, &mut self.connect_touched, &addr) {
                room.settings.connect_addr = self.connect_addr.clone();
                room.out.push(Command::Connect {
                    sock: sock.clone(),
                    addr: addr.clone(),
                    timeout: None,
                });
            }
        });
        touched_note(ui, self.connect_touched, &addr);
        peer_line(ui, row);
    }
}

fn finish_row(ui: &mut Ui, row: &SockRow, sock: &SockRef, out: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        if row.proto.is_stream() {
            ui.label("Shutdown");
            for (text, how, tip) in [
                ("read", How::Read, "stop receiving (SHUT_RD)"),
                (
                    "write",
                    How::Write,
                    "send FIN: the peer sees end of stream (SHUT_WR)",
                ),
                ("both", How::Both, "both directions (SHUT_RDWR)"),
            ] {
                if step_button(ui, text, tip, why_not(row, Step::Shutdown)) {
                    out.push(Command::Shutdown {
                        sock: sock.clone(),
                        how,
                    });
                }
            }
            ui.separator();
        }
        if step_button(
            ui,
            "Close",
            "close the socket and release it (an orderly FIN for a connection)",
            why_not(row, Step::Close),
        ) {
            out.push(Command::Close { sock: sock.clone() });
        }
        if row.proto == Proto::Tcp
            && step_button(
                ui,
                "Abort",
                "close with linger 0: the peer sees a reset (RST) instead of an orderly close",
                why_not(row, Step::Abort),
            )
        {
            out.push(Command::Abort { sock: sock.clone() });
        }
    });
}

/// The Bind button of a bind row: binds to `addr` when it is valid; a click marks the row
/// `touched`, so that an invalid address shows its error.
fn bind_button(
    ui: &mut Ui,
    row: &SockRow,
    sock: &SockRef,
    addr: &Result<AddrSpec, String>,
    hover: &str,
    touched: &mut bool,
    out: &mut Vec<Command>,
) {
    if let Some(addr) = submit(ui, "Bind", hover, why_not(row, Step::Bind), touched, addr) {
        out.push(Command::Bind {
            sock: sock.clone(),
            addr: addr.clone(),
        });
    }
}

/// The switch of a listener's policy for connections whose peer has closed: checked, they
/// are closed once all is sent (`onclose ID close`); unchecked, kept half-open for study
/// (`onclose ID keep`). Until set, it shows the engine's default: close for auto-accept.
fn on_close_switch(
    ui: &mut Ui,
    row: &SockRow,
    why: Option<String>,
    sock: &SockRef,
    out: &mut Vec<Command>,
) {
    let mut close = match row.config.on_close {
        Some(p) => p == OnClose::Close,
        None => row.auto_accept,
    };
    let tip = "close a connection once its peer has closed and all is sent (as servers do); \
               unchecked, keep it half-open (CLOSE_WAIT) to study it. \
               Default: close auto-accepted connections, keep those accepted by hand";
    if step_checkbox(ui, &mut close, "Close on peer close", tip, why) {
        out.push(Command::OnClose {
            sock: sock.clone(),
            policy: if close { OnClose::Close } else { OnClose::Keep },
        });
    }
}
