//! `stats`: summary statistics of a numeric field.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use ttlog_reader::{Event, Value};

use crate::args::{expand, SelectArgs};
use crate::exit::Status;
use crate::pipeline::open_merged;

const AFTER_HELP: &str = "\
Examples:
  ttlog-view stats torque run.bin
  ttlog-view stats angle --by target -f 'target=osl::*' logs/*.bin
  ttlog-view stats duration_ms --by user_id run.bin --format json

Events without the field, or where it is not a number, are not counted. Percentiles are
exact (nearest rank).";

/// Output of `stats`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// A table.
    Table,
    /// JSON.
    Json,
}

/// Arguments of `stats`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct StatsArgs {
    /// The numeric field to summarize.
    #[arg(value_name = "FIELD")]
    pub field: String,

    /// Files to read.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,

    /// Group by this field, or by `target`, `thread` or `level`.
    #[arg(long, value_name = "KEY")]
    pub by: Option<String>,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    pub format: StatsFormat,
}

fn group_key(e: &Event, by: &str) -> Option<String> {
    match by {
        "target" => Some(e.target().to_string()),
        "thread" => Some(e.thread.to_string()),
        "level" => Some(e.level_name().into_owned()),
        field => e.field(field).map(|v| match v {
            Value::Text(t) => t.to_string(),
            other => other.to_string(),
        }),
    }
}

pub fn run(args: &StatsArgs) -> u8 {
    let query = match args.select.query() {
        Ok(q) => q,
        Err(code) => return code,
    };
    let mut status = Status::default();
    let (merged, names) = open_merged(&expand(&args.files), &query, &mut status);
    let mut groups: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (source, item) in merged {
        match item {
            Ok(e) if query.matches(&e) => {
                let Some(x) = e.field(&args.field).and_then(Value::as_f64) else {
                    continue;
                };
                let key = match &args.by {
                    Some(by) => group_key(&e, by).unwrap_or_else(|| "(none)".into()),
                    None => String::new(),
                };
                groups.entry(key).or_default().push(x);
            }
            Ok(_) => {}
            Err(e) => status.problem(&names[source], &e),
        }
    }
    let mut rows = Vec::new();
    for (key, mut xs) in groups {
        xs.sort_by(f64::total_cmp);
        let n = xs.len();
        let pct = |p: f64| xs[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
        let mean = xs.iter().sum::<f64>() / n as f64;
        rows.push((
            key,
            n,
            xs[0],
            xs[n - 1],
            mean,
            pct(0.5),
            pct(0.9),
            pct(0.99),
        ));
    }
    match args.format {
        StatsFormat::Json => {
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(|(k, n, min, max, mean, p50, p90, p99)| {
                    serde_json::json!({
                        "group": if args.by.is_some() { serde_json::Value::String(k.clone()) } else { serde_json::Value::Null },
                        "count": n, "min": min, "max": max, "mean": mean,
                        "p50": p50, "p90": p90, "p99": p99,
                    })
                })
                .collect();
            outln!("{}", serde_json::Value::Array(list));
        }
        StatsFormat::Table => {
            if rows.is_empty() {
                eprintln!("ttlog-view: no event has a numeric field `{}`", args.field);
            } else {
                let mut t = Table::new();
                t.load_preset(UTF8_FULL_CONDENSED);
                let mut header = vec!["count", "min", "max", "mean", "p50", "p90", "p99"];
                let by = args.by.clone().unwrap_or_default();
                if args.by.is_some() {
                    header.insert(0, by.as_str());
                }
                t.set_header(header);
                for (k, n, min, max, mean, p50, p90, p99) in rows {
                    let mut row = vec![
                        n.to_string(),
                        fmt(min),
                        fmt(max),
                        fmt(mean),
                        fmt(p50),
                        fmt(p90),
                        fmt(p99),
                    ];
                    if args.by.is_some() {
                        row.insert(0, k);
                    }
                    t.add_row(row);
                }
                outln!("{t}");
            }
        }
    }
    status.code()
}

fn fmt(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}
