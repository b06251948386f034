//! The *Stress* window's form drawn: the server (typed, or picked from the session's own
//! listening sockets), clients, ping-pong or throughput, for a duration or a count, rate,
//! connect once or per request, the transport (with TLS: server name, CA file, insecure);
//! each field red with its accepted form when it does not read, and a tooltip saying what
//! it takes.

use std::net::SocketAddr;

use egui::Ui;

use crate::app::model::state::AppState;
use crate::app::widgets::{error_note, labelled_edit};
use crate::engine::{Addr, Proto, SockState};
use crate::stress::{Connect, Transport};

use super::form::{self, LimitChoice, ModeChoice, StressForm};

/// One of the session's own sockets a test can be pointed at.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// What the list shows: `s1 127.0.0.1:4000 (tcp listener)`.
    pub text: String,
    /// The address to reach it at (an unspecified address made loopback).
    pub addr: SocketAddr,
    /// TCP for a listener, UDP for a bound datagram socket.
    pub transport: Transport,
}

/// The session's TCP listeners and bound UDP sockets, in id order.
pub fn targets(state: &AppState) -> Vec<Target> {
    state
        .roots()
        .filter_map(|row| {
            let transport = match (row.proto, row.state) {
                (Proto::Tcp, SockState::Listening) => Transport::Tcp,
                (Proto::Udp, SockState::Bound) => Transport::Udp,
                _ => return None,
            };
            let Some(Addr::Ip(addr)) = row.local.as_ref().map(Addr::reachable) else {
                return None;
            };
            let kind = match transport {
                Transport::Udp => "udp",
                _ => "tcp listener",
            };
            let text = format!("{} {addr} ({kind})", row.label());
            Some(Target {
                text,
                addr,
                transport,
            })
        })
        .collect()
}

/// A field's error, if its text does not read.
fn err<T>(r: Result<T, String>) -> Option<String> {
    r.err()
}

/// Draws the form; `enabled` is false while a test runs (the fields then show its setup).
/// Returns true when every field reads.
pub fn draw(ui: &mut Ui, f: &mut StressForm, targets: &[Target], enabled: bool) -> bool {
    let mut errors: Vec<(&str, String)> = Vec::new();
    ui.add_enabled_ui(enabled, |ui| {
        egui::Grid::new("stress_form")
            .num_columns(4)
            .spacing([8.0, 4.0])
            .show(ui, |ui| {
                server_row(ui, f, targets, &mut errors);
                clients_row(ui, f, &mut errors);
                if f.transport == Transport::Tls {
                    tls_row(ui, f, &mut errors);
                }
                mode_row(ui, f, &mut errors);
                limit_row(ui, f, &mut errors);
            });
    });
    let ok = errors.is_empty();
    for (field, e) in errors {
        error_note(ui, &format!("{field}: {e}"));
    }
    ok
}

fn server_row(
    ui: &mut Ui,
    f: &mut StressForm,
    targets: &[Target],
    errors: &mut Vec<(&str, String)>,
) {
    let bad = err(form::addr(&f.addr));
    labelled_edit(
        ui,
        "Server",
        &mut f.addr,
        170.0,
        "127.0.0.1:7",
        bad.is_some(),
    )
    .on_hover_text("the server to stress: IP:PORT or localhost:PORT");
    errors.extend(bad.map(|e| ("Server", e)));
    pick(ui, f, targets);
    ui.end_row();
}

/// The list of the session's own sockets: picking one fills the server and transport.
fn pick(ui: &mut Ui, f: &mut StressForm, targets: &[Target]) {
    let l = ui.label("or pick");
    let combo = ui.add_enabled_ui(!targets.is_empty(), |ui| {
        egui::ComboBox::from_id_salt("stress_pick")
            .selected_text("one of this session's sockets…")
            .width(170.0)
            .show_ui(ui, |ui| {
                for t in targets {
                    if ui.selectable_label(false, &t.text).clicked() {
                        f.addr = t.addr.to_string();
                        f.transport = t.transport;
                    }
                }
            })
            .response
            .labelled_by(l.id)
    });
    combo
        .inner
        .on_hover_text("stress one of this session's listening sockets")
        .on_disabled_hover_text("no TCP listener or bound UDP socket in this session");
}

fn clients_row(ui: &mut Ui, f: &mut StressForm, errors: &mut Vec<(&str, String)>) {
    let bad = err(form::clients(&f.clients));
    labelled_edit(ui, "Clients", &mut f.clients, 70.0, "10", bad.is_some())
        .on_hover_text("concurrent clients, each with its own connection (1 to 10000)");
    errors.extend(bad.map(|e| ("Clients", e)));
    ui.label("Transport");
    radio_row(ui, &mut f.transport, &TRANSPORTS);
    ui.end_row();
    ui.label("Connect");
    radio_row(ui, &mut f.connect, &CONNECTS);
    let bad = err(form::rate(&f.rate));
    labelled_edit(
        ui,
        "Rate",
        &mut f.rate,
        100.0,
        "as fast as it goes",
        bad.is_some(),
    )
    .on_hover_text("requests per second in all clients (1000 or 1000/s); empty: no limit");
    errors.extend(bad.map(|e| ("Rate", e)));
    ui.end_row();
}

/// With TLS: the server name, the CA file and whether any certificate will do.
fn tls_row(ui: &mut Ui, f: &mut StressForm, errors: &mut Vec<(&str, String)>) {
    labelled_edit(
        ui,
        "Server name (SNI)",
        &mut f.sni,
        170.0,
        "the server's IP",
        false,
    )
    .on_hover_text("the name sent to the server and checked against its certificate");
    let bad = err(form::ca(&f.ca));
    labelled_edit(
        ui,
        "CA file",
        &mut f.ca,
        100.0,
        "built-in roots",
        bad.is_some(),
    )
    .on_hover_text(form::CA_FORM);
    errors.extend(bad.map(|e| ("CA file", e)));
    ui.end_row();
    ui.label("");
    ui.checkbox(&mut f.insecure, "any certificate (insecure)")
        .on_hover_text(
            "accept the server's certificate whatever it is: for a self-signed test server",
        );
    ui.end_row();
}

fn mode_row(ui: &mut Ui, f: &mut StressForm, errors: &mut Vec<(&str, String)>) {
    ui.label("Mode");
    radio_row(ui, &mut f.mode, &MODES);
    ui.label("");
    ui.label("");
    ui.end_row();
    match f.mode {
        ModeChoice::PingPong => {
            let bad = err(form::payload(&f.payload));
            labelled_edit(ui, "Payload", &mut f.payload, 170.0, "ping", bad.is_some())
                .on_hover_text(form::PAYLOAD_FORM);
            errors.extend(bad.map(|e| ("Payload", e)));
            let bad = err(form::expect(&f.expect));
            labelled_edit(
                ui,
                "Expect",
                &mut f.expect,
                100.0,
                "the echo",
                bad.is_some(),
            )
            .on_hover_text("the reply that counts as ok; empty: the payload echoed");
            errors.extend(bad.map(|e| ("Expect", e)));
        }
        ModeChoice::Throughput => {
            let bad = err(form::size(&f.size));
            labelled_edit(ui, "Block size", &mut f.size, 100.0, "65536", bad.is_some())
                .on_hover_text(form::SIZE_FORM);
            errors.extend(bad.map(|e| ("Block size", e)));
        }
    }
    ui.end_row();
}

/// The transports offered: each one's text and tooltip.
const TRANSPORTS: [(Transport, &str, Option<&str>); 3] = [
    (Transport::Tcp, "tcp", None),
    (
        Transport::Udp,
        "udp",
        Some("a connected UDP socket per client; ping-pong only"),
    ),
    (Transport::Tls, "tls", None),
];

/// How clients may connect.
const CONNECTS: [(Connect, &str, Option<&str>); 2] = [
    (
        Connect::Once,
        "once",
        Some("one connection per client for the whole test"),
    ),
    (
        Connect::PerRequest,
        "per request",
        Some("a new connection for every request: a connection-rate test"),
    ),
];

/// What each client may repeat.
const MODES: [(ModeChoice, &str, Option<&str>); 2] = [
    (
        ModeChoice::PingPong,
        "ping-pong",
        Some("send the payload, wait for the reply, measure the latency"),
    ),
    (
        ModeChoice::Throughput,
        "throughput",
        Some("send blocks as fast as the server takes them (tcp)"),
    ),
];

/// One radio button for `value` per choice, side by side: the value it stands for, its
/// text, and its tooltip (if any).
fn radio_row<T: PartialEq + Copy>(ui: &mut Ui, value: &mut T, choices: &[(T, &str, Option<&str>)]) {
    ui.horizontal(|ui| {
        for &(choice, text, tip) in choices {
            let r = ui.radio_value(value, choice, text);
            if let Some(tip) = tip {
                r.on_hover_text(tip);
            }
        }
    });
}

fn limit_row(ui: &mut Ui, f: &mut StressForm, errors: &mut Vec<(&str, String)>) {
    ui.radio_value(&mut f.limit, LimitChoice::For, "For")
        .on_hover_text("the test lasts this long");
    let bad = err(form::duration(&f.duration)).filter(|_| f.limit == LimitChoice::For);
    duration_edit(ui, &mut f.duration, bad.is_some());
    errors.extend(bad.map(|e| ("For", e)));
    ui.radio_value(&mut f.limit, LimitChoice::Count, "Count")
        .on_hover_text("the test ends after this many requests in all");
    let bad = err(form::count(&f.count)).filter(|_| f.limit == LimitChoice::Count);
    count_edit(ui, &mut f.count, bad.is_some());
    errors.extend(bad.map(|e| ("Count", e)));
    ui.end_row();
}

/// A text field named `name` (no label of its own: the radio button beside it says it).
fn named_edit(ui: &mut Ui, text: &mut String, name: &str, hint: &str, invalid: bool) {
    let mut edit = egui::TextEdit::singleline(text)
        .desired_width(100.0)
        .hint_text(hint);
    if invalid {
        edit = edit.text_color(crate::app::widgets::error_color(ui));
    }
    let r = ui.add(edit);
    crate::app::widgets::name_widget(&r, egui::Role::TextInput, name);
}

fn duration_edit(ui: &mut Ui, text: &mut String, invalid: bool) {
    named_edit(ui, text, "Duration", "10s", invalid);
}

fn count_edit(ui: &mut Ui, text: &mut String, invalid: bool) {
    named_edit(ui, text, "Count of requests", "10000", invalid);
}
