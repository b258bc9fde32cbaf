//! `info`: what each file holds.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde_json::{json, Value as J};
use ttlog_reader::{decode_block, BlockContent, BlockReader, EventKind, Level};

use crate::args::expand;
use crate::exit::{Outcome, Status};

const AFTER_HELP: &str = "\
Examples:
  ttlog-view info logs/run.bin
  ttlog-view info logs/*.bin --format json | jq '.[] | {file, events}'";

/// Formats of `info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InfoFormat {
    /// Tables for people.
    Table,
    /// One JSON array of objects, for scripts.
    Json,
}

/// Arguments of `info`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct InfoArgs {
    /// Files to describe.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = InfoFormat::Table)]
    pub format: InfoFormat,
}

/// What one file holds.
#[derive(Default)]
struct Summary {
    /// Damage other than a last block cut short (what a kill leaves).
    damaged: bool,
    blocks: u64,
    raw: u64,
    stored: u64,
    events: u64,
    min_ts: Option<u64>,
    max_ts: u64,
    levels: BTreeMap<String, u64>,
    targets: BTreeMap<String, u64>,
    threads: BTreeMap<String, u64>,
    dropped_records: u64,
    dropped_events: u64,
    problems: Vec<String>,
    /// The message of the last end event (target `ttlog.end`).
    end_event: Option<String>,
}

pub fn run(args: &InfoArgs) -> Outcome {
    let mut status = Status::default();
    let mut reports = Vec::new();
    for path in expand(&args.files) {
        let name = path.display().to_string();
        let mut blocks = match BlockReader::open(&path) {
            Ok(b) => b,
            Err(e) => {
                status.problem(&name, &e);
                continue;
            }
        };
        let mut s = Summary::default();
        let mut trailer = None;
        while let Some(item) = blocks.next_block() {
            let block = match item {
                Ok(b) => b,
                Err(e) => {
                    if !matches!(e, ttlog_reader::Error::Truncated { .. }) {
                        s.damaged = true;
                    }
                    s.problems.push(e.to_string());
                    status.problem(&name, &e);
                    continue;
                }
            };
            match decode_block(&block.frame, block.payload) {
                Ok(BlockContent::Events(events)) => {
                    s.blocks += 1;
                    s.raw += u64::from(block.frame.raw_len);
                    s.stored += block.frame.block_len() as u64;
                    for e in events {
                        s.min_ts = Some(s.min_ts.map_or(e.ts, |m| m.min(e.ts)));
                        s.max_ts = s.max_ts.max(e.ts);
                        match e.kind {
                            EventKind::Dropped { count, .. } => {
                                s.dropped_records += 1;
                                s.dropped_events += count;
                            }
                            EventKind::Log => {
                                if e.target() == "ttlog.end" {
                                    // The cause of the run's end (SPEC.md 8.8): its last.
                                    s.end_event = Some(e.message());
                                }
                                s.events += 1;
                                *s.levels.entry(e.level_name().into_owned()).or_default() += 1;
                                *s.targets.entry(e.target().to_string()).or_default() += 1;
                                *s.threads.entry(e.thread.to_string()).or_default() += 1;
                            }
                        }
                    }
                }
                Ok(BlockContent::Trailer(t)) => trailer = Some(t),
                Ok(BlockContent::Unknown(_)) => {}
                Err(source) => {
                    let e = ttlog_reader::Error::BadBlock {
                        offset: block.offset,
                        source,
                    };
                    s.damaged = true;
                    s.problems.push(e.to_string());
                    status.problem(&name, &e);
                }
            }
        }
        let h = blocks.header().clone();
        let size = std::fs::metadata(&path).map_or(0, |m| m.len());
        let end = trailer.as_ref().and_then(|t| t.end.clone());
        let closed = blocks.closed_cleanly();
        let state = ttlog_reader::RunEnd {
            closed,
            end: end.clone(),
            end_event: s.end_event.clone(),
            damaged: s.damaged,
            live: !closed && ttlog_format::lock::is_being_written(&path),
        }
        .state();
        let ts = |t: u64| {
            let mut s = String::new();
            ttlog_reader::format_rfc3339(t, &mut s);
            s
        };
        let snapshot = crate::commands::snapshots::record(&h).map(|rec| {
            rec.into_iter()
                .filter(|(k, _)| k != "backtrace")
                .map(|(k, v)| {
                    let v = match v {
                        ciborium::Value::Text(t) => J::String(t),
                        ciborium::Value::Integer(i) => json!(i128::from(i) as i64),
                        other => J::String(format!("{other:?}")),
                    };
                    (k, v)
                })
                .collect::<serde_json::Map<_, _>>()
        });
        reports.push(json!({
            "file": name,
            "size": size,
            "version": format!("{}.{}", h.major, h.minor),
            "writer": format!("{} {}", h.writer.clone().unwrap_or_default(), h.writer_version.clone().unwrap_or_default()).trim().to_string(),
            "session": h.session,
            "service": h.service,
            "host": h.host,
            "pid": h.pid,
            "rotation_seq": h.rotation_seq,
            "snapshot": snapshot,
            "state": state,
            "end": end,
            "end_event": s.end_event,
            "first": s.min_ts.map(ts),
            "last": s.min_ts.map(|_| ts(s.max_ts)),
            "duration_s": s.min_ts.map(|m| (s.max_ts - m) as f64 / 1e9),
            "events": s.events,
            // The six named levels always, and any other level (LEVEL6 to LEVEL255) found.
            "levels": Level::ALL.iter().map(|l| (l.as_str().to_string(), J::from(*s.levels.get(l.as_str()).unwrap_or(&0))))
                .chain(s.levels.iter().filter(|(k, _)| k.starts_with("LEVEL")).map(|(k, v)| (k.clone(), J::from(*v))))
                .collect::<serde_json::Map<_, _>>(),
            "targets": s.targets,
            "threads": s.threads,
            "blocks": s.blocks,
            "raw_bytes": s.raw,
            "stored_bytes": s.stored,
            "compression_ratio": if s.stored > 0 { s.raw as f64 / s.stored as f64 } else { 0.0 },
            "dropped_records": s.dropped_records,
            "dropped_events": s.dropped_events,
            "trailer_events": trailer.as_ref().map(|t| t.events),
            "problems": s.problems,
        }));
    }
    match args.format {
        InfoFormat::Json => outln!("{}", J::Array(reports)),
        InfoFormat::Table => {
            for r in &reports {
                print_table(r);
            }
        }
    }
    Ok(status)
}

fn print_table(r: &J) {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    let text = |v: &J| match v {
        J::String(s) => s.clone(),
        J::Null => "-".into(),
        other => other.to_string(),
    };
    t.set_header(vec!["file", &text(&r["file"])]);
    for key in [
        "version",
        "writer",
        "session",
        "service",
        "host",
        "pid",
        "rotation_seq",
        "state",
        "first",
        "last",
    ] {
        t.add_row(vec![key.to_string(), text(&r[key])]);
    }
    if let Some(cause) = r["end_event"].as_str() {
        t.add_row(vec!["cause".to_string(), cause.to_string()]);
    }
    if let Some(snap) = r["snapshot"].as_object() {
        let field = |k: &str| snap.get(k).map(text).unwrap_or_default();
        let mut desc = format!("{} in thread '{}'", field("reason"), field("thread"));
        if !field("message").is_empty() {
            desc.push_str(&format!("\n{}", field("message")));
        }
        if !field("file").is_empty() {
            desc.push_str(&format!("\nat {}:{}", field("file"), field("line")));
        }
        t.add_row(vec!["SNAPSHOT".to_string(), desc]);
    }
    t.add_row(vec![
        "duration".to_string(),
        r["duration_s"]
            .as_f64()
            .map_or("-".into(), |d| format!("{d:.3} s")),
    ]);
    t.add_row(vec!["events".to_string(), text(&r["events"])]);
    let by = |key: &str| -> String {
        r[key]
            .as_object()
            .map(|m| {
                let mut items: Vec<(&String, u64)> = m
                    .iter()
                    .map(|(k, v)| (k, v.as_u64().unwrap_or(0)))
                    .collect();
                if key != "levels" {
                    items.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
                }
                let shown: Vec<String> = items
                    .iter()
                    .take(12)
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect();
                let more = items.len().saturating_sub(12);
                if more > 0 {
                    format!("{}\n… and {more} more", shown.join("\n"))
                } else {
                    shown.join("\n")
                }
            })
            .unwrap_or_default()
    };
    t.add_row(vec!["by level".to_string(), by("levels")]);
    t.add_row(vec!["by target".to_string(), by("targets")]);
    t.add_row(vec!["by thread".to_string(), by("threads")]);
    t.add_row(vec![
        "blocks".to_string(),
        format!(
            "{} ({} raw bytes, {} stored, ratio {:.1})",
            text(&r["blocks"]),
            text(&r["raw_bytes"]),
            text(&r["stored_bytes"]),
            r["compression_ratio"].as_f64().unwrap_or(0.0)
        ),
    ]);
    t.add_row(vec![
        "dropped".to_string(),
        format!(
            "{} events in {} records",
            text(&r["dropped_events"]),
            text(&r["dropped_records"])
        ),
    ]);
    let problems = r["problems"].as_array().map_or(0, Vec::len);
    t.add_row(vec!["problems".to_string(), problems.to_string()]);
    outln!("{t}");
}
