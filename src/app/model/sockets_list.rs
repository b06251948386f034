//! A virtualized list of sockets for the Sockets panel: the tree (accepted connections
//! under their listener) flattened into rows of one fixed height, of which only the visible
//! ones are laid out, so 10,000 accepted connections cost no more per frame than a screenful.
//!
//! The panel draws one entry with its own function; this module decides which entries are
//! on screen:
//!
//! ```ignore
//! let rows = sockets_list::flatten(state, hide_closed);
//! sockets_list::show(ui, &rows, ENTRY_HEIGHT, |ui, depth, id| {
//!     if let Some(row) = state.get(id) { entry_one(ui, row, depth, selected) }
//! });
//! ```

use egui::{Align, Layout, Ui, Vec2};

use crate::engine::SockId;

use crate::app::model::state::{AppState, SockRow};

/// The entries to list, in display order, with their depth in the tree (0 for a root,
/// 1 for a connection under its listener, …). Closed sockets are left out when
/// `hide_closed`, but their connections stay.
pub fn flatten(state: &AppState, hide_closed: bool) -> Vec<(usize, SockId)> {
    let mut out = Vec::with_capacity(state.sockets.len());
    let mut stack: Vec<(usize, &SockRow)> = state.roots().map(|r| (0, r)).collect();
    stack.reverse();
    while let Some((depth, row)) = stack.pop() {
        if !(hide_closed && row.is_closed()) {
            out.push((depth, row.id));
        }
        for child in row.children.iter().rev() {
            if let Some(c) = state.get(*child) {
                stack.push((depth + 1, c));
            }
        }
    }
    out
}

/// Shows the entries of `rows` that are in view, in a vertical scroll area; each gets a
/// space `entry_height` tall (spacing excluded) and is drawn by `entry(ui, depth, id)`.
/// The entry of `reveal`, if any, is scrolled into view (a new selection).
pub fn show(
    ui: &mut Ui,
    rows: &[(usize, SockId)],
    entry_height: f32,
    reveal: Option<SockId>,
    mut entry: impl FnMut(&mut Ui, usize, SockId),
) {
    let reveal = reveal.and_then(|id| rows.iter().position(|&(_, r)| r == id));
    egui::ScrollArea::vertical()
        .id_salt("sockets_list")
        .auto_shrink([false, false])
        .show_rows(ui, entry_height, rows.len(), |ui, range| {
            let width = ui.available_width();
            if let Some(i) = reveal {
                // Where entry i lies in the list, laid out or not.
                let pitch = entry_height + ui.spacing().item_spacing.y;
                let top = ui.cursor().top() + (i as f32 - range.start as f32) * pitch;
                let rect = egui::Rect::from_min_size(
                    egui::pos2(ui.cursor().left(), top),
                    Vec2::new(width, entry_height),
                );
                ui.scroll_to_rect(rect, None);
            }
            for &(depth, id) in rows.get(range).unwrap_or_default() {
                ui.allocate_ui_with_layout(
                    Vec2::new(width, entry_height),
                    Layout::top_down(Align::Min),
                    |ui| {
                        ui.set_min_size(Vec2::new(width, entry_height));
                        entry(ui, depth, id);
                    },
                );
            }
        });
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::engine::{Addr, Event, EventKind, Family, Proto};

    #[test]
    fn tree_flattens_in_order_and_hides_closed() {
        let mut st = AppState::new();
        let a = |s: &str| Addr::Ip(s.parse().expect("address"));
        for id in [1, 2] {
            st.apply(&Event::on(
                id,
                EventKind::Created {
                    proto: Proto::Tcp,
                    family: Family::V4,
                    name: None,
                },
            ));
        }
        for id in [3, 4] {
            st.apply(&Event::on(
                id,
                EventKind::Accepted {
                    listener: SockId(1),
                    local: a("127.0.0.1:1"),
                    peer: a("127.0.0.1:2"),
                    name: None,
                },
            ));
        }
        let ids =
            |v: Vec<(usize, SockId)>| v.into_iter().map(|(d, s)| (d, s.0)).collect::<Vec<_>>();
        assert_eq!(
            ids(flatten(&st, false)),
            vec![(0, 1), (1, 3), (1, 4), (0, 2)]
        );
        st.apply(&Event::on(1, EventKind::Closed));
        st.apply(&Event::on(4, EventKind::Closed));
        assert_eq!(ids(flatten(&st, true)), vec![(1, 3), (0, 2)]);
    }
}
