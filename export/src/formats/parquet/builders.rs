//! One field column of a Parquet table being filled, whatever its type: scalars, LIST,
//! MAP and STRUCT columns, built from the Arrow type the columns' rules gave it.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, MapBuilder,
    StringBuilder,
};
use arrow_array::{new_null_array, ArrayRef, StructArray};
use arrow_buffer::NullBufferBuilder;
use arrow_schema::{DataType, Fields};
use ttlog_reader::Value;

/// The items of a LIST column or the values of a MAP column: one typed builder, so one
/// list or map builder serves every item type.
pub(super) enum ItemBuilder {
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
pub(super) enum FieldBuilder {
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Text(StringBuilder),
    List(ListBuilder<ItemBuilder>),
    Map(MapBuilder<StringBuilder, ItemBuilder>),
    Struct(Box<StructColumn>),
}

/// A STRUCT column being filled: a column per key, and which rows are null.
pub(super) struct StructColumn {
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
    pub(super) fn new(data_type: &DataType) -> FieldBuilder {
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

    pub(super) fn push(&mut self, v: Option<&Value>, json: &mut String) {
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
    pub(super) fn len(&self) -> usize {
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
    pub(super) fn pad_to(&mut self, rows: usize) {
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

    pub(super) fn finish(&mut self) -> ArrayRef {
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
