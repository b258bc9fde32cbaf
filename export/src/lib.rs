//! # ttlog-export
//!
//! ttlog events out to the tools people analyse in, every format behind one trait
//! ([`Sink`]) and run by one job ([`export`]) that `ttlog-view convert` and Python's
//! `ttlog.export` share:
//!
//! | `--to` | module | for |
//! |---|---|---|
//! | `json` | [`formats::json`] | JSON Lines (`jq`, pandas, anything) |
//! | `csv` | [`formats::csv`] | spreadsheets, pandas |
//! | `chrome-trace` | [`formats::chrome_trace`] | ui.perfetto.dev, chrome://tracing |
//! | `parquet` | [`formats::parquet`] | DuckDB, Polars, pandas, Spark (below) |
//! | `mcap` | [`formats::mcap`] | Foxglove, PlotJuggler |
//!
//! The job selects events (a [`Query`](ttlog_reader::Query): filter, time range), runs the
//! prepass a format asks for, reports progress and damage (each problem once), and writes
//! every output beside its destination, putting it in place only when the whole export
//! succeeded, never over an input or a ttlog log. Memory is bounded by the format's buffers
//! and the reader's blocks in flight, whatever the input's size.
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! use ttlog_export::{export, format, Job, Options, Progress};
//!
//! struct Report;
//! impl Progress for Report {
//!     fn problem(&mut self, path: &Path, error: &ttlog_reader::Error) {
//!         eprintln!("{}: {error}", path.display());
//!     }
//! }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runs = vec![PathBuf::from("robot1.bin"), PathBuf::from("robot2.bin")];
//! let query = ttlog_reader::Query::default();
//! let options = Options { partition_by: Some("host".into()), ..Options::default() };
//! let sink = (format("parquet").unwrap().sink)(&options)?;
//! let job = Job { files: &runs, query: &query, output: Some(Path::new("dataset")), threads: 2 };
//! let written = export(&job, sink, &mut Report)?;
//! println!("{} rows", written.events);
//! # Ok(())
//! # }
//! ```
//!
//! Adding a format is one file in `formats/` and one line in [`FORMATS`] (the
//! [`formats`] module says what else to touch: tests, README, Python).
//!
//! ## Parquet
//!
//! Row by row, with your own output:
//!
//! ```no_run
//! use ttlog_export::{Columns, ParquetWriter};
//! use ttlog_reader::Events;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Pass 1: which fields occur, and their types.
//! let mut columns = Columns::default();
//! for event in Events::open("run.bin")? {
//!     columns.observe(&event?);
//! }
//! // Pass 2: the rows.
//! let out = std::fs::File::create("run.parquet")?;
//! let mut writer = ParquetWriter::new(out, &columns)?;
//! for event in Events::open("run.bin")? {
//!     writer.push(&event?)?;
//! }
//! let rows = writer.finish()?;
//! println!("{rows} rows");
//! # Ok(())
//! # }
//! ```
//!
//! The table (one row per event, DROPPED reports included, as the JSON export has them):
//!
//! | column | type |
//! |---|---|
//! | `ts` | timestamp (ns, UTC) |
//! | `level`, `target`, `thread`, `msg`, `file` | string |
//! | `line` | uint32 |
//! | one per field name, in order of first appearance, at most [`MAX_FIELD_COLUMNS`] | see below |
//! | `more_fields` ([`MORE_FIELDS`]), only when some field had no column | string: the row's other fields as a JSON object, null when none |
//!
//! A field's column type is the one type all its values share: int64 (integers that fit),
//! double (numbers, integers and floats mixed), boolean, or string; or, when every value is
//! an array whose items share one of those types (nulls aside; integers and floats mixed
//! are doubles; an empty array fits any), a LIST of it (`DOUBLE[]`, `BIGINT[]`,
//! `BOOLEAN[]`, `VARCHAR[]` in DuckDB, `List(Float64)` in Polars). When every value is a
//! map whose keys are text, a STRUCT with a field per key, in order of first appearance,
//! each typed by these same rules (a nested map as a MAP or JSON text) and null where a map
//! lacks the key (`STRUCT(x DOUBLE, frame VARCHAR)` in DuckDB, `Struct` in Polars, a struct
//! in Spark); a struct gets at most [`MAX_STRUCT_KEYS`] fields (and all of a table's
//! structs together [`MAX_FIELD_COLUMNS`]): with more keys, a MAP from text to the values'
//! one type (`MAP(VARCHAR, DOUBLE)`) when they share one, else JSON text; a key repeated
//! in one map keeps its first value. Any other mix, arrays of mixed or nested items, maps
//! with a key that is not text, byte strings and integers outside int64's range, become a
//! string column holding each value as the JSON export shows it: text as itself, bytes as
//! lowercase hex, everything else as its JSON text. A null, or an event without the
//! field, is a null. DROPPED reports have no source place: `file` is `""` and `line` 0. A
//! field named like a fixed column (`ts`, `level`, ...) is named
//! `fields.NAME`; when an event repeats a field name, its first value is the one kept.
//!
//! Each tracked schema (rows of target `ttlog.track`: Python `log.schema(...)` rows, and
//! `update()` rows as schema `tracked`) can also go to a table of its own,
//! [`ParquetWriter::rows`]: `ts`, then one typed column per variable.
//!
//! Strings are dictionary-encoded by the Parquet writer where that pays, pages are Snappy
//! compressed, and rows go out in row groups of [`ROW_GROUP_ROWS`]. Memory is bounded by one
//! batch of [`BATCH_ROWS`] rows, whatever the input's size: the writer streams.

pub mod formats;
mod job;
pub mod lines;
pub mod output;
mod sink;

pub use crate::formats::mcap::{McapError, McapSummary, McapWriter};
pub use crate::formats::parquet::{
    parse_partition_keys, tracked_path, Columns, ExportError, Kind, ParquetWriter, PartitionKey,
    BATCH_ROWS, MAX_STRUCT_KEYS, ROW_GROUP_ROWS,
};
pub use crate::formats::{format, Format, Options, FORMATS};
pub use crate::job::{export, Job, JobError, Progress};
pub use crate::output::{check_output, OutputError, OutputFile};
pub use crate::sink::{create_new, Lines, Out, Outputs, Prepass, Sink, Source, Written};

/// Most field columns a table gets (the first names seen). The fields of a row past them
/// go, as one JSON object, into the column [`MORE_FIELDS`]: no value is lost, and neither
/// memory nor the table's width grows with the number of distinct field names (a program
/// that puts ids in keys writes a new name per event).
pub use ttlog_reader::MAX_FIELD_COLUMNS;
/// The column holding, as a JSON object, the fields that have no column of their own.
pub use ttlog_reader::MORE_FIELDS;

/// Target of tracked rows (Python `log.schema(...)` rows, `update()` rows as `tracked`).
pub const TRACK_TARGET: &str = "ttlog.track";
