//! The *Packets* window's editor: one packet's name, folder, payload form and text,
//! destination, checksum and notes, checked as they are typed.

use egui::Ui;

use crate::engine::Checksum;
use crate::packets::{Form, Packet};

/// What the editor asks for after a frame.
pub enum Outcome {
    /// Still editing.
    Editing,
    /// Close without saving.
    Cancel,
    /// Save this packet (replacing the one of the old name, when renamed).
    Save(Box<Packet>, Option<String>),
}

/// The packet being edited.
pub struct Editor {
    packet: Packet,
    to: String,
    checksum: Option<Checksum>,
    replaces: Option<String>,
}

impl Editor {
    /// A new packet holding `bytes`, in `folder`.
    pub fn new_with(bytes: &[u8], folder: &str) -> Editor {
        let mut packet = Packet::from_bytes("", bytes);
        packet.folder = folder.to_string();
        Editor {
            packet,
            to: String::new(),
            checksum: None,
            replaces: None,
        }
    }

    /// An existing packet.
    pub fn edit(p: &Packet) -> Editor {
        Editor {
            packet: p.clone(),
            to: p.to.clone().unwrap_or_default(),
            checksum: p.checksum_alg().ok().flatten(),
            replaces: Some(p.name.clone()),
        }
    }

    /// The packet as typed, or what is wrong with it.
    fn built(&self) -> Result<Packet, String> {
        let mut p = self.packet.clone();
        p.name = p.name.trim().to_string();
        if !crate::lang::is_packet_name(&p.name) {
            return Err("a name of letters, digits, _ - or . (@NAME in the console)".into());
        }
        p.to = match self.to.trim() {
            "" => None,
            t => {
                crate::lang::parse_addr_word(t).map_err(|e| format!("destination: {e}"))?;
                Some(t.to_string())
            }
        };
        p.checksum = self.checksum.map(|c| c.to_string());
        p.bytes()?;
        Ok(p)
    }

    /// Draws the editor.
    pub fn ui(&mut self, ui: &mut Ui) -> Outcome {
        let mut outcome = Outcome::Editing;
        egui::Grid::new("packet_editor")
            .num_columns(2)
            .show(ui, |ui| {
                text_row(ui, "Name", &mut self.packet.name);
                text_row(ui, "Folder name", &mut self.packet.folder);
                ui.label("Form");
                ui.horizontal(|ui| {
                    for f in Form::ALL {
                        ui.radio_value(&mut self.packet.form, f, f.name());
                    }
                });
                ui.end_row();
                let l = ui.label("Payload");
                ui.add(
                    egui::TextEdit::multiline(&mut self.packet.payload)
                        .desired_rows(2)
                        .font(egui::TextStyle::Monospace),
                )
                .labelled_by(l.id);
                ui.end_row();
                let l = ui.label("To");
                ui.add(egui::TextEdit::singleline(&mut self.to).hint_text("HOST:PORT (optional)"))
                    .labelled_by(l.id);
                ui.end_row();
                let l = ui.label("Checksum");
                egui::ComboBox::from_id_salt("packet_checksum")
                    .selected_text(self.checksum.map_or("none", Checksum::name))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.checksum, None, "none");
                        for c in Checksum::ALL {
                            ui.selectable_value(&mut self.checksum, Some(c), c.name());
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
                text_row(ui, "Notes", &mut self.packet.notes);
            });
        let built = self.built();
        if let Err(e) = &built {
            crate::app::widgets::error_note(ui, e);
        }
        ui.horizontal(|ui| {
            if ui
                .add_enabled(built.is_ok(), egui::Button::new("Save packet"))
                .clicked()
                && let Ok(p) = built
            {
                outcome = Outcome::Save(Box::new(p), self.replaces.clone());
            }
            if ui.button("Cancel").clicked() {
                outcome = Outcome::Cancel;
            }
        });
        outcome
    }
}

/// A row of the editor's grid: a label, and a one-line field it names.
fn text_row(ui: &mut Ui, label: &str, text: &mut String) {
    let l = ui.label(label);
    ui.text_edit_singleline(text).labelled_by(l.id);
    ui.end_row();
}
