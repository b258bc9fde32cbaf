//! A trial as one self-contained HTML page (`ttlog-view report`, `ttlog.report`): the
//! summary, the end of the run with its traceback, an interactive chart of every tracked
//! variable and numeric field (zoom and pan kept in step across charts, values on hover,
//! WARN/ERROR/CRITICAL markers), the events table with filters, the loop's timing and the
//! spans. Charts are drawn by plotly.js, embedded whole from the `plotly` crate; the page
//! needs no network. Every sample is embedded while the trial is small enough
//! ([`ReportSettings::point_budget`]); past it, each series is min-max decimated as it
//! streams, and the page says which.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotly::common::{Line, Mode};
use plotly::layout::{Axis, Margin};
use plotly::{Layout, Plot, Scatter};
use serde_json::{json, Value as J};
use ttlog_reader::{format_rfc3339, Event, EventKind, Query};

use crate::every_series::EverySeries;
use crate::series::{cut, Collected, Marker};
use crate::summary::summarize_with;

const STYLE: &str = include_str!("../assets/report.css");
const SCRIPT: &str = include_str!("../assets/report.js");

/// What goes into a report, and how much of it.
#[derive(Clone, Debug)]
pub struct ReportSettings {
    /// Time range and filters (as for the summary).
    pub query: Query,
    /// Samples embedded as they are, over all charts; past it, series are decimated.
    pub point_budget: usize,
    /// Buckets per decimated series (each keeps up to four points).
    pub buckets: usize,
    /// Most charts (series) drawn.
    pub max_charts: usize,
    /// WARN-or-worse events kept for the table (the first ones).
    pub max_severe_events: usize,
    /// Other events kept for the table (the last ones).
    pub max_other_events: usize,
    /// Markers drawn on each chart (the most severe first).
    pub max_chart_markers: usize,
}

impl Default for ReportSettings {
    fn default() -> ReportSettings {
        ReportSettings {
            query: Query::default(),
            point_budget: 1_000_000,
            buckets: 2_000,
            max_charts: 60,
            max_severe_events: 10_000,
            max_other_events: 10_000,
            max_chart_markers: 1_000,
        }
    }
}

/// The plotly.js library, taken from the `plotly` crate's embedded sources.
pub fn plotly_js() -> String {
    let all = Plot::offline_js_sources();
    let open = "<script type=\"text/javascript\">";
    let start = all.find(open).map_or(0, |i| i + open.len());
    let end = all[start..]
        .find("</script>")
        .map_or(all.len(), |i| start + i);
    all[start..end].to_string()
}

/// Text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn time(ns: u64) -> String {
    let mut s = String::new();
    format_rfc3339(ns, &mut s);
    s
}

fn text_of(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        J::Null => "-".into(),
        J::Number(n) => match n.as_f64() {
            Some(x) if x.fract() != 0.0 => format!("{x:.4}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// The events kept for the table.
struct TableEvents {
    severe: Vec<(u64, String, String, String)>,
    other: VecDeque<(u64, String, String, String)>,
    severe_cap: usize,
    other_cap: usize,
    seen: u64,
}

impl TableEvents {
    fn add(&mut self, e: &Event) {
        // Tracked rows are the charts' samples, not messages to read.
        if !matches!(e.kind, EventKind::Log) || &*e.callsite.target == "ttlog.track" {
            return;
        }
        self.seen += 1;
        let row = || {
            (
                e.ts,
                e.level_name().into_owned(),
                e.target().to_string(),
                cut(e.message(), 2_000),
            )
        };
        if Marker::of(e).is_some() {
            if self.severe.len() < self.severe_cap {
                self.severe.push(row());
            }
        } else if self.other_cap > 0 {
            if self.other.len() == self.other_cap {
                self.other.pop_front();
            }
            self.other.push_back(row());
        }
    }
}

/// Builds the report of `files`. Damage met on the way goes to `problem` (once) and into
/// the page's problem list.
pub fn report(
    files: &[PathBuf],
    settings: &ReportSettings,
    problem: impl FnMut(&Path, &ttlog_reader::Error),
) -> String {
    // One pass: the summary, every series and the events table together.
    let raw_limit = (settings.point_budget / settings.max_charts.max(1)).max(2_000);
    let mut every = EverySeries::new(raw_limit, settings.buckets);
    let mut table = TableEvents {
        severe: Vec::new(),
        other: VecDeque::new(),
        severe_cap: settings.max_severe_events,
        other_cap: settings.max_other_events,
        seen: 0,
    };
    let summary = summarize_with(files, &settings.query, problem, |e| {
        every.add(e);
        table.add(e);
    });
    // A series of one sample is a number, not a line: the summary shows it.
    let mut names: Vec<String> = Vec::new();
    for t in summary["tracked"].as_array().into_iter().flatten() {
        for v in t["variables"].as_array().into_iter().flatten() {
            if v["count"].as_u64().unwrap_or(0) > 1 {
                names.push(text_of(&v["series"]));
            }
        }
    }
    for n in summary["numeric"].as_array().into_iter().flatten() {
        if n["count"].as_u64().unwrap_or(0) > 1 {
            names.push(text_of(&n["series"]));
        }
    }
    let all_series = names.len();
    names.truncate(settings.max_charts);
    let collected = Collected {
        series: every.take(&names),
        markers: std::mem::take(&mut every.markers),
        markers_dropped: every.markers_dropped,
        span: every.span,
        available: Default::default(),
    };
    page(&summary, &collected, table, all_series, raw_limit, settings)
}

fn chart(s: &crate::series::SeriesData, c: &Collected, t0: u64, max_markers: usize) -> String {
    let points = s.values.points();
    let xs: Vec<f64> = points
        .iter()
        .map(|p| (p.0.saturating_sub(t0)) as f64 / 1e9)
        .collect();
    let ys: Vec<f64> = points.iter().map(|p| p.1).collect();
    let (lo, hi) = s.values.range().unwrap_or((0.0, 1.0));
    let mut plot = Plot::new();
    plot.add_trace(
        Scatter::new(xs, ys)
            .mode(Mode::Lines)
            .name(&s.name)
            .line(Line::new().width(1.2))
            .hover_template("%{x:.6f} s<br>%{y}<extra></extra>"),
    );
    // Markers: vertical segments, one trace per kind, the most severe kept first.
    let kinds: [(&str, &str); 4] = [
        ("snapshot", "#800080"),
        ("CRITICAL", "#7a0000"),
        ("ERROR", "#d62728"),
        ("WARN", "#e69100"),
    ];
    let mut left = max_markers;
    for (kind, color) in kinds {
        let of_kind: Vec<&Marker> = c
            .markers
            .iter()
            .filter(|m| match kind {
                "snapshot" => m.snapshot.is_some(),
                level => m.snapshot.is_none() && m.level == level,
            })
            .take(left)
            .collect();
        if of_kind.is_empty() {
            continue;
        }
        left -= of_kind.len();
        let mut x: Vec<Option<f64>> = Vec::new();
        let mut y: Vec<Option<f64>> = Vec::new();
        let mut text: Vec<String> = Vec::new();
        for m in of_kind {
            let at = (m.ts.saturating_sub(t0) / 1_000) as f64 / 1e6;
            let label = cut(format!("{} {}: {}", m.level, m.target, m.message), 300);
            x.extend([Some(at), Some(at), None]);
            // WARN and ERROR as a rug along the top; CRITICAL and snapshots across.
            let from = if matches!(kind, "WARN" | "ERROR") {
                hi - (hi - lo).max(1e-9) * 0.08
            } else {
                lo
            };
            y.extend([Some(from), Some(hi), None]);
            text.extend([label.clone(), label, String::new()]);
        }
        plot.add_trace(
            Scatter::new(x, y)
                .mode(Mode::Lines)
                .name(kind)
                .line(Line::new().color(color).width(1.0))
                .text_array(text)
                .hover_template("%{text}<extra></extra>"),
        );
    }
    let how = if s.values.is_raw() {
        format!("{} samples, every one", s.values.samples())
    } else {
        format!(
            "{} samples, min-max per {} µs ({} points)",
            s.values.samples(),
            s.values.bucket_ns() / 1_000,
            points.len()
        )
    };
    plot.set_layout(
        Layout::new()
            .title(format!("{} — {how}", s.name))
            .height(240)
            .show_legend(false)
            .margin(Margin::new().left(70).right(20).top(40).bottom(36))
            .x_axis(Axis::new().title(format!("seconds since {}", time(t0)))),
    );
    plot.to_json()
}

fn kv(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(key), value);
}

fn page(
    s: &J,
    c: &Collected,
    table: TableEvents,
    all_series: usize,
    raw_limit: usize,
    settings: &ReportSettings,
) -> String {
    let t0 = c.span.map_or(0, |x| x.0);
    let mut h = String::with_capacity(8 << 20);
    let title = format!(
        "ttlog report: {}",
        s["files"][0]["path"].as_str().unwrap_or("trial")
    );
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>{STYLE}</style>\n",
        esc(&title)
    );
    // Script errors are shown on the page (and found by the browser test).
    h.push_str("<script>window.ttlogErrors=[];window.addEventListener('error',function(e){window.ttlogErrors.push(String(e.message));var d=document.getElementById('script-errors');if(d){d.hidden=false;d.textContent+='script error: '+e.message+'\\n';}});</script>\n");
    h.push_str("<script>");
    h.push_str(&plotly_js());
    h.push_str("</script>\n</head><body>\n<div id=\"script-errors\" hidden></div>\n");
    let _ = writeln!(h, "<h1>{}</h1>", esc(&title));

    // Summary
    h.push_str("<section id=\"summary\"><h2>Summary</h2><table>\n");
    for f in s["files"].as_array().into_iter().flatten() {
        kv(
            &mut h,
            "file",
            &esc(&format!(
                "{} ({} bytes): {}",
                text_of(&f["path"]),
                text_of(&f["size"]),
                text_of(&f["state"])
            )),
        );
    }
    for key in ["service", "host", "session"] {
        if !s[key].is_null() {
            kv(&mut h, key, &esc(&text_of(&s[key])));
        }
    }
    kv(
        &mut h,
        "time",
        &esc(&format!(
            "{} to {} ({} s)",
            text_of(&s["first"]),
            text_of(&s["last"]),
            text_of(&s["duration_s"])
        )),
    );
    let levels = s["levels"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.as_u64() != Some(0))
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    kv(
        &mut h,
        "events",
        &esc(&format!("{} ({levels})", text_of(&s["events"]))),
    );
    kv(&mut h, "dropped", &esc(&text_of(&s["dropped"])));
    let problems = s["problems_total"].as_u64().unwrap_or(0);
    let mut p = if problems == 0 {
        "<span class=\"good\">none</span>".to_string()
    } else {
        format!("<span class=\"bad\">{problems}</span><ul>")
    };
    for item in s["problems"].as_array().into_iter().flatten() {
        let _ = write!(p, "<li>{}</li>", esc(&text_of(item)));
    }
    if problems > 0 {
        p.push_str("</ul>");
    }
    kv(&mut h, "problems", &p);
    h.push_str("</table></section>\n");

    // End of the run
    h.push_str("<section id=\"end\"><h2>How the run ended</h2>\n");
    let state = text_of(&s["end"]["state"]);
    let class = if state.starts_with("closed cleanly") {
        "good"
    } else {
        "bad"
    };
    let _ = writeln!(h, "<p class=\"{class}\">{}</p>", esc(&state));
    if let Some(cause) = s["end"]["cause"].as_object() {
        let f = &cause["fields"];
        h.push_str("<table>\n");
        kv(&mut h, "cause", &esc(&text_of(&cause["message"])));
        kv(&mut h, "time", &esc(&text_of(&cause["time"])));
        if f["file"].is_string() {
            kv(
                &mut h,
                "where",
                &esc(&format!("{}:{}", text_of(&f["file"]), text_of(&f["line"]))),
            );
        }
        if f["thread"].is_string() {
            kv(&mut h, "thread", &esc(&text_of(&f["thread"])));
        }
        if f["snapshot"].is_string() {
            kv(&mut h, "snapshot", &esc(&text_of(&f["snapshot"])));
        }
        h.push_str("</table>\n");
        if let Some(bt) = f["backtrace"].as_str() {
            let _ = writeln!(h, "<pre id=\"traceback\">{}</pre>", esc(bt));
        }
    }
    let snaps = s["snapshots"].as_array().cloned().unwrap_or_default();
    if !snaps.is_empty() {
        h.push_str("<h3>Snapshots</h3><table><tr><th>time</th><th>reason</th><th>thread</th><th>message</th><th>events</th><th>path</th></tr>\n");
        for sn in &snaps {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&text_of(&sn["time"])),
                esc(&text_of(&sn["reason"])),
                esc(&text_of(&sn["thread"])),
                esc(&text_of(&sn["message"])),
                esc(&text_of(&sn["events"])),
                esc(&text_of(&sn["path"]))
            );
        }
        h.push_str("</table>\n");
    }
    let warnings = s["last_warnings"].as_array().cloned().unwrap_or_default();
    if !warnings.is_empty() {
        h.push_str("<h3>Last warnings and errors</h3><table><tr><th>time</th><th>level</th><th>target</th><th>message</th></tr>\n");
        for w in &warnings {
            let level = text_of(&w["level"]);
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"level-{}\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(&text_of(&w["time"])),
                esc(&level),
                esc(&level),
                esc(&text_of(&w["target"])),
                esc(&text_of(&w["message"]))
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</section>\n");

    // Charts
    let charts: Vec<String> = c
        .series
        .iter()
        .map(|series| chart(series, c, t0, settings.max_chart_markers))
        .collect();
    h.push_str("<section id=\"charts\"><h2>Series</h2>\n");
    let decimated = c.series.iter().filter(|x| !x.values.is_raw()).count();
    let _ = writeln!(
        h,
        "<p class=\"note\" id=\"sampling\">{} series drawn{}; {}. Zoom or pan one chart and the others follow; hover for values; ticks along each chart's top mark WARN (orange) and ERROR (red) events, lines across it CRITICAL events (dark red) and snapshots (purple){}.</p>",
        c.series.len(),
        if all_series > c.series.len() {
            format!(" (the first {} of {all_series})", c.series.len())
        } else {
            String::new()
        },
        if decimated == 0 {
            "every sample is embedded".to_string()
        } else {
            format!(
                "{decimated} series had more than {raw_limit} samples and are decimated to the lowest and highest value of each time bucket (every spike kept); the others embed every sample"
            )
        },
        if c.markers_dropped > 0 {
            format!("; {} more markers not drawn", c.markers_dropped)
        } else {
            String::new()
        }
    );
    for i in 0..charts.len() {
        let _ = writeln!(h, "<div class=\"chart\" id=\"chart-{i}\"></div>");
    }
    if charts.is_empty() {
        h.push_str("<p>No numeric series in these files.</p>\n");
    }
    h.push_str("</section>\n");

    // Loop timing
    if let Some(l) = s["loop"].as_object() {
        h.push_str("<section id=\"loop\"><h2>Loop timing</h2>\n");
        if let Some(e) = l.get("error") {
            let _ = writeln!(
                h,
                "<p>{}: {}</p>",
                esc(&text_of(&l["series"])),
                esc(&text_of(e))
            );
        } else {
            h.push_str("<table>\n");
            kv(&mut h, "series", &esc(&text_of(&l["series"])));
            kv(&mut h, "frequency (Hz)", &esc(&text_of(&l["frequency_hz"])));
            kv(&mut h, "iterations", &esc(&text_of(&l["iterations"])));
            for key in ["mean", "std", "min", "p50", "p90", "p99", "p99_9", "max"] {
                kv(
                    &mut h,
                    &format!("period {key} (ns)"),
                    &esc(&text_of(&l["period_ns"][key])),
                );
            }
            kv(
                &mut h,
                "within tolerance",
                &esc(&format!(
                    "{} ({} %)",
                    text_of(&l["within_tolerance"]),
                    text_of(&l["within_tolerance_pct"])
                )),
            );
            kv(&mut h, "overruns", &esc(&text_of(&l["overruns"])));
            kv(&mut h, "stalls", &esc(&text_of(&l["stalls"])));
            h.push_str("</table>\n");
        }
        h.push_str("</section>\n");
    }

    // Spans
    let spans = s["spans"].as_array().cloned().unwrap_or_default();
    if !spans.is_empty() {
        h.push_str("<section id=\"spans\"><h2>Spans</h2><table><tr><th>span</th><th>count</th><th>p50</th><th>p99</th><th>max</th><th>busy p50</th></tr>\n");
        for sp in &spans {
            let d = |k: &str| crate::spans::human(sp[k].as_u64().unwrap_or(0));
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&text_of(&sp["name"])),
                esc(&text_of(&sp["count"])),
                d("p50_ns"),
                d("p99_ns"),
                d("max_ns"),
                d("busy_p50_ns")
            );
        }
        h.push_str("</table></section>\n");
    }

    // Events
    let mut rows: Vec<(u64, String, String, String)> = table.severe;
    rows.extend(table.other);
    rows.sort_by_key(|r| r.0);
    rows.dedup();
    let _ = writeln!(
        h,
        "<section id=\"events\"><h2>Events</h2><p class=\"note\">{} of the {} events in the range (tracked rows are in the charts): every WARN-or-worse event (up to {}) and the last {} others.</p>",
        rows.len(),
        table.seen,
        settings.max_severe_events,
        settings.max_other_events
    );
    h.push_str("<div id=\"event-filters\"><label>level ≥ <select id=\"filter-level\"><option>TRACE</option><option>DEBUG</option><option>INFO</option><option>WARN</option><option>ERROR</option><option>CRITICAL</option></select></label> <label>target <input id=\"filter-target\" placeholder=\"contains\"></label> <label>text <input id=\"filter-text\" placeholder=\"contains\"></label> <span id=\"events-shown\" class=\"note\"></span></div>\n");
    h.push_str("<table id=\"events-table\"><thead><tr><th>time (UTC)</th><th>s</th><th>level</th><th>target</th><th>message</th></tr></thead><tbody id=\"events-body\"></tbody></table></section>\n");

    let events: Vec<J> = rows
        .iter()
        .map(|(ts, level, target, message)| {
            json!([
                ts.saturating_sub(t0) as f64 / 1e9,
                time(*ts),
                level,
                target,
                message
            ])
        })
        .collect();
    // The figures are plotly's JSON as the crate writes it, put in as they are.
    let mut data = String::from("{\"charts\":[");
    data.push_str(&charts.join(","));
    data.push_str("],\"events\":");
    data.push_str(&J::Array(events).to_string());
    data.push_str(",\"summary\":");
    data.push_str(&s.to_string());
    data.push('}');
    // `</` cannot end the script element early: JSON lets `/` be escaped.
    let data = data.replace("</", "<\\/");
    let _ = write!(
        h,
        "<script type=\"application/json\" id=\"ttlog-data\">{data}</script>\n<script>{SCRIPT}</script>\n</body></html>\n"
    );
    h
}
