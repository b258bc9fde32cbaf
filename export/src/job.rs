//! A whole Parquet export, as `ttlog-view convert --to parquet` and Python's
//! `ttlog.to_parquet` run it: files in, one table (with one table per tracked schema
//! beside it, `STEM.track.NAME.parquet`) or a Hive-partitioned dataset out, in two
//! streaming passes over the input. The first finds the fields and their types (one schema
//! for every partition, so engines read a dataset as one table), the second writes the rows.
//! Memory is bounded by the writers' batches, whatever the input's size.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use ttlog_reader::{format_rfc3339, Callsite, Events, Header, Merge, Query, Shaped};

use crate::{Columns, OutputError, OutputFile, ParquetWriter, TRACK_TARGET};

/// Rows each partition's writer gathers before handing them on: small, since a dataset may
/// have many partitions open at once.
const PARTITION_BATCH_ROWS: usize = 8192;

/// What a dataset can be partitioned by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionKey {
    /// The writing program's service name (file header), `unknown` when unset.
    Service,
    /// The host that wrote the file (file header), `unknown` when unset.
    Host,
    /// The event's UTC date, `YYYY-MM-DD`.
    Date,
}

/// Parses a comma-separated list of keys (`service,host,date`).
pub fn parse_partition_keys(spec: &str) -> Result<Vec<PartitionKey>, String> {
    spec.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| match k {
            "service" => Ok(PartitionKey::Service),
            "host" => Ok(PartitionKey::Host),
            "date" => Ok(PartitionKey::Date),
            other => Err(format!(
                "unknown partition key `{other}` (service, host, date)"
            )),
        })
        .collect()
}

/// Why an export job stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum JobError {
    /// The output was refused before anything was written (one of the inputs, a ttlog
    /// log, a non-empty directory for a dataset): a usage error.
    Refused(String),
    /// Writing failed; nothing was put in place.
    Failed(String),
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::Refused(m) | JobError::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for JobError {}

fn refused_or_failed(e: OutputError) -> JobError {
    if e.is_refusal() {
        JobError::Refused(e.to_string())
    } else {
        JobError::Failed(e.to_string())
    }
}

/// What a Parquet job reports as it goes: damage met in the input (each problem once, in
/// the first pass) and progress (events read, per pass).
pub trait Progress {
    /// A file could not be read, or part of one was skipped.
    fn problem(&mut self, path: &Path, error: &ttlog_reader::Error);
    /// `events` events read so far in pass `pass` (1 or 2); called every 65,536 events.
    fn advanced(&mut self, _pass: u8, _events: u64) {}
}

/// The files, merged by time, with the query's block filter; unreadable ones reported.
fn open_merged(
    files: &[PathBuf],
    query: &Query,
    mut report: Option<&mut dyn Progress>,
) -> (Merge<Events<File>>, Vec<PathBuf>, Vec<Header>) {
    let selected = query.open(files, |path, e| {
        if let Some(r) = report.as_deref_mut() {
            r.problem(path, e);
        }
    });
    (selected.events, selected.paths, selected.headers)
}

/// Exports the events of `files` that `query` selects to Parquet at `output`: one table
/// (and a table per tracked schema beside it) when `partition_by` is empty, else a
/// Hive-partitioned dataset in the new or empty directory `output`. Returns the number of
/// event rows. Every file is written beside its destination and put in place when whole.
pub fn write_parquet(
    files: &[PathBuf],
    query: &Query,
    output: &Path,
    partition_by: &[PartitionKey],
    progress: &mut dyn Progress,
) -> Result<u64, JobError> {
    if partition_by.is_empty() {
        crate::check_output(output, files).map_err(refused_or_failed)?;
    } else {
        if output.is_file() {
            return Err(JobError::Refused(format!(
                "{}: is a file: a partitioned dataset is written into a directory",
                output.display()
            )));
        }
        // Writing into an earlier dataset would replace some of its partitions and keep
        // others: a table that mixes runs without saying so.
        if std::fs::read_dir(output).is_ok_and(|mut d| d.next().is_some()) {
            return Err(JobError::Refused(format!(
                "{}: holds files already: give a new or empty directory for the dataset \
                 (nothing was written)",
                output.display()
            )));
        }
    }
    // Pass 1: fields and types, of the events table and of each tracked schema's table.
    // Damage is reported here, once.
    let mut columns = Columns::default();
    let mut tracked: BTreeMap<String, Columns> = BTreeMap::new();
    if query.is_empty() {
        // Every event is selected: only the shapes of values are read, not the values.
        pass1_shapes(
            files,
            !partition_by.is_empty(),
            &mut columns,
            &mut tracked,
            progress,
        );
    } else {
        let (merged, names, _) = open_merged(files, query, Some(&mut *progress));
        let mut seen = 0u64;
        for (source, item) in merged {
            seen += 1;
            if seen.is_multiple_of(65_536) {
                progress.advanced(1, seen);
            }
            match item {
                Ok(e) if query.matches(&e) => {
                    columns.observe(&e);
                    if partition_by.is_empty() && e.target() == TRACK_TARGET {
                        tracked.entry(e.message()).or_default().observe(&e);
                    }
                }
                Ok(_) => {}
                Err(e) => progress.problem(&names[source], &e),
            }
        }
    }
    if partition_by.is_empty() {
        single(files, query, output, &columns, &tracked, progress)
    } else {
        dataset(files, query, output, &columns, partition_by, progress)
    }
}

/// A partition value as a path component: characters with a meaning in a path or a
/// partition spec (`/`, `=`, `%`, spaces, a leading `.`, ...) escaped as `%XX`, as Hive does;
/// an empty value is `unknown`.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.char_indices() {
        let plain = c.is_alphanumeric() || matches!(c, '-' | '_') || (c == '.' && i > 0);
        if plain {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    if out.is_empty() {
        out.push_str("unknown");
    }
    out
}

/// Pass 1 when every event is selected: each file in block order (column types do not
/// depend on order), values walked for their shapes instead of decoded. A tracked row whose
/// message needs rendering (a template with placeholders) is decoded whole.
fn pass1_shapes(
    files: &[PathBuf],
    partitioned: bool,
    columns: &mut Columns,
    tracked: &mut BTreeMap<String, Columns>,
    progress: &mut dyn Progress,
) {
    let whole = |c: &Callsite| {
        c.target.as_ref() == TRACK_TARGET
            && (c.n_args > 0
                || c.template.contains(['{', '}'])
                || c.template.len() > ttlog_reader::MAX_MESSAGE_LEN)
    };
    let mut shapes = Vec::new();
    let mut seen = 0u64;
    for path in files {
        let mut events = match Events::open(path) {
            Ok(events) => events,
            Err(e) => {
                progress.problem(path, &e);
                continue;
            }
        };
        while let Some(item) = events.next_shaped(&mut shapes, whole) {
            seen += 1;
            if seen.is_multiple_of(65_536) {
                progress.advanced(1, seen);
            }
            match item {
                Ok(Shaped::Values(callsite)) => {
                    let fields = shapes
                        .get(callsite.n_args..)
                        .unwrap_or_default()
                        .iter()
                        .copied();
                    columns.observe_shapes(&callsite, fields.clone());
                    if !partitioned && callsite.target.as_ref() == TRACK_TARGET {
                        // No placeholders, no arguments, not cut: the message is the template.
                        tracked
                            .entry(callsite.template.to_string())
                            .or_default()
                            .observe_shapes(&callsite, fields);
                    }
                }
                Ok(Shaped::Event(e)) => {
                    columns.observe(&e);
                    if !partitioned && e.target() == TRACK_TARGET {
                        tracked.entry(e.message()).or_default().observe(&e);
                    }
                }
                Err(e) => progress.problem(path, &e),
            }
        }
    }
}

/// Where a tracked schema's table goes: `STEM.track.NAME.parquet` beside the events table.
pub fn tracked_path(output: &Path, name: &str) -> PathBuf {
    let stem = output
        .file_stem()
        .map_or_else(|| "events".into(), |s| s.to_string_lossy().into_owned());
    output.with_file_name(format!("{stem}.track.{}.parquet", escape(name)))
}

fn failed(e: impl std::fmt::Display) -> JobError {
    JobError::Failed(e.to_string())
}

fn single(
    files: &[PathBuf],
    query: &Query,
    output: &Path,
    columns: &Columns,
    tracked: &BTreeMap<String, Columns>,
    progress: &mut dyn Progress,
) -> Result<u64, JobError> {
    // Every table is written beside its destination and put in place when all are whole.
    let (pending, file) = OutputFile::create(output, files).map_err(refused_or_failed)?;
    let mut w =
        ParquetWriter::new(BufWriter::with_capacity(1 << 16, file), columns).map_err(failed)?;
    let mut pendings = vec![pending];
    let mut tables = HashMap::new();
    for (name, cols) in tracked {
        let path = tracked_path(output, name);
        let (pending, file) = OutputFile::create(&path, files).map_err(refused_or_failed)?;
        pendings.push(pending);
        let table = ParquetWriter::rows(BufWriter::with_capacity(1 << 16, file), cols)
            .map_err(failed)?
            .with_batch_rows(PARTITION_BATCH_ROWS);
        tables.insert(name.clone(), table);
    }
    // Pass 2: the same events; their problems were reported by pass 1.
    let (merged, _, _) = open_merged(files, query, None);
    let mut seen = 0u64;
    for (_, item) in merged {
        seen += 1;
        if seen.is_multiple_of(65_536) {
            progress.advanced(2, seen);
        }
        if let Ok(e) = item {
            if query.matches(&e) {
                w.push(&e).map_err(failed)?;
                if e.target() == TRACK_TARGET {
                    if let Some(t) = tables.get_mut(&e.message()) {
                        t.push(&e).map_err(failed)?;
                    }
                }
            }
        }
    }
    for (_, t) in tables {
        t.finish().map_err(failed)?;
    }
    let rows = w.finish().map_err(failed)?;
    for p in pendings {
        p.commit().map_err(refused_or_failed)?;
    }
    Ok(rows)
}

fn dataset(
    files: &[PathBuf],
    query: &Query,
    dir: &Path,
    columns: &Columns,
    keys: &[PartitionKey],
    progress: &mut dyn Progress,
) -> Result<u64, JobError> {
    let (merged, _, headers) = open_merged(files, query, None);
    let mut writers: HashMap<PathBuf, ParquetWriter<BufWriter<File>>> = HashMap::new();
    let (mut seen, mut rows) = (0u64, 0u64);
    for (source, item) in merged {
        seen += 1;
        if seen % 65_536 == 0 {
            progress.advanced(2, seen);
        }
        let Ok(e) = item else { continue };
        if !query.matches(&e) {
            continue;
        }
        let mut path = dir.to_path_buf();
        for &key in keys {
            let (name, value) = match key {
                PartitionKey::Date => {
                    let mut ts = String::new();
                    format_rfc3339(e.ts, &mut ts);
                    ts.truncate(10);
                    ("date", ts)
                }
                PartitionKey::Service => (
                    "service",
                    headers[source].service.clone().unwrap_or_default(),
                ),
                PartitionKey::Host => ("host", headers[source].host.clone().unwrap_or_default()),
            };
            path.push(format!("{name}={}", escape(&value)));
        }
        let w = match writers.get_mut(&path) {
            Some(w) => w,
            None => {
                std::fs::create_dir_all(&path)
                    .map_err(|e| failed(format!("{}: {e}", path.display())))?;
                let file_path = path.join("part-0.parquet");
                let file = File::options()
                    .write(true)
                    .create_new(true)
                    .open(&file_path)
                    .map_err(|e| failed(format!("{}: {e}", file_path.display())))?;
                let w = ParquetWriter::new(BufWriter::with_capacity(1 << 16, file), columns)
                    .map_err(failed)?
                    .with_batch_rows(PARTITION_BATCH_ROWS);
                writers.entry(path.clone()).or_insert(w)
            }
        };
        w.push(&e).map_err(failed)?;
        rows += 1;
    }
    for (_, w) in writers {
        w.finish().map_err(failed)?;
    }
    Ok(rows)
}

/// Exports the events of `files` that `query` selects to one MCAP file at `output`
/// ([`McapWriter`](crate::McapWriter)), written beside it and put in place when whole, never
/// over an input or a log. Returns what was written.
pub fn write_mcap(
    files: &[PathBuf],
    query: &Query,
    output: &Path,
    progress: &mut dyn Progress,
) -> Result<crate::McapSummary, JobError> {
    let (pending, file) = OutputFile::create(output, files).map_err(refused_or_failed)?;
    let failed = |e: &dyn std::fmt::Display| JobError::Failed(format!("{}: {e}", output.display()));
    let mut writer =
        crate::McapWriter::new(BufWriter::with_capacity(1 << 20, file)).map_err(|e| failed(&e))?;
    let (merged, paths, _) = open_merged(files, query, Some(&mut *progress));
    let mut seen = 0u64;
    for (source, item) in merged {
        match item {
            Ok(e) if query.matches(&e) => writer.push(&e).map_err(|e| failed(&e))?,
            Ok(_) => {}
            Err(e) => progress.problem(&paths[source], &e),
        }
        seen += 1;
        if seen.is_multiple_of(65_536) {
            progress.advanced(1, seen);
        }
    }
    let summary = writer.finish().map_err(|e| failed(&e))?;
    pending.commit().map_err(refused_or_failed)?;
    Ok(summary)
}

/// Exports the events of `files` that `query` selects as a Chrome trace
/// ([`write_chrome_trace`](crate::write_chrome_trace)) at `output`, written beside it and put
/// in place when whole, never over an input or a log.
pub fn write_chrome_trace_file(
    files: &[PathBuf],
    query: &Query,
    output: &Path,
    progress: &mut dyn Progress,
) -> Result<(), JobError> {
    use std::io::Write;
    let (pending, file) = OutputFile::create(output, files).map_err(refused_or_failed)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    crate::write_chrome_trace(files, query, &mut out, progress)
        .and_then(|()| out.flush())
        .map_err(|e| JobError::Failed(format!("{}: {e}", output.display())))?;
    drop(out);
    pending.commit().map_err(refused_or_failed)
}
