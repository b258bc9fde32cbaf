//! `spans`: how long spans took, by name, from the span records the `tracing` bridge writes
//! (target `ttlog.span`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use ttlog_reader::Value;

use crate::args::{expand, SelectArgs};
use crate::exit::Status;
use crate::pipeline::open_merged;
use crate::stats::StatsFormat;

const AFTER_HELP: &str = "\
Examples:
  ttlog-view spans run.bin
  ttlog-view spans run.bin -f 'span.request_id=7' --format json

One row per span name: how many closed, and their duration (open to close) at the median,
the 99th percentile (nearest rank) and the maximum, with the median time spent entered
(busy). Spans still open when the file ended have no record and are not counted.";

/// Arguments of `spans`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct SpansArgs {
    /// Files to read.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    pub format: StatsFormat,
}

#[derive(Default)]
struct Durations {
    total: Vec<u64>,
    busy: Vec<u64>,
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

/// A duration in ns as a person reads it.
fn human(ns: u64) -> String {
    match ns {
        0..=9_999 => format!("{ns} ns"),
        10_000..=9_999_999 => format!("{:.1} µs", ns as f64 / 1e3),
        10_000_000..=9_999_999_999 => format!("{:.1} ms", ns as f64 / 1e6),
        _ => format!("{:.2} s", ns as f64 / 1e9),
    }
}

pub fn run(args: &SpansArgs) -> u8 {
    let query = match args.select.query() {
        Ok(q) => q,
        Err(code) => return code,
    };
    let mut status = Status::default();
    let (merged, names) = open_merged(&expand(&args.files), &query, &mut status);
    let mut by_name: BTreeMap<String, Durations> = BTreeMap::new();
    for (source, item) in merged {
        match item {
            Ok(e) if e.target() == "ttlog.span" && query.matches(&e) => {
                let Some(total) = uint(e.field("duration_ns")) else {
                    continue;
                };
                let d = by_name.entry(e.message()).or_default();
                d.total.push(total);
                d.busy.push(uint(e.field("busy_ns")).unwrap_or(0));
            }
            Ok(_) => {}
            Err(e) => status.problem(&names[source], &e),
        }
    }
    let mut rows = Vec::new();
    for (name, mut d) in by_name {
        d.total.sort_unstable();
        d.busy.sort_unstable();
        rows.push((
            name,
            d.total.len(),
            pct(&d.total, 0.5),
            pct(&d.total, 0.99),
            d.total[d.total.len() - 1],
            pct(&d.busy, 0.5),
        ));
    }
    match args.format {
        StatsFormat::Json => {
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(|(name, n, p50, p99, max, busy)| {
                    serde_json::json!({
                        "name": name, "count": n, "p50_ns": p50, "p99_ns": p99,
                        "max_ns": max, "busy_p50_ns": busy,
                    })
                })
                .collect();
            outln!("{}", serde_json::Value::Array(list));
        }
        StatsFormat::Table => {
            if rows.is_empty() {
                eprintln!(
                    "ttlog-view: no span records (target ttlog.span): spans come from the tracing bridge"
                );
            } else {
                let mut t = Table::new();
                t.load_preset(UTF8_FULL_CONDENSED);
                t.set_header(["span", "count", "p50", "p99", "max", "busy p50"]);
                for (name, n, p50, p99, max, busy) in rows {
                    t.add_row([
                        name,
                        n.to_string(),
                        human(p50),
                        human(p99),
                        human(max),
                        human(busy),
                    ]);
                }
                outln!("{t}");
            }
        }
    }
    status.code()
}
