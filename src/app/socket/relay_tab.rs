//! The Relay tab: a TCP listener (or a bound UDP socket) relays every client to an
//! upstream address (`relay ID to ADDR`), and sliders set the faults of each direction
//! live (`fault ID up|down …`), each sent when the slider is let go. On one side of a
//! relayed pair it says which side it is and names the other.

use std::time::Duration;

use egui::{RichText, Slider, Ui};

use crate::engine::{Command, Dir, Family, Fault, Faults, Ppm, Proto, SockRef, SockState};

use crate::app::model::state::SockRow;
use crate::app::widgets::{error_note, fields, labelled_edit, note, step_button};

/// One direction's slider values, in the units the sliders show.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct FaultDraft {
    delay_ms: u32,
    jitter_ms: u32,
    /// KiB/s; 0 is off.
    throttle_kib: u32,
    drop_pct: f64,
    corrupt_pct: f64,
    /// KiB; 0 is off.
    cut_kib: u32,
    /// KiB; 0 is off.
    stall_kib: u32,
}

impl FaultDraft {
    fn of(f: &Faults) -> FaultDraft {
        let kib =
            |n: Option<u64>| n.map_or(0, |n| (n / 1024).max(1).min(u64::from(u32::MAX)) as u32);
        FaultDraft {
            delay_ms: f.delay.as_millis().min(u128::from(u32::MAX)) as u32,
            jitter_ms: f.jitter.as_millis().min(u128::from(u32::MAX)) as u32,
            throttle_kib: kib(f.throttle),
            drop_pct: f64::from(f.drop.0) / 1e4,
            corrupt_pct: f64::from(f.corrupt.0) / 1e4,
            cut_kib: kib(f.cut),
            stall_kib: kib(f.stall),
        }
    }
}

/// A percentage slider's value as parts per million.
fn ppm(pct: f64) -> Ppm {
    Ppm((pct * 1e4).round().clamp(0.0, 1e6) as u32)
}

/// A size slider's KiB as bytes, 0 as off.
fn kib(n: u32) -> Option<u64> {
    (n > 0).then(|| u64::from(n) * 1024)
}

/// The Relay tab's draft fields for one socket.
#[derive(Debug, Default)]
pub struct RelayPanel {
    upstream: String,
    idle_s: String,
    drafts: [FaultDraft; 2],
    /// The faults the drafts were last loaded from (the engine's word).
    loaded: [Faults; 2],
}

impl RelayPanel {
    /// Draws the tab for `row`; commands go to `out`.
    pub fn ui(&mut self, ui: &mut Ui, row: &SockRow, out: &mut Vec<Command>) {
        let relay = &row.config.relay;
        if let Some((partner, upstream)) = relay.link {
            let side = if upstream {
                "the sockscope-to-server side"
            } else {
                "the client-to-sockscope side"
            };
            note(
                ui,
                format!(
                    "{} is {side} of a relayed connection; the other side is {partner}. Its faults are set on the relay's listener.",
                    row.label()
                ),
            );
            return;
        }
        let can = matches!(
            (row.proto, row.state),
            (Proto::Tcp, SockState::Listening) | (Proto::Udp, SockState::Bound)
        );
        if !can {
            note(
                ui,
                "A relay runs on a TCP listener (listen first) or a bound UDP socket: every client gets its own connection to the upstream address.",
            );
            return;
        }
        let sock = SockRef::Id(row.id);
        self.upstream_row(ui, row, &sock, out);
        let Some(to) = &relay.to else {
            return;
        };
        ui.label(RichText::new(format!("relaying to {to}")).strong());
        if relay.faults != self.loaded {
            self.loaded = relay.faults;
            self.drafts = [
                FaultDraft::of(&relay.faults[0]),
                FaultDraft::of(&relay.faults[1]),
            ];
        }
        let udp = row.proto == Proto::Udp;
        for dir in Dir::BOTH {
            let title = match dir {
                Dir::Up => "Up: client to server",
                Dir::Down => "Down: server to client",
            };
            ui.add_space(4.0);
            ui.label(RichText::new(title).strong());
            let d = &mut self.drafts[dir.index()];
            if let Some(f) = fault_sliders(ui, d, dir, udp) {
                out.push(Command::Fault {
                    sock: sock.clone(),
                    dir: Some(dir),
                    fault: f,
                });
            }
        }
    }

    /// The upstream address field with Relay and Stop.
    fn upstream_row(&mut self, ui: &mut Ui, row: &SockRow, sock: &SockRef, out: &mut Vec<Command>) {
        let family = if self.upstream.trim_start().starts_with('[') {
            Family::V6
        } else {
            Family::V4
        };
        let parsed = fields::address(&self.upstream, family);
        let udp = row.proto == Proto::Udp;
        let idle = if self.idle_s.trim().is_empty() {
            Ok(None)
        } else {
            fields::number(&self.idle_s, 1, 86_400, "whole seconds, 1 to 86400")
                .map(|s| Some(Duration::from_secs(s)))
        };
        let mut err = None;
        ui.horizontal_wrapped(|ui| {
            let bad = !self.upstream.is_empty() && parsed.is_err();
            labelled_edit(ui, "Upstream", &mut self.upstream, 160.0, "127.0.0.1:8000", bad);
            if udp {
                labelled_edit(ui, "Idle (s)", &mut self.idle_s, 40.0, "60", idle.is_err());
            }
            let why = match (&parsed, &idle) {
                (Err(e), _) | (_, Err(e)) => Some(e.clone()),
                _ => None,
            };
            let tip = "every client gets its own connection to this address; bytes pass both ways, logged on both sides";
            if step_button(ui, "Start relay", tip, why.clone())
                && let (Ok(to), Ok(idle)) = (&parsed, &idle)
            {
                out.push(Command::Relay {
                    sock: sock.clone(),
                    to: Some(to.clone()),
                    idle: if udp { *idle } else { None },
                });
            }
            let off = row.config.relay.to.is_none().then(|| "not relaying".to_string());
            if step_button(ui, "Stop relay", "new clients are no longer relayed (those under way go on)", off) {
                out.push(Command::Relay {
                    sock: sock.clone(),
                    to: None,
                    idle: None,
                });
            }
            if !self.upstream.is_empty() {
                err = why;
            }
        });
        if let Some(e) = err {
            error_note(ui, &e);
        }
    }
}

/// True when the slider's new value should be sent: let go, or changed by keyboard.
fn settled(r: &egui::Response) -> bool {
    r.drag_stopped() || (r.changed() && !r.dragged())
}

/// A row of the sliders' grid: its label (named with the direction, so that each slider
/// has a name of its own for screen readers and tests) and the slider.
fn slider_row(ui: &mut Ui, what: &str, dir: Dir, slider: Slider<'_>, tip: &str) -> egui::Response {
    let l = ui.label(format!("{what} ({dir})"));
    let r = ui.add(slider).labelled_by(l.id).on_hover_text(tip);
    ui.end_row();
    r
}

fn ms(v: &mut u32, max: u32) -> Slider<'_> {
    Slider::new(v, 0..=max).suffix(" ms").logarithmic(true)
}

fn size<'a>(v: &'a mut u32, unit: &str) -> Slider<'a> {
    Slider::new(v, 0..=1_048_576).suffix(unit).logarithmic(true)
}

fn pct(v: &mut f64) -> Slider<'_> {
    Slider::new(v, 0.0..=100.0)
        .suffix(" %")
        .logarithmic(true)
        .max_decimals(4)
}

/// One direction's sliders; the fault to send when one was let go.
fn fault_sliders(ui: &mut Ui, d: &mut FaultDraft, dir: Dir, udp: bool) -> Option<Fault> {
    let mut send = None;
    egui::Grid::new(format!("relay-{dir}"))
        .num_columns(2)
        .show(ui, |ui| {
            send = timing_sliders(ui, d, dir).or(damage_sliders(ui, d, dir, udp));
        });
    if ui
        .button(format!("No faults ({dir})"))
        .on_hover_text(format!("fault … {dir} off"))
        .clicked()
    {
        *d = FaultDraft::default();
        send = Some(Fault::Off);
    }
    send
}

/// Delay, jitter and throttle.
fn timing_sliders(ui: &mut Ui, d: &mut FaultDraft, dir: Dir) -> Option<Fault> {
    let a = slider_row(
        ui,
        "Delay",
        dir,
        ms(&mut d.delay_ms, 5000),
        "added one-way delay",
    );
    let jitter_tip = "± spread around the delay (never reorders)";
    let b = slider_row(ui, "Jitter", dir, ms(&mut d.jitter_ms, 2000), jitter_tip);
    let mut send = None;
    if settled(&a) || settled(&b) {
        send = Some(Fault::Delay {
            delay: Duration::from_millis(u64::from(d.delay_ms)),
            jitter: Duration::from_millis(u64::from(d.jitter_ms)),
        });
    }
    let throttle = size(&mut d.throttle_kib, " KiB/s");
    let r = slider_row(ui, "Throttle", dir, throttle, "at most this rate; 0 is off");
    if settled(&r) {
        send = Some(Fault::Throttle(kib(d.throttle_kib)));
    }
    send
}

/// Drop (UDP), corrupt, cut and stall.
fn damage_sliders(ui: &mut Ui, d: &mut FaultDraft, dir: Dir, udp: bool) -> Option<Fault> {
    let mut send = None;
    if udp {
        let r = slider_row(
            ui,
            "Drop",
            dir,
            pct(&mut d.drop_pct),
            "lose this share of datagrams",
        );
        if settled(&r) {
            send = Some(Fault::Drop(ppm(d.drop_pct)));
        }
    }
    let corrupt_tip = "flip bits in this share of bytes";
    let r = slider_row(ui, "Corrupt", dir, pct(&mut d.corrupt_pct), corrupt_tip);
    if settled(&r) {
        send = Some(Fault::Corrupt(ppm(d.corrupt_pct)));
    }
    let cut_tip = "reset both sides once this much has passed; 0 is off";
    let r = slider_row(ui, "Cut after", dir, size(&mut d.cut_kib, " KiB"), cut_tip);
    if settled(&r) {
        send = Some(Fault::Cut(kib(d.cut_kib)));
    }
    let stall_tip = "stop reading once this much has passed; 0 is off";
    let r = slider_row(
        ui,
        "Stall after",
        dir,
        size(&mut d.stall_kib, " KiB"),
        stall_tip,
    );
    if settled(&r) {
        send = Some(Fault::Stall(kib(d.stall_kib)));
    }
    send
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_load_the_engines_faults_in_slider_units() {
        let f = Faults {
            delay: Duration::from_millis(200),
            throttle: Some(64 << 10),
            corrupt: Ppm(1000),
            cut: Some(1 << 20),
            ..Faults::default()
        };
        let d = FaultDraft::of(&f);
        assert_eq!(
            (d.delay_ms, d.throttle_kib, d.cut_kib, d.stall_kib),
            (200, 64, 1024, 0)
        );
        assert_eq!(ppm(d.corrupt_pct), Ppm(1000));
        assert_eq!(kib(d.throttle_kib), Some(65_536));
        assert_eq!(kib(0), None);
    }
}
