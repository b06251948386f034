//! The live figures of a stress test (requests a second now and at peak, sent/ok/failed,
//! connections, bytes, latency percentiles), its failures by kind, and two plots
//! (egui_plot): requests a second over time, and the latency percentiles over time.

use egui::{RichText, Ui};
use egui_plot::{Legend, Line, Plot};

use crate::app::widgets::bytes;
use crate::stress::{Connect, Failure, Figures, Limit, Mode, StressConfig, Transport};

use super::live::Live;

/// A latency in µs as it reads best: `9.8 µs`, `850.0 µs`, `1.25 ms`, `2.10 s`.
pub fn latency_text(us: f64) -> String {
    if us < 1e3 {
        format!("{us:.1} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

/// The test in one line: `10 tcp clients to 127.0.0.1:7 · ping-pong 4 B · 200 requests`.
pub fn setup_text(c: &StressConfig) -> String {
    let transport = match c.transport {
        Transport::Tcp => "tcp",
        Transport::Udp => "udp",
        Transport::Tls => "tls",
    };
    let mode = match &c.mode {
        Mode::PingPong { payload, .. } => format!("ping-pong {} B", payload.len()),
        Mode::Throughput { size } => format!("throughput {}", bytes(*size as u64)),
    };
    let limit = match c.limit {
        Limit::For(d) => format!("for {}", crate::lang::duration_text(d)),
        Limit::Count(k) => format!("{k} requests"),
    };
    let mut s = format!(
        "{} {transport} clients to {} · {mode} · {limit}",
        c.clients, c.addr
    );
    if let Some(r) = c.rate {
        s.push_str(&format!(" · {r}/s"));
    }
    if c.connect == Connect::PerRequest {
        s.push_str(" · a connection per request");
    }
    s
}

/// What a failure kind means, for its tooltip.
pub fn failure_meaning(f: Failure) -> &'static str {
    match f {
        Failure::ConnectRefused => "the server refused the connection (nothing listens there)",
        Failure::ConnectTimedOut => "the connection did not complete within 5 s",
        Failure::TlsFailed => {
            "the TLS handshake after the connect failed (certificate refused, reset, silence)"
        }
        Failure::Reset => "the server reset the connection",
        Failure::RecvTimedOut => "no reply within 5 s",
        Failure::ClosedByPeer => "the server closed the connection before replying",
        Failure::Mismatch => "the reply was not the one expected",
        Failure::Other => "another error",
    }
}

/// The live figures in a grid, then the failures by kind.
pub fn figures(ui: &mut Ui, f: &Figures) {
    egui::Grid::new("stress_live")
        .num_columns(4)
        .spacing([12.0, 2.0])
        .show(ui, |ui| {
            ui.label("Requests/s");
            ui.label(format!("{:.0} now · peak {:.0}", f.qps, f.qps_peak));
            ui.label("Elapsed");
            ui.label(format!("{:.1} s", f.secs));
            ui.end_row();
            ui.label("Sent / ok / failed");
            ui.label(format!("{} / {} / {}", f.sent, f.ok, f.failed));
            ui.label("Connections");
            ui.label(format!("{} open · {} made", f.active, f.connects));
            ui.end_row();
            ui.label("Bytes out / in");
            ui.label(format!("{} / {}", bytes(f.bytes_out), bytes(f.bytes_in)));
            ui.label("Latency");
            ui.label(format!(
                "p50 {} · p95 {} · p99 {} · max {}",
                latency_text(f.p50_us),
                latency_text(f.p95_us),
                latency_text(f.p99_us),
                latency_text(f.max_us)
            ));
            ui.end_row();
        });
    failures(ui, f);
}

/// The failures by kind, one line; nothing when none failed.
pub fn failures(ui: &mut Ui, f: &Figures) {
    if f.failures.is_empty() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Failures").color(ui.visuals().error_fg_color));
        for (kind, n) in &f.failures {
            ui.label(format!("{kind} {n}"))
                .on_hover_text(failure_meaning(*kind));
        }
    });
}

/// The two plots side by side: requests a second, and latency p50/p95/p99 (in µs while
/// every latency is under a millisecond, else in ms, so that the axis has figures).
pub fn plots(ui: &mut Ui, live: &Live, height: f32) {
    let qps = live.qps_series();
    let mut lat: Vec<(&str, Vec<[f64; 2]>)> = vec![
        ("p50", live.latency_series(|f| f.p50_us)),
        ("p95", live.latency_series(|f| f.p95_us)),
        ("p99", live.latency_series(|f| f.p99_us)),
    ];
    let top = lat
        .iter()
        .flat_map(|(_, s)| s)
        .fold(0.0f64, |m, p| m.max(p[1]));
    let unit = if top < 1000.0 { "µs" } else { "ms" };
    if unit == "ms" {
        lat.iter_mut()
            .flat_map(|(_, s)| s.iter_mut())
            .for_each(|p| p[1] /= 1000.0);
    }
    ui.columns(2, |cols| {
        plot("stress_qps", "req/s")
            .height(height)
            .show(&mut cols[0], |p| p.line(Line::new("req/s", qps)));
        plot("stress_latency", unit)
            .height(height)
            .legend(Legend::default())
            .show(&mut cols[1], |p| {
                for (name, points) in lat {
                    p.line(Line::new(name, points));
                }
            });
    });
}

/// A plot that follows its data (no zoom or drag: it redraws four times a second).
fn plot(id: &str, y: &str) -> Plot<'static> {
    Plot::new(id)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .include_y(0.0)
        .include_x(0.0)
        .x_axis_label("seconds")
        .y_axis_label(y.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_read_in_their_unit() {
        assert_eq!(latency_text(9.84), "9.8 µs");
        assert_eq!(latency_text(850.0), "850.0 µs");
        assert_eq!(latency_text(1_250.0), "1.25 ms");
        assert_eq!(latency_text(2_100_000.0), "2.10 s");
    }
}
