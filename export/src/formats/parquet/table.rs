//! The Parquet writer: events as the rows of one table, streaming, in batches.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{StringBuilder, TimestampNanosecondBuilder, UInt32Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use ttlog_reader::Event;

use super::builders::FieldBuilder;
use super::columns::{Columns, Layout, Positions, MORE};

/// Rows gathered before they are handed to the Parquet writer.
pub const BATCH_ROWS: usize = 65_536;
/// Rows per Parquet row group: large enough for column statistics to skip well, small
/// enough for a reader to hold one.
pub const ROW_GROUP_ROWS: usize = 1 << 20;

/// Most cells (rows × columns) one batch or row group holds: a wide table gets fewer rows
/// per batch and per row group, so its memory stays bounded too.
const MAX_BATCH_CELLS: usize = 1 << 22;
const MAX_GROUP_CELLS: usize = 1 << 24;

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

    /// A writer of a tracked schema's table (the rows of target [`TRACK_TARGET`](crate::TRACK_TARGET) whose
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
        // Cells per row: a struct's fields count one each.
        let width = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Struct(fields) => fields.len().max(1),
                _ => 1,
            })
            .sum::<usize>();
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
            fields: (0..columns.kinds.len())
                .map(|i| FieldBuilder::new(&columns.data_type(i)))
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
