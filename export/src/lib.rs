//! # ttlog-export
//!
//! ttlog events out to the tools people analyse in: **Parquet** (this page), which DuckDB,
//! Polars, pandas, Spark, Trino and ClickHouse read as a table, and **MCAP** ([`mcap`]),
//! which Foxglove and PlotJuggler open as logs and plots.
//!
//! The whole job in one call, as `ttlog-view convert --to parquet` runs it (a table and one
//! per tracked schema, or a Hive-partitioned dataset; outputs refused when they are an
//! input or a log, and put in place only when whole): [`write_parquet`].
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! use ttlog_export::{write_parquet, PartitionKey, Progress};
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
//! let rows = write_parquet(&runs, &query, Path::new("dataset"), &[PartitionKey::Host], &mut Report)?;
//! println!("{rows} rows");
//! # Ok(())
//! # }
//! ```
//!
//! Or row by row, with your own output:
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
//! `BOOLEAN[]`, `VARCHAR[]` in DuckDB, `List(Float64)` in Polars). Any other mix, arrays of
//! mixed or nested items, maps, byte strings and integers outside int64's range, become a
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

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::ArrayBuilder;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampNanosecondBuilder, UInt32Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use ttlog_reader::{Callsite, Elem, Event, Shape, Value};

pub mod chrome_trace;
mod job;
pub mod mcap;
pub mod output;
pub use crate::chrome_trace::write_chrome_trace;
pub use crate::job::{
    parse_partition_keys, tracked_path, write_chrome_trace_file, write_mcap, write_parquet,
    JobError, PartitionKey, Progress,
};
pub use crate::mcap::{McapError, McapSummary, McapWriter};
pub use crate::output::{check_output, OutputError, OutputFile};

/// Rows gathered before they are handed to the Parquet writer.
pub const BATCH_ROWS: usize = 65_536;
/// Rows per Parquet row group: large enough for column statistics to skip well, small
/// enough for a reader to hold one.
pub const ROW_GROUP_ROWS: usize = 1 << 20;

/// Most field columns a table gets (the first names seen). The fields of a row past them
/// go, as one JSON object, into the column [`MORE_FIELDS`]: no value is lost, and neither
/// memory nor the table's width grows with the number of distinct field names (a program
/// that puts ids in keys writes a new name per event).
pub use ttlog_reader::MAX_FIELD_COLUMNS;
/// The column holding, as a JSON object, the fields that have no column of their own.
pub use ttlog_reader::MORE_FIELDS;
/// Most cells (rows × columns) one batch or row group holds: a wide table gets fewer rows
/// per batch and per row group, so its memory stays bounded too.
const MAX_BATCH_CELLS: usize = 1 << 22;
const MAX_GROUP_CELLS: usize = 1 << 24;

/// The fixed columns, before the fields.
const FIXED: [&str; 7] = ["ts", "level", "target", "thread", "msg", "file", "line"];

/// Why an export failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ExportError {
    /// The Parquet writer failed (most often: writing to the output failed).
    Parquet(parquet::errors::ParquetError),
    /// Building a batch failed (a bug: the columns did not match the schema).
    Arrow(arrow_schema::ArrowError),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Parquet(e) => write!(f, "writing Parquet: {e}"),
            ExportError::Arrow(e) => write!(f, "building a batch: {e}"),
        }
    }
}

impl std::error::Error for ExportError {}

impl From<parquet::errors::ParquetError> for ExportError {
    fn from(e: parquet::errors::ParquetError) -> ExportError {
        ExportError::Parquet(e)
    }
}

impl From<arrow_schema::ArrowError> for ExportError {
    fn from(e: arrow_schema::ArrowError) -> ExportError {
        ExportError::Arrow(e)
    }
}

/// The type a field's column gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Only nulls seen so far (a string column if it stays so).
    Unknown,
    /// Every value an integer that fits in 64 bits.
    Int,
    /// Numbers: floats, or integers and floats.
    Float,
    /// Every value a boolean.
    Bool,
    /// Every value text.
    Text,
    /// Every value an array whose items share one type (nulls aside): a LIST column of it
    /// (`DOUBLE[]`, `BIGINT[]`, `BOOLEAN[]`, `VARCHAR[]` in DuckDB); an array of no typed
    /// item yet is [`Elem::Empty`].
    List(Elem),
    /// Anything else: each value's JSON text (text as itself).
    Json,
}

impl Kind {
    /// The type a value asks for, by its shape (the same whether the value was decoded or
    /// only walked: [`Shape::of`]).
    fn of(shape: Shape) -> Kind {
        match shape {
            Shape::Null => Kind::Unknown,
            Shape::Int(n) if i64::try_from(n).is_ok() => Kind::Int,
            Shape::Float => Kind::Float,
            Shape::Bool => Kind::Bool,
            Shape::Text => Kind::Text,
            Shape::Array(elem) if elem != Elem::Mixed => Kind::List(elem),
            _ => Kind::Json,
        }
    }

    fn join(self, other: Kind) -> Kind {
        match (self, other) {
            (a, b) if a == b => a,
            (Kind::Unknown, k) | (k, Kind::Unknown) => k,
            (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
            (Kind::List(a), Kind::List(b)) if a.join(b) != Elem::Mixed => Kind::List(a.join(b)),
            _ => Kind::Json,
        }
    }

    fn data_type(self) -> DataType {
        match self {
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            Kind::List(elem) => DataType::List(Arc::new(Field::new(
                "item",
                match elem {
                    Elem::Int => DataType::Int64,
                    Elem::Float => DataType::Float64,
                    Elem::Bool => DataType::Boolean,
                    // Only empty arrays seen: a list of text, like an all-null column.
                    _ => DataType::Utf8,
                },
                true,
            ))),
            Kind::Unknown | Kind::Text | Kind::Json => DataType::Utf8,
        }
    }
}

/// The field columns of a table: names in order of first appearance, and their types.
/// Fill it with [`observe`](Columns::observe) over every event to export (pass 1).
#[derive(Clone, Debug, Default)]
pub struct Columns {
    names: Vec<String>,
    kinds: Vec<Kind>,
    index: HashMap<String, usize>,
    positions: Positions,
    /// Some field had no room for a column: the table gets [`MORE_FIELDS`].
    more: bool,
}

/// The column position of a field that has none of its own (it goes to [`MORE_FIELDS`]).
const MORE: usize = usize::MAX - 1;

/// Per callsite (by address), the column of each of its field names: one lookup per event
/// instead of one per field. Each entry holds its callsite, so the address cannot be reused
/// by another while it is cached. Cleared when it grows past a bound, so memory stays
/// bounded over any number of blocks.
#[derive(Clone, Debug, Default)]
struct Positions(
    HashMap<usize, (Arc<ttlog_reader::Callsite>, Vec<usize>)>,
    /// Field positions held in all.
    usize,
);

impl Positions {
    const MAX: usize = 4096;
    const MAX_POSITIONS: usize = 1 << 20;

    fn of(&mut self, callsite: &Arc<Callsite>, mut column: impl FnMut(&str) -> usize) -> &[usize] {
        if self.0.len() >= Self::MAX || self.1 >= Self::MAX_POSITIONS {
            self.0.clear();
            self.1 = 0;
        }
        if !self.0.contains_key(&(Arc::as_ptr(callsite) as usize)) {
            self.1 += callsite.field_names.len();
        }
        let key = Arc::as_ptr(callsite) as usize;
        let (_, columns) = self.0.entry(key).or_insert_with(|| {
            let columns = callsite.field_names.iter().map(|n| column(n)).collect();
            (callsite.clone(), columns)
        });
        columns
    }
}

impl Columns {
    /// Takes note of `event`'s fields and their values' types.
    pub fn observe(&mut self, event: &Event) {
        let shapes = event.fields().map(|(_, v)| Shape::of(v));
        self.observe_shapes(&event.callsite, shapes);
    }

    /// Takes note of the fields of an event of `callsite` whose field values have `shapes`
    /// (in order; from [`Events::next_shaped`](ttlog_reader::Events::next_shaped), without
    /// decoding the values).
    pub fn observe_shapes(
        &mut self,
        callsite: &Arc<Callsite>,
        shapes: impl IntoIterator<Item = Shape>,
    ) {
        let Columns {
            names,
            kinds,
            index,
            positions,
            more,
        } = self;
        let columns = positions.of(callsite, |name| match index.get(name) {
            Some(&i) => i,
            None if names.len() >= MAX_FIELD_COLUMNS => {
                *more = true;
                MORE
            }
            None => {
                index.insert(name.to_string(), names.len());
                names.push(name.to_string());
                kinds.push(Kind::Unknown);
                names.len() - 1
            }
        });
        for (&i, shape) in columns.iter().zip(shapes) {
            if let Some(kind) = kinds.get_mut(i) {
                *kind = kind.join(Kind::of(shape));
            }
        }
    }

    /// The field names and their column types, in column order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, Kind)> {
        self.names
            .iter()
            .map(String::as_str)
            .zip(self.kinds.iter().copied())
    }

    /// The Arrow schema of the events table.
    pub fn schema(&self) -> Schema {
        self.schema_of(Layout::Events)
    }

    fn schema_of(&self, layout: Layout) -> Schema {
        let mut fields = vec![Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            false,
        )];
        if layout == Layout::Events {
            fields.extend([
                Field::new("level", DataType::Utf8, false),
                Field::new("target", DataType::Utf8, false),
                Field::new("thread", DataType::Utf8, false),
                Field::new("msg", DataType::Utf8, false),
                Field::new("file", DataType::Utf8, false),
                Field::new("line", DataType::UInt32, false),
            ]);
        }
        for (name, kind) in self.fields() {
            let column = if FIXED.contains(&name)
                || name.starts_with("fields.")
                || (self.more && name == MORE_FIELDS)
            {
                format!("fields.{name}")
            } else {
                name.to_string()
            };
            fields.push(Field::new(column, kind.data_type(), true));
        }
        if self.more {
            fields.push(Field::new(MORE_FIELDS, DataType::Utf8, true));
        }
        Schema::new(fields)
    }
}

/// Which columns a table has before its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// An events table: `ts`, `level`, `target`, `thread`, `msg`, `file`, `line`.
    Events,
    /// A tracked schema's table: `ts` only, then one column per variable.
    Rows,
}

/// Target of tracked rows (Python `log.schema(...)` rows, `update()` rows as `tracked`).
pub const TRACK_TARGET: &str = "ttlog.track";

/// One field column being filled.
enum FieldBuilder {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Text(StringBuilder),
    IntList(ListBuilder<Int64Builder>),
    FloatList(ListBuilder<Float64Builder>),
    BoolList(ListBuilder<BooleanBuilder>),
    TextList(ListBuilder<StringBuilder>),
}

impl FieldBuilder {
    fn new(kind: Kind) -> FieldBuilder {
        match kind {
            Kind::Int => FieldBuilder::Int(Int64Builder::new()),
            Kind::Float => FieldBuilder::Float(Float64Builder::new()),
            Kind::Bool => FieldBuilder::Bool(BooleanBuilder::new()),
            Kind::List(Elem::Int) => FieldBuilder::IntList(ListBuilder::new(Int64Builder::new())),
            Kind::List(Elem::Float) => {
                FieldBuilder::FloatList(ListBuilder::new(Float64Builder::new()))
            }
            Kind::List(Elem::Bool) => {
                FieldBuilder::BoolList(ListBuilder::new(BooleanBuilder::new()))
            }
            Kind::List(_) => FieldBuilder::TextList(ListBuilder::new(StringBuilder::new())),
            _ => FieldBuilder::Text(StringBuilder::new()),
        }
    }

    fn push(&mut self, v: Option<&Value>, json: &mut String) {
        match (self, v) {
            (FieldBuilder::Int(b), Some(Value::Int(n))) => {
                b.append_option(i64::try_from(*n).ok());
            }
            (FieldBuilder::Int(b), _) => b.append_null(),
            (FieldBuilder::Float(b), Some(v)) => b.append_option(v.as_f64()),
            (FieldBuilder::Float(b), None) => b.append_null(),
            (FieldBuilder::Bool(b), Some(Value::Bool(x))) => b.append_value(*x),
            (FieldBuilder::Bool(b), _) => b.append_null(),
            (FieldBuilder::IntList(b), Some(Value::Array(items))) => {
                for v in items {
                    match v {
                        Value::Int(n) => b.values().append_option(i64::try_from(*n).ok()),
                        _ => b.values().append_null(),
                    }
                }
                b.append(true);
            }
            (FieldBuilder::FloatList(b), Some(Value::Array(items))) => {
                for v in items {
                    b.values().append_option(v.as_f64());
                }
                b.append(true);
            }
            (FieldBuilder::BoolList(b), Some(Value::Array(items))) => {
                for v in items {
                    match v {
                        Value::Bool(x) => b.values().append_value(*x),
                        _ => b.values().append_null(),
                    }
                }
                b.append(true);
            }
            (FieldBuilder::TextList(b), Some(Value::Array(items))) => {
                for v in items {
                    match v {
                        Value::Text(t) => b.values().append_value(t),
                        _ => b.values().append_null(),
                    }
                }
                b.append(true);
            }
            (FieldBuilder::IntList(b), _) => b.append(false),
            (FieldBuilder::FloatList(b), _) => b.append(false),
            (FieldBuilder::BoolList(b), _) => b.append(false),
            (FieldBuilder::TextList(b), _) => b.append(false),
            (FieldBuilder::Text(b), None | Some(Value::Null)) => b.append_null(),
            (FieldBuilder::Text(b), Some(Value::Text(t))) => b.append_value(t),
            // As the JSON export shows them: lowercase hex text.
            (FieldBuilder::Text(b), Some(Value::Bytes(bytes))) => {
                json.clear();
                for x in bytes {
                    let _ = std::fmt::Write::write_fmt(json, format_args!("{x:02x}"));
                }
                b.append_value(json.as_str());
            }
            (FieldBuilder::Text(b), Some(other)) => {
                json.clear();
                other.write_json(json);
                b.append_value(json.as_str());
            }
        }
    }

    /// Rows appended so far in this batch.
    fn len(&self) -> usize {
        match self {
            FieldBuilder::Int(b) => b.len(),
            FieldBuilder::Float(b) => b.len(),
            FieldBuilder::Bool(b) => b.len(),
            FieldBuilder::Text(b) => b.len(),
            FieldBuilder::IntList(b) => b.len(),
            FieldBuilder::FloatList(b) => b.len(),
            FieldBuilder::BoolList(b) => b.len(),
            FieldBuilder::TextList(b) => b.len(),
        }
    }

    /// Appends nulls until the column has `rows` rows: the rows that had no such field,
    /// added in one step when the column next gets a value (or the batch ends).
    fn pad_to(&mut self, rows: usize) {
        let n = rows.saturating_sub(self.len());
        if n == 0 {
            return;
        }
        match self {
            FieldBuilder::Int(b) => b.append_nulls(n),
            FieldBuilder::Float(b) => b.append_nulls(n),
            FieldBuilder::Bool(b) => b.append_nulls(n),
            FieldBuilder::Text(b) => b.append_nulls(n),
            FieldBuilder::IntList(b) => (0..n).for_each(|_| b.append(false)),
            FieldBuilder::FloatList(b) => (0..n).for_each(|_| b.append(false)),
            FieldBuilder::BoolList(b) => (0..n).for_each(|_| b.append(false)),
            FieldBuilder::TextList(b) => (0..n).for_each(|_| b.append(false)),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            FieldBuilder::Int(b) => Arc::new(b.finish()),
            FieldBuilder::Float(b) => Arc::new(b.finish()),
            FieldBuilder::Bool(b) => Arc::new(b.finish()),
            FieldBuilder::Text(b) => Arc::new(b.finish()),
            FieldBuilder::IntList(b) => Arc::new(b.finish()),
            FieldBuilder::FloatList(b) => Arc::new(b.finish()),
            FieldBuilder::BoolList(b) => Arc::new(b.finish()),
            FieldBuilder::TextList(b) => Arc::new(b.finish()),
        }
    }
}

/// Writes events as the rows of one Parquet file, streaming (pass 2).
pub struct ParquetWriter<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: Arc<Schema>,
    index: HashMap<String, usize>,
    positions: Positions,
    ts: TimestampNanosecondBuilder,
    text: [StringBuilder; 5],
    line: UInt32Builder,
    /// The field columns; each holds the batch's rows up to the last that had its field
    /// (nulls for the rest are added when needed: [`FieldBuilder::pad_to`]).
    fields: Vec<FieldBuilder>,
    /// [`MORE_FIELDS`], when the table has it, and the row's object being built.
    more: Option<StringBuilder>,
    more_row: String,
    json: String,
    pending: usize,
    batch_rows: usize,
    rows: u64,
    layout: Layout,
}

impl<W: Write + Send> ParquetWriter<W> {
    /// A writer of an events table with `columns`' fields into `out`.
    pub fn new(out: W, columns: &Columns) -> Result<ParquetWriter<W>, ExportError> {
        ParquetWriter::with_layout(out, columns, Layout::Events)
    }

    /// A writer of a tracked schema's table (the rows of target [`TRACK_TARGET`] whose
    /// message is the schema's name): `ts`, then one typed column per variable, by the same
    /// type rules. Feed it that schema's rows only.
    pub fn rows(out: W, columns: &Columns) -> Result<ParquetWriter<W>, ExportError> {
        ParquetWriter::with_layout(out, columns, Layout::Rows)
    }

    fn with_layout(
        out: W,
        columns: &Columns,
        layout: Layout,
    ) -> Result<ParquetWriter<W>, ExportError> {
        let schema = Arc::new(columns.schema_of(layout));
        let width = schema.fields().len();
        let batch_rows = (MAX_BATCH_CELLS / width).clamp(1024, BATCH_ROWS);
        let props = WriterProperties::builder()
            .set_max_row_group_size((MAX_GROUP_CELLS / width).clamp(1024, ROW_GROUP_ROWS))
            // Messages are nearly all distinct: a dictionary costs a hash per row and is
            // then abandoned. Level, target, thread and file keep theirs.
            .set_column_dictionary_enabled(ColumnPath::from("msg"), false)
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("ttlog-export {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(props))?;
        Ok(ParquetWriter {
            writer,
            schema,
            index: columns.index.clone(),
            positions: Positions::default(),
            ts: TimestampNanosecondBuilder::new().with_timezone("UTC"),
            text: std::array::from_fn(|_| StringBuilder::new()),
            line: UInt32Builder::new(),
            fields: columns
                .kinds
                .iter()
                .map(|&k| FieldBuilder::new(k))
                .collect(),
            more: columns.more.then(StringBuilder::new),
            more_row: String::new(),
            json: String::new(),
            pending: 0,
            batch_rows,
            rows: 0,
            layout,
        })
    }

    /// Hands rows to the Parquet writer every `rows` rows instead of [`BATCH_ROWS`]: for
    /// many writers open at once (a partitioned dataset), so their memory adds up to less.
    pub fn with_batch_rows(mut self, rows: usize) -> ParquetWriter<W> {
        self.batch_rows = rows.clamp(1, self.batch_rows);
        self
    }

    /// Adds one event as a row. A field [`Columns`] did not see is left out.
    pub fn push(&mut self, event: &Event) -> Result<(), ExportError> {
        self.ts
            .append_value(i64::try_from(event.ts).unwrap_or(i64::MAX));
        if self.layout == Layout::Events {
            let [level, target, thread, msg, file] = &mut self.text;
            level.append_value(event.level_name());
            target.append_value(event.target());
            thread.append_value(&*event.thread);
            self.json.clear();
            event.write_message(&mut self.json);
            msg.append_value(&self.json);
            file.append_value(&*event.callsite.file);
            self.line.append_value(event.callsite.line);
        }
        let row = self.pending;
        let index = &self.index;
        let columns = self.positions.of(&event.callsite, |name| {
            index.get(name).copied().unwrap_or(MORE)
        });
        self.more_row.clear();
        for (&i, (name, value)) in columns.iter().zip(event.fields()) {
            if let Some(builder) = self.fields.get_mut(i) {
                // The first occurrence of a repeated name wins: a column that already has
                // this row keeps it.
                if builder.len() <= row {
                    builder.pad_to(row);
                    builder.push(Some(value), &mut self.json);
                }
            } else if i == MORE && self.more.is_some() {
                self.more_row
                    .push(if self.more_row.is_empty() { '{' } else { ',' });
                ttlog_reader::json_string(&mut self.more_row, name);
                self.more_row.push(':');
                value.write_json(&mut self.more_row);
            }
        }
        if let Some(more) = &mut self.more {
            if self.more_row.is_empty() {
                more.append_null();
            } else {
                self.more_row.push('}');
                more.append_value(&self.more_row);
            }
        }
        self.pending += 1;
        self.rows += 1;
        if self.pending >= self.batch_rows {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn flush_batch(&mut self) -> Result<(), ExportError> {
        if self.pending == 0 {
            return Ok(());
        }
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        arrays.push(Arc::new(self.ts.finish()));
        if self.layout == Layout::Events {
            for b in &mut self.text {
                arrays.push(Arc::new(b.finish()));
            }
            arrays.push(Arc::new(self.line.finish()));
        }
        for f in &mut self.fields {
            f.pad_to(self.pending);
            arrays.push(f.finish());
        }
        if let Some(more) = &mut self.more {
            arrays.push(Arc::new(more.finish()));
        }
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)?;
        self.writer.write(&batch)?;
        self.pending = 0;
        Ok(())
    }

    /// Writes the last rows and the file's footer; returns the number of rows.
    pub fn finish(mut self) -> Result<u64, ExportError> {
        self.flush_batch()?;
        self.writer.close()?;
        Ok(self.rows)
    }
}
