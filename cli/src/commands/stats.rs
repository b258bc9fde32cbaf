//! `stats`: summary statistics of a numeric field.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use ttlog_reader::{Event, Value};

use crate::args::{expand, SelectArgs};
use crate::exit::{Outcome, Status};
use crate::pipeline::for_each_selected;

const AFTER_HELP: &str = "\
Examples:
  ttlog-view stats torque run.bin
  ttlog-view stats angle --by target -f 'target=osl::*' logs/*.bin
  ttlog-view stats duration_ms --by user_id run.bin --format json

Events without the field are not counted. A value that is there but not a number is
skipped and counted as skipped: a failed read (null in a tracked row whose `read_errors`
names the field, or an older file's \"<error: …>\" text), or not a number (text, null,
anything else). The table shows a `skipped` column and stderr says why when any was;
JSON gives `skipped` {failed_reads, not_numbers} per group. Percentiles are exact
(nearest rank).";

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

pub fn run(args: &StatsArgs) -> Outcome {
    let query = args.select.query()?;
    let mut status = Status::default();
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for_each_selected(&expand(&args.files), &query, &mut status, |e| {
        let Some(value) = e.field(&args.field) else {
            return;
        };
        let key = match &args.by {
            Some(by) => group_key(e, by).unwrap_or_else(|| "(none)".into()),
            None => String::new(),
        };
        let group = groups.entry(key).or_default();
        match value.as_f64() {
            Some(x) => group.values.push(x),
            None if failed_read(e, &args.field, value) => group.failed_reads += 1,
            None => group.not_numbers += 1,
        }
    });
    let (failed, other) = groups
        .values()
        .fold((0, 0), |(f, o), g| (f + g.failed_reads, o + g.not_numbers));
    if failed + other > 0 {
        eprintln!(
            "ttlog-view: {} value(s) of `{}` skipped: {failed} failed read(s) (null, the error in `read_errors`), {other} not a number",
            failed + other,
            args.field
        );
    }
    let rows: Vec<Row> = groups.into_iter().map(|(key, g)| Row::of(key, g)).collect();
    match args.format {
        StatsFormat::Json => {
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    let fig = |i: usize| r.figures.map(|f| f[i]);
                    serde_json::json!({
                        "group": if args.by.is_some() { serde_json::Value::String(r.key.clone()) } else { serde_json::Value::Null },
                        "count": r.count, "min": fig(0), "max": fig(1), "mean": fig(2),
                        "p50": fig(3), "p90": fig(4), "p99": fig(5),
                        "skipped": {"failed_reads": r.failed_reads, "not_numbers": r.not_numbers},
                    })
                })
                .collect();
            outln!("{}", serde_json::Value::Array(list));
        }
        StatsFormat::Table => {
            if rows.iter().all(|r| r.count == 0) {
                eprintln!("ttlog-view: no event has a numeric field `{}`", args.field);
            } else {
                let mut t = Table::new();
                t.load_preset(UTF8_FULL_CONDENSED);
                let mut header = vec!["count", "min", "max", "mean", "p50", "p90", "p99"];
                let skipped = failed + other > 0;
                if skipped {
                    header.insert(1, "skipped");
                }
                let by = args.by.clone().unwrap_or_default();
                if args.by.is_some() {
                    header.insert(0, by.as_str());
                }
                t.set_header(header);
                for r in rows {
                    let mut row = vec![r.count.to_string()];
                    if skipped {
                        row.push((r.failed_reads + r.not_numbers).to_string());
                    }
                    match r.figures {
                        Some(f) => row.extend(f.map(fmt)),
                        None => row.extend(["-"; 6].map(String::from)),
                    }
                    if args.by.is_some() {
                        row.insert(0, r.key);
                    }
                    t.add_row(row);
                }
                outln!("{t}");
            }
        }
    }
    Ok(status)
}

/// The values of one group, and how many were skipped.
#[derive(Default)]
struct Group {
    values: Vec<f64>,
    failed_reads: u64,
    not_numbers: u64,
}

/// One group's line: count, then min, max, mean, p50, p90, p99 (none without values).
struct Row {
    key: String,
    count: usize,
    figures: Option<[f64; 6]>,
    failed_reads: u64,
    not_numbers: u64,
}

impl Row {
    fn of(key: String, mut g: Group) -> Row {
        let xs = &mut g.values;
        xs.sort_by(f64::total_cmp);
        let n = xs.len();
        let figures = (n > 0).then(|| {
            let pct = |p: f64| xs[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
            let mean = xs.iter().sum::<f64>() / n as f64;
            [xs[0], xs[n - 1], mean, pct(0.5), pct(0.9), pct(0.99)]
        });
        Row {
            key,
            count: n,
            figures,
            failed_reads: g.failed_reads,
            not_numbers: g.not_numbers,
        }
    }
}

/// A value that is there but could not be read: null where the row's `read_errors` names
/// the field (Python tracking), or the `"<error: …>"` text older files hold.
fn failed_read(e: &Event, field: &str, value: &Value) -> bool {
    match value {
        Value::Null => matches!(
            e.field("read_errors"),
            Some(Value::Map(m)) if m.iter().any(|(k, _)| matches!(k, Value::Text(t) if &**t == field))
        ),
        Value::Text(t) => e.target() == "ttlog.track" && t.starts_with("<error: "),
        _ => false,
    }
}

fn fmt(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.4}")
    }
}
