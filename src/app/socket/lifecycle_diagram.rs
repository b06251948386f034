//! The Diagram tab: the selected socket's life as pictures. On the left the BSD calls
//! (socket, bind, listen, accept, connect, send/recv, shutdown, close) as a small graph:
//! steps taken ticked, the current one lit, the ones valid now drawn as buttons that do
//! the step exactly as the Lifecycle tab's buttons do (with that tab's fields). On the
//! right, for TCP, the kernel's state machine (RFC 9293) with the kernel's state lit and
//! the transition just taken drawn bold; hovering a state explains it.

use std::collections::BTreeMap;

use egui::{Align2, Color32, FontId, Pos2, Rect, RichText, Sense, Stroke, Ui, pos2, vec2};

use crate::app::model::sock_row::SockRow;
use crate::app::socket::lifecycle_tab::Lifecycle;
use crate::app::socket::step_guards::{Step, why_not};
use crate::app::widgets::fields;
use crate::diagram::tcp::{TRANSITIONS, TcpState};
use crate::engine::{Command, Family, How, Proto, SockId, SockRef, SockState};

/// One box of the BSD-call graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `socket()`.
    Socket,
    /// `bind()`.
    Bind,
    /// `listen()`.
    Listen,
    /// `accept()`.
    Accept,
    /// `connect()`.
    Connect,
    /// `send()`/`recv()` (`sendto()`/`recvfrom()` for datagrams).
    Data,
    /// `shutdown()`.
    Shutdown,
    /// `close()`.
    Close,
}

/// How a box is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// Done already (`bind() · done`).
    Taken,
    /// The step the socket is at (`• bind()`).
    Current,
    /// Valid now: a button.
    Valid,
    /// Not valid now, and why.
    Not(String),
}

const BOX_W: f32 = 118.0;
const BOX_H: f32 = 24.0;
const GAP_X: f32 = 20.0;
const GAP_Y: f32 = 12.0;
/// Width of the calls graph.
const CALLS_W: f32 = 4.0 * BOX_W + 3.0 * GAP_X;
/// The narrowest a box gets in a narrow window (its words in small type then).
const BOX_W_MIN: f32 = 84.0;

impl Call {
    /// The graph's boxes for a socket of `proto`.
    pub fn for_proto(proto: Proto) -> &'static [Call] {
        if proto.is_stream() {
            &[
                Call::Socket,
                Call::Bind,
                Call::Listen,
                Call::Accept,
                Call::Connect,
                Call::Data,
                Call::Shutdown,
                Call::Close,
            ]
        } else {
            &[
                Call::Socket,
                Call::Bind,
                Call::Connect,
                Call::Data,
                Call::Close,
            ]
        }
    }

    /// The call as the tutorials write it.
    pub fn text(self, proto: Proto) -> &'static str {
        match self {
            Call::Socket => "socket()",
            Call::Bind => "bind()",
            Call::Listen => "listen()",
            Call::Accept => "accept()",
            Call::Connect => "connect()",
            Call::Data if proto.is_stream() => "send()/recv()",
            Call::Data => "sendto()/recvfrom()",
            Call::Shutdown => "shutdown()",
            Call::Close => "close()",
        }
    }

    /// Where the box sits: (column, row).
    fn place(self) -> (f32, f32) {
        match self {
            Call::Socket => (0.0, 0.0),
            Call::Bind => (1.0, 0.0),
            Call::Listen => (2.0, 0.0),
            Call::Accept => (3.0, 0.0),
            Call::Connect => (1.5, 1.0),
            Call::Data => (2.5, 2.0),
            Call::Shutdown => (1.5, 3.0),
            Call::Close => (3.0, 3.0),
        }
    }

    /// The arrows of the graph.
    const EDGES: [(Call, Call); 10] = [
        (Call::Socket, Call::Bind),
        (Call::Bind, Call::Listen),
        (Call::Listen, Call::Accept),
        (Call::Socket, Call::Connect),
        (Call::Bind, Call::Connect),
        (Call::Connect, Call::Data),
        (Call::Accept, Call::Data),
        (Call::Data, Call::Shutdown),
        (Call::Shutdown, Call::Close),
        (Call::Data, Call::Close),
    ];

    /// The Lifecycle tab's step this box performs, if it performs one.
    fn step(self) -> Option<Step> {
        match self {
            Call::Bind => Some(Step::Bind),
            Call::Listen => Some(Step::Listen),
            Call::Accept => Some(Step::Accept),
            Call::Connect => Some(Step::Connect),
            Call::Shutdown => Some(Step::Shutdown),
            Call::Close => Some(Step::Close),
            Call::Socket | Call::Data => None,
        }
    }
}

/// Whether `row` has taken step `call` already, as far as its state and history show.
pub fn taken(row: &SockRow, call: Call) -> bool {
    let accepted = row.parent.is_some();
    match call {
        Call::Socket => true,
        Call::Bind => row.local.is_some(),
        Call::Listen => row.state == SockState::Listening || !row.children.is_empty(),
        Call::Accept => accepted || !row.children.is_empty(),
        Call::Connect => row.peer.is_some() && !accepted,
        Call::Data => row.counters.bytes_in + row.counters.bytes_out > 0,
        // The peer's FIN ends the read side too; only a shutdown of this side counts.
        Call::Shutdown => {
            row.halves.write_done || (row.halves.read_done && !row.halves.peer_closed)
        }
        Call::Close => row.is_closed(),
    }
}

/// The mark of every box of `row`'s graph: the last step taken (in the graph's order of
/// life) is the current one.
pub fn marks(row: &SockRow) -> Vec<(Call, Mark)> {
    let calls = Call::for_proto(row.proto);
    let current = calls.iter().rev().copied().find(|c| taken(row, *c));
    calls
        .iter()
        .map(|&c| {
            let mark = if Some(c) == current {
                Mark::Current
            } else if taken(row, c) {
                Mark::Taken
            } else {
                match c.step().map(|s| why_not(row, s)) {
                    Some(None) => Mark::Valid,
                    Some(Some(why)) => Mark::Not(why),
                    None => Mark::Not(data_hint(row)),
                }
            };
            (c, mark)
        })
        .collect()
}

fn data_hint(row: &SockRow) -> String {
    match why_not(row, Step::Send) {
        None => "type a message in the send box below and press Send".into(),
        Some(why) => why,
    }
}

/// The kernel's TCP state of `row` (or of what the kernel still holds after its close,
/// `after_close`), falling back on the lifecycle state where the kernel was not asked.
pub fn kernel_state(row: &SockRow, after_close: Option<&str>) -> Option<TcpState> {
    if row.proto != Proto::Tcp {
        return None;
    }
    if row.is_closed() {
        return Some(
            after_close
                .and_then(TcpState::from_kernel)
                .unwrap_or(TcpState::Closed),
        );
    }
    if let Some(s) = row.tcp_state.and_then(TcpState::from_kernel) {
        return Some(s);
    }
    Some(match row.state {
        SockState::Listening => TcpState::Listen,
        SockState::Connecting => TcpState::SynSent,
        SockState::Connected => TcpState::Established,
        _ => TcpState::Closed,
    })
}

/// What the tab remembers between frames: each socket's last two kernel states, so the
/// transition just taken can be drawn.
#[derive(Debug, Default)]
pub struct DiagramView {
    seen: BTreeMap<SockId, (TcpState, Option<TcpState>)>,
}

impl DiagramView {
    /// Notes `now` as `id`'s kernel state; returns the transition just taken, if any.
    pub fn note(&mut self, id: SockId, now: TcpState) -> Option<(TcpState, TcpState)> {
        let entry = self.seen.entry(id).or_insert((now, None));
        if entry.0 != now {
            *entry = (now, Some(entry.0));
        }
        entry.1.map(|before| (before, now))
    }

    /// Draws the tab for `row`; the step clicked goes to `out`, built from `fields`.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        fields: &Lifecycle,
        after_close: Option<&str>,
        out: &mut Vec<Command>,
    ) {
        let side_by_side = ui.available_width() >= CALLS_W + 3.5 * ST_W + 24.0;
        let layout = if side_by_side {
            egui::Layout::left_to_right(egui::Align::Min)
        } else {
            egui::Layout::top_down(egui::Align::Min)
        };
        ui.with_layout(layout, |ui| {
            ui.vertical(|ui| {
                ui.label(RichText::new("The calls").strong());
                if let Some(call) = calls_graph(ui, row) {
                    match fields.command_for(call, row) {
                        Ok(cmd) => out.push(cmd),
                        Err(e) => {
                            ui.colored_label(ui.visuals().error_fg_color, e);
                        }
                    }
                }
            });
            if let Some(now) = kernel_state(row, after_close) {
                let just = self.note(row.id, now);
                ui.vertical(|ui| {
                    ui.label(RichText::new("The kernel's TCP state").strong());
                    tcp_machine(ui, now, just);
                });
            }
        });
    }
}

impl Lifecycle {
    /// The command a diagram box performs, with this tab's fields (the bind address and
    /// port, the backlog, the connect address), or why it cannot be built.
    pub fn command_for(&self, call: Call, row: &SockRow) -> Result<Command, String> {
        let sock = SockRef::Id(row.id);
        Ok(match call {
            Call::Bind => {
                let addr = if row.family == Family::Unix {
                    fields::address(&self.unix_path, Family::Unix)?
                } else {
                    fields::host_port(&self.bind_host, fields::port(&self.bind_port)?, row.family)?
                };
                Command::Bind { sock, addr }
            }
            Call::Listen => Command::Listen {
                sock,
                backlog: fields::backlog(&self.backlog)?,
            },
            Call::Accept => Command::Accept {
                sock,
                name: None,
                timeout: None,
            },
            Call::Connect => Command::Connect {
                sock,
                addr: fields::address(&self.connect_addr, row.family)
                    .map_err(|e| format!("{e} (the Lifecycle tab's Connect to field)"))?,
                timeout: None,
            },
            Call::Shutdown => Command::Shutdown {
                sock,
                how: How::Write,
            },
            Call::Close => Command::Close { sock },
            Call::Socket | Call::Data => return Err("not a step of its own".into()),
        })
    }
}

/// The colours of the pictures.
fn lit(ui: &Ui) -> Color32 {
    ui.visuals().selection.bg_fill
}

/// Draws the calls graph; returns the box clicked.
/// In a window narrower than [`CALLS_W`] (800×600) the boxes narrow to the room, so that
/// the last column stays in the window: the controls scroll down, not sideways.
fn calls_graph(ui: &mut Ui, row: &SockRow) -> Option<Call> {
    let box_w = ((ui.available_width() - 3.0 * GAP_X) / 4.0).clamp(BOX_W_MIN, BOX_W);
    let words = |t: String| {
        let t = RichText::new(t);
        if box_w < BOX_W { t.small() } else { t }
    };
    let size = vec2(4.0 * box_w + 3.0 * GAP_X, 4.0 * BOX_H + 3.0 * GAP_Y);
    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
    let at = |c: Call| {
        let (col, r) = c.place();
        Rect::from_min_size(
            rect.min + vec2(col * (box_w + GAP_X), r * (BOX_H + GAP_Y)),
            vec2(box_w, BOX_H),
        )
    };
    let marks = marks(row);
    let shown = |c: Call| marks.iter().any(|(m, _)| *m == c);
    for (a, b) in Call::EDGES {
        if shown(a) && shown(b) {
            let strong = taken(row, a) && taken(row, b);
            edge(ui, at(a), at(b), strong);
        }
    }
    let mut clicked = None;
    for (call, mark) in marks {
        let text = call.text(row.proto);
        let r = at(call);
        let resp = match &mark {
            Mark::Current => ui
                .put(
                    r,
                    egui::Button::new(words(format!("• {text}"))).fill(lit(ui)),
                )
                .on_hover_text("the step this socket is at"),
            Mark::Taken => ui
                .put(
                    r,
                    egui::Button::new(words(format!("{text} · done")))
                        .fill(ui.visuals().faint_bg_color),
                )
                .on_hover_text("done"),
            Mark::Valid => ui
                .put(
                    r,
                    egui::Button::new(words(text.into())).stroke(Stroke::new(1.5, lit(ui))),
                )
                .on_hover_text("valid now: click to do it (with the Lifecycle tab's fields)"),
            Mark::Not(why) => ui
                .add_enabled_ui(false, |ui| ui.put(r, egui::Button::new(words(text.into()))))
                .inner
                .on_disabled_hover_text(why.as_str()),
        };
        if mark == Mark::Valid && resp.clicked() {
            clicked = Some(call);
        }
    }
    clicked
}

/// An arrow from box `a` to box `b`.
fn edge(ui: &Ui, a: Rect, b: Rect, strong: bool) {
    let (from, to) = ends(a, b);
    let colour = if strong {
        ui.visuals().strong_text_color()
    } else {
        ui.visuals().weak_text_color().gamma_multiply(0.7)
    };
    arrow(
        ui,
        from,
        to,
        Stroke::new(if strong { 2.0 } else { 1.0 }, colour),
    );
}

/// Where an arrow between two boxes leaves and lands: on their facing sides.
fn ends(a: Rect, b: Rect) -> (Pos2, Pos2) {
    let d = b.center() - a.center();
    if d.x.abs() * a.height() > d.y.abs() * a.width() {
        let s = d.x.signum();
        (
            pos2(a.center().x + s * a.width() / 2.0, a.center().y),
            pos2(b.center().x - s * b.width() / 2.0, b.center().y),
        )
    } else {
        let s = d.y.signum();
        (
            pos2(a.center().x, a.center().y + s * a.height() / 2.0),
            pos2(b.center().x, b.center().y - s * b.height() / 2.0),
        )
    }
}

fn arrow(ui: &Ui, from: Pos2, to: Pos2, stroke: Stroke) {
    let painter = ui.painter();
    painter.line_segment([from, to], stroke);
    let dir = (to - from).normalized();
    let side = vec2(-dir.y, dir.x) * 4.0;
    painter.add(egui::Shape::convex_polygon(
        vec![to, to - dir * 8.0 + side, to - dir * 8.0 - side],
        stroke.color,
        Stroke::NONE,
    ));
}

const ST_W: f32 = 108.0;
const ST_H: f32 = 19.0;
const ST_GAP_Y: f32 = 8.0;

/// Draws the TCP state machine with `now` lit and the transition `just` taken bold.
fn tcp_machine(ui: &mut Ui, now: TcpState, just: Option<(TcpState, TcpState)>) {
    let size = vec2(3.5 * ST_W, 7.0 * ST_H + 6.0 * ST_GAP_Y);
    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
    let at = |s: TcpState| {
        let (col, r) = s.place();
        Rect::from_min_size(
            rect.min + vec2(col * ST_W, r * (ST_H + ST_GAP_Y)),
            vec2(ST_W - 8.0, ST_H),
        )
    };
    for (a, b, why) in TRANSITIONS {
        let taken = just == Some((a, b));
        let colour = if taken {
            lit(ui)
        } else {
            ui.visuals().weak_text_color().gamma_multiply(0.5)
        };
        let (from, to) = ends(at(a), at(b));
        arrow(
            ui,
            from,
            to,
            Stroke::new(if taken { 2.5 } else { 1.0 }, colour),
        );
        if taken {
            ui.painter().text(
                pos2((from.x + to.x) / 2.0 + 6.0, (from.y + to.y) / 2.0),
                Align2::LEFT_CENTER,
                why,
                FontId::proportional(11.0),
                ui.visuals().strong_text_color(),
            );
        }
    }
    for s in crate::diagram::tcp::STATES {
        let r = at(s);
        let button = if s == now {
            egui::Button::new(RichText::new(format!("• {}", s.name())).strong()).fill(lit(ui))
        } else {
            egui::Button::new(RichText::new(s.name()).small())
        };
        ui.put(r, button).on_hover_text(s.explain());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transition_is_remembered_until_the_next_one() {
        let mut v = DiagramView::default();
        let id = SockId(1);
        assert_eq!(v.note(id, TcpState::SynSent), None);
        assert_eq!(
            v.note(id, TcpState::Established),
            Some((TcpState::SynSent, TcpState::Established))
        );
        assert_eq!(
            v.note(id, TcpState::Established),
            Some((TcpState::SynSent, TcpState::Established)),
            "the same state again keeps the last transition drawn"
        );
        assert_eq!(
            v.note(id, TcpState::CloseWait),
            Some((TcpState::Established, TcpState::CloseWait))
        );
    }
}
