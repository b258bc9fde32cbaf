//! Chrome trace: the Trace Event JSON that ui.perfetto.dev and chrome://tracing open. Span
//! records (target `ttlog.span`, from the `tracing` bridge) become complete slices
//! (`"ph":"X"`) on their thread; every other event an instant (`"ph":"i"`) with its level,
//! target and fields as args. Each input file is a process, each thread a track named
//! after it. Times are microseconds since the Unix epoch (the format's unit), written with
//! three decimals.

use std::collections::HashMap;

use ttlog_reader::{json_string, Event, Value};

use crate::formats::{Format, Options};
use crate::sink::{Out, Outputs, Sink, Source, Written};
use crate::JobError;

/// `--to chrome-trace`.
pub const FORMAT: Format = Format {
    name: "chrome-trace",
    about: "Trace Event JSON for ui.perfetto.dev and chrome://tracing: span records as \
            slices per thread, other events as instants",
    sink: |options: &Options| {
        options.only("chrome-trace", &[])?;
        Ok(Box::new(ChromeTrace {
            out: None,
            processes: Vec::new(),
            threads: HashMap::new(),
            first: true,
            line: String::new(),
            written: Written::default(),
        }))
    },
};

/// Thread tracks kept; the events of threads past them go on one track per file named
/// `(other threads)`, so memory stays bounded whatever the names.
const MAX_THREADS: usize = 10_000;

struct ChromeTrace {
    out: Option<Out>,
    /// Each input's name, by index: its process.
    processes: Vec<String>,
    /// (input, thread name) → track id.
    threads: HashMap<(usize, String), usize>,
    first: bool,
    line: String,
    written: Written,
}

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

impl ChromeTrace {
    fn put(&mut self) -> Result<(), JobError> {
        match self.out.as_mut() {
            Some(out) => out.write_all(self.line.as_bytes()),
            None => Ok(()),
        }
    }

    /// The track of `thread` in input `source`.
    fn track(&mut self, source: usize, thread: &str) -> usize {
        if let Some(&tid) = self.threads.get(&(source, thread.to_string())) {
            return tid;
        }
        let name = if self.threads.len() < MAX_THREADS {
            thread
        } else {
            "(other threads)"
        };
        let next = self.threads.len() + 1;
        *self
            .threads
            .entry((source, name.to_string()))
            .or_insert(next)
    }
}

impl Sink for ChromeTrace {
    fn open(&mut self, outputs: &mut Outputs<'_>) -> Result<(), JobError> {
        let mut out = outputs.main()?;
        out.write_all(b"{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n")?;
        self.out = Some(out);
        Ok(())
    }

    fn input(&mut self, source: Source<'_>) {
        if self.processes.len() <= source.index {
            self.processes.resize(source.index + 1, String::new());
        }
        self.processes[source.index] = source.path.display().to_string();
    }

    fn write(&mut self, source: Source<'_>, e: &Event) -> Result<(), JobError> {
        let tid = self.track(source.index, &e.thread);
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        if !std::mem::take(&mut self.first) {
            line.push_str(",\n");
        }
        line.push_str("{\"name\":");
        json_string(&mut line, &e.message());
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
        line.push_str(&format!(
            ",\"pid\":{},\"tid\":{tid},\"args\":",
            source.index + 1
        ));
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
        self.line = line;
        self.written.events += 1;
        self.written.truncated += u64::from(e.truncated);
        self.put()
    }

    fn finish(mut self: Box<Self>) -> Result<Written, JobError> {
        // Track names: a process per file, a thread per thread name, in track order.
        let processes = std::mem::take(&mut self.processes);
        for (i, file) in processes.iter().enumerate() {
            self.line.clear();
            if !std::mem::take(&mut self.first) {
                self.line.push_str(",\n");
            }
            self.line.push_str(&format!(
                "{{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":{},\"args\":{{\"name\":",
                i + 1
            ));
            json_string(&mut self.line, file);
            self.line.push_str("}}");
            self.put()?;
        }
        let mut threads: Vec<_> = std::mem::take(&mut self.threads).into_iter().collect();
        threads.sort_by_key(|(_, tid)| *tid);
        for ((source, thread), tid) in threads {
            self.line.clear();
            if !std::mem::take(&mut self.first) {
                self.line.push_str(",\n");
            }
            self.line.push_str(&format!(
                "{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":{},\"tid\":{tid},\"args\":{{\"name\":",
                source + 1
            ));
            json_string(&mut self.line, &thread);
            self.line.push_str("}}");
            self.put()?;
        }
        if let Some(mut out) = self.out.take() {
            out.write_all(b"\n]}\n")?;
            out.flush()?;
        }
        Ok(self.written)
    }
}
