//! Span durations by name (`ttlog-view spans`, the report's span table): count, p50, p99
//! and max of the whole span, and the p50 of its busy time, from span records (SPEC.md 8.6).

use std::collections::BTreeMap;

use ttlog_reader::{Event, Value};

/// Most distinct span names kept (others are counted in [`SpanStats::names_dropped`]).
pub const MAX_NAMES: usize = 10_000;

#[derive(Default)]
struct Durations {
    total: Vec<u64>,
    busy: Vec<u64>,
}

/// Durations gathered from span records.
#[derive(Default)]
pub struct SpanStats {
    by_name: BTreeMap<String, Durations>,
    /// Span records whose name was past [`MAX_NAMES`].
    pub names_dropped: u64,
}

/// One span name's figures, in ns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanRow {
    /// The span's name.
    pub name: String,
    /// Spans closed.
    pub count: usize,
    /// Median duration.
    pub p50_ns: u64,
    /// 99th percentile (nearest rank).
    pub p99_ns: u64,
    /// Longest.
    pub max_ns: u64,
    /// Median busy time (entered, not idle).
    pub busy_p50_ns: u64,
}

fn uint(v: Option<&Value>) -> Option<u64> {
    match v {
        Some(Value::Int(n)) => u64::try_from(*n).ok(),
        _ => None,
    }
}

/// Nearest-rank percentile of sorted `xs` (not empty).
fn pct(xs: &[u64], p: f64) -> u64 {
    xs[((p * xs.len() as f64).ceil() as usize).clamp(1, xs.len()) - 1]
}

impl SpanStats {
    /// Takes `e` if it is a span record.
    pub fn add(&mut self, e: &Event) {
        if e.target() != "ttlog.span" {
            return;
        }
        let Some(total) = uint(e.field("duration_ns")) else {
            return;
        };
        let name = e.message();
        if !self.by_name.contains_key(&name) && self.by_name.len() >= MAX_NAMES {
            self.names_dropped += 1;
            return;
        }
        let d = self.by_name.entry(name).or_default();
        d.total.push(total);
        d.busy.push(uint(e.field("busy_ns")).unwrap_or(0));
    }

    /// The figures, by name.
    pub fn rows(self) -> Vec<SpanRow> {
        self.by_name
            .into_iter()
            .map(|(name, mut d)| {
                d.total.sort_unstable();
                d.busy.sort_unstable();
                SpanRow {
                    name,
                    count: d.total.len(),
                    p50_ns: pct(&d.total, 0.5),
                    p99_ns: pct(&d.total, 0.99),
                    max_ns: d.total[d.total.len() - 1],
                    busy_p50_ns: pct(&d.busy, 0.5),
                }
            })
            .collect()
    }
}

/// A duration in ns as a person reads it.
pub fn human(ns: u64) -> String {
    match ns {
        0..=9_999 => format!("{ns} ns"),
        10_000..=9_999_999 => format!("{:.1} µs", ns as f64 / 1e3),
        10_000_000..=9_999_999_999 => format!("{:.1} ms", ns as f64 / 1e6),
        _ => format!("{:.2} s", ns as f64 / 1e9),
    }
}
