//! The Parquet writer: events as the rows of one table, streaming, in batches.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::ArrayBuilder;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, MapBuilder, StringBuilder,
    TimestampNanosecondBuilder, UInt32Builder,
};
use arrow_array::{new_null_array, StructArray};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_buffer::NullBufferBuilder;
use arrow_schema::{DataType, Fields, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use ttlog_reader::{Event, Value};

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

/// The items of a LIST column or the values of a MAP column: one typed builder, so one
/// list or map builder serves every item type.
enum ItemBuilder {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Text(StringBuilder),
}

impl ItemBuilder {
    fn new(data_type: &DataType) -> ItemBuilder {
        match data_type {
            DataType::Int64 => ItemBuilder::Int(Int64Builder::new()),
            DataType::Float64 => ItemBuilder::Float(Float64Builder::new()),
            DataType::Boolean => ItemBuilder::Bool(BooleanBuilder::new()),
            _ => ItemBuilder::Text(StringBuilder::new()),
        }
    }

    /// Appends `v`, or a null where it is not of the column's type (a null item).
    fn push(&mut self, v: &Value) {
        match (self, v) {
            (ItemBuilder::Int(b), Value::Int(n)) => b.append_option(i64::try_from(*n).ok()),
            (ItemBuilder::Int(b), _) => b.append_null(),
            (ItemBuilder::Float(b), v) => b.append_option(v.as_f64()),
            (ItemBuilder::Bool(b), Value::Bool(x)) => b.append_value(*x),
            (ItemBuilder::Bool(b), _) => b.append_null(),
            (ItemBuilder::Text(b), Value::Text(t)) => b.append_value(t),
            (ItemBuilder::Text(b), _) => b.append_null(),
        }
    }

    fn inner(&self) -> &dyn ArrayBuilder {
        match self {
            ItemBuilder::Int(b) => b,
            ItemBuilder::Float(b) => b,
            ItemBuilder::Bool(b) => b,
            ItemBuilder::Text(b) => b,
        }
    }

    fn inner_mut(&mut self) -> &mut dyn ArrayBuilder {
        match self {
            ItemBuilder::Int(b) => b,
            ItemBuilder::Float(b) => b,
            ItemBuilder::Bool(b) => b,
            ItemBuilder::Text(b) => b,
        }
    }
}

impl ArrayBuilder for ItemBuilder {
    fn len(&self) -> usize {
        self.inner().len()
    }
    fn finish(&mut self) -> ArrayRef {
        self.inner_mut().finish()
    }
    fn finish_cloned(&self) -> ArrayRef {
        self.inner().finish_cloned()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
    fn into_box_any(self: Box<Self>) -> Box<dyn std::any::Any> {
        self
    }
}

/// Map keys kept per row before repeats are looked up in a set rather than the row.
const FEW_KEYS: usize = 16;

/// One field column being filled.
enum FieldBuilder {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Text(StringBuilder),
    List(ListBuilder<ItemBuilder>),
    Map(MapBuilder<StringBuilder, ItemBuilder>),
    Struct(Box<StructColumn>),
}

/// A STRUCT column being filled: a column per key, and which rows are null.
struct StructColumn {
    fields: Fields,
    index: HashMap<String, usize>,
    children: Vec<FieldBuilder>,
    nulls: NullBufferBuilder,
    len: usize,
}

impl StructColumn {
    /// Ends the row: keys it lacked are null.
    fn end_row(&mut self, valid: bool) {
        self.len += 1;
        for c in &mut self.children {
            c.pad_to(self.len);
        }
        self.nulls.append(valid);
    }

    fn finish(&mut self) -> ArrayRef {
        let children: Vec<ArrayRef> = self.children.iter_mut().map(|c| c.finish()).collect();
        let nulls = self.nulls.finish();
        let len = std::mem::take(&mut self.len);
        // Every child was padded to the struct's length, so this holds; were it not, the
        // rows would be null rather than the process stopped.
        match StructArray::try_new(self.fields.clone(), children, nulls) {
            Ok(array) => Arc::new(array),
            Err(_) => new_null_array(&DataType::Struct(self.fields.clone()), len),
        }
    }
}

impl FieldBuilder {
    /// A builder of columns of `data_type` (as [`Columns::data_type`] gives it).
    fn new(data_type: &DataType) -> FieldBuilder {
        match data_type {
            DataType::Int64 => FieldBuilder::Int(Int64Builder::new()),
            DataType::Float64 => FieldBuilder::Float(Float64Builder::new()),
            DataType::Boolean => FieldBuilder::Bool(BooleanBuilder::new()),
            DataType::List(item) => {
                FieldBuilder::List(ListBuilder::new(ItemBuilder::new(item.data_type())))
            }
            DataType::Map(entries, _) => {
                let values = match entries.data_type() {
                    DataType::Struct(f) if f.len() == 2 => f[1].data_type().clone(),
                    _ => DataType::Utf8,
                };
                FieldBuilder::Map(MapBuilder::new(
                    None,
                    StringBuilder::new(),
                    ItemBuilder::new(&values),
                ))
            }
            DataType::Struct(fields) => FieldBuilder::Struct(Box::new(StructColumn {
                index: fields
                    .iter()
                    .enumerate()
                    .map(|(j, f)| (f.name().clone(), j))
                    .collect(),
                children: fields
                    .iter()
                    .map(|f| FieldBuilder::new(f.data_type()))
                    .collect(),
                fields: fields.clone(),
                nulls: NullBufferBuilder::new(0),
                len: 0,
            })),
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
            (FieldBuilder::List(b), Some(Value::Array(items))) => {
                for v in items {
                    b.values().push(v);
                }
                b.append(true);
            }
            (FieldBuilder::List(b), _) => b.append(false),
            (FieldBuilder::Map(b), Some(Value::Map(entries))) => {
                // A key repeated in one map keeps its first value, as a field repeated in
                // one event does: engines expect a map's keys to be unique.
                let mut seen: Vec<&str> = Vec::new();
                let mut many = std::collections::HashSet::new();
                for (k, v) in entries {
                    let Value::Text(k) = k else { continue };
                    let repeated = if seen.len() < FEW_KEYS {
                        let r = seen.contains(&&**k);
                        seen.push(k);
                        r
                    } else {
                        !many.insert(&**k) || seen.contains(&&**k)
                    };
                    if !repeated {
                        b.keys().append_value(k);
                        b.values().push(v);
                    }
                }
                // Keys and values were appended in pairs: the only error it checks.
                let _ = b.append(true);
            }
            (FieldBuilder::Map(b), _) => {
                let _ = b.append(false);
            }
            (FieldBuilder::Struct(s), Some(Value::Map(entries))) => {
                let row = s.len;
                for (k, v) in entries {
                    let Value::Text(k) = k else { continue };
                    if let Some(&j) = s.index.get(&**k) {
                        let child = &mut s.children[j];
                        // A key repeated in one map keeps its first value.
                        if child.len() <= row {
                            child.pad_to(row);
                            child.push(Some(v), json);
                        }
                    }
                }
                s.end_row(true);
            }
            (FieldBuilder::Struct(s), _) => s.end_row(false),
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
            FieldBuilder::List(b) => b.len(),
            FieldBuilder::Map(b) => b.len(),
            FieldBuilder::Struct(s) => s.len,
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
            FieldBuilder::List(b) => b.append_nulls(n),
            FieldBuilder::Map(b) => (0..n).for_each(|_| {
                let _ = b.append(false);
            }),
            FieldBuilder::Struct(s) => (0..n).for_each(|_| s.end_row(false)),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            FieldBuilder::Int(b) => Arc::new(b.finish()),
            FieldBuilder::Float(b) => Arc::new(b.finish()),
            FieldBuilder::Bool(b) => Arc::new(b.finish()),
            FieldBuilder::Text(b) => Arc::new(b.finish()),
            FieldBuilder::List(b) => Arc::new(b.finish()),
            FieldBuilder::Map(b) => Arc::new(b.finish()),
            FieldBuilder::Struct(s) => s.finish(),
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

#[cfg(test)]
mod tests {
    use super::super::columns::Kind;
    use super::*;
    use arrow_schema::Field;
    use ttlog_reader::Elem;

    #[test]
    fn every_column_type_is_the_one_its_builder_makes() {
        let elems = [Elem::Empty, Elem::Int, Elem::Float, Elem::Bool, Elem::Text];
        let kinds = [
            Kind::Unknown,
            Kind::Int,
            Kind::Float,
            Kind::Bool,
            Kind::Text,
            Kind::Json,
        ]
        .into_iter()
        .chain(elems.iter().map(|&e| Kind::List(e)))
        .chain(elems.iter().map(|&e| Kind::Map(e)));
        let mut types: Vec<DataType> = kinds.map(Kind::data_type).collect();
        types.push(DataType::Struct(
            vec![
                Field::new("x", DataType::Float64, true),
                Field::new("frame", DataType::Utf8, true),
                Field::new("path", Kind::List(Elem::Int).data_type(), true),
            ]
            .into(),
        ));
        for data_type in types {
            let made = FieldBuilder::new(&data_type).finish();
            assert_eq!(made.data_type(), &data_type);
        }
    }
}
