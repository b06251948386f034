//! The Sockets panel alone over many connections: every entry laid out, as the panel does
//! now, against only those in view (`sockscope::app::model::sockets_list`).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Instant, SystemTime};

use egui_kittest::Harness;
use sockscope::app::model::sockets_list;
use sockscope::app::model::state::AppState;
use sockscope::engine::{Addr, Event, EventKind, SockId};

use super::stats;

/// An app state with a listener and `n` connections accepted from it (synthetic events).
pub fn accepted_state(n: usize) -> AppState {
    let mut st = AppState::new();
    let at = SystemTime::now();
    let ev = |sock: u32, kind| Event {
        at,
        socket: Some(SockId(sock)),
        cmd: None,
        kind,
    };
    st.apply(&ev(
        1,
        EventKind::Created {
            proto: sockscope::engine::Proto::Tcp,
            family: sockscope::engine::Family::V4,
            name: None,
        },
    ));
    let local = Addr::Ip(SocketAddr::from((Ipv4Addr::LOCALHOST, 5000)));
    for i in 0..n {
        let peer = Addr::Ip(SocketAddr::from((Ipv4Addr::LOCALHOST, 10_000 + i as u16)));
        st.apply(&ev(
            2 + i as u32,
            EventKind::Accepted {
                listener: SockId(1),
                local: local.clone(),
                peer,
                name: None,
            },
        ));
    }
    st
}

/// One entry as the Sockets panel draws it: a selectable title and three small lines.
fn entry(ui: &mut egui::Ui, state: &AppState, depth: usize, id: SockId, sel: &mut Option<SockId>) {
    let Some(row) = state.get(id) else {
        return;
    };
    ui.horizontal(|ui| {
        ui.add_space(16.0 * depth as f32);
        ui.vertical(|ui| {
            let title = egui::RichText::new(sockscope::app::entry_title(row)).monospace();
            if ui.selectable_label(*sel == Some(id), title).clicked() {
                *sel = Some(id);
            }
            let opt = |a: &Option<Addr>| a.as_ref().map_or("—".to_string(), |a| a.to_string());
            let detail = format!(
                "local {}\npeer  {}\nin {} B ({} msgs) · out {} B ({} msgs)",
                opt(&row.local),
                opt(&row.peer),
                row.counters.bytes_in,
                row.counters.msgs_in,
                row.counters.bytes_out,
                row.counters.msgs_out
            );
            ui.label(egui::RichText::new(detail).small().weak());
        });
    });
}

/// Frame times of the Sockets panel alone over `state`: every entry laid out (as the panel
/// does now) or only those in view ([`sockets_list`]).
pub fn list_frames(state: AppState, virtualized: bool, n: usize) -> (f64, f64) {
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 760.0))
        .build_ui_state(
            move |ui, (st, sel): &mut (AppState, Option<SockId>)| {
                egui::Panel::left("sockets")
                    .default_size(260.0)
                    .show(ui, |ui| {
                        if virtualized {
                            let height = ui.spacing().interact_size.y
                                + 3.0 * ui.text_style_height(&egui::TextStyle::Small)
                                + 4.0;
                            let rows = sockets_list::flatten(st, false);
                            sockets_list::show(ui, &rows, height, None, |ui, d, id| {
                                entry(ui, st, d, id, sel)
                            });
                        } else {
                            egui::ScrollArea::vertical().show(ui, |ui| {
                                for (d, id) in sockets_list::flatten(st, false) {
                                    entry(ui, st, d, id, sel);
                                    ui.add_space(4.0);
                                }
                            });
                        }
                    });
            },
            (state, None),
        );
    let mut v = Vec::with_capacity(n);
    for i in 0..n + 5 {
        let t = Instant::now();
        h.step();
        let shapes = h.output().shapes.clone();
        std::hint::black_box(h.ctx.tessellate(shapes, 1.0));
        if i >= 5 {
            v.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    stats(&v)
}
