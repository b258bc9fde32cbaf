//! The first page of a trial (`ttlog-view summary`, `ttlog.summary`, the report's head):
//! what was recorded, how the run ended and why, what went wrong before, and what each
//! recorded series did, from one streaming pass in bounded memory.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use serde_json::{json, Value as J};
use ttlog_reader::{format_rfc3339, Event, EventKind, Level, Query, RunEnd, Value};

use crate::loop_timing::{self, report_json, Series, MAX_ITERATIONS};
use crate::series::{note_available, number, quote, MAX_AVAILABLE};
use crate::spans::SpanStats;

/// WARN-or-worse events listed before the end.
pub const LAST_WARNINGS: usize = 20;
/// Problems listed (all are counted).
pub const MAX_PROBLEMS: usize = 100;
/// Tracked schemas and variables per schema described.
pub const MAX_SCHEMAS: usize = 100;
/// Snapshot files looked at beside the log.
pub const MAX_SNAPSHOT_FILES: usize = 1_000;

/// Count, lowest and highest of a numeric series, and values that were not numbers.
#[derive(Clone, Copy, Debug)]
struct Range {
    count: u64,
    skipped: u64,
    min: f64,
    max: f64,
}

impl Default for Range {
    fn default() -> Range {
        Range {
            count: 0,
            skipped: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Range {
    fn add(&mut self, v: Option<f64>) {
        match v {
            Some(x) if !x.is_nan() => {
                self.count += 1;
                self.min = self.min.min(x);
                self.max = self.max.max(x);
            }
            _ => self.skipped += 1,
        }
    }

    fn json(&self) -> J {
        let num = |x: f64| if x.is_finite() { json!(x) } else { J::Null };
        json!({"count": self.count, "skipped": self.skipped, "min": num(self.min), "max": num(self.max)})
    }
}

#[derive(Default)]
struct Schema {
    rows: u64,
    first: u64,
    last: u64,
    variables: Vec<(String, Range)>,
    starts: Vec<u64>,
    starts_dropped: bool,
}

fn time(ns: u64) -> String {
    let mut s = String::new();
    format_rfc3339(ns, &mut s);
    s
}

fn event_json(e: &Event) -> J {
    json!({"time": time(e.ts), "level": e.level_name(), "target": e.target(), "message": e.message()})
}

/// The summary of `files` (merged by time; a rotated series or several runs) as JSON: see
/// the crate docs of `ttlog-view summary` for the keys. Damage met on the way goes to
/// `problem` as well as into `problems`.
pub fn summarize(
    files: &[PathBuf],
    query: &Query,
    mut problem: impl FnMut(&Path, &ttlog_reader::Error),
) -> J {
    let mut problems: Vec<String> = Vec::new();
    let mut problems_total = 0u64;
    let mut unreadable = Vec::new();
    let selected = query.open(files, |p, e| {
        problem(p, e);
        unreadable.push((p.to_path_buf(), e.to_string()));
    });
    for (p, e) in &unreadable {
        problems_total += 1;
        problems.push(format!("{}: {e}", p.display()));
    }
    let mut note =
        |path: &Path, e: &ttlog_reader::Error, problems: &mut Vec<String>, total: &mut u64| {
            *total += 1;
            if problems.len() < MAX_PROBLEMS {
                problems.push(format!("{}: {e}", path.display()));
            }
            problem(path, e);
        };
    let mut events = 0u64;
    let mut levels: BTreeMap<String, u64> = BTreeMap::new();
    let mut dropped = 0u64;
    let mut span: Option<(u64, u64)> = None;
    let mut warnings: VecDeque<J> = VecDeque::new();
    let mut end_event: Option<J> = None;
    let mut schemas: BTreeMap<String, Schema> = BTreeMap::new();
    let mut numeric: BTreeMap<String, Range> = BTreeMap::new();
    let mut available = BTreeSet::new();
    let mut spans = SpanStats::default();
    let mut starts_total = 0usize;
    for (source, item) in selected.events {
        let e = match item {
            Ok(e) => e,
            Err(err) => {
                note(
                    &selected.paths[source],
                    &err,
                    &mut problems,
                    &mut problems_total,
                );
                continue;
            }
        };
        if !query.matches(&e) {
            continue;
        }
        span = Some(span.map_or((e.ts, e.ts), |(a, b)| (a.min(e.ts), b.max(e.ts))));
        if let EventKind::Dropped { count, .. } = e.kind {
            dropped += count;
            continue;
        }
        if !matches!(e.kind, EventKind::Log) {
            continue;
        }
        events += 1;
        *levels.entry(e.level_name().into_owned()).or_default() += 1;
        spans.add(&e);
        if e.target() == "ttlog.end" {
            let fields: serde_json::Map<String, J> = e
                .fields()
                .map(|(k, v)| {
                    let mut text = String::new();
                    v.write_json(&mut text);
                    (
                        k.to_string(),
                        serde_json::from_str(&text).unwrap_or(J::Null),
                    )
                })
                .collect();
            end_event = Some(json!({"time": time(e.ts), "message": e.message(), "fields": fields}));
        } else if e.level().is_some_and(|l| l >= Level::Warn) || e.callsite.level > 5 {
            if warnings.len() == LAST_WARNINGS {
                warnings.pop_front();
            }
            warnings.push_back(event_json(&e));
        }
        if available.len() < MAX_AVAILABLE {
            note_available(&mut available, &e);
        }
        if e.target() == "ttlog.track" {
            let name = &*e.callsite.template;
            if !schemas.contains_key(name) && schemas.len() >= MAX_SCHEMAS {
                continue;
            }
            let s = schemas.entry(name.to_string()).or_default();
            if s.rows == 0 {
                s.first = e.ts;
            }
            s.rows += 1;
            s.last = s.last.max(e.ts);
            if starts_total < MAX_ITERATIONS && !s.starts_dropped {
                s.starts.push(e.ts);
                starts_total += 1;
            } else if !s.starts_dropped {
                s.starts_dropped = true;
                starts_total -= s.starts.len();
                s.starts = Vec::new();
            }
            for (k, v) in e.fields() {
                if k == "read_errors" {
                    continue;
                }
                let at = match s.variables.iter().position(|(n, _)| n == k) {
                    Some(at) => at,
                    None if s.variables.len() < ttlog_reader::MAX_FIELD_COLUMNS => {
                        s.variables.push((k.to_string(), Range::default()));
                        s.variables.len() - 1
                    }
                    None => continue,
                };
                s.variables[at].1.add(number(v));
            }
        } else if e.target() != "ttlog.span" {
            for (k, v) in e.fields() {
                let Some(x) = number(v) else { continue };
                if matches!(v, Value::Bool(_)) {
                    continue;
                }
                let name = format!("{}@target={}", quote(k, true), e.target());
                if !numeric.contains_key(&name) && numeric.len() >= MAX_AVAILABLE {
                    continue;
                }
                numeric.entry(name).or_default().add(Some(x));
            }
        }
    }
    let file_info: Vec<J> = selected
        .paths
        .iter()
        .map(|p| {
            let size = std::fs::metadata(p).map_or(0, |m| m.len());
            match RunEnd::of_file(p) {
                Ok(r) => json!({"path": p.display().to_string(), "size": size, "state": r.state(),
                                "end": r.end, "end_event": r.end_event}),
                Err(e) => {
                    json!({"path": p.display().to_string(), "size": size, "state": e.to_string()})
                }
            }
        })
        .chain(
            unreadable
                .iter()
                .map(|(p, e)| json!({"path": p.display().to_string(), "state": e})),
        )
        .collect();
    let header = selected.headers.first();
    // The run's end: its last file's state, and the cause from the end event.
    let last_state = file_info
        .iter()
        .rev()
        .find(|f| f.get("end").is_some())
        .cloned()
        .unwrap_or(J::Null);
    let end = json!({
        "state": last_state.get("state").cloned().unwrap_or(J::Null),
        "how": last_state.get("end").cloned().unwrap_or(J::Null),
        "cause": end_event,
    });
    let sessions: BTreeSet<&str> = selected
        .headers
        .iter()
        .map(|h| h.session.as_str())
        .collect();
    let snapshots = snapshots_beside(&selected.paths, &sessions);
    let tracked: Vec<J> = schemas
        .iter()
        .map(|(name, s)| {
            let secs = (s.last - s.first) as f64 / 1e9;
            let rate = (s.rows > 1 && secs > 0.0).then(|| (s.rows - 1) as f64 / secs);
            json!({
                "schema": name,
                "rows": s.rows,
                "rate_hz": rate,
                "variables": s.variables.iter().map(|(v, r)| {
                    let mut j = r.json();
                    j["name"] = json!(v);
                    j["series"] = json!(format!("{}.{}", quote(name, true), quote(v, false)));
                    j
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let loop_json = loop_of(&mut schemas);
    json!({
        "files": file_info,
        "service": header.and_then(|h| h.service.clone()),
        "host": header.and_then(|h| h.host.clone()),
        "pid": header.and_then(|h| h.pid),
        "session": header.map(|h| h.session.clone()),
        "sessions": sessions.len(),
        "first": span.map(|s| time(s.0)),
        "last": span.map(|s| time(s.1)),
        "first_ns": span.map(|s| s.0),
        "last_ns": span.map(|s| s.1),
        "duration_s": span.map(|s| (s.1 - s.0) as f64 / 1e9),
        "end": end,
        "events": events,
        "levels": Level::ALL.iter().map(|l| (l.as_str().to_string(), json!(levels.get(l.as_str()).copied().unwrap_or(0))))
            .chain(levels.iter().filter(|(k, _)| k.starts_with("LEVEL")).map(|(k, v)| (k.clone(), json!(v))))
            .collect::<serde_json::Map<_, _>>(),
        "dropped": dropped,
        "problems": problems,
        "problems_total": problems_total,
        "last_warnings": warnings.into_iter().collect::<Vec<_>>(),
        "snapshots": snapshots,
        "tracked": tracked,
        "numeric": numeric.iter().map(|(n, r)| { let mut j = r.json(); j["series"] = json!(n); j }).collect::<Vec<_>>(),
        "loop": loop_json,
        "spans": spans.rows().into_iter().map(|r| json!({"name": r.name, "count": r.count, "p50_ns": r.p50_ns,
            "p99_ns": r.p99_ns, "max_ns": r.max_ns, "busy_p50_ns": r.busy_p50_ns})).collect::<Vec<_>>(),
        "series_available": available.into_iter().collect::<Vec<_>>(),
    })
}

/// The loop timing of the `tracked` schema, else the schema with the most rows.
fn loop_of(schemas: &mut BTreeMap<String, Schema>) -> J {
    let name = if schemas.get("tracked").is_some_and(|s| s.rows > 1) {
        "tracked".to_string()
    } else {
        match schemas
            .iter()
            .filter(|(_, s)| s.rows > 1)
            .max_by_key(|(_, s)| s.rows)
        {
            Some((n, _)) => n.clone(),
            None => return J::Null,
        }
    };
    let s = schemas.get_mut(&name).expect("chosen above");
    if s.starts_dropped {
        return json!({"series": name, "error": "too many rows for loop timing: narrow with --since/--until"});
    }
    let series = if name == "tracked" {
        Series::Tracked
    } else {
        Series::Schema(name.clone())
    };
    let starts = std::mem::take(&mut s.starts);
    match loop_timing::report(
        &series,
        &loop_timing::Settings::default(),
        starts,
        Vec::new(),
        Vec::new(),
        BTreeSet::new(),
    ) {
        Ok(r) => report_json(&r),
        Err(e) => json!({"series": name, "error": e.to_string()}),
    }
}

/// Snapshot files of these sessions in `snapshots/` beside each log (the writer's default
/// place), newest first.
fn snapshots_beside(paths: &[PathBuf], sessions: &BTreeSet<&str>) -> Vec<J> {
    let dirs: BTreeSet<PathBuf> = paths
        .iter()
        .map(|p| match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.join("snapshots"),
            _ => PathBuf::from("snapshots"),
        })
        .collect();
    let mut found = Vec::new();
    let mut looked = 0;
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            looked += 1;
            if looked > MAX_SNAPSHOT_FILES {
                break;
            }
            let path = entry.path();
            let Ok(blocks) = ttlog_reader::BlockReader::open(&path) else {
                continue;
            };
            let h = blocks.header();
            if !sessions.contains(h.session.as_str()) {
                continue;
            }
            let Some(ciborium::Value::Map(rec)) = ttlog_reader::snapshot_record(h) else {
                continue;
            };
            let get = |k: &str| {
                rec.iter()
                    .find(|(key, _)| key.as_text() == Some(k))
                    .map(|(_, v)| v.clone())
            };
            let text = |k: &str| get(k).and_then(|v| v.as_text().map(str::to_string));
            let int = |k: &str| {
                get(k)
                    .and_then(|v| v.as_integer())
                    .and_then(|i| u64::try_from(i).ok())
            };
            found.push((
                int("time_ns").unwrap_or(0),
                json!({
                    "path": path.display().to_string(),
                    "time": int("time_ns").map(time),
                    "reason": text("reason"),
                    "thread": text("thread"),
                    "message": text("message"),
                    "events": int("events"),
                }),
            ));
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, j)| j).collect()
}

/// The summary as text, the first page a researcher reads.
pub fn text(s: &J) -> String {
    let mut out = String::new();
    let str_of = |v: &J| match v {
        J::String(t) => t.clone(),
        J::Null => "-".into(),
        other => other.to_string(),
    };
    let num = |v: &J| match v.as_f64() {
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
        Some(x) => format!("{x:.4}"),
        None => "-".into(),
    };
    out.push_str("trial\n");
    for f in s["files"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  file      {} ({} bytes): {}\n",
            str_of(&f["path"]),
            str_of(&f["size"]),
            str_of(&f["state"])
        ));
    }
    for (label, key) in [
        ("service", "service"),
        ("host", "host"),
        ("session", "session"),
    ] {
        if !s[key].is_null() {
            out.push_str(&format!("  {label:9} {}\n", str_of(&s[key])));
        }
    }
    out.push_str(&format!(
        "  time      {} .. {} ({} s)\n",
        str_of(&s["first"]),
        str_of(&s["last"]),
        num(&s["duration_s"])
    ));
    out.push_str(&format!(
        "\nhow it ended\n  {}\n",
        str_of(&s["end"]["state"])
    ));
    if let Some(cause) = s["end"]["cause"].as_object() {
        out.push_str(&format!("  cause     {}\n", str_of(&cause["message"])));
        let f = &cause["fields"];
        if let (Some(file), Some(line)) = (f["file"].as_str(), f.get("line")) {
            out.push_str(&format!("  where     {file}:{}\n", str_of(line)));
        }
        if let Some(snap) = f["snapshot"].as_str() {
            out.push_str(&format!("  snapshot  {snap}\n"));
        }
        if let Some(bt) = f["backtrace"].as_str() {
            out.push_str("  traceback\n");
            for line in bt.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out.push_str(&format!(
        "\nevents      {} ({}), dropped {}, problems {}\n",
        str_of(&s["events"]),
        s["levels"]
            .as_object()
            .map(|m| m
                .iter()
                .filter(|(_, v)| v.as_u64() != Some(0))
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", "))
            .unwrap_or_default(),
        str_of(&s["dropped"]),
        str_of(&s["problems_total"])
    ));
    for p in s["problems"].as_array().into_iter().flatten() {
        out.push_str(&format!("  problem   {}\n", str_of(p)));
    }
    let warnings = s["last_warnings"].as_array().cloned().unwrap_or_default();
    if !warnings.is_empty() {
        out.push_str("\nlast warnings and errors\n");
        for w in &warnings {
            out.push_str(&format!(
                "  {} {:8} {} {}\n",
                str_of(&w["time"]),
                str_of(&w["level"]),
                str_of(&w["target"]),
                str_of(&w["message"])
            ));
        }
    }
    let snaps = s["snapshots"].as_array().cloned().unwrap_or_default();
    if !snaps.is_empty() {
        out.push_str("\nsnapshots\n");
        for sn in &snaps {
            out.push_str(&format!(
                "  {} {} in {}: {} ({})\n",
                str_of(&sn["time"]),
                str_of(&sn["reason"]),
                str_of(&sn["thread"]),
                str_of(&sn["message"]),
                str_of(&sn["path"])
            ));
        }
    }
    for t in s["tracked"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "\ntracked `{}`: {} rows at {} Hz\n",
            str_of(&t["schema"]),
            str_of(&t["rows"]),
            num(&t["rate_hz"])
        ));
        for v in t["variables"].as_array().into_iter().flatten() {
            let skipped = v["skipped"].as_u64().unwrap_or(0);
            out.push_str(&format!(
                "  {:40} n {:>9}  min {:>12}  max {:>12}{}\n",
                str_of(&v["series"]),
                str_of(&v["count"]),
                num(&v["min"]),
                num(&v["max"]),
                if skipped > 0 {
                    format!("  ({skipped} not numbers)")
                } else {
                    String::new()
                }
            ));
        }
    }
    let numeric = s["numeric"].as_array().cloned().unwrap_or_default();
    if !numeric.is_empty() {
        out.push_str("\nnumeric fields of events\n");
        for v in &numeric {
            out.push_str(&format!(
                "  {:40} n {:>9}  min {:>12}  max {:>12}\n",
                str_of(&v["series"]),
                str_of(&v["count"]),
                num(&v["min"]),
                num(&v["max"])
            ));
        }
    }
    if let Some(l) = s["loop"].as_object() {
        out.push_str("\nloop timing\n");
        match l.get("error") {
            Some(e) => out.push_str(&format!("  {}: {}\n", str_of(&l["series"]), str_of(e))),
            None => out.push_str(&format!(
                "  {}: {} iterations at {} Hz, period p50 {} ns, p99 {} ns, max {} ns; {} within tolerance ({} %), {} overruns, {} stalls\n",
                str_of(&l["series"]),
                str_of(&l["iterations"]),
                num(&l["frequency_hz"]),
                num(&l["period_ns"]["p50"]),
                num(&l["period_ns"]["p99"]),
                num(&l["period_ns"]["max"]),
                str_of(&l["within_tolerance"]),
                num(&l["within_tolerance_pct"]),
                str_of(&l["overruns"]),
                str_of(&l["stalls"]),
            )),
        }
    }
    let spans = s["spans"].as_array().cloned().unwrap_or_default();
    if !spans.is_empty() {
        out.push_str("\nspans\n");
        for sp in &spans {
            out.push_str(&format!(
                "  {:30} n {:>9}  p50 {:>10}  p99 {:>10}  max {:>10}\n",
                str_of(&sp["name"]),
                str_of(&sp["count"]),
                crate::spans::human(sp["p50_ns"].as_u64().unwrap_or(0)),
                crate::spans::human(sp["p99_ns"].as_u64().unwrap_or(0)),
                crate::spans::human(sp["max_ns"].as_u64().unwrap_or(0))
            ));
        }
    }
    out
}
