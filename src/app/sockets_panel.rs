//! The Sockets side panel: "+ TCP" / "+ UDP" (IPv4 or IPv6), "+ Unix" / "+ Unix dgram",
//! and every socket with its state, addresses, the kernel's TCP state and byte counts;
//! accepted connections sit under their listener. Clicking a socket selects it.

use egui::{Color32, RichText, Ui};

use crate::engine::{Command, Family, Proto, SockId, SockState};

use crate::app::model::settings::Settings;
use crate::app::model::state::{AppState, SockRow};
use crate::app::widgets::bytes;

/// The first line of a socket's entry: `s2  TCP  connected` (tests find sockets by it).
pub fn entry_title(row: &SockRow) -> String {
    let proto = match (row.proto, row.family) {
        (Proto::Tcp, Family::V4) => "TCP",
        (Proto::Tcp, Family::V6) => "TCP6",
        (Proto::Udp, Family::V4) => "UDP",
        (Proto::Udp, Family::V6) => "UDP6",
        (Proto::UnixStream, _) => "UNIX",
        (Proto::UnixDgram, _) => "UNIX-DG",
        (Proto::Tcp | Proto::Udp, Family::Unix) => "?",
    };
    format!("{}  {proto}  {}", row.label(), row.state)
}

fn state_color(state: SockState, dark: bool) -> Color32 {
    let (d, l) = match state {
        SockState::Created => (Color32::GRAY, Color32::DARK_GRAY),
        SockState::Bound => (Color32::LIGHT_BLUE, Color32::from_rgb(30, 90, 170)),
        SockState::Listening => (
            Color32::from_rgb(120, 200, 255),
            Color32::from_rgb(0, 100, 180),
        ),
        SockState::Connecting => (Color32::YELLOW, Color32::from_rgb(150, 110, 0)),
        SockState::Connected => (Color32::LIGHT_GREEN, Color32::from_rgb(0, 130, 40)),
        SockState::HalfClosed => (
            Color32::from_rgb(255, 180, 90),
            Color32::from_rgb(180, 90, 0),
        ),
        SockState::Reset => (
            Color32::from_rgb(255, 110, 110),
            Color32::from_rgb(180, 30, 30),
        ),
        SockState::Closed => (Color32::from_gray(110), Color32::from_gray(150)),
    };
    if dark { d } else { l }
}

/// The buttons that create a socket: TCP and UDP (IPv4, or IPv6 with the box), then the
/// two Unix kinds.
fn create_buttons(ui: &mut Ui, settings: &mut Settings, out: &mut Vec<Command>) {
    let mut create = |ui: &mut Ui, text: &str, tip: &str, proto: Proto, family: Family| {
        if ui.button(text).on_hover_text(tip).clicked() {
            out.push(Command::Socket {
                proto,
                family,
                name: None,
            });
        }
    };
    ui.horizontal(|ui| {
        let family = if settings.ipv6 {
            Family::V6
        } else {
            Family::V4
        };
        create(ui, "+ TCP", "create a TCP socket", Proto::Tcp, family);
        create(ui, "+ UDP", "create a UDP socket", Proto::Udp, family);
        ui.checkbox(&mut settings.ipv6, "IPv6")
            .on_hover_text("new TCP and UDP sockets are IPv6 (otherwise IPv4)");
    });
    ui.horizontal(|ui| {
        create(
            ui,
            "+ Unix",
            "create a Unix domain stream socket (a path or @name for its address)",
            Proto::UnixStream,
            Family::Unix,
        );
        create(
            ui,
            "+ Unix dgram",
            "create a Unix domain datagram socket",
            Proto::UnixDgram,
            Family::Unix,
        );
    });
}

/// Draws the panel. Returns a socket to create, and updates `selected` on click.
pub fn ui(
    ui: &mut Ui,
    state: &AppState,
    settings: &mut Settings,
    selected: &mut Option<SockId>,
    hide_closed: &mut bool,
    out: &mut Vec<Command>,
) {
    ui.heading("Sockets");
    create_buttons(ui, settings, out);
    ui.checkbox(hide_closed, "Hide closed");
    ui.separator();
    if state.sockets.is_empty() {
        ui.label(RichText::new("No sockets yet. Create one with + TCP, + UDP or + Unix.").weak());
        return;
    }
    // Only the entries in view are laid out: 10,000 accepted connections cost a screenful.
    let rows = crate::app::model::sockets_list::flatten(state, *hide_closed);
    // A selection made elsewhere (a new socket, the console) scrolls into view once.
    let mem = egui::Id::unique("sockets_list_shown_selection");
    let before: Option<SockId> = ui.data(|d| d.get_temp(mem)).flatten();
    let reveal = (*selected != before).then_some(*selected).flatten();
    ui.data_mut(|d| d.insert_temp(mem, *selected));
    crate::app::model::sockets_list::show(ui, &rows, ENTRY_HEIGHT, reveal, |ui, depth, id| {
        if let Some(row) = state.get(id) {
            entry(ui, row, depth, selected);
        }
    });
}

/// Height of one entry: its title and always five detail lines (local, peer, the kernel's
/// state and which half is closed, bytes in, bytes out), so that every entry is as tall
/// as the virtualized list assumes.
const ENTRY_HEIGHT: f32 = 88.0;

/// The panel's default width: an entry's lines show in full at it (`ESTABLISHED`,
/// `the peer's side closed`, counters in MiB), one level of connections deep.
pub const DEFAULT_WIDTH: f32 = 300.0;

/// The third line of an entry: the kernel's TCP state and which half is closed.
fn status_line(row: &SockRow) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(t) = row.tcp_state {
        parts.push(format!("kernel {t}"));
    }
    if let Some(h) = row.halves_closed() {
        parts.push(h);
    }
    if parts.is_empty() && row.proto == Proto::Tcp && !row.is_closed() {
        return "kernel —".into();
    }
    parts.join(" · ")
}

fn entry(ui: &mut Ui, row: &SockRow, depth: usize, selected: &mut Option<SockId>) {
    ui.horizontal(|ui| {
        ui.add_space(16.0 * depth as f32);
        if depth > 0 {
            ui.label(RichText::new("↳").monospace().weak());
        }
        ui.vertical(|ui| {
            let dark = ui.visuals().dark_mode;
            let title = RichText::new(entry_title(row))
                .monospace()
                .color(state_color(row.state, dark));
            let resp = ui.selectable_label(*selected == Some(row.id), title);
            if resp.clicked() {
                *selected = Some(row.id);
            }
            let local = row
                .local
                .as_ref()
                .map(|a| a.to_string())
                .unwrap_or_else(|| "—".into());
            let peer = row
                .peer
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_else(|| "—".into());
            let lines = [
                format!("local {local}"),
                format!("peer  {peer}"),
                status_line(row),
                format!(
                    "in  {} · {} msgs",
                    bytes(row.counters.bytes_in),
                    row.counters.msgs_in
                ),
                format!(
                    "out {} · {} msgs",
                    bytes(row.counters.bytes_out),
                    row.counters.msgs_out
                ),
            ];
            // One line each, cut to the panel (the whole line shows on hover), so every
            // entry keeps the height the virtualized list assumes; monospace a little
            // under body size, so addresses line up and stay readable.
            ui.spacing_mut().item_spacing.y = 1.0;
            for line in lines {
                let text = RichText::new(line.as_str()).monospace().size(11.0).weak();
                ui.add(egui::Label::new(text).truncate())
                    .on_hover_text(line);
            }
        });
    });
}
