//! `convert --to parquet`: the selected events as one Parquet table (`ttlog-export`), or as a
//! Hive-partitioned dataset (`--partition-by service,host,date`), in two streaming passes
//! over the input: the first finds the fields and their types (one schema for every
//! partition, so engines read the dataset as one table), the second writes the rows. A
//! single table comes with one table per tracked schema beside it,
//! `STEM.track.NAME.parquet`: `ts` and one typed column per variable.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use ttlog_export::{Columns, ExportError, ParquetWriter, TRACK_TARGET};
use ttlog_reader::{format_rfc3339, Header, Query};

use crate::exit::{Status, USAGE};
use crate::pipeline::{open_merged, open_merged_with_headers};

/// Rows each partition's writer gathers before handing them on: small, since a dataset may
/// have many partitions open at once.
const PARTITION_BATCH_ROWS: usize = 8192;

/// What a dataset can be partitioned by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    /// The writing program's service name (file header), `unknown` when unset.
    Service,
    /// The host that wrote the file (file header), `unknown` when unset.
    Host,
    /// The event's UTC date, `YYYY-MM-DD`.
    Date,
}

fn parse_keys(spec: &str) -> Result<Vec<Key>, String> {
    spec.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| match k {
            "service" => Ok(Key::Service),
            "host" => Ok(Key::Host),
            "date" => Ok(Key::Date),
            other => Err(format!(
                "--partition-by: unknown key `{other}` (service, host, date)"
            )),
        })
        .collect()
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

/// Converts `files` to Parquet at `output`: one file, or a dataset directory when
/// `partition_by` is given. Returns the exit code.
pub fn run(
    files: &[PathBuf],
    query: &Query,
    output: Option<&Path>,
    partition_by: Option<&str>,
    status: &mut Status,
) -> u8 {
    let Some(output) = output else {
        eprintln!(
            "ttlog-view: --to parquet needs -o OUT (Parquet is not written to a terminal or pipe)"
        );
        return USAGE;
    };
    let keys = match partition_by.map(parse_keys).transpose() {
        Ok(keys) => keys,
        Err(e) => {
            eprintln!("ttlog-view: {e}");
            return USAGE;
        }
    };
    // Pass 1: fields and types, of the events table and of each tracked schema's table.
    // Damage is reported here, once.
    let mut columns = Columns::default();
    let mut tracked: BTreeMap<String, Columns> = BTreeMap::new();
    let (merged, names) = open_merged(files, query, status);
    for (source, item) in merged {
        match item {
            Ok(e) if query.matches(&e) => {
                columns.observe(&e);
                if keys.is_none() && e.target() == TRACK_TARGET {
                    tracked.entry(e.message()).or_default().observe(&e);
                }
            }
            Ok(_) => {}
            Err(e) => status.problem(&names[source], &e),
        }
    }
    let result = match keys {
        None => single(files, query, output, &columns, &tracked),
        Some(keys) => dataset(files, query, output, &columns, &keys),
    };
    if let Err(e) = result {
        status.fail(format!("{}: {e}", output.display()));
    }
    status.code()
}

fn writer(path: &Path, columns: &Columns) -> Result<ParquetWriter<BufWriter<File>>, String> {
    let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    ParquetWriter::new(BufWriter::with_capacity(1 << 16, file), columns).map_err(|e| e.to_string())
}

/// Where a tracked schema's table goes: `STEM.track.NAME.parquet` beside the events table.
fn tracked_path(output: &Path, name: &str) -> PathBuf {
    let stem = output
        .file_stem()
        .map_or_else(|| "events".into(), |s| s.to_string_lossy().into_owned());
    output.with_file_name(format!("{stem}.track.{}.parquet", escape(name)))
}

fn single(
    files: &[PathBuf],
    query: &Query,
    output: &Path,
    columns: &Columns,
    tracked: &BTreeMap<String, Columns>,
) -> Result<(), String> {
    let mut w = writer(output, columns)?;
    let mut tables = HashMap::new();
    for (name, cols) in tracked {
        let path = tracked_path(output, name);
        let file = File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let table = ParquetWriter::rows(BufWriter::with_capacity(1 << 16, file), cols)
            .map_err(|e| e.to_string())?
            .with_batch_rows(PARTITION_BATCH_ROWS);
        tables.insert(name.clone(), table);
    }
    // Pass 2: the same events; their problems were reported by pass 1.
    let mut quiet = Status::default();
    let (merged, _) = open_merged(files, query, &mut quiet);
    for (_, item) in merged {
        if let Ok(e) = item {
            if query.matches(&e) {
                w.push(&e).map_err(|e| e.to_string())?;
                if e.target() == TRACK_TARGET {
                    if let Some(t) = tables.get_mut(&e.message()) {
                        t.push(&e).map_err(|e| e.to_string())?;
                    }
                }
            }
        }
    }
    for (_, t) in tables {
        t.finish().map_err(|e| e.to_string())?;
    }
    w.finish().map(drop).map_err(|e: ExportError| e.to_string())
}

fn dataset(
    files: &[PathBuf],
    query: &Query,
    dir: &Path,
    columns: &Columns,
    keys: &[Key],
) -> Result<(), String> {
    if dir.is_file() {
        return Err("is a file: a partitioned dataset is written into a directory".into());
    }
    // Writing into an earlier dataset would replace some of its partitions and keep others:
    // a table that mixes runs without saying so. A new or empty directory only.
    if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
        return Err(
            "holds files already: give a new or empty directory for the dataset (nothing was written)"
                .into(),
        );
    }
    let mut quiet = Status::default();
    let (merged, _, headers) = open_merged_with_headers(files, query, &mut quiet);
    let header_value = |h: &Header, key: Key| match key {
        Key::Service => h.service.clone(),
        Key::Host => h.host.clone(),
        Key::Date => None,
    };
    let mut writers: HashMap<PathBuf, ParquetWriter<BufWriter<File>>> = HashMap::new();
    for (source, item) in merged {
        let Ok(e) = item else { continue };
        if !query.matches(&e) {
            continue;
        }
        let mut path = dir.to_path_buf();
        for &key in keys {
            let (name, value) = match key {
                Key::Date => {
                    let mut ts = String::new();
                    format_rfc3339(e.ts, &mut ts);
                    ts.truncate(10);
                    ("date", ts)
                }
                Key::Service => (
                    "service",
                    header_value(&headers[source], key).unwrap_or_default(),
                ),
                Key::Host => (
                    "host",
                    header_value(&headers[source], key).unwrap_or_default(),
                ),
            };
            path.push(format!("{name}={}", escape(&value)));
        }
        let w = match writers.get_mut(&path) {
            Some(w) => w,
            None => {
                std::fs::create_dir_all(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                let file = path.join("part-0.parquet");
                let w = writer(&file, columns)?.with_batch_rows(PARTITION_BATCH_ROWS);
                writers.entry(path.clone()).or_insert(w)
            }
        };
        w.push(&e).map_err(|e| e.to_string())?;
    }
    for (_, w) in writers {
        w.finish().map_err(|e| e.to_string())?;
    }
    Ok(())
}
