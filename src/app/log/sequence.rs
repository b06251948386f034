//! The log as a sequence diagram (Wireshark's flow graph): a lane for each socket and each
//! remote peer, time downward, an arrow for each connect, accept, message, FIN and reset.
//! It draws the [`Ladder`] of the rows the filter lets through, fed a slice of new rows a
//! frame, and lays out only the steps in view, so a million records stay smooth. Clicking
//! a step selects its log row.

use egui::{Align2, Color32, FontId, Pos2, Rect, RichText, Sense, Stroke, Ui, pos2, vec2};

use crate::app::log::filter::Rows;
use crate::diagram::svg::step_text;
use crate::diagram::{Ladder, Step, StepKind};
use crate::log::SessionLog;

/// Width of a lane, in points.
pub const LANE_W: f32 = 150.0;
/// Height of a step.
pub const ROW_H: f32 = 24.0;
const HEAD_H: f32 = 30.0;
const LEFT: f32 = 64.0;
/// Rows fed into the diagram in one frame; the rest wait for the next (requested).
const FEED_PER_FRAME: usize = 50_000;

/// The diagram of the rows shown, kept between frames and fed what is new.
#[derive(Debug, Default)]
pub struct SequenceView {
    ladder: Ladder,
    fed: usize,
    generation: Option<u64>,
}

impl SequenceView {
    /// Feeds the rows not in the diagram yet (at most [`FEED_PER_FRAME`]); a new filter
    /// (`generation`) starts the diagram again. Returns true when every row is in.
    fn follow(&mut self, log: &SessionLog, rows: &Rows<'_>, generation: u64) -> bool {
        if self.generation != Some(generation) || rows.len() < self.fed {
            *self = SequenceView {
                generation: Some(generation),
                ..SequenceView::default()
            };
        }
        let end = rows.len().min(self.fed + FEED_PER_FRAME);
        for row in self.fed..end {
            let Some(i) = rows.record(row) else { break };
            if let Some(rec) = log.get(i) {
                self.ladder.push(i, &rec);
            }
        }
        self.fed = end;
        end == rows.len()
    }

    /// Draws the diagram of `rows`; returns the record whose step was clicked.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        log: &SessionLog,
        rows: Rows<'_>,
        generation: u64,
        selected: Option<usize>,
    ) -> Option<usize> {
        if !self.follow(log, &rows, generation) {
            ui.ctx().request_repaint();
        }
        if self.ladder.steps.is_empty() {
            ui.label(
                RichText::new(
                    "Nothing to draw yet: connects, messages, FINs and resets appear here as arrows.",
                )
                .weak(),
            );
            return None;
        }
        let ladder = &self.ladder;
        let columns = ladder.columns();
        let size = vec2(
            LEFT + LANE_W * ladder.lanes.len() as f32 + 8.0,
            HEAD_H + ROW_H * (ladder.steps.len() as f32 + 1.0),
        );
        let started = log.started();
        let mut clicked = None;
        egui::ScrollArea::both()
            .id_salt("sequence_diagram")
            .auto_shrink([false, false])
            .stick_to_bottom(true)
            .show_viewport(ui, |ui, view| {
                let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
                let geo = Geometry {
                    origin: rect.min,
                    columns: &columns,
                };
                let first = ((view.top() - HEAD_H) / ROW_H).floor().max(0.0) as usize;
                let last = (((view.bottom() - HEAD_H) / ROW_H).ceil().max(0.0) as usize + 1)
                    .min(ladder.steps.len());
                let view_abs = view.translate(rect.min.to_vec2());
                draw_lanes(ui, ladder, &geo, view_abs);
                for i in first..last {
                    let step = &ladder.steps[i];
                    let row = geo.row(i);
                    let id = ui.scope_id().with(("sequence_step", i));
                    let resp = ui.interact(row, id, Sense::click());
                    if selected == Some(step.record) || resp.hovered() {
                        let fill = ui.visuals().selection.bg_fill.gamma_multiply(0.35);
                        ui.painter().rect_filled(row, 2.0, fill);
                    }
                    let ms = step
                        .at
                        .duration_since(started)
                        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
                    let text = step_text(step);
                    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &text));
                    let resp = resp.on_hover_text(format!(
                        "{} ms: {} (log row {})",
                        format_ms(ms),
                        text,
                        step.record + 1
                    ));
                    if resp.clicked() {
                        clicked = Some(step.record);
                    }
                    draw_step(ui, step, &geo, i, ms);
                }
                draw_heads(ui, ladder, &geo, view_abs);
            });
        clicked
    }
}

/// Milliseconds as the time column shows them.
fn format_ms(ms: f64) -> String {
    format!("{ms:.1}")
}

/// Where things go, in screen points.
struct Geometry<'a> {
    origin: Pos2,
    columns: &'a [usize],
}

impl Geometry<'_> {
    fn lane_x(&self, lane: usize) -> f32 {
        let col = self.columns.get(lane).copied().unwrap_or(lane);
        self.origin.x + LEFT + LANE_W * (col as f32 + 0.5)
    }

    fn step_y(&self, i: usize) -> f32 {
        self.origin.y + HEAD_H + ROW_H * (i as f32 + 0.5)
    }

    fn row(&self, i: usize) -> Rect {
        let top = self.origin.y + HEAD_H + ROW_H * i as f32;
        let right = self.origin.x + LEFT + LANE_W * self.columns.len() as f32;
        Rect::from_min_max(pos2(self.origin.x, top), pos2(right, top + ROW_H))
    }
}

/// The colour a step is drawn in, readable on both themes.
fn colour(ui: &Ui, kind: StepKind) -> Color32 {
    let dark = ui.visuals().dark_mode;
    match kind {
        StepKind::Connect | StepKind::Accept => {
            if dark {
                Color32::from_rgb(110, 170, 240)
            } else {
                Color32::from_rgb(40, 100, 170)
            }
        }
        StepKind::Data => ui.visuals().strong_text_color(),
        StepKind::Fin | StepKind::Close => Color32::from_rgb(200, 140, 30),
        StepKind::Reset | StepKind::Error => ui.visuals().error_fg_color,
        StepKind::Note => ui.visuals().weak_text_color(),
    }
}

fn draw_lanes(ui: &Ui, ladder: &Ladder, geo: &Geometry<'_>, view: Rect) {
    let stroke = Stroke::new(1.0, ui.visuals().weak_text_color().gamma_multiply(0.6));
    for (i, lane) in ladder.lanes.iter().enumerate() {
        let x = geo.lane_x(i);
        if x < view.left() - LANE_W || x > view.right() + LANE_W {
            continue;
        }
        let end = lane
            .ended
            .map_or(view.bottom(), |s| geo.step_y(s).min(view.bottom()));
        let top = view.top().max(geo.origin.y + HEAD_H);
        if end > top {
            ui.painter().vline(x, top..=end, stroke);
        }
    }
}

fn draw_step(ui: &Ui, step: &Step, geo: &Geometry<'_>, i: usize, ms: f64) {
    let painter = ui.painter();
    let y = geo.step_y(i);
    let colour = colour(ui, step.kind);
    let font = FontId::proportional(12.0);
    painter.text(
        pos2(geo.origin.x + 4.0, y),
        Align2::LEFT_CENTER,
        format_ms(ms),
        FontId::monospace(11.0),
        ui.visuals().weak_text_color(),
    );
    let x1 = geo.lane_x(step.from);
    match step.to.filter(|&to| to != step.from) {
        Some(to) => {
            let x2 = geo.lane_x(to);
            painter.line_segment([pos2(x1, y), pos2(x2, y)], Stroke::new(1.5, colour));
            let dir = if x2 > x1 { -1.0 } else { 1.0 };
            painter.add(egui::Shape::convex_polygon(
                vec![
                    pos2(x2, y),
                    pos2(x2 + dir * 8.0, y - 4.0),
                    pos2(x2 + dir * 8.0, y + 4.0),
                ],
                colour,
                Stroke::NONE,
            ));
            let label = fit(&step_text(step), (x2 - x1).abs() - 12.0);
            painter.text(
                pos2((x1 + x2) / 2.0, y - 2.0),
                Align2::CENTER_BOTTOM,
                label,
                font,
                colour,
            );
        }
        None => {
            painter.circle_filled(pos2(x1, y), 4.0, colour);
            let label = fit(&step_text(step), LANE_W - 14.0);
            painter.text(pos2(x1 + 8.0, y), Align2::LEFT_CENTER, label, font, colour);
        }
    }
}

/// `text` cut with `…` to about `width` points of 12-point text.
fn fit(text: &str, width: f32) -> String {
    let max = (width / 6.5).max(3.0) as usize;
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The lane titles, pinned to the top of the view.
fn draw_heads(ui: &Ui, ladder: &Ladder, geo: &Geometry<'_>, view: Rect) {
    let painter = ui.painter();
    let band = Rect::from_min_max(view.min, pos2(view.right(), view.top() + HEAD_H));
    painter.rect_filled(band, 0.0, ui.visuals().panel_fill);
    painter.text(
        pos2(view.left() + 4.0, band.center().y),
        Align2::LEFT_CENTER,
        "ms",
        FontId::monospace(11.0),
        ui.visuals().weak_text_color(),
    );
    for (i, lane) in ladder.lanes.iter().enumerate() {
        let x = geo.lane_x(i);
        if x < view.left() - LANE_W || x > view.right() + LANE_W {
            continue;
        }
        let r = Rect::from_center_size(pos2(x, band.center().y), vec2(LANE_W - 12.0, HEAD_H - 8.0));
        painter.rect_filled(r, 4.0, ui.visuals().faint_bg_color);
        painter.rect_stroke(
            r,
            4.0,
            Stroke::new(1.0, colour(ui, StepKind::Connect)),
            egui::StrokeKind::Inside,
        );
        painter.text(
            r.center(),
            Align2::CENTER_CENTER,
            fit(&lane.title, LANE_W - 20.0),
            FontId::proportional(12.5),
            ui.visuals().strong_text_color(),
        );
    }
}
