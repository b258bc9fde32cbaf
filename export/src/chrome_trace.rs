//! Chrome trace out (`convert --to chrome-trace`, Python `to_chrome_trace`): the Trace
//! Event JSON that ui.perfetto.dev and chrome://tracing open. Span records (target `ttlog.span`, from the `tracing` bridge)
//! become complete slices ("ph":"X") on their thread; every other event an instant
//! ("ph":"i") with its level, target and fields as args. Each input file is a process,
//! each thread a track named after it. Times are microseconds since the Unix epoch (the
//! format's unit), written with three decimals.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;

use ttlog_reader::{json_string, Event, Query, Value};

use crate::job::Progress;

fn micros(ns: u64) -> String {
    format!("{}.{:03}", ns / 1000, ns % 1000)
}

fn uint(v: Option<&Value>) -> Option<u64> {
    match v {
        Some(Value::Int(n)) => u64::try_from(*n).ok(),
        _ => None,
    }
}

/// `{"k": v, ...}` of `pairs`, as JSON.
fn object<'a>(out: &mut String, pairs: impl Iterator<Item = (&'a str, &'a Value)>) {
    out.push('{');
    for (i, (k, v)) in pairs.enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(out, k);
        out.push(':');
        v.write_json(out);
    }
    out.push('}');
}

/// Writes the trace of `files` (merged by time, `query` applied) to `out`; damage goes to
/// `progress`.
pub fn write_chrome_trace(
    files: &[PathBuf],
    query: &Query,
    out: &mut dyn Write,
    progress: &mut dyn Progress,
) -> io::Result<()> {
    let selected = query.open(files, |path, e| progress.problem(path, e));
    let (merged, names): (_, Vec<String>) = (
        selected.events,
        selected
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
    );
    let paths = selected.paths;
    let mut threads: HashMap<(usize, String), usize> = HashMap::new();
    out.write_all(b"{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n")?;
    let mut first = true;
    let mut line = String::new();
    for (source, item) in merged {
        let e: Event = match item {
            Ok(e) if query.matches(&e) => e,
            Ok(_) => continue,
            Err(err) => {
                progress.problem(&paths[source], &err);
                continue;
            }
        };
        let next = threads.len() + 1;
        let tid = *threads
            .entry((source, e.thread.to_string()))
            .or_insert(next);
        line.clear();
        if !first {
            line.push_str(",\n");
        }
        first = false;
        let name = e.message();
        line.push_str("{\"name\":");
        json_string(&mut line, &name);
        let span = e.target() == "ttlog.span";
        match (
            span,
            uint(e.field("start_ns")),
            uint(e.field("duration_ns")),
        ) {
            (true, Some(start), Some(duration)) => {
                line.push_str(",\"cat\":\"span\",\"ph\":\"X\",\"ts\":");
                line.push_str(&micros(start));
                line.push_str(",\"dur\":");
                line.push_str(&micros(duration));
            }
            _ => {
                line.push_str(",\"cat\":");
                json_string(&mut line, e.target());
                line.push_str(",\"ph\":\"i\",\"s\":\"t\",\"ts\":");
                line.push_str(&micros(e.ts));
            }
        }
        line.push_str(&format!(",\"pid\":{},\"tid\":{tid},\"args\":", source + 1));
        let level = Value::Text(e.level_name().into_owned().into());
        let fields = e.fields();
        if span {
            let own: Vec<(&str, &Value)> = match e.field("fields") {
                Some(Value::Map(entries)) => entries
                    .iter()
                    .filter_map(|(k, v)| k.as_str().map(|k| (k, v)))
                    .collect(),
                _ => Vec::new(),
            };
            let ids = fields.filter(|(k, _)| matches!(*k, "id" | "parent" | "busy_ns"));
            object(&mut line, ids.chain(own));
        } else {
            object(&mut line, std::iter::once(("level", &level)).chain(fields));
        }
        line.push('}');
        out.write_all(line.as_bytes())?;
    }
    // Track names: a process per file, a thread per thread name.
    for (i, file) in names.iter().enumerate() {
        line.clear();
        if !first {
            line.push_str(",\n");
        }
        first = false;
        line.push_str(&format!(
            "{{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":{},\"args\":{{\"name\":",
            i + 1
        ));
        json_string(&mut line, file);
        line.push_str("}}");
        out.write_all(line.as_bytes())?;
    }
    for ((source, thread), tid) in &threads {
        line.clear();
        line.push_str(&format!(
            ",\n{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":{},\"tid\":{tid},\"args\":{{\"name\":",
            source + 1
        ));
        json_string(&mut line, thread);
        line.push_str("}}");
        out.write_all(line.as_bytes())?;
    }
    out.write_all(b"\n]}\n")?;
    Ok(())
}
