//! The first page of a trial (`ttlog-view summary`, `ttlog.summary`, the report's head):
//! what was recorded, how the run ended and why, what went wrong before, and what each
//! recorded series did, from one streaming pass in bounded memory.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{json, Value as J};
use ttlog_reader::{format_rfc3339, Callsite, Event, EventKind, Level, Query, RunEnd, Value};

use crate::events::{for_each_event, ByCallsite};
use crate::loop_timing::{self, report_json, Series, MAX_ITERATIONS};
use crate::series::{cut, number, quote, MAX_AVAILABLE};
use crate::spans::SpanStats;

/// WARN-or-worse events listed before the end.
pub const LAST_WARNINGS: usize = 20;
/// Problems listed (all are counted).
pub const MAX_PROBLEMS: usize = 100;
/// Tracked schemas and variables per schema described.
pub const MAX_SCHEMAS: usize = 100;
/// Most bytes of a listed warning's message.
pub const MAX_MESSAGE: usize = 4_096;
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
    let message = cut(e.message(), MAX_MESSAGE);
    json!({"time": time(e.ts), "level": e.level_name(), "target": e.target(), "message": message})
}

/// What a callsite's events add to the summary, found once per callsite.
enum Role {
    /// Rows of tracked schema `schema` (an index); each field's variable index.
    Track {
        schema: usize,
        vars: Vec<Option<usize>>,
    },
    /// A span record or the end event: handled by name.
    Special,
    /// Any other event; each field's numeric series index (made when first numeric).
    Other { numeric: Vec<Option<usize>> },
}

/// Everything the summary gathers in its pass.
#[derive(Default)]
struct Acc {
    events: u64,
    levels: Vec<u64>,
    dropped: u64,
    span: Option<(u64, u64)>,
    warnings: VecDeque<J>,
    end_event: Option<J>,
    schemas: Vec<(String, Schema)>,
    numeric: Vec<(String, Range)>,
    numeric_at: HashMap<String, usize>,
    spans: SpanStats,
    starts_total: usize,
    /// Roles by callsite; the `Arc` is held so that its address is not reused.
    roles: ByCallsite<(Arc<Callsite>, Role)>,
}

/// Most callsites remembered at once (each block defines its own; the map is emptied when
/// full).
const MAX_ROLES: usize = 4_096;

impl Acc {
    /// Finds `e`'s callsite's role, once per callsite.
    fn know_role(&mut self, e: &Event, key: usize) {
        if !self.roles.contains_key(&key) {
            if self.roles.len() >= MAX_ROLES {
                self.roles.clear();
            }
            let role = self.make_role(e);
            self.roles.insert(key, (e.callsite.clone(), role));
        }
    }

    fn make_role(&mut self, e: &Event) -> Role {
        let cs = &e.callsite;
        match &*cs.target {
            "ttlog.span" | "ttlog.end" => Role::Special,
            "ttlog.track" => {
                let name = &*cs.template;
                let schema = match self.schemas.iter().position(|(n, _)| n == name) {
                    Some(at) => at,
                    None if self.schemas.len() < MAX_SCHEMAS => {
                        self.schemas.push((name.to_string(), Schema::default()));
                        self.schemas.len() - 1
                    }
                    None => return Role::Special,
                };
                let vars = &mut self.schemas[schema].1.variables;
                let ids = cs
                    .field_names
                    .iter()
                    .map(|f| {
                        if &**f == "read_errors" {
                            return None;
                        }
                        match vars.iter().position(|(n, _)| n == &**f) {
                            Some(at) => Some(at),
                            None if vars.len() < ttlog_reader::MAX_FIELD_COLUMNS => {
                                vars.push((f.to_string(), Range::default()));
                                Some(vars.len() - 1)
                            }
                            None => None,
                        }
                    })
                    .collect();
                Role::Track { schema, vars: ids }
            }
            _ => Role::Other {
                numeric: vec![None; cs.field_names.len()],
            },
        }
    }

    fn add(&mut self, e: &Event) {
        self.span = Some(
            self.span
                .map_or((e.ts, e.ts), |(a, b)| (a.min(e.ts), b.max(e.ts))),
        );
        if let EventKind::Dropped { count, .. } = e.kind {
            self.dropped += count;
            return;
        }
        if !matches!(e.kind, EventKind::Log) {
            return;
        }
        self.events += 1;
        let level = usize::from(e.callsite.level);
        if self.levels.len() <= level {
            self.levels.resize(level + 1, 0);
        }
        self.levels[level] += 1;
        let severe = e.level().is_some_and(|l| l >= Level::Warn) || e.callsite.level > 5;
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
            self.end_event =
                Some(json!({"time": time(e.ts), "message": e.message(), "fields": fields}));
        } else if severe {
            if self.warnings.len() == LAST_WARNINGS {
                self.warnings.pop_front();
            }
            self.warnings.push_back(event_json(e));
        }
        self.spans.add(e);
        let key = Arc::as_ptr(&e.callsite) as usize;
        self.know_role(e, key);
        let Acc {
            roles,
            schemas,
            starts_total,
            ..
        } = self;
        match &roles.get(&key).expect("made above").1 {
            Role::Special => {}
            Role::Track { schema, vars } => {
                let s = &mut schemas[*schema].1;
                if s.rows == 0 {
                    s.first = e.ts;
                }
                s.rows += 1;
                s.last = s.last.max(e.ts);
                if *starts_total < MAX_ITERATIONS && !s.starts_dropped {
                    s.starts.push(e.ts);
                    *starts_total += 1;
                } else if !s.starts_dropped {
                    s.starts_dropped = true;
                    *starts_total -= s.starts.len();
                    s.starts = Vec::new();
                }
                for ((_, v), var) in e.fields().zip(vars) {
                    if let Some(var) = var {
                        s.variables[*var].1.add(number(v));
                    }
                }
            }
            Role::Other { .. } => self.add_numeric(e),
        }
    }

    fn add_numeric(&mut self, e: &Event) {
        let key = Arc::as_ptr(&e.callsite) as usize;
        for (i, (k, v)) in e.fields().enumerate() {
            if matches!(v, Value::Bool(_)) {
                continue;
            }
            let Some(x) = number(v) else { continue };
            let known = match &self.roles.get(&key).map(|r| &r.1) {
                Some(Role::Other { numeric }) => numeric.get(i).copied().flatten(),
                _ => None,
            };
            let at = match known {
                Some(at) => at,
                None => {
                    let name = format!("{}@target={}", quote(k, true), e.target());
                    let at = match self.numeric_at.get(&name) {
                        Some(&at) => at,
                        None if self.numeric.len() < MAX_AVAILABLE => {
                            self.numeric.push((name.clone(), Range::default()));
                            self.numeric_at.insert(name, self.numeric.len() - 1);
                            self.numeric.len() - 1
                        }
                        None => continue,
                    };
                    if let Some((_, Role::Other { numeric })) = self.roles.get_mut(&key) {
                        if let Some(slot) = numeric.get_mut(i) {
                            *slot = Some(at);
                        }
                    }
                    at
                }
            };
            self.numeric[at].1.add(Some(x));
        }
    }
}

/// The summary of `files` (merged by time; a rotated series or several runs) as JSON: see
/// `ttlog-view summary --help` for what it holds. Damage met on the way goes to `problem`
/// as well as into `problems`.
pub fn summarize(
    files: &[PathBuf],
    query: &Query,
    problem: impl FnMut(&Path, &ttlog_reader::Error),
) -> J {
    summarize_with(files, query, problem, |_| {})
}

/// [`summarize`], every selected event also handed to `each` in the same pass (the report
/// gathers its series so).
pub fn summarize_with(
    files: &[PathBuf],
    query: &Query,
    mut problem: impl FnMut(&Path, &ttlog_reader::Error),
    mut each: impl FnMut(&Event),
) -> J {
    let mut problems: Vec<String> = Vec::new();
    let mut problems_total = 0u64;
    let mut acc = Acc::default();
    let read = for_each_event(
        files,
        query,
        |path, e| {
            problems_total += 1;
            if problems.len() < MAX_PROBLEMS {
                problems.push(format!("{}: {e}", path.display()));
            }
            problem(path, e);
        },
        |e| {
            if query.matches(e) {
                acc.add(e);
                each(e);
            }
        },
    );
    let unreadable: Vec<&PathBuf> = files.iter().filter(|f| !read.paths.contains(f)).collect();
    let file_info: Vec<J> = read
        .paths
        .iter()
        .map(|p| {
            let size = std::fs::metadata(p).map_or(0, |m| m.len());
            let seen = read
                .run_end
                .clone()
                .ok_or(())
                .or_else(|()| RunEnd::of_file(p));
            match seen {
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
                .map(|p| json!({"path": p.display().to_string(), "state": "unreadable"})),
        )
        .collect();
    let header = read.headers.first();
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
        "cause": acc.end_event,
    });
    let sessions: BTreeSet<&str> = read.headers.iter().map(|h| h.session.as_str()).collect();
    let snapshots = snapshots_beside(&read.paths, &sessions);
    let mut available: Vec<String> = Vec::new();
    let tracked: Vec<J> = acc
        .schemas
        .iter()
        .map(|(name, s)| {
            let secs = (s.last - s.first) as f64 / 1e9;
            let rate = (s.rows > 1 && secs > 0.0).then(|| (s.rows - 1) as f64 / secs);
            json!({
                "schema": name,
                "rows": s.rows,
                "rate_hz": rate,
                "variables": s.variables.iter().map(|(v, r)| {
                    let series = format!("{}.{}", quote(name, true), quote(v, false));
                    if r.count > 0 && available.len() < MAX_AVAILABLE {
                        available.push(series.clone());
                    }
                    let mut j = r.json();
                    j["name"] = json!(v);
                    j["series"] = json!(series);
                    j
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut numeric = std::mem::take(&mut acc.numeric);
    numeric.sort_by(|a, b| a.0.cmp(&b.0));
    for (n, _) in &numeric {
        if available.len() < MAX_AVAILABLE {
            available.push(n.clone());
        }
    }
    let mut schemas: BTreeMap<String, Schema> = acc.schemas.into_iter().collect();
    let loop_json = loop_of(&mut schemas);
    let level_count = |n: usize| acc.levels.get(n).copied().unwrap_or(0);
    json!({
        "files": file_info,
        "service": header.and_then(|h| h.service.clone()),
        "host": header.and_then(|h| h.host.clone()),
        "pid": header.and_then(|h| h.pid),
        "session": header.map(|h| h.session.clone()),
        "sessions": sessions.len(),
        "first": acc.span.map(|s| time(s.0)),
        "last": acc.span.map(|s| time(s.1)),
        "first_ns": acc.span.map(|s| s.0),
        "last_ns": acc.span.map(|s| s.1),
        "duration_s": acc.span.map(|s| (s.1 - s.0) as f64 / 1e9),
        "end": end,
        "events": acc.events,
        "levels": Level::ALL.iter().map(|l| (l.as_str().to_string(), json!(level_count(*l as usize))))
            .chain((6..acc.levels.len()).filter(|&n| acc.levels[n] > 0).map(|n| (format!("LEVEL{n}"), json!(acc.levels[n]))))
            .collect::<serde_json::Map<_, _>>(),
        "dropped": acc.dropped,
        "problems": problems,
        "problems_total": problems_total,
        "last_warnings": acc.warnings.into_iter().collect::<Vec<_>>(),
        "snapshots": snapshots,
        "tracked": tracked,
        "numeric": numeric.iter().map(|(n, r)| { let mut j = r.json(); j["series"] = json!(n); j }).collect::<Vec<_>>(),
        "loop": loop_json,
        "spans": acc.spans.rows().into_iter().map(|r| json!({"name": r.name, "count": r.count, "p50_ns": r.p50_ns,
            "p99_ns": r.p99_ns, "max_ns": r.max_ns, "busy_p50_ns": r.busy_p50_ns})).collect::<Vec<_>>(),
        "series_available": available,
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
