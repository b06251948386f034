//! The controls of the selected socket: a header (name, kind, state, the kernel's TCP
//! state, what is set on it) and four tabs — the lifecycle, socket options (and multicast),
//! responders, and receiving (framing, receive size, step mode). Every button builds a
//! [`Command`] that runs through the console; refreshes the app asks for on its own (an
//! option read when the Options tab first opens) are collected by [`Controls::take_quiet`].

use std::collections::BTreeMap;

use egui::{RichText, Ui};

use crate::engine::diag::{Lingering, lingering};
use crate::engine::{Command, Family, Framing, Proto, Responder, SockId, SockRef};
use crate::lang::bytes_text;

use crate::app::model::state::{AppState, Sending, SockRow};
use crate::app::socket::lifecycle_diagram::DiagramView;
use crate::app::socket::lifecycle_tab::Lifecycle;
use crate::app::socket::options_tab::OptionsPanel;
use crate::app::socket::receive_tab::RecvPanel;
use crate::app::socket::responders_tab::ResponderEditor;
use crate::app::socket::room::Room;
use crate::app::widgets::error_note;

/// The tabs of the controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// Bind, listen, accept, connect, shutdown, close, abort.
    #[default]
    Lifecycle,
    /// Socket options and multicast.
    Options,
    /// Automatic replies: echo, upper, fixed, greeting, rules.
    Responders,
    /// Framing, receive size, step mode.
    Receive,
    /// The socket's life as pictures: the BSD calls and the TCP state machine.
    Diagram,
    /// A listener's relay to an upstream address, with fault injection.
    Relay,
}

impl Tab {
    const ALL: [(Tab, &'static str, &'static str); 6] = [
        (
            Tab::Lifecycle,
            "Lifecycle",
            "bind, listen, accept, connect, shutdown, close",
        ),
        (
            Tab::Options,
            "Options",
            "socket options read back from the kernel; multicast",
        ),
        (
            Tab::Responders,
            "Responders",
            "automatic replies: echo, upper-case, fixed, greeting, rule table",
        ),
        (
            Tab::Receive,
            "Receive",
            "framing, receive size, step mode (recv by hand)",
        ),
        (
            Tab::Diagram,
            "Diagram",
            "the socket's life as pictures: the BSD calls and the kernel's TCP states",
        ),
        (
            Tab::Relay,
            "Relay",
            "relay every client to an upstream address; inject delay, throttle, loss, corruption, cuts",
        ),
    ];
}

/// The draft fields of one socket: what is typed in its tabs stays with it, so that
/// switching sockets never carries a draft from one to another.
#[derive(Debug, Default)]
struct Drafts {
    lifecycle: Lifecycle,
    options: OptionsPanel,
    responders: ResponderEditor,
    recv: RecvPanel,
    relay: crate::app::socket::relay_tab::RelayPanel,
}

/// The controls' own state.
#[derive(Debug, Default)]
pub struct Controls {
    tab: Tab,
    /// The socket drawn last: when another is selected, fields forget they were touched.
    shown: Option<SockId>,
    /// Each socket's draft fields, created when it is first shown.
    drafts: BTreeMap<SockId, Drafts>,
    quiet: Vec<Command>,
    /// When the shown socket's kernel state was last asked on a timer (egui time).
    refreshed_at: f64,
    /// The Diagram tab's memory (the kernel states seen, for the transition just taken).
    diagram: DiagramView,
    /// What the kernel still holds for a closed TCP socket's address pair, by socket;
    /// `None` once it holds nothing (then it is not asked again).
    after_close: BTreeMap<SockId, Option<Lingering>>,
}

/// How often a closed TCP socket's address pair is asked about while the kernel holds it.
const AFTER_CLOSE_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

impl Controls {
    /// Fresh controls.
    pub fn new() -> Controls {
        Controls::default()
    }

    /// Commands the controls want run quietly (their events update the state only).
    pub fn take_quiet(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.quiet)
    }

    /// Draws the controls of `row`; commands to run are pushed to `out`.
    pub fn ui(&mut self, ui: &mut Ui, room: Room<'_>) {
        let row = room.row;
        self.live_refresh(ui, row);
        let first = !self.drafts.contains_key(&row.id);
        let d = self.drafts.entry(row.id).or_default();
        if first {
            d.lifecycle = Lifecycle::for_socket(row, room.state, room.settings);
        }
        if self.shown != Some(row.id) {
            self.shown = Some(row.id);
            d.lifecycle.reselected(row, room.state);
            d.responders.reselected();
            d.recv.reselected(row);
        }
        header(ui, row, room.state, room.out);
        if row.is_closed() {
            // Nothing can act on a closed socket: its history and final counters only.
            closed_summary(ui, row, room.state);
            if let Some(t) = self.after_close_text(row) {
                ui.label(RichText::new(t).strong());
            }
            if self.tab == Tab::Diagram
                && let Some(d) = self.drafts.get(&row.id)
            {
                let after = self.after_close.get(&row.id);
                let after = after.and_then(|l| l.as_ref().map(|l| l.state));
                self.diagram.ui(ui, row, &d.lifecycle, after, room.out);
            }
            return;
        }
        ui.horizontal_wrapped(|ui| {
            for (tab, text, tip) in Tab::ALL {
                ui.selectable_value(&mut self.tab, tab, text)
                    .on_hover_text(tip);
            }
        });
        ui.add_space(2.0);
        match self.tab {
            Tab::Lifecycle => d.lifecycle.ui(ui, room),
            Tab::Options => d.options.ui(ui, row, room.out, &mut self.quiet),
            Tab::Responders => d.responders.ui(ui, row, room.out),
            Tab::Receive => d.recv.ui(ui, row, room.out),
            Tab::Diagram => self.diagram.ui(ui, row, &d.lifecycle, None, room.out),
            Tab::Relay => d.relay.ui(ui, row, room.out),
        }
        // Under the rows, not above them: an error that arrives does not move a button.
        if let Some(err) = &row.last_error {
            error_note(ui, &err.to_string());
        }
    }
}

impl Controls {
    /// While the shown socket's kernel state passes by itself (FIN_WAIT1, a listener's
    /// queue…), asks the kernel again on a timer, quietly; nothing runs otherwise.
    fn live_refresh(&mut self, ui: &Ui, row: &SockRow) {
        self.after_close_refresh(ui, row);
        let Some(every) = row.refresh_every() else {
            return;
        };
        let now = ui.input(|i| i.time);
        if now - self.refreshed_at >= every.as_secs_f64() {
            self.refreshed_at = now;
            self.quiet.push(Command::StatusOf {
                sock: SockRef::Id(row.id),
            });
        }
        ui.ctx().request_repaint_after(every);
    }
}

impl Controls {
    /// For a closed TCP socket: asks the kernel (sock_diag) what it still holds for the
    /// socket's address pair, every [`AFTER_CLOSE_EVERY`] until it holds nothing.
    fn after_close_refresh(&mut self, ui: &Ui, row: &SockRow) {
        if !row.is_closed() || row.proto != Proto::Tcp {
            return;
        }
        let (Some(local), Some(peer)) = (
            row.local.as_ref().and_then(|a| a.ip()),
            row.peer.as_ref().and_then(|a| a.ip()),
        ) else {
            return;
        };
        let known = self.after_close.get(&row.id);
        if matches!(known, Some(None)) {
            return; // gone: nothing changes any more
        }
        let now = ui.input(|i| i.time);
        if known.is_none() || now - self.refreshed_at >= AFTER_CLOSE_EVERY.as_secs_f64() {
            self.refreshed_at = now;
            self.after_close.insert(row.id, lingering(local, peer));
        }
        ui.ctx().request_repaint_after(AFTER_CLOSE_EVERY);
    }

    /// What the kernel still holds for a closed socket, in words.
    fn after_close_text(&self, row: &SockRow) -> Option<String> {
        match self.after_close.get(&row.id)? {
            Some(l) => Some(format!(
                "the kernel still holds {} to {} in {} ({} s left)",
                row.local.as_ref()?,
                row.peer.as_ref()?,
                l.state,
                l.left.as_secs()
            )),
            None => Some("the kernel holds nothing more for its addresses".into()),
        }
    }
}

/// What is set on the socket, in a few words for the header.
pub fn config_summary(row: &SockRow) -> Vec<String> {
    let c = &row.config;
    let mut out = Vec::new();
    match &row.responder {
        Some(Responder::Echo) => out.push("replies: echo".to_string()),
        Some(Responder::Upper) => out.push("replies: upper-case".to_string()),
        Some(Responder::Fixed(_)) => out.push("replies: fixed".to_string()),
        Some(Responder::Off) | None => {}
    }
    match c.rules.len() {
        0 => {}
        1 => out.push("1 rule".into()),
        n => out.push(format!("{n} rules")),
    }
    if let Some((g, close)) = &c.greeting {
        let then = if *close { ", then closes" } else { "" };
        out.push(format!("greets {}{then}", bytes_text(g)));
    }
    match &c.framing {
        Framing::Raw => {}
        Framing::Delimited(d) if d == b"\n" => out.push("framing: lines".into()),
        Framing::Delimited(d) if d == b"\r\n" => out.push("framing: crlf".into()),
        Framing::Delimited(d) => out.push(format!("framing: ends with {}", bytes_text(d))),
        Framing::LengthPrefixed { width, big_endian } => out.push(format!(
            "framing: {width}-byte {} length",
            if *big_endian { "BE" } else { "LE" }
        )),
        Framing::Fixed(n) => out.push(format!("framing: {n} bytes")),
    }
    if let Some(n) = c.recv_size {
        out.push(format!("recv({n})"));
    }
    if c.manual {
        out.push("step mode".into());
    }
    match c.sending {
        Some(Sending::Repeat { .. }) => out.push("repeating".into()),
        Some(Sending::Chunks { .. }) => out.push("sending in chunks".into()),
        Some(Sending::Flood { .. }) => out.push("flooding".into()),
        None => {}
    }
    if !c.groups.is_empty() {
        let g: Vec<String> = c.groups.iter().map(|g| g.to_string()).collect();
        out.push(format!("member of {}", g.join(", ")));
    }
    out
}

/// What a closed socket was: its addresses, how it got them, its final counters and its
/// last error.
pub fn closed_lines(row: &SockRow, state: &AppState) -> Vec<String> {
    let mut lines = Vec::new();
    match row.bound_text() {
        Some(b) => lines.push(format!("was {b}")),
        None => lines.push("was never bound".into()),
    }
    if let Some(p) = &row.peer {
        lines.push(format!("was connected to {p}"));
    }
    if !row.children.is_empty() {
        let open = row
            .children
            .iter()
            .filter(|c| state.get(**c).is_some_and(|r| !r.is_closed()))
            .count();
        lines.push(format!(
            "accepted {} connections ({open} still open)",
            row.children.len()
        ));
    }
    lines.push(format!(
        "received {} in {} messages · sent {} in {} messages",
        crate::app::widgets::bytes(row.counters.bytes_in),
        row.counters.msgs_in,
        crate::app::widgets::bytes(row.counters.bytes_out),
        row.counters.msgs_out
    ));
    lines
}

fn closed_summary(ui: &mut Ui, row: &SockRow, state: &AppState) {
    ui.add_space(2.0);
    for line in closed_lines(row, state) {
        ui.label(line);
    }
    if let Some(err) = &row.last_error {
        error_note(ui, &err.to_string());
    }
    ui.label(
        RichText::new("closed: nothing more can be done with it; its rows stay in the log").weak(),
    );
}

fn header(ui: &mut Ui, row: &SockRow, state: &AppState, out: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        ui.heading(row.label());
        let kind = match (row.proto, row.family) {
            (Proto::Tcp, Family::V6) => "TCP IPv6",
            (Proto::Tcp, _) => "TCP IPv4",
            (Proto::Udp, Family::V6) => "UDP IPv6",
            (Proto::Udp, _) => "UDP IPv4",
            (Proto::UnixStream, _) => "Unix stream",
            (Proto::UnixDgram, _) => "Unix datagram",
        };
        ui.label(kind);
        ui.label(RichText::new(row.state_text()).strong())
            .on_hover_text(crate::explain::explain_state(row.state));
        if let Some(p) = row.parent {
            let from = state.get(p).map_or_else(|| p.to_string(), SockRow::label);
            ui.label(RichText::new(format!("accepted from {from}")).weak());
        }
        if row.proto == Proto::Tcp && !row.is_closed() {
            ui.separator();
            let kernel = row.tcp_state.unwrap_or("?");
            ui.label(RichText::new("kernel:").weak())
                .on_hover_text("the kernel's TCP state (TCP_INFO), as of the latest status");
            let why = crate::diagram::tcp::TcpState::from_kernel(kernel).map(|s| s.explain());
            let resp = ui.label(RichText::new(kernel).monospace().strong());
            if let Some(why) = why {
                resp.on_hover_text(why);
            }
            if ui
                .small_button("Refresh")
                .on_hover_text("ask the kernel again (runs status for this socket)")
                .clicked()
            {
                out.push(Command::StatusOf {
                    sock: SockRef::Id(row.id),
                });
            }
        }
        crate::app::socket::tls_section::header(ui, row);
        let summary = config_summary(row);
        if !summary.is_empty() {
            ui.separator();
            ui.label(RichText::new(summary.join(" · ")).weak());
        }
    });
}
