//! The send box: a multi-line input read as text, hex or escaped text; a destination
//! for unconnected datagram sockets (UDP or Unix); Send (and Ctrl+Enter); a history of
//! what was sent, browsed with the up and down keys while the input is focused and holds
//! one line; and, on demand, the sending tools (repeat, chunks, file) acting on the message.

use egui::{Id, Key, Modifiers, RichText, TextEdit, Ui};

use crate::engine::{AddrSpec, Command, Payload, SockId, SockRef};

use crate::app::model::settings::{SendMode, Settings, remember};
use crate::app::model::state::{AppState, SockRow};
use crate::app::socket::room::Room;
use crate::app::socket::send_tools::SendTools;
use crate::app::socket::step_guards::{Step, why_not};
use crate::app::widgets::checked::Field;
use crate::app::widgets::fields;
use crate::app::widgets::{error_note, step_button};

/// The send box: one draft per socket (what is typed, the destination, the tools'
/// fields), so that switching sockets never carries a draft over. The mode and the history
/// live in [`Settings`].
#[derive(Debug, Default)]
pub struct SendBox {
    drafts: std::collections::BTreeMap<SockId, SendDraft>,
}

impl SendBox {
    /// An empty send box.
    pub fn new() -> SendBox {
        SendBox::default()
    }

    /// Draws the send box of `row` (with its own draft); a send command is pushed to `out`.
    pub fn ui(&mut self, ui: &mut Ui, room: Room<'_>) {
        let d = self.drafts.entry(room.row.id).or_insert_with(|| SendDraft {
            dest: room.settings.udp_dest.clone(),
            ..SendDraft::default()
        });
        d.ui(ui, room);
    }
}

/// The send box of one socket.
#[derive(Debug, Default)]
struct SendDraft {
    /// What is typed.
    text: String,
    /// The destination field (unconnected datagram sockets).
    dest: String,
    /// Position in the history while browsing it (`None`: not browsing).
    cursor: Option<usize>,
    /// The field has been used, so errors show.
    touched: bool,
    /// The destination field has been used since the socket was selected.
    dest_touched: bool,
    /// The socket drawn last.
    shown: Option<SockId>,
    /// Repeat, chunks, file.
    tools: SendTools,
}

impl SendDraft {
    /// Moves through the history: `back` is older.
    fn browse(&mut self, history: &[String], back: bool) {
        if history.is_empty() {
            return;
        }
        let next = match (self.cursor, back) {
            (None, true) => Some(history.len() - 1),
            (None, false) => None,
            (Some(i), true) => Some(i.saturating_sub(1)),
            (Some(i), false) if i + 1 < history.len() => Some(i + 1),
            (Some(_), false) => None,
        };
        self.cursor = next;
        self.text = next.map(|i| history[i].clone()).unwrap_or_default();
    }

    /// Draws the send box for `row`; a send command is pushed to `out`.
    fn ui(&mut self, ui: &mut Ui, room: Room<'_>) {
        let Room {
            row, settings, out, ..
        } = room;
        let payload = fields::payload(&self.text, settings.send_mode);
        let dest = self.destination(row, room.state);
        ui.horizontal_wrapped(|ui| self.header_row(ui, settings, dest.as_ref()));
        let edit_id = Id::unique("send_box_input");
        let keyed = self.keys(ui, edit_id, &settings.send_history);
        let clicked = self.message_row(ui, row, edit_id, payload.is_err());
        if self.touched
            && let Err(e) = &payload
        {
            error_note(ui, e);
        }
        if (self.touched || self.dest_touched)
            && let Some(Err(e)) = &dest
        {
            error_note(ui, e);
        }
        if self.tools.open {
            ui.separator();
            self.tools.ui(ui, row, &payload, &dest, &mut self.text, out);
        }
        if matches!(clicked, Some(c) if c || keyed) {
            self.send(ui, row, settings, payload, dest, edit_id, out);
        }
    }

    /// The destination of an unconnected datagram socket (`None` for the others): a newly
    /// shown socket, or an untouched field that holds no address (the old default
    /// "127.0.0.1:"), is offered another socket of the session, or left empty with the hint.
    fn destination(&mut self, row: &SockRow, state: &AppState) -> Option<Result<AddrSpec, String>> {
        let unconnected_dgram = !row.proto.is_stream() && !row.is_connected();
        if self.shown != Some(row.id) {
            self.shown = Some(row.id);
            self.dest_touched = false;
            if unconnected_dgram
                && fields::address(&self.dest, row.family).is_err()
                && let Some(a) = state.suggested_peer(row)
            {
                self.dest = a.to_string();
            }
        }
        let dest = unconnected_dgram.then(|| fields::address(&self.dest, row.family));
        if self.dest_touched || !matches!(dest, Some(Err(_))) {
            return dest;
        }
        self.dest = state
            .suggested_peer(row)
            .map(|a| a.to_string())
            .unwrap_or_default();
        Some(fields::address(&self.dest, row.family))
    }

    /// The first row: the payload's mode, the destination field (when there is one) and
    /// the history menu.
    fn header_row(
        &mut self,
        ui: &mut Ui,
        settings: &mut Settings,
        dest: Option<&Result<AddrSpec, String>>,
    ) {
        ui.label(RichText::new("Send").strong());
        for mode in SendMode::ALL {
            ui.selectable_value(&mut settings.send_mode, mode, mode.label())
                .on_hover_text(match mode {
                    SendMode::Text => "the text as typed (UTF-8)",
                    SendMode::Hex => fields::HEX_FORM,
                    SendMode::Escaped => fields::ESCAPED_FORM,
                });
        }
        if let Some(dest) = dest {
            ui.separator();
            // What the visible row has left for the field after its label and History, so
            // the button keeps its one line in a narrow window.
            let room = ui.clip_rect().right() - ui.cursor().min.x;
            let width = (room - 170.0).clamp(80.0, 130.0);
            let field = Field::new("Destination", width, "HOST:PORT, /path or @name");
            field.edit(ui, &mut self.dest, &mut self.dest_touched, dest.is_err());
        }
        ui.separator();
        self.history_menu(ui, &settings.send_history);
    }

    /// "History": what was sent before, newest first; picking one puts it in the input.
    fn history_menu(&mut self, ui: &mut Ui, history: &[String]) {
        ui.add_enabled_ui(!history.is_empty(), |ui| {
            ui.menu_button("History", |ui| {
                egui::ScrollArea::vertical()
                    .max_height(240.0)
                    .show(ui, |ui| {
                        for h in history.iter().rev() {
                            let shown: String = h.chars().take(60).collect();
                            if ui.button(shown).clicked() {
                                self.text = h.clone();
                                self.cursor = None;
                            }
                        }
                    });
            })
            .response
            .on_hover_text("what was sent before (or the Up and Down keys in the input)")
            .on_disabled_hover_text("nothing sent yet");
        });
    }

    /// The input's keys while it has the focus: Up and Down browse the history (while it
    /// holds one line); true when Ctrl+Enter asks to send.
    fn keys(&mut self, ui: &mut Ui, edit_id: Id, history: &[String]) -> bool {
        if !ui.memory(|m| m.has_focus(edit_id)) {
            return false;
        }
        let send = ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::Enter));
        if !self.text.contains('\n') {
            if ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::ArrowUp)) {
                self.browse(history, true);
            }
            if ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::ArrowDown)) {
                self.browse(history, false);
            }
        }
        send
    }

    /// The message row: the input, Send and the tools' toggle. `Some(true)` when Send was
    /// clicked; `None` when the socket may not send now (so Ctrl+Enter does nothing either).
    fn message_row(&mut self, ui: &mut Ui, row: &SockRow, edit_id: Id, bad: bool) -> Option<bool> {
        let bad = self.touched && bad;
        ui.horizontal(|ui| {
            let label = ui.label("Message");
            let mut edit = TextEdit::multiline(&mut self.text)
                .id(edit_id)
                .desired_rows(2)
                .desired_width(ui.available_width() - 90.0)
                .hint_text("type here; Ctrl+Enter sends")
                .font(egui::TextStyle::Monospace);
            if bad {
                edit = edit.text_color(ui.visuals().error_fg_color);
            }
            let resp = ui.add(edit).labelled_by(label.id);
            if resp.changed() {
                self.touched = true;
                self.cursor = None;
            }
            let why = why_not(row, Step::Send);
            let clicked = ui
                .vertical(|ui| {
                    let c = step_button(ui, "Send", "send the message (Ctrl+Enter)", why.clone());
                    ui.toggle_value(&mut self.tools.open, "Send tools")
                        .on_hover_text("repeat the message, send it in chunks, or send a file");
                    c
                })
                .inner;
            why.is_none().then_some(clicked)
        })
        .inner
    }

    /// Sends the message (to the destination, for an unconnected datagram socket), keeps it
    /// in the history and selects it, so that typing replaces it and Ctrl+Enter resends.
    #[allow(clippy::too_many_arguments)]
    fn send(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        settings: &mut Settings,
        payload: Result<Vec<u8>, String>,
        dest: Option<Result<AddrSpec, String>>,
        edit_id: Id,
        out: &mut Vec<Command>,
    ) {
        self.touched = true;
        self.dest_touched = true;
        let Ok(bytes) = payload else {
            return;
        };
        let sock = SockRef::Id(row.id);
        let payload = Payload::from(bytes);
        let cmd = match dest {
            None => Command::Send { sock, payload },
            Some(Ok(addr)) => Command::SendTo {
                sock,
                addr,
                payload,
            },
            Some(Err(_)) => return,
        };
        remember(&mut settings.send_history, &self.text);
        select_all(ui.ctx(), edit_id, &self.text);
        if !row.proto.is_stream() && !row.is_connected() {
            settings.udp_dest = self.dest.clone();
        }
        self.cursor = None;
        out.push(cmd);
    }
}

/// Selects the whole text of the input `id` and focuses it: after a send, typing replaces
/// the message and Ctrl+Enter sends it again.
fn select_all(ctx: &egui::Context, id: Id, text: &str) {
    let mut state = egui::text_edit::TextEditState::load(ctx, id).unwrap_or_default();
    state
        .cursor
        .set_char_range(Some(egui::text::CCursorRange::select_all_str(text)));
    state.store(ctx, id);
    ctx.memory_mut(|m| m.request_focus(id));
}

#[cfg(test)]
mod tests {
    use super::SendDraft;

    #[test]
    fn history_browsing_goes_back_and_forth() {
        let h = vec!["a".to_string(), "b".to_string()];
        let mut sb = SendDraft::default();
        sb.browse(&h, true);
        assert_eq!(sb.text, "b");
        sb.browse(&h, true);
        assert_eq!(sb.text, "a");
        sb.browse(&h, true);
        assert_eq!(sb.text, "a");
        sb.browse(&h, false);
        assert_eq!(sb.text, "b");
        sb.browse(&h, false);
        assert_eq!(sb.text, "");
    }
}
