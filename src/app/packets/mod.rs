//! The *Packets* window: the packet library ([`crate::packets`]) — search, add, edit,
//! reorder and delete packets, in folders; send one to the selected socket with a click or
//! Ctrl+1…9 (the first nine of the folder shown, their key on the button); import and
//! export a folder as JSON (Packet Sender's exports import too). The send box ("Save as
//! packet") and a log row's detail ("Save payload as packet") offer bytes to it with
//! [`offer`].

mod editor;

use egui::{RichText, Ui};

use crate::app::model::sock_row::SockRow;
use crate::engine::{Command, Payload, SockRef};
use crate::packets::{Packet, SharedShelf, Shelf, lock};

use editor::Editor;

/// Where [`offer`] leaves bytes for the window to pick up.
fn offer_id() -> egui::Id {
    egui::Id::unique("sockscope_packets_offer")
}

/// Offers bytes to the *Packets* window: it opens with a new packet holding them.
pub fn offer(ctx: &egui::Context, bytes: &[u8]) {
    ctx.data_mut(|d| d.insert_temp(offer_id(), bytes.to_vec()));
}

/// The window's state.
pub struct PacketsPanel {
    /// Whether the window is shown.
    pub open: bool,
    shelf: SharedShelf,
    folder: String,
    search: String,
    editor: Option<Editor>,
    transfer_path: String,
    message: Option<(String, bool)>,
}

impl PacketsPanel {
    /// A closed window over the user's library (an unreadable file: an empty library kept
    /// in memory, and the reason shown).
    pub fn new() -> PacketsPanel {
        let (shelf, message) = match Shelf::open(None) {
            Ok(s) => (s, None),
            Err(e) => (Shelf::default(), Some((e, true))),
        };
        PacketsPanel::with_shelf(shelf.shared(), message)
    }

    /// A closed window over `shelf`.
    pub fn with_shelf(shelf: SharedShelf, message: Option<(String, bool)>) -> PacketsPanel {
        let folder = lock(&shelf)
            .lib
            .folders()
            .into_iter()
            .next()
            .unwrap_or_default();
        PacketsPanel {
            open: false,
            shelf,
            folder,
            search: String::new(),
            editor: None,
            transfer_path: String::new(),
            message,
        }
    }

    /// The library the window edits (the console's `@NAME` reads it too).
    pub fn shelf(&self) -> &SharedShelf {
        &self.shelf
    }

    /// Draws the window (when open) and handles Ctrl+1…9; commands go to `out`.
    pub fn ui(&mut self, ctx: &egui::Context, row: Option<&SockRow>, out: &mut Vec<Command>) {
        if let Some(bytes) = ctx.data_mut(|d| d.remove_temp::<Vec<u8>>(offer_id())) {
            self.open = true;
            self.editor = Some(Editor::new_with(&bytes, &self.folder));
        }
        if !self.open {
            return;
        }
        self.hotkeys(ctx, row, out);
        let mut open = self.open;
        egui::Window::new("Packets")
            .open(&mut open)
            .default_size([420.0, 360.0])
            .show(ctx, |ui| self.body(ui, row, out));
        self.open = open;
    }

    /// Ctrl+1…9: send the first nine packets of the folder shown.
    fn hotkeys(&mut self, ctx: &egui::Context, row: Option<&SockRow>, out: &mut Vec<Command>) {
        const KEYS: [egui::Key; 9] = [
            egui::Key::Num1,
            egui::Key::Num2,
            egui::Key::Num3,
            egui::Key::Num4,
            egui::Key::Num5,
            egui::Key::Num6,
            egui::Key::Num7,
            egui::Key::Num8,
            egui::Key::Num9,
        ];
        for (n, key) in KEYS.into_iter().enumerate() {
            let shortcut = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, key);
            if ctx.input_mut(|i| i.consume_shortcut(&shortcut)) {
                let packet = lock(&self.shelf)
                    .lib
                    .in_folder(&self.folder)
                    .nth(n)
                    .map(|(_, p)| p.clone());
                if let Some(p) = packet {
                    self.send(&p, row, out);
                }
            }
        }
    }

    fn body(&mut self, ui: &mut Ui, row: Option<&SockRow>, out: &mut Vec<Command>) {
        self.folder_row(ui);
        ui.horizontal(|ui| {
            let l = ui.label("Search");
            ui.add(egui::TextEdit::singleline(&mut self.search).desired_width(160.0))
                .labelled_by(l.id);
            if ui.button("New packet").clicked() {
                self.editor = Some(Editor::new_with(b"", &self.folder));
            }
        });
        if row.is_none() {
            ui.label(RichText::new("select a socket to send to").weak().italics());
        }
        ui.separator();
        self.list(ui, row, out);
        if let Some(ed) = &mut self.editor {
            ui.separator();
            match ed.ui(ui) {
                editor::Outcome::Editing => {}
                editor::Outcome::Cancel => self.editor = None,
                editor::Outcome::Save(packet, replaces) => self.store(*packet, replaces),
            }
        }
        ui.separator();
        self.transfer(ui);
        if let Some((m, err)) = &self.message {
            let text = RichText::new(m.as_str());
            ui.label(if *err {
                text.color(ui.visuals().error_fg_color)
            } else {
                text
            });
        }
    }

    fn folder_row(&mut self, ui: &mut Ui) {
        let folders = lock(&self.shelf).lib.folders();
        ui.horizontal(|ui| {
            let l = ui.label("Folder");
            egui::ComboBox::from_id_salt("packets_folder")
                .selected_text(folder_label(&self.folder))
                .show_ui(ui, |ui| {
                    for f in &folders {
                        ui.selectable_value(&mut self.folder, f.clone(), folder_label(f));
                    }
                })
                .response
                .labelled_by(l.id);
        });
    }

    /// The packets of the folder that match the search, each with its send button.
    fn list(&mut self, ui: &mut Ui, row: Option<&SockRow>, out: &mut Vec<Command>) {
        let needle = self.search.to_lowercase();
        let shown: Vec<(usize, usize, Packet)> = lock(&self.shelf)
            .lib
            .in_folder(&self.folder)
            .enumerate()
            .filter(|(_, (_, p))| {
                needle.is_empty()
                    || p.name.to_lowercase().contains(&needle)
                    || p.payload.to_lowercase().contains(&needle)
                    || p.notes.to_lowercase().contains(&needle)
            })
            .map(|(n, (i, p))| (n, i, p.clone()))
            .collect();
        if shown.is_empty() {
            ui.label(RichText::new("no packets here").weak().italics());
        }
        egui::ScrollArea::vertical()
            .id_salt("packets_list")
            .max_height(200.0)
            .show(ui, |ui| {
                for (n, i, p) in shown {
                    ui.horizontal(|ui| self.list_row(ui, n, i, &p, row, out));
                }
            });
    }

    fn list_row(
        &mut self,
        ui: &mut Ui,
        n: usize,
        i: usize,
        p: &Packet,
        row: Option<&SockRow>,
        out: &mut Vec<Command>,
    ) {
        let label = if n < 9 {
            format!("Send {}  (Ctrl+{})", p.name, n + 1)
        } else {
            format!("Send {}", p.name)
        };
        let send = ui.add_enabled(row.is_some(), egui::Button::new(label));
        if send
            .on_hover_text(preview(p))
            .on_disabled_hover_text("select a socket first")
            .clicked()
        {
            self.send(p, row, out);
        }
        if ui.small_button("Edit").clicked() {
            self.editor = Some(Editor::edit(p));
        }
        if ui.small_button("Up").on_hover_text("move up").clicked() {
            self.change(|s| s.lib.shift(i, true));
        }
        if ui.small_button("Down").on_hover_text("move down").clicked() {
            self.change(|s| s.lib.shift(i, false));
        }
        if ui.small_button("Delete").clicked() {
            let name = p.name.clone();
            self.change(|s| {
                s.lib.remove(&name);
            });
        }
    }

    /// Changes the library and saves it, saying what went wrong.
    fn change(&mut self, f: impl FnOnce(&mut Shelf)) {
        let mut shelf = lock(&self.shelf);
        f(&mut shelf);
        self.message = shelf.save().err().map(|e| (e, true));
    }

    fn store(&mut self, packet: Packet, replaces: Option<String>) {
        self.folder = packet.folder.clone();
        let name = packet.name.clone();
        self.change(|s| {
            if let Some(old) = replaces.filter(|o| *o != packet.name)
                && let Some(i) = s.lib.packets.iter().position(|p| p.name == old)
            {
                s.lib.packets[i] = packet.clone();
            }
            s.lib.put(packet);
        });
        if self.message.is_none() {
            self.message = Some((format!("saved {name}"), false));
        }
        self.editor = None;
    }

    /// Sends a packet to the selected socket: `send`, or `sendto` its destination when the
    /// socket is an unconnected datagram socket.
    fn send(&mut self, p: &Packet, row: Option<&SockRow>, out: &mut Vec<Command>) {
        let Some(row) = row else {
            return;
        };
        match send_command(p, row) {
            Ok(cmd) => out.push(cmd),
            Err(e) => self.message = Some((e, true)),
        }
    }

    fn transfer(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let l = ui.label("JSON file");
            ui.add(egui::TextEdit::singleline(&mut self.transfer_path).desired_width(150.0))
                .labelled_by(l.id);
            if ui.button("Export folder").clicked() {
                let json = crate::packets::export_folder(&lock(&self.shelf).lib, &self.folder);
                self.message = Some(match std::fs::write(&self.transfer_path, json) {
                    Ok(()) => (format!("exported to {}", self.transfer_path), false),
                    Err(e) => (format!("cannot write {}: {e}", self.transfer_path), true),
                });
            }
            if ui
                .button("Import")
                .on_hover_text("a folder exported here, or Packet Sender's exported packets")
                .clicked()
            {
                self.import();
            }
        });
    }

    fn import(&mut self) {
        let text = match std::fs::read_to_string(&self.transfer_path) {
            Ok(t) => t,
            Err(e) => {
                self.message = Some((format!("cannot read {}: {e}", self.transfer_path), true));
                return;
            }
        };
        match crate::packets::import_json(&text, None) {
            Ok(packets) => {
                let n = packets.len();
                if let Some(p) = packets.first() {
                    self.folder = p.folder.clone();
                }
                self.change(|s| packets.into_iter().for_each(|p| s.lib.put(p)));
                if self.message.is_none() {
                    self.message = Some((format!("imported {n} packets"), false));
                }
            }
            Err(e) => self.message = Some((e, true)),
        }
    }
}

impl Default for PacketsPanel {
    fn default() -> Self {
        PacketsPanel::new()
    }
}

/// The command that sends `p` on `row`'s socket.
pub fn send_command(p: &Packet, row: &SockRow) -> Result<Command, String> {
    let payload = Payload::from(p.template()?);
    let sock = SockRef::Id(row.id);
    let unconnected_dgram = !row.proto.is_stream() && row.peer.is_none();
    match (&p.to, unconnected_dgram) {
        (Some(to), true) => {
            let addr = crate::lang::parse_addr_word(to)
                .map_err(|e| format!("{}: destination {to}: {e}", p.name))?;
            Ok(Command::SendTo {
                sock,
                addr,
                payload,
            })
        }
        (None, true) => Err(format!(
            "{} has no destination and {} has no fixed peer: give the packet one (Edit)",
            p.name,
            row.label()
        )),
        _ => Ok(Command::Send { sock, payload }),
    }
}

fn folder_label(f: &str) -> String {
    if f.is_empty() {
        "(top)".into()
    } else {
        f.to_string()
    }
}

/// The packet's bytes as the language writes them, for the send button's tooltip.
fn preview(p: &Packet) -> String {
    let mut s = match p.template() {
        Ok(b) => crate::lang::checked_text(&b),
        Err(e) => e,
    };
    if let Some(to) = &p.to {
        s.push_str(&format!(" to {to}"));
    }
    if !p.notes.is_empty() {
        s.push_str(&format!("\n{}", p.notes));
    }
    s
}
