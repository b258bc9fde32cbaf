//! Parquet: one table, with one table per tracked schema beside it
//! (`STEM.track.NAME.parquet`), or a Hive-partitioned dataset
//! (`OUT/host=robot7/date=2026-11-23/part-0.parquet`). A prepass finds the fields and their
//! types from the values' shapes (one schema for every partition, so engines read a
//! dataset as one table); the write pass fills the rows. The column rules are the crate
//! docs'.

mod builders;
mod columns;
mod table;

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ttlog_reader::{format_rfc3339, Callsite, Event, Shape};

pub use self::columns::{Columns, Kind, MAX_STRUCT_KEYS};
pub use self::table::{ExportError, ParquetWriter, BATCH_ROWS, ROW_GROUP_ROWS};

use crate::formats::{needs_file, Format, Options};
use crate::sink::{create_new, Outputs, Prepass, Sink, Source, Written};
use crate::{JobError, TRACK_TARGET};

/// `--to parquet`.
pub const FORMAT: Format = Format {
    name: "parquet",
    about: "One Parquet table (DuckDB, Polars, pandas, Spark): typed columns, one per field, \
            and one table per tracked schema beside it (OUT_STEM.track.NAME.parquet); with \
            --partition-by, a Hive-partitioned dataset; needs -o",
    sink: |options: &Options| {
        options.only("parquet", &["partition_by"])?;
        let keys = match options.partition_by.as_deref() {
            Some(spec) => {
                let keys = parse_partition_keys(spec).map_err(|e| {
                    JobError::Refused(format!("partition_by (--partition-by): {e}"))
                })?;
                if keys.is_empty() {
                    return Err(JobError::Refused(
                        "partition_by (--partition-by) names no key (service, host, date)".into(),
                    ));
                }
                keys
            }
            None => Vec::new(),
        };
        Ok(Box::new(Parquet {
            keys,
            columns: Columns::default(),
            tracked: BTreeMap::new(),
            out: Out::None,
            written: Written::default(),
        }))
    },
};

/// Rows each side table's or partition's writer gathers before handing them on: small,
/// since a dataset may have many partitions open at once.
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

/// Where a tracked schema's table goes: `STEM.track.NAME.parquet` beside the events table.
pub fn tracked_path(output: &Path, name: &str) -> PathBuf {
    let stem = output
        .file_stem()
        .map_or_else(|| "events".into(), |s| s.to_string_lossy().into_owned());
    output.with_file_name(format!("{stem}.track.{}.parquet", escape(name)))
}

type Writer = ParquetWriter<BufWriter<File>>;

enum Out {
    /// Not open yet.
    None,
    /// One table, and one per tracked schema by name.
    Single(Box<Writer>, HashMap<String, Writer>),
    /// A dataset in this directory: a writer per partition.
    Dataset(PathBuf, HashMap<PathBuf, Writer>),
}

struct Parquet {
    keys: Vec<PartitionKey>,
    columns: Columns,
    tracked: BTreeMap<String, Columns>,
    out: Out,
    written: Written,
}

fn failed(e: impl std::fmt::Display) -> JobError {
    JobError::Failed(e.to_string())
}

impl Parquet {
    /// The partition directory of `e` from input `source`.
    fn partition(&self, dir: &Path, source: &Source<'_>, e: &Event) -> PathBuf {
        let mut path = dir.to_path_buf();
        for &key in &self.keys {
            let (name, value) = match key {
                PartitionKey::Date => {
                    let mut ts = String::new();
                    format_rfc3339(e.ts, &mut ts);
                    ts.truncate(10);
                    ("date", ts)
                }
                PartitionKey::Service => {
                    ("service", source.header.service.clone().unwrap_or_default())
                }
                PartitionKey::Host => ("host", source.header.host.clone().unwrap_or_default()),
            };
            path.push(format!("{name}={}", escape(&value)));
        }
        path
    }
}

impl Sink for Parquet {
    fn check(&self, dest: Option<&Path>) -> Result<(), JobError> {
        needs_file("parquet", "a Parquet file is indexed at its end", dest)?;
        let Some(output) = dest.filter(|_| !self.keys.is_empty()) else {
            return Ok(());
        };
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
        Ok(())
    }

    fn prepass(&self) -> Prepass {
        // Decoded whole: a tracked row whose message needs rendering (a template with
        // placeholders: its schema is named by its message), and an event with a map among
        // its fields (a STRUCT column needs the keys).
        Prepass::Shapes(|c: &Callsite, shapes: &[Shape]| {
            let rendered = c.n_args > 0
                || c.template.contains(['{', '}'])
                || c.template.len() > ttlog_reader::MAX_MESSAGE_LEN;
            (rendered && c.target.as_ref() == TRACK_TARGET)
                || shapes
                    .get(c.n_args..)
                    .unwrap_or_default()
                    .iter()
                    .any(|s| matches!(s, Shape::Map(_)))
        })
    }

    fn observe(&mut self, _source: Source<'_>, e: &Event) {
        self.columns.observe(e);
        if self.keys.is_empty() && e.target() == TRACK_TARGET {
            self.tracked.entry(e.message()).or_default().observe(e);
        }
    }

    fn observe_shapes(&mut self, _source: Source<'_>, callsite: &Arc<Callsite>, fields: &[Shape]) {
        self.columns
            .observe_shapes(callsite, fields.iter().copied());
        if self.keys.is_empty() && callsite.target.as_ref() == TRACK_TARGET {
            // No placeholders, no arguments, not cut: the message is the template.
            self.tracked
                .entry(callsite.template.to_string())
                .or_default()
                .observe_shapes(callsite, fields.iter().copied());
        }
    }

    fn open(&mut self, outputs: &mut Outputs<'_>) -> Result<(), JobError> {
        let Some(output) = outputs.dest() else {
            return self.check(None);
        };
        if !self.keys.is_empty() {
            self.out = Out::Dataset(output.to_path_buf(), HashMap::new());
            return Ok(());
        }
        let file = outputs.create(output)?;
        let main = ParquetWriter::new(BufWriter::with_capacity(1 << 16, file), &self.columns)
            .map_err(failed)?;
        let mut tables = HashMap::new();
        for (name, cols) in std::mem::take(&mut self.tracked) {
            let file = outputs.create(&tracked_path(output, &name))?;
            let table = ParquetWriter::rows(BufWriter::with_capacity(1 << 16, file), &cols)
                .map_err(failed)?
                .with_batch_rows(PARTITION_BATCH_ROWS);
            tables.insert(name, table);
        }
        self.out = Out::Single(Box::new(main), tables);
        Ok(())
    }

    fn write(&mut self, source: Source<'_>, e: &Event) -> Result<(), JobError> {
        self.written.events += 1;
        self.written.truncated += u64::from(e.truncated);
        let partition = match &self.out {
            Out::Dataset(dir, _) => Some(self.partition(dir, &source, e)),
            _ => None,
        };
        match (&mut self.out, partition) {
            (Out::Single(main, tables), _) => {
                main.push(e).map_err(failed)?;
                if e.target() == TRACK_TARGET {
                    if let Some(t) = tables.get_mut(&e.message()) {
                        t.push(e).map_err(failed)?;
                    }
                }
            }
            (Out::Dataset(_, writers), Some(path)) => {
                let w = match writers.get_mut(&path) {
                    Some(w) => w,
                    None => {
                        let file = create_new(&path.join("part-0.parquet"))?;
                        let w = ParquetWriter::new(
                            BufWriter::with_capacity(1 << 16, file),
                            &self.columns,
                        )
                        .map_err(failed)?
                        .with_batch_rows(PARTITION_BATCH_ROWS);
                        writers.entry(path).or_insert(w)
                    }
                };
                w.push(e).map_err(failed)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<Written, JobError> {
        match std::mem::replace(&mut self.out, Out::None) {
            Out::Single(main, tables) => {
                for (_, t) in tables {
                    t.finish().map_err(failed)?;
                }
                main.finish().map_err(failed)?;
            }
            Out::Dataset(_, writers) => {
                for (_, w) in writers {
                    w.finish().map_err(failed)?;
                }
            }
            Out::None => {}
        }
        Ok(self.written)
    }
}
