//! A trial as a picture (`ttlog-view plot`, `ttlog.plot`): one panel per series, stacked on
//! a shared time axis (seconds since the first event, or wall-clock time), the series drawn
//! from their min-max decimated points, and WARN and ERROR events as a rug of ticks along
//! each panel's top, CRITICAL events and snapshots as lines across every panel. [`describe`] says what was drawn, as JSON.

use plotters::coord::Shift;
use plotters::prelude::*;
use serde_json::{json, Value as J};

use crate::picture::{err, render, ImageFormat, PlotError};
use crate::series::{Collected, Marker};

/// Width of a picture, in pixels; the decimation's bucket count should be about this.
pub const WIDTH: u32 = 1200;
/// Height of one panel, in pixels.
pub const PANEL_HEIGHT: u32 = 220;
/// Most panels in one picture.
pub const MAX_PANELS: usize = 24;

/// How the time axis is labelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TimeAxis {
    /// Seconds since the first event read.
    #[default]
    Relative,
    /// UTC wall-clock time of day.
    Wall,
}

/// What the picture shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct PlotSettings {
    /// The time axis.
    pub time: TimeAxis,
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(23, 190, 207),
    RGBColor(140, 86, 75),
    RGBColor(127, 127, 127),
];

fn marker_color(m: &Marker) -> RGBColor {
    if m.snapshot.is_some() {
        return RGBColor(128, 0, 128);
    }
    match m.level.as_str() {
        "WARN" => RGBColor(230, 145, 0),
        "ERROR" => RGBColor(214, 39, 40),
        _ => RGBColor(120, 0, 0),
    }
}

fn severity(m: &Marker) -> u8 {
    match (m.snapshot.is_some(), m.level.as_str()) {
        (true, _) => 3,
        (_, "WARN") => 0,
        (_, "ERROR") => 1,
        _ => 2,
    }
}

fn by_severity(markers: &[Marker]) -> impl Iterator<Item = &Marker> {
    (0..=3).flat_map(move |s| markers.iter().filter(move |m| severity(m) == s))
}

/// The time range drawn: the events read, or 1 s from the first sample.
fn x_range(c: &Collected) -> (u64, u64) {
    let (a, b) = c.span.unwrap_or((0, 1_000_000_000));
    (a, b.max(a + 1_000))
}

/// The picture, PNG or SVG.
pub fn plot(
    c: &Collected,
    settings: &PlotSettings,
    format: ImageFormat,
) -> Result<Vec<u8>, PlotError> {
    let panels = c.series.len().clamp(1, MAX_PANELS) as u32;
    let size = (WIDTH, 40 + panels * PANEL_HEIGHT);
    let job = (c, settings);
    render!(format, draw, &job, size)
}

fn wall_label(t0: u64) -> impl Fn(&f64) -> String {
    move |s: &f64| {
        let ns = t0 as f64 + s * 1e9;
        if !ns.is_finite() || ns < 0.0 {
            return String::new();
        }
        let mut text = String::new();
        ttlog_reader::format_rfc3339(ns as u64, &mut text);
        // 2026-12-06T21:17:45.123456789Z → 21:17:45.123
        text.get(11..23).unwrap_or_default().to_string()
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    job: &(&Collected, &PlotSettings),
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    let (c, settings) = *job;
    root.fill(&WHITE).map_err(err)?;
    let (t0, t1) = x_range(c);
    let xs = 0.0..(t1 - t0) as f64 / 1e9;
    let counts = |level: &str| c.markers.iter().filter(|m| m.level == level).count();
    let caption = format!(
        "{} series; markers: {} WARN, {} ERROR, {} CRITICAL{}",
        c.series.len(),
        counts("WARN"),
        counts("ERROR"),
        counts("CRITICAL"),
        if c.markers_dropped > 0 {
            format!(" ({} more not drawn)", c.markers_dropped)
        } else {
            String::new()
        }
    );
    let (head, body) = root.split_vertically(40);
    head.draw(&Text::new(caption, (16, 10), ("sans-serif", 18)))
        .map_err(err)?;
    let panels = body.split_evenly((c.series.len().clamp(1, MAX_PANELS), 1));
    for (i, (series, area)) in c.series.iter().zip(&panels).enumerate() {
        let (lo, hi) = series.values.range().unwrap_or((0.0, 1.0));
        let pad = if hi > lo { (hi - lo) * 0.05 } else { 1.0 };
        let ys = (lo - pad)..(hi + pad);
        let title = format!(
            "{}  ({} samples{}{})",
            series.name,
            series.values.samples(),
            if series.values.is_raw() {
                String::new()
            } else {
                format!(", min-max per {} µs", series.values.bucket_ns() / 1_000)
            },
            if series.skipped > 0 {
                format!(", {} not numbers", series.skipped)
            } else {
                String::new()
            }
        );
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 15))
            .margin(8)
            .x_label_area_size(if i + 1 == panels.len() { 36 } else { 20 })
            .y_label_area_size(80)
            .build_cartesian_2d(xs.clone(), ys.clone())
            .map_err(err)?;
        let mut mesh = chart.configure_mesh();
        mesh.label_style(("sans-serif", 13)).max_light_lines(2);
        let wall = wall_label(t0);
        if settings.time == TimeAxis::Wall {
            mesh.x_label_formatter(&wall);
        }
        if i + 1 == panels.len() {
            mesh.x_desc(match settings.time {
                TimeAxis::Relative => "seconds since the first event",
                TimeAxis::Wall => "UTC time",
            });
        }
        mesh.draw().map_err(err)?;
        // The worst drawn last, on top: WARN, ERROR, CRITICAL, snapshots. WARN and ERROR
        // are a rug along the panel's top (thousands must not hide the data); CRITICAL
        // events and snapshots, the few that end a run, cross the whole panel.
        let rug = ys.end - (ys.end - ys.start) * 0.08;
        for m in by_severity(&c.markers) {
            let x = m.ts.saturating_sub(t0) as f64 / 1e9;
            let color = marker_color(m);
            let from = if severity(m) >= 2 { ys.start } else { rug };
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, from), (x, ys.end)],
                    color.mix(0.8).stroke_width(1),
                )))
                .map_err(err)?;
        }
        let color = PALETTE[i % PALETTE.len()];
        let points: Vec<(f64, f64)> = series
            .values
            .points()
            .into_iter()
            .map(|(t, v)| (t.saturating_sub(t0) as f64 / 1e9, v))
            .collect();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(1)))
            .map_err(err)?;
    }
    Ok(())
}

/// What [`plot`] draws, as JSON: per series its name, samples read, points drawn, whether
/// decimated (and the bucket width), its value range, values that were not numbers; the
/// time range; the markers by level.
pub fn describe(c: &Collected, settings: &PlotSettings) -> J {
    let (t0, t1) = x_range(c);
    let mut by_level = serde_json::Map::new();
    for m in &c.markers {
        let key = if m.snapshot.is_some() {
            "snapshot".to_string()
        } else {
            m.level.clone()
        };
        let n = by_level.get(&key).and_then(J::as_u64).unwrap_or(0);
        by_level.insert(key, json!(n + 1));
    }
    json!({
        "time_axis": match settings.time { TimeAxis::Relative => "relative", TimeAxis::Wall => "wall" },
        "start_ns": t0,
        "end_ns": t1,
        "panels": c.series.len().min(MAX_PANELS),
        "series": c.series.iter().map(|s| {
            let range = s.values.range();
            json!({
                "name": s.name,
                "samples": s.values.samples(),
                "points": s.values.points().len(),
                "decimated": !s.values.is_raw(),
                "bucket_ns": s.values.bucket_ns(),
                "min": range.map(|r| r.0),
                "max": range.map(|r| r.1),
                "skipped": s.skipped,
            })
        }).collect::<Vec<_>>(),
        "markers": by_level,
        "markers_dropped": c.markers_dropped,
    })
}
