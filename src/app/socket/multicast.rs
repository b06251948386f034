//! Multicast membership of a UDP socket: a group, an optional interface, Join and Leave,
//! and the groups joined so far (from the engine's `Joined` / `Left` settings).

use egui::{RichText, Ui};

use crate::engine::{Command, SockRef};

use crate::app::model::state::SockRow;
use crate::app::socket::step_guards::{Step, why_not};
use crate::app::widgets::checked::{Field, touched_note};
use crate::app::widgets::fields;
use crate::app::widgets::{error_note, labelled_edit, note, step_button};

/// The multicast controls' own state.
#[derive(Debug, Default)]
pub struct Multicast {
    group: String,
    iface: String,
    touched: bool,
}

/// The multicast group field.
const GROUP: Field = Field::new("Group", 170.0, "239.1.2.3 or ff02::1234");

impl Multicast {
    /// Draws the controls for `row`; join and leave commands go to `out`.
    pub fn ui(&mut self, ui: &mut Ui, row: &SockRow, out: &mut Vec<Command>) {
        let group = fields::group(&self.group);
        let iface = self.iface.trim().to_string();
        let iface_ok = !iface.contains(char::is_whitespace);
        ui.horizontal(|ui| {
            ui.label(RichText::new("Multicast").strong());
            GROUP.edit(ui, &mut self.group, &mut self.touched, group.is_err());
            let r = labelled_edit(
                ui,
                "Interface",
                &mut self.iface,
                110.0,
                "optional",
                !iface_ok,
            )
            .on_hover_text(
                "IPv4: the interface's address (or name); IPv6: its name (lo, eth0) or index; empty: the default",
            );
            self.touched |= r.changed();
            let iface = (!iface.is_empty()).then(|| iface.clone());
            let why = why_not(row, Step::Multicast);
            if step_button(ui, "Join", "join the group (IP_ADD_MEMBERSHIP)", why.clone()) {
                self.touched = true;
                if let (Ok(g), true) = (&group, iface_ok) {
                    out.push(Command::Join {
                        sock: SockRef::Id(row.id),
                        group: *g,
                        iface: iface.clone(),
                    });
                }
            }
            let why_leave = why.or_else(|| match &group {
                Ok(g) if !row.config.groups.contains(g) => {
                    Some(format!("{} has not joined {g}", row.label()))
                }
                _ => None,
            });
            if step_button(ui, "Leave", "leave the group (IP_DROP_MEMBERSHIP)", why_leave) {
                self.touched = true;
                if let (Ok(g), true) = (&group, iface_ok) {
                    out.push(Command::Leave {
                        sock: SockRef::Id(row.id),
                        group: *g,
                        iface,
                    });
                }
            }
        });
        touched_note(ui, self.touched, &group);
        if !iface_ok {
            error_note(
                ui,
                "an interface is one word: an address, a name or an index",
            );
        }
        if row.config.groups.is_empty() {
            note(
                ui,
                "not a member of any group · mcast-ttl, mcast-loop and broadcast are above",
            );
        } else {
            let g: Vec<String> = row.config.groups.iter().map(|g| g.to_string()).collect();
            note(ui, format!("member of {}", g.join(", ")));
        }
    }
}
