//! What a panel of the selected socket draws from and writes to, handed over as one.

use crate::app::model::settings::Settings;
use crate::app::model::state::{AppState, SockRow};
use crate::engine::Command;

/// The selected socket's row, the state around it, the settings a panel remembers into,
/// and the commands its buttons build (they run after drawing).
pub struct Room<'a> {
    /// The socket shown.
    pub row: &'a SockRow,
    /// Every socket, for suggestions (the newest listener, a datagram's destination).
    pub state: &'a AppState,
    /// What the panels remember (the bind host used last, the send history, …).
    pub settings: &'a mut Settings,
    /// The commands built this frame.
    pub out: &'a mut Vec<Command>,
}

impl<'a> Room<'a> {
    /// The room of `row`.
    pub fn new(
        row: &'a SockRow,
        state: &'a AppState,
        settings: &'a mut Settings,
        out: &'a mut Vec<Command>,
    ) -> Room<'a> {
        Room {
            row,
            state,
            settings,
            out,
        }
    }
}
