//! The ladder diagram as a standalone SVG document: lanes as labelled vertical lines, time
//! downward (milliseconds since the first step at the left), an arrow per step between
//! lanes, marks on a lane for closes and errors. Opens in any browser.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::SystemTime;

use super::ladder::{Ladder, Step, StepKind};

/// Width of one lane, in SVG user units.
pub const LANE_W: f32 = 170.0;
/// Height of one step.
pub const ROW_H: f32 = 30.0;
const HEAD_H: f32 = 56.0;
const LEFT: f32 = 80.0;

/// The colour a step is drawn in (CSS).
pub fn colour(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Connect | StepKind::Accept => "#2f6fb0",
        StepKind::Data => "#222222",
        StepKind::Fin | StepKind::Close => "#8a5a00",
        StepKind::Reset | StepKind::Error => "#c0392b",
        StepKind::Note => "#666666",
    }
}

/// The x of lane `i`'s line.
fn lane_x(i: usize) -> f32 {
    LEFT + LANE_W * (i as f32 + 0.5)
}

/// The y of step `i`.
fn step_y(i: usize) -> f32 {
    HEAD_H + ROW_H * (i as f32 + 1.0)
}

/// Text made safe inside an SVG element or attribute.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// The step's label as drawn: data shows its length too.
pub fn step_text(step: &Step) -> String {
    match (step.kind, step.len) {
        (StepKind::Data, Some(len)) => format!("{} ({len} B)", step.label),
        _ => step.label.clone(),
    }
}

/// Writes `ladder` as an SVG document; `started` is time zero of the left-hand column.
pub fn write_svg(ladder: &Ladder, started: SystemTime, out: &mut dyn Write) -> io::Result<()> {
    let lanes = ladder.lanes.len().max(1);
    let width = LEFT + LANE_W * lanes as f32 + 20.0;
    let height = step_y(ladder.steps.len()) + ROW_H;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">
<title>sockscope session: the exchange as a sequence diagram</title>
<rect width="100%" height="100%" fill="white"/>
<text x="8" y="{}" fill="#666">ms</text>"##,
        HEAD_H - 8.0
    );
    out.write_all(s.as_bytes())?;
    let columns = ladder.columns();
    for (i, lane) in ladder.lanes.iter().enumerate() {
        s.clear();
        let x = lane_x(columns[i]);
        let end = lane.ended.map_or(height - ROW_H / 2.0, step_y);
        let _ = writeln!(
            s,
            r##"<g class="lane"><rect x="{}" y="8" width="{}" height="30" rx="4" fill="#eef3f8" stroke="#2f6fb0"/><text x="{x}" y="28" text-anchor="middle" font-weight="bold">{}</text><line x1="{x}" y1="38" x2="{x}" y2="{end}" stroke="#999" stroke-dasharray="4 3"/></g>"##,
            x - LANE_W / 2.0 + 6.0,
            LANE_W - 12.0,
            xml_escape(&lane.title)
        );
        out.write_all(s.as_bytes())?;
    }
    for (i, step) in ladder.steps.iter().enumerate() {
        s.clear();
        write_step(&mut s, i, step, &columns, started);
        out.write_all(s.as_bytes())?;
    }
    out.write_all(b"</svg>\n")
}

fn write_step(s: &mut String, i: usize, step: &Step, columns: &[usize], started: SystemTime) {
    let y = step_y(i);
    let ms = step
        .at
        .duration_since(started)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let colour = colour(step.kind);
    let text = xml_escape(&step_text(step));
    let _ = write!(
        s,
        r##"<g class="step" data-record="{}"><text x="8" y="{y}" fill="#666">{ms:.1}</text>"##,
        step.record
    );
    let x1 = lane_x(columns[step.from]);
    match step.to {
        Some(to) if to != step.from => {
            let x2 = lane_x(columns[to]);
            let mid = (x1 + x2) / 2.0;
            let _ = write!(
                s,
                r#"<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="{colour}" stroke-width="1.5"/><path d="M{x2},{y} l{},-4 l0,8 z" fill="{colour}"/><text x="{mid}" y="{}" text-anchor="middle" fill="{colour}">{text}</text>"#,
                if x2 > x1 { -9.0 } else { 9.0 },
                y - 5.0
            );
        }
        _ => {
            let _ = write!(
                s,
                r#"<circle cx="{x1}" cy="{y}" r="4" fill="{colour}"/><text x="{}" y="{}" fill="{colour}">{text}</text>"#,
                x1 + 8.0,
                y + 4.0
            );
        }
    }
    s.push_str("</g>\n");
}
