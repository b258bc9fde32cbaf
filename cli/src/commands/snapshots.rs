//! `snapshots`: list a run's snapshot files, newest first; and the text shown for a
//! snapshot's record.

use std::path::PathBuf;

use ciborium::Value as C;
use clap::{Args, ValueEnum};
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use ttlog_reader::{format_rfc3339, Header};

use crate::exit::{Outcome, Status};

const AFTER_HELP: &str = "\
Examples:
  ttlog-view snapshots logs/snapshots
  ttlog-view snapshots logs/snapshots --format json
  ttlog-view logs/snapshots/robot-4242-20261122T030636.123456789Z-0001-panic.bin

A snapshot is an ordinary ttlog file whose header holds a snapshot record (why it was
taken, the panic message, location, thread and backtrace); viewing it prints that record
first, then the recent events it holds.";

/// Formats of `snapshots`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SnapshotsFormat {
    /// A table.
    Table,
    /// JSON.
    Json,
}

/// Arguments of `snapshots`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct SnapshotsArgs {
    /// Snapshot directories or files.
    #[arg(required = true, value_name = "DIRS")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = SnapshotsFormat::Table)]
    pub format: SnapshotsFormat,
}

/// The snapshot record of a header, as text keys and values.
/// `main_log` names where the main log is now, found by session (it may have been moved
/// aside by a later run on its path).
pub fn record(header: &Header) -> Option<Vec<(String, C)>> {
    match ttlog_reader::snapshot_record(header)? {
        C::Map(entries) => Some(
            entries
                .into_iter()
                .filter_map(|(k, v)| Some((k.as_text()?.to_string(), v)))
                .collect(),
        ),
        _ => None,
    }
}

fn get<'a>(rec: &'a [(String, C)], key: &str) -> Option<&'a C> {
    rec.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn text(rec: &[(String, C)], key: &str) -> String {
    match get(rec, key) {
        Some(C::Text(t)) => t.clone(),
        Some(C::Integer(i)) => i128::from(*i).to_string(),
        _ => String::new(),
    }
}

fn int(rec: &[(String, C)], key: &str) -> u64 {
    match get(rec, key) {
        Some(C::Integer(i)) => u64::try_from(*i).unwrap_or(0),
        _ => 0,
    }
}

/// The lines a viewer prints before a snapshot's events.
pub fn describe(rec: &[(String, C)]) -> String {
    let mut when = String::new();
    format_rfc3339(int(rec, "time_ns"), &mut when);
    let mut s = format!(
        "=== snapshot: {} in thread '{}' at {} (pid {}, {} recent events",
        text(rec, "reason"),
        text(rec, "thread"),
        when,
        text(rec, "pid"),
        int(rec, "events"),
    );
    let forgotten = int(rec, "forgotten");
    if forgotten > 0 {
        s.push_str(&format!(", {forgotten} older ones not kept"));
    }
    s.push_str(")\n");
    let message = text(rec, "message");
    if !message.is_empty() {
        s.push_str(&format!("message:  {message}\n"));
    }
    let file = text(rec, "file");
    if !file.is_empty() {
        s.push_str(&format!("location: {file}:{}\n", text(rec, "line")));
    }
    let main_log = text(rec, "main_log");
    if !main_log.is_empty() {
        s.push_str(&format!("main log: {main_log}\n"));
    }
    let bt = text(rec, "backtrace");
    if !bt.is_empty() {
        s.push_str("backtrace:\n");
        for line in bt.lines() {
            s.push_str("  ");
            s.push_str(line);
            s.push('\n');
        }
    }
    s.push_str("=== events\n");
    s
}

pub fn run(args: &SnapshotsArgs) -> Outcome {
    let mut status = Status::default();
    let mut files = Vec::new();
    for p in &args.paths {
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(d) => files.extend(
                    d.flatten()
                        .map(|e| e.path())
                        .filter(|f| f.extension().is_some_and(|e| e == "bin")),
                ),
                Err(e) => status.fail(format!("{}: {e}", p.display())),
            }
        } else {
            files.push(p.clone());
        }
    }
    let mut rows = Vec::new();
    for f in files {
        match ttlog_reader::BlockReader::open(&f) {
            Ok(r) => {
                if let Some(rec) = record(r.header()) {
                    rows.push((int(&rec, "time_ns"), f, rec));
                }
            }
            Err(e) => status.problem(&f.display().to_string(), &e),
        }
    }
    rows.sort_by_key(|(t, _, _)| std::cmp::Reverse(*t));
    match args.format {
        SnapshotsFormat::Json => {
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(|(t, f, rec)| {
                    let mut when = String::new();
                    format_rfc3339(*t, &mut when);
                    serde_json::json!({
                        "file": f.display().to_string(),
                        "time": when,
                        "reason": text(rec, "reason"),
                        "thread": text(rec, "thread"),
                        "message": text(rec, "message"),
                        "location": if text(rec, "file").is_empty() { String::new() } else { format!("{}:{}", text(rec, "file"), text(rec, "line")) },
                        "pid": int(rec, "pid"),
                        "events": int(rec, "events"),
                    })
                })
                .collect();
            outln!("{}", serde_json::Value::Array(list));
        }
        SnapshotsFormat::Table => {
            if rows.is_empty() {
                eprintln!("ttlog-view: no snapshot files found");
            } else {
                let mut t = Table::new();
                t.load_preset(UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Dynamic)
                    .set_header(vec![
                        "time", "reason", "thread", "message", "location", "events", "file",
                    ]);
                for (ts, f, rec) in &rows {
                    let mut when = String::new();
                    format_rfc3339(*ts, &mut when);
                    // The whole first line: the table wraps it.
                    let msg: String = text(rec, "message").lines().next().unwrap_or("").into();
                    let loc = if text(rec, "file").is_empty() {
                        String::new()
                    } else {
                        format!("{}:{}", text(rec, "file"), text(rec, "line"))
                    };
                    t.add_row(vec![
                        when,
                        text(rec, "reason"),
                        text(rec, "thread"),
                        msg,
                        loc,
                        int(rec, "events").to_string(),
                        f.file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    ]);
                }
                outln!("{t}");
            }
        }
    }
    Ok(status)
}
