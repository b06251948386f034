//! The lifecycle controls of the selected socket: bind, listen, accept and auto-accept,
//! connect, respond, shutdown and close. Each button builds a [`Command`]; a button is
//! enabled only when its step is valid in the socket's state, and invalid fields turn red
//! with the accepted form while nothing is sent.

use egui::{RichText, Ui};

use crate::engine::{Command, Family, How, Op, Proto, Responder, SockRef, SockState};

use super::fields;
use super::rules::{Step, why_not};
use super::settings::Settings;
use super::state::{AppState, SockRow};
use super::widgets::{error_note, labelled_edit, step_button};

/// Quick choices of the bind address field.
pub const QUICK_HOSTS: [&str; 4] = ["127.0.0.1", "0.0.0.0", "::1", "::"];

/// Which fields have been edited or used, so an untouched default is not shown in red.
#[derive(Debug, Default)]
pub struct Controls {
    bind_touched: bool,
    backlog_touched: bool,
    connect_touched: bool,
}

impl Controls {
    /// Fresh controls.
    pub fn new() -> Controls {
        Controls::default()
    }

    /// Draws the controls of `row`; commands to run are pushed to `out`.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        state: &AppState,
        settings: &mut Settings,
        out: &mut Vec<Command>,
    ) {
        header(ui, row);
        let sock = SockRef::Id(row.id);
        egui::Grid::new("controls_grid")
            .num_columns(2)
            .spacing([10.0, 6.0])
            .show(ui, |ui| {
                ui.label(RichText::new("Bind").strong());
                ui.vertical(|ui| self.bind_row(ui, row, settings, &sock, out));
                ui.end_row();

                if row.proto == Proto::Tcp {
                    ui.label(RichText::new("Listen").strong());
                    ui.vertical(|ui| self.listen_row(ui, row, state, settings, &sock, out));
                    ui.end_row();
                }

                ui.label(RichText::new("Connect").strong());
                ui.vertical(|ui| self.connect_row(ui, row, state, settings, &sock, out));
                ui.end_row();

                ui.label(RichText::new("Finish").strong());
                finish_row(ui, row, &sock, out);
                ui.end_row();
            });
    }

    fn bind_row(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        settings: &mut Settings,
        sock: &SockRef,
        out: &mut Vec<Command>,
    ) {
        let port = fields::port(&settings.bind_port);
        let addr = port
            .clone()
            .and_then(|p| fields::host_port(&settings.bind_host, p, row.family));
        let show = self.bind_touched;
        ui.horizontal(|ui| {
            let host_bad = show && addr.is_err() && port.is_ok();
            let r = labelled_edit(
                ui,
                "Bind address",
                &mut settings.bind_host,
                110.0,
                "IP or *",
                host_bad,
            );
            self.bind_touched |= r.changed();
            for q in QUICK_HOSTS {
                let v6 = q.contains(':');
                let ok = !(v6 && row.family == Family::V4);
                let resp = ui
                    .add_enabled(ok, egui::Button::new(q).small())
                    .on_hover_text(format!("bind to {q}"))
                    .on_disabled_hover_text("an IPv6 address; this socket is IPv4");
                if resp.clicked() {
                    settings.bind_host = q.to_string();
                }
            }
            let r = labelled_edit(
                ui,
                "Port",
                &mut settings.bind_port,
                70.0,
                "0 = any free port",
                show && port.is_err(),
            );
            self.bind_touched |= r.changed();
            ui.label(RichText::new("0 = any free port").weak().small());
            let why = why_not(row, Step::Bind);
            if step_button(ui, "Bind", "bind the socket to this address", why) {
                self.bind_touched = true;
                if let Ok(addr) = &addr {
                    out.push(Command::Bind {
                        sock: sock.clone(),
                        addr: addr.clone(),
                    });
                }
            }
        });
        if let (true, Err(e)) = (self.bind_touched, &addr) {
            error_note(ui, e);
        }
        if let Some(local) = &row.local {
            let port = local.ip().map(|a| a.port()).unwrap_or(0);
            ui.label(
                RichText::new(format!(
                    "bound to {local} — port {port} (chosen by the OS when 0 was asked)"
                ))
                .color(ui.visuals().hyperlink_color),
            );
        }
    }

    fn listen_row(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        state: &AppState,
        settings: &mut Settings,
        sock: &SockRef,
        out: &mut Vec<Command>,
    ) {
        let backlog = fields::backlog(&settings.backlog);
        ui.horizontal(|ui| {
            let r = labelled_edit(
                ui,
                "Backlog",
                &mut settings.backlog,
                50.0,
                "128",
                self.backlog_touched && backlog.is_err(),
            );
            self.backlog_touched |= r.changed();
            if step_button(
                ui,
                "Listen",
                "start listening for connections",
                why_not(row, Step::Listen),
            ) {
                self.backlog_touched = true;
                if let Ok(b) = backlog {
                    out.push(Command::Listen {
                        sock: sock.clone(),
                        backlog: b,
                    });
                }
            }
            ui.separator();
            if step_button(
                ui,
                "Accept",
                "accept one pending connection (waits for one)",
                why_not(row, Step::Accept),
            ) {
                out.push(Command::Accept {
                    sock: sock.clone(),
                    name: None,
                    timeout: None,
                });
            }
            let mut auto = row.auto_accept;
            let why = why_not(row, Step::Accept);
            let resp = ui
                .add_enabled(why.is_none(), egui::Checkbox::new(&mut auto, "Auto-accept"))
                .on_hover_text("accept every connection as it arrives");
            let resp = match why {
                Some(w) => resp.on_disabled_hover_text(w),
                None => resp,
            };
            if resp.changed() {
                out.push(Command::AcceptAuto {
                    sock: sock.clone(),
                    on: auto,
                });
            }
        });
        if let (true, Err(e)) = (self.backlog_touched, &backlog) {
            error_note(ui, e);
        }
        if state.is_pending(row.id, Op::Accept) {
            ui.label(RichText::new("waiting for a connection…").italics());
        }
    }

    fn connect_row(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        state: &AppState,
        settings: &mut Settings,
        sock: &SockRef,
        out: &mut Vec<Command>,
    ) {
        let addr = fields::address(&settings.connect_addr, row.family);
        ui.horizontal(|ui| {
            let r = labelled_edit(
                ui,
                "Connect to",
                &mut settings.connect_addr,
                170.0,
                "HOST:PORT",
                self.connect_touched && addr.is_err(),
            );
            self.connect_touched |= r.changed();
            let targets: Vec<String> = state
                .sockets
                .values()
                .filter(|s| s.id != row.id && !s.is_closed() && s.proto == row.proto)
                .filter(|s| s.proto == Proto::Udp || s.state == SockState::Listening)
                .filter_map(|s| s.local.as_ref().map(|a| (s.label(), a.reachable())))
                .map(|(l, a)| format!("{a}  ({l})"))
                .collect();
            ui.add_enabled_ui(!targets.is_empty(), |ui| {
                ui.menu_button("Pick", |ui| {
                    for t in &targets {
                        if ui.button(t).clicked() {
                            let addr = t.split_whitespace().next().unwrap_or_default();
                            settings.connect_addr = addr.to_string();
                            self.connect_touched = true;
                        }
                    }
                })
                .response
                .on_hover_text("pick the address of another socket of this session")
                .on_disabled_hover_text("no other socket to connect to yet");
            });
            let tip = if row.proto == Proto::Udp {
                "fix the peer: only its datagrams are received, and Send needs no destination"
            } else {
                "connect to this address"
            };
            if step_button(ui, "Connect", tip, why_not(row, Step::Connect)) {
                self.connect_touched = true;
                if let Ok(addr) = &addr {
                    out.push(Command::Connect {
                        sock: sock.clone(),
                        addr: addr.clone(),
                        timeout: None,
                    });
                }
            }
        });
        if let (true, Err(e)) = (self.connect_touched, &addr) {
            error_note(ui, e);
        }
        if let Some(peer) = &row.peer {
            let what = if row.state == SockState::Connecting {
                "connecting to"
            } else {
                "peer"
            };
            ui.label(format!("{what} {peer}"));
        }
    }
}

fn finish_row(ui: &mut Ui, row: &SockRow, sock: &SockRef, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        if row.proto == Proto::Tcp {
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
        ui.label("Reply");
        let current = row.responder.clone().unwrap_or(Responder::Off);
        for (text, r, tip) in [
            ("off", Responder::Off, "no automatic reply"),
            ("echo", Responder::Echo, "send back what arrives"),
            (
                "upper",
                Responder::Upper,
                "send back what arrives, upper-cased",
            ),
        ] {
            let resp = ui
                .add_enabled(
                    row.state != SockState::Closed,
                    egui::Button::selectable(current == r, text),
                )
                .on_hover_text(tip);
            if resp.clicked() && current != r {
                out.push(Command::Respond {
                    sock: sock.clone(),
                    responder: r,
                });
            }
        }
        ui.separator();
        if step_button(
            ui,
            "Close",
            "close the socket and release it",
            why_not(row, Step::Close),
        ) {
            out.push(Command::Close { sock: sock.clone() });
        }
    });
}

fn header(ui: &mut Ui, row: &SockRow) {
    ui.horizontal(|ui| {
        ui.heading(row.label());
        let fam = match row.family {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
            Family::Unix => "local",
        };
        let proto = match row.proto {
            Proto::Tcp => "TCP",
            Proto::Udp => "UDP",
            Proto::UnixStream => "Unix stream",
            Proto::UnixDgram => "Unix datagram",
        };
        ui.label(format!("{proto} {fam}"));
        ui.label(RichText::new(row.state.to_string()).strong());
        if let Some(p) = row.parent {
            ui.label(RichText::new(format!("accepted from {p}")).weak());
        }
    });
    if let Some(err) = &row.last_error {
        error_note(ui, err);
    }
}
