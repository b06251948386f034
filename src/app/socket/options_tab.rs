//! The Options tab: the socket options that apply to the selected socket, each with its
//! value as read back from the kernel (`option ID NAME` with no value reads it). Switches
//! are checkboxes that show the kernel's answer; numbers have a field and a Set button and
//! show what the kernel really set next to what was asked (Linux doubles `rcvbuf`).
//! The options are read quietly the first time the tab shows a socket; "Read all" reads
//! them again as commands. UDP sockets also get the multicast controls.

use std::collections::{BTreeSet, HashMap};

use egui::{RichText, Ui};

use crate::engine::{Command, Family, OptValue, Proto, SockId, SockOpt, SockRef};

use crate::app::model::state::SockRow;
use crate::app::socket::multicast::Multicast;
use crate::app::socket::step_guards::{Step, why_not};
use crate::app::widgets::fields;
use crate::app::widgets::{error_note, labelled_edit, named_step_button, note, step_checkbox};

/// The options that apply to `row`, switches first.
pub fn applicable(row: &SockRow) -> Vec<SockOpt> {
    use SockOpt as O;
    let v6 = row.family == Family::V6;
    let mut v = match row.proto {
        Proto::Tcp => vec![
            O::ReuseAddr,
            O::ReusePort,
            O::NoDelay,
            O::KeepAlive,
            O::RcvBuf,
            O::SndBuf,
            O::Ttl,
            O::Linger,
            O::KeepIdle,
            O::KeepIntvl,
            O::KeepCnt,
        ],
        Proto::Udp => vec![
            O::ReuseAddr,
            O::ReusePort,
            O::RcvBuf,
            O::SndBuf,
            O::Ttl,
            O::MulticastTtl,
            O::MulticastLoop,
        ],
        Proto::UnixStream | Proto::UnixDgram => vec![O::RcvBuf, O::SndBuf],
    };
    if row.proto == Proto::Udp && !v6 {
        v.push(O::Broadcast);
    }
    if v6 {
        v.push(O::V6Only);
    }
    v.sort_by_key(|o| !o.is_bool());
    v
}

/// What an option does, for its tooltip.
pub fn describe(opt: SockOpt) -> &'static str {
    match opt {
        SockOpt::ReuseAddr => {
            "SO_REUSEADDR: bind a port whose old connections are still in TIME_WAIT; set it before bind"
        }
        SockOpt::ReusePort => {
            "SO_REUSEPORT: several sockets bind one port and share its traffic; set it on each before bind"
        }
        SockOpt::NoDelay => {
            "TCP_NODELAY: send small writes at once instead of gathering them (Nagle's algorithm off)"
        }
        SockOpt::KeepAlive => {
            "SO_KEEPALIVE: probe an idle connection to notice a peer that went away"
        }
        SockOpt::KeepIdle => "TCP_KEEPIDLE: seconds of silence before the first keep-alive probe",
        SockOpt::KeepIntvl => "TCP_KEEPINTVL: seconds between keep-alive probes",
        SockOpt::KeepCnt => "TCP_KEEPCNT: unanswered probes before the connection is dropped",
        SockOpt::RcvBuf => {
            "SO_RCVBUF: the kernel's receive buffer in bytes; Linux doubles what is asked (room for its bookkeeping)"
        }
        SockOpt::SndBuf => {
            "SO_SNDBUF: the kernel's send buffer in bytes; Linux doubles what is asked"
        }
        SockOpt::Ttl => "IP_TTL / IPV6_UNICAST_HOPS: how many routers a packet may cross",
        SockOpt::Linger => {
            "SO_LINGER: off, or seconds close waits for unsent data; 0 makes close send a reset (as Abort does)"
        }
        SockOpt::V6Only => {
            "IPV6_V6ONLY: off for a dual-stack socket that IPv4 peers reach too (as ::ffff:a.b.c.d); before bind only"
        }
        SockOpt::Broadcast => {
            "SO_BROADCAST: allow sending to a broadcast address (255.255.255.255, or the network's .255)"
        }
        SockOpt::MulticastTtl => {
            "IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS: how far multicast datagrams go (1 = this network)"
        }
        SockOpt::MulticastLoop => {
            "IP_MULTICAST_LOOP: this host receives its own multicast datagrams too"
        }
    }
}

/// Why `opt` cannot be changed on `row` now, if it cannot.
pub fn why_not_option(row: &SockRow, opt: SockOpt) -> Option<String> {
    if let Some(w) = why_not(row, Step::Option) {
        return Some(w);
    }
    (opt == SockOpt::V6Only && row.local.is_some()).then(|| {
        format!(
            "{} is bound: v6only changes only before bind (the kernel refuses it after)",
            row.label()
        )
    })
}

/// The value typed for a numeric option.
pub fn parse_value(opt: SockOpt, text: &str) -> Result<OptValue, String> {
    let t = text.trim();
    if opt == SockOpt::Linger && t == "off" {
        return Ok(OptValue::Off);
    }
    let form = match opt {
        SockOpt::Linger => "off, or seconds (0 = reset on close)",
        SockOpt::RcvBuf | SockOpt::SndBuf => "a size in bytes (e.g. 4096)",
        SockOpt::Ttl | SockOpt::MulticastTtl => "a hop count 1–255",
        SockOpt::KeepCnt => "a probe count 1–127",
        _ => "a whole number of seconds (at least 1)",
    };
    let (min, max) = match opt {
        SockOpt::Linger => (0, 65_535),
        SockOpt::Ttl | SockOpt::MulticastTtl => (1, 255),
        SockOpt::KeepCnt => (1, 127),
        SockOpt::RcvBuf | SockOpt::SndBuf => (1, i32::MAX as u64 / 2),
        _ => (1, 32_767),
    };
    let n = fields::number(t, min, max, form)?;
    u32::try_from(n)
        .map(OptValue::Num)
        .map_err(|_| form.to_string())
}

/// The Options tab's own state.
#[derive(Debug, Default)]
pub struct OptionsPanel {
    /// What is typed for each numeric option.
    inputs: HashMap<SockOpt, String>,
    /// Numeric fields used since they were last accepted, so errors show.
    touched: BTreeSet<&'static str>,
    /// The value asked last, by socket and option.
    asked: HashMap<(SockId, SockOpt), String>,
    /// Sockets whose options were read when the tab first showed them.
    read: BTreeSet<SockId>,
    multicast: Multicast,
}

impl OptionsPanel {
    /// Draws the tab; commands go to `out`, quiet reads to `quiet`.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        out: &mut Vec<Command>,
        quiet: &mut Vec<Command>,
    ) {
        let opts = applicable(row);
        let sock = SockRef::Id(row.id);
        let read = |opt| Command::SetOption {
            sock: sock.clone(),
            opt,
            value: None,
        };
        if !row.is_closed() && self.read.insert(row.id) {
            quiet.extend(opts.iter().map(|o| read(*o)));
        }
        ui.horizontal_wrapped(|ui| {
            for opt in opts.iter().filter(|o| o.is_bool()) {
                self.switch(ui, row, *opt, out);
            }
        });
        let numbers: Vec<SockOpt> = opts.iter().copied().filter(|o| !o.is_bool()).collect();
        let mut errors = Vec::new();
        egui::Grid::new("options_grid")
            .num_columns(8)
            .spacing([6.0, 4.0])
            .show(ui, |ui| {
                for (i, opt) in numbers.iter().enumerate() {
                    if let Some(e) = self.number(ui, row, *opt, out) {
                        errors.push(e);
                    }
                    if i % 2 == 1 {
                        ui.end_row();
                    }
                }
            });
        for e in errors {
            error_note(ui, &e);
        }
        ui.horizontal(|ui| {
            if named_step_button(
                ui,
                "Read all",
                "Read all options",
                "read every option back from the kernel (one option command each)",
                why_not(row, Step::Option),
            ) {
                out.extend(opts.iter().map(|o| read(*o)));
            }
            note(
                ui,
                "values are the kernel's, read back with getsockopt; hover an option for what it does",
            );
        });
        if row.proto == Proto::Udp {
            ui.separator();
            self.multicast.ui(ui, row, out);
        }
    }

    fn switch(&mut self, ui: &mut Ui, row: &SockRow, opt: SockOpt, out: &mut Vec<Command>) {
        let value = row.config.option(opt);
        let mut on = value == Some("on");
        let why = why_not_option(row, opt);
        let changed = step_checkbox(ui, &mut on, opt.name(), describe(opt), why);
        if value.is_none() {
            ui.label(RichText::new("?").weak())
                .on_hover_text("not read yet");
        }
        if changed {
            out.push(Command::SetOption {
                sock: SockRef::Id(row.id),
                opt,
                value: Some(OptValue::Bool(on)),
            });
        }
        ui.add_space(8.0);
    }

    /// One numeric option: name, field, Set, kernel value. Returns an error to show.
    fn number(
        &mut self,
        ui: &mut Ui,
        row: &SockRow,
        opt: SockOpt,
        out: &mut Vec<Command>,
    ) -> Option<String> {
        let name = opt.name();
        let text = self.inputs.entry(opt).or_default();
        let parsed = parse_value(opt, text);
        let bad = self.touched.contains(name) && parsed.is_err();
        let kernel = row.config.option(opt);
        let hint = match opt {
            SockOpt::RcvBuf | SockOpt::SndBuf => "bytes",
            SockOpt::Linger => "off|secs",
            SockOpt::Ttl | SockOpt::MulticastTtl => "hops",
            SockOpt::KeepCnt => "probes",
            _ => "secs",
        };
        let r = labelled_edit(ui, name, text, 64.0, hint, bad).on_hover_text(describe(opt));
        if r.changed() {
            self.touched.insert(name);
        }
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let tip = format!("set {name} (option {} {name} VALUE)", row.label());
        let clicked = named_step_button(
            ui,
            "Set",
            &format!("Set {name}"),
            &tip,
            why_not_option(row, opt),
        );
        if clicked || (enter && why_not_option(row, opt).is_none()) {
            self.touched.insert(name);
            if let Ok(v) = &parsed {
                self.asked.insert((row.id, opt), v.to_string());
                self.touched.remove(name);
                out.push(Command::SetOption {
                    sock: SockRef::Id(row.id),
                    opt,
                    value: Some(*v),
                });
            }
        }
        let shown = kernel.unwrap_or("?");
        let asked = self
            .asked
            .get(&(row.id, opt))
            .filter(|a| Some(a.as_str()) != kernel);
        ui.horizontal(|ui| {
            ui.label(RichText::new(shown).monospace().strong())
                .on_hover_text("the kernel's value, read back");
            if let Some(a) = asked {
                ui.label(RichText::new(format!("(asked {a})")).weak().small());
            }
        });
        match (bad, parsed) {
            (true, Err(e)) => Some(format!("{name}: {e}")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SockState;

    fn row(proto: Proto, family: Family) -> SockRow {
        SockRow::new(SockId(1), proto, family, None)
    }

    #[test]
    fn options_fit_the_socket() {
        let tcp = applicable(&row(Proto::Tcp, Family::V4));
        assert!(tcp.contains(&SockOpt::NoDelay) && tcp.contains(&SockOpt::KeepCnt));
        assert!(!tcp.contains(&SockOpt::Broadcast) && !tcp.contains(&SockOpt::V6Only));
        let udp6 = applicable(&row(Proto::Udp, Family::V6));
        assert!(udp6.contains(&SockOpt::V6Only) && udp6.contains(&SockOpt::MulticastLoop));
        assert!(!udp6.contains(&SockOpt::NoDelay));
        assert_eq!(
            applicable(&row(Proto::UnixStream, Family::Unix)),
            vec![SockOpt::RcvBuf, SockOpt::SndBuf]
        );
        assert!(tcp.iter().take(4).all(|o| o.is_bool()), "switches first");
    }

    #[test]
    fn v6only_only_before_bind() {
        let mut r = row(Proto::Tcp, Family::V6);
        assert_eq!(why_not_option(&r, SockOpt::V6Only), None);
        r.local = Some(crate::engine::Addr::Ip("[::1]:5".parse().expect("addr")));
        r.state = SockState::Bound;
        assert!(why_not_option(&r, SockOpt::V6Only).is_some_and(|w| w.contains("before bind")));
        assert_eq!(why_not_option(&r, SockOpt::RcvBuf), None);
    }

    #[test]
    fn values() {
        assert_eq!(
            parse_value(SockOpt::RcvBuf, "4096"),
            Ok(OptValue::Num(4096))
        );
        assert_eq!(parse_value(SockOpt::Linger, "off"), Ok(OptValue::Off));
        assert_eq!(parse_value(SockOpt::Linger, "0"), Ok(OptValue::Num(0)));
        assert!(parse_value(SockOpt::RcvBuf, "0").is_err());
        assert!(parse_value(SockOpt::Ttl, "256").is_err());
        assert!(parse_value(SockOpt::KeepIdle, "x").is_err());
    }
}
