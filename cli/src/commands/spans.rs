//! `spans`: how long spans took, by name, from the span records the `tracing` bridge writes
//! (target `ttlog.span`).

use std::path::PathBuf;

use clap::Args;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use ttlog_analysis::spans::{human, SpanStats};

use crate::args::{expand, SelectArgs};
use crate::commands::stats::StatsFormat;
use crate::exit::{Outcome, Status};
use crate::pipeline::for_each_selected;

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

pub fn run(args: &SpansArgs) -> Outcome {
    let query = args.select.query()?;
    let mut status = Status::default();
    let mut stats = SpanStats::default();
    for_each_selected(&expand(&args.files), &query, &mut status, |e| stats.add(e));
    let rows: Vec<(String, usize, u64, u64, u64, u64)> = stats
        .rows()
        .into_iter()
        .map(|r| (r.name, r.count, r.p50_ns, r.p99_ns, r.max_ns, r.busy_p50_ns))
        .collect();
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
    Ok(status)
}
