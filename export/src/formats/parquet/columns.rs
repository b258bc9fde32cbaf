//! The field columns of a Parquet table and their types, found by a prepass over the
//! values' shapes.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, TimeUnit};
use ttlog_reader::{Callsite, Elem, Event, Shape, Value, MAX_FIELD_COLUMNS, MORE_FIELDS};

/// Most keys a STRUCT column gets; a map column with more keys is a MAP (values of one
/// type) or JSON text. The keys of every STRUCT column of a table together are held to
/// [`MAX_FIELD_COLUMNS`] as well, so neither the width nor the memory of a table grows
/// with the number of distinct keys.
pub const MAX_STRUCT_KEYS: usize = 64;

/// The fixed columns, before the fields.
pub(super) const FIXED: [&str; 7] = ["ts", "level", "target", "thread", "msg", "file", "line"];

/// Which columns a table has before its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Layout {
    /// An events table: `ts`, `level`, `target`, `thread`, `msg`, `file`, `line`.
    Events,
    /// A tracked schema's table: `ts` only, then one column per variable.
    Rows,
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
    /// Every value a map whose keys are text and whose values share one type (nulls
    /// aside): a MAP column from text to it (`MAP(VARCHAR, DOUBLE)` in DuckDB); a map of no
    /// typed value yet is [`Elem::Empty`].
    Map(Elem),
    /// Every value a map whose keys are text, seen decoded: a STRUCT column with a field
    /// per key (at most [`MAX_STRUCT_KEYS`]), each typed by these rules, a key a map lacks
    /// being null (`STRUCT(x DOUBLE, frame VARCHAR)` in DuckDB, `Struct` in Polars); with
    /// more keys, a MAP column when the values share a type, else JSON text.
    Struct,
    /// Anything else: each value's JSON text (text as itself).
    Json,
}

impl Kind {
    /// The type a value asks for, by its shape (the same whether the value was decoded or
    /// only walked: [`Shape::of`]).
    pub(super) fn of(shape: Shape) -> Kind {
        match shape {
            Shape::Null => Kind::Unknown,
            Shape::Int(n) if i64::try_from(n).is_ok() => Kind::Int,
            Shape::Float => Kind::Float,
            Shape::Bool => Kind::Bool,
            Shape::Text => Kind::Text,
            Shape::Array(elem) if elem != Elem::Mixed => Kind::List(elem),
            Shape::Map(elem) if elem != Elem::Mixed => Kind::Map(elem),
            _ => Kind::Json,
        }
    }

    fn join(self, other: Kind) -> Kind {
        match (self, other) {
            (a, b) if a == b => a,
            (Kind::Unknown, k) | (k, Kind::Unknown) => k,
            (Kind::Int, Kind::Float) | (Kind::Float, Kind::Int) => Kind::Float,
            (Kind::List(a), Kind::List(b)) if a.join(b) != Elem::Mixed => Kind::List(a.join(b)),
            (Kind::Map(a), Kind::Map(b)) if a.join(b) != Elem::Mixed => Kind::Map(a.join(b)),
            // (Kind::Struct, Kind::Struct) is the first arm.
            _ => Kind::Json,
        }
    }

    /// The column's Arrow type: the one the table's builders make (a unit test of the
    /// table holds them equal).
    pub(super) fn data_type(self) -> DataType {
        // Only empty arrays or null values seen: text, like an all-null column.
        let item = |elem| match elem {
            Elem::Int => DataType::Int64,
            Elem::Float => DataType::Float64,
            Elem::Bool => DataType::Boolean,
            _ => DataType::Utf8,
        };
        match self {
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            Kind::List(elem) => DataType::List(Arc::new(Field::new("item", item(elem), true))),
            Kind::Map(elem) => DataType::Map(
                Arc::new(Field::new(
                    "entries",
                    DataType::Struct(
                        vec![
                            Field::new("keys", DataType::Utf8, false),
                            Field::new("values", item(elem), true),
                        ]
                        .into(),
                    ),
                    false,
                )),
                false,
            ),
            // A struct's fields are the column's: `Columns::data_type`.
            Kind::Unknown | Kind::Text | Kind::Json | Kind::Struct => DataType::Utf8,
        }
    }
}

/// The keys of a STRUCT column and their types, in order of first appearance.
#[derive(Clone, Debug, Default)]
pub(super) struct Keys {
    names: Vec<String>,
    kinds: Vec<Kind>,
    index: HashMap<String, usize>,
    /// More keys than a struct gets.
    too_many: bool,
    /// The type all values share, for a MAP column when there are too many keys.
    elem: Elem,
}

/// The field columns of a table: names in order of first appearance, and their types.
/// Fill it with [`observe`](Columns::observe) over every event to export (pass 1).
#[derive(Clone, Debug, Default)]
pub struct Columns {
    pub(super) names: Vec<String>,
    pub(super) kinds: Vec<Kind>,
    pub(super) index: HashMap<String, usize>,
    pub(super) positions: Positions,
    /// Some field had no room for a column: the table gets [`MORE_FIELDS`].
    pub(super) more: bool,
    /// The keys of each [`Kind::Struct`] column, by column.
    pub(super) structs: HashMap<usize, Keys>,
    /// Keys held in all of them.
    struct_keys: usize,
}

/// The column position of a field that has none of its own (it goes to [`MORE_FIELDS`]).
pub(super) const MORE: usize = usize::MAX - 1;

/// Per callsite (by address), the column of each of its field names: one lookup per event
/// instead of one per field. Each entry holds its callsite, so the address cannot be reused
/// by another while it is cached. Cleared when it grows past a bound, so memory stays
/// bounded over any number of blocks.
#[derive(Clone, Debug, Default)]
pub(super) struct Positions(
    HashMap<usize, (Arc<ttlog_reader::Callsite>, Vec<usize>)>,
    /// Field positions held in all.
    usize,
);

impl Positions {
    const MAX: usize = 4096;
    const MAX_POSITIONS: usize = 1 << 20;

    pub(super) fn of(
        &mut self,
        callsite: &Arc<Callsite>,
        mut column: impl FnMut(&str) -> usize,
    ) -> &[usize] {
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
    /// Takes note of `event`'s fields and their values' types (a map's keys too).
    pub fn observe(&mut self, event: &Event) {
        let is_map = |v: &Value| matches!(v, Value::Map(_));
        // A map's type is its keys', below.
        let shapes = event
            .fields()
            .map(|(_, v)| if is_map(v) { Shape::Null } else { Shape::of(v) });
        self.observe_shapes(&event.callsite, shapes);
        if event.fields().any(|(_, v)| is_map(v)) {
            let columns = self.columns_of(&event.callsite).0.to_vec();
            for (&i, (_, v)) in columns.iter().zip(event.fields()) {
                if let Value::Map(entries) = v {
                    self.observe_map(i, entries);
                }
            }
        }
    }

    /// Takes note of a map in column `i`.
    fn observe_map(&mut self, i: usize, entries: &[(Value, Value)]) {
        let Some(kind) = self.kinds.get_mut(i) else {
            return;
        };
        let text_keys = entries.iter().all(|(k, _)| matches!(k, Value::Text(_)));
        *kind = kind.join(if text_keys { Kind::Struct } else { Kind::Json });
        if *kind != Kind::Struct {
            self.structs.remove(&i);
            return;
        }
        let keys = self.structs.entry(i).or_default();
        for (k, v) in entries {
            let Value::Text(k) = k else { continue };
            let shape = Shape::of(v);
            keys.elem = keys.elem.join(Elem::of_shape(shape));
            let j = match keys.index.get(&**k) {
                Some(&j) => j,
                None if keys.names.len() >= MAX_STRUCT_KEYS
                    || self.struct_keys >= MAX_FIELD_COLUMNS =>
                {
                    keys.too_many = true;
                    continue;
                }
                None => {
                    keys.index.insert(k.to_string(), keys.names.len());
                    keys.names.push(k.to_string());
                    keys.kinds.push(Kind::Unknown);
                    self.struct_keys += 1;
                    keys.names.len() - 1
                }
            };
            keys.kinds[j] = keys.kinds[j].join(Kind::of(shape));
        }
    }

    /// The column of each field of `callsite`'s events ([`MORE`] for one that has none),
    /// and the column types.
    fn columns_of(&mut self, callsite: &Arc<Callsite>) -> (&[usize], &mut Vec<Kind>) {
        let Columns {
            names,
            kinds,
            index,
            positions,
            more,
            ..
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
        (columns, kinds)
    }

    /// The Arrow type of field column `i`.
    pub(super) fn data_type(&self, i: usize) -> DataType {
        let kind = self.kinds.get(i).copied().unwrap_or(Kind::Json);
        let keys = self.structs.get(&i);
        match (kind, keys) {
            (Kind::Struct, Some(keys)) if !keys.too_many && !keys.names.is_empty() => {
                DataType::Struct(
                    keys.names
                        .iter()
                        .zip(&keys.kinds)
                        .map(|(name, kind)| Field::new(name, kind.data_type(), true))
                        .collect(),
                )
            }
            (Kind::Struct, Some(keys)) if keys.too_many && keys.elem != Elem::Mixed => {
                Kind::Map(keys.elem).data_type()
            }
            // Only empty maps, or too many keys of mixed values: JSON text.
            (kind, _) => kind.data_type(),
        }
    }

    /// Takes note of the fields of an event of `callsite` whose field values have `shapes`
    /// (in order; from [`Events::next_shaped`](ttlog_reader::Events::next_shaped), without
    /// decoding the values).
    pub fn observe_shapes(
        &mut self,
        callsite: &Arc<Callsite>,
        shapes: impl IntoIterator<Item = Shape>,
    ) {
        let (columns, kinds) = self.columns_of(callsite);
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

    pub(super) fn schema_of(&self, layout: Layout) -> Schema {
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
        for (i, name) in self.names.iter().enumerate() {
            let name = name.as_str();
            let column = if FIXED.contains(&name)
                || name.starts_with("fields.")
                || (self.more && name == MORE_FIELDS)
            {
                format!("fields.{name}")
            } else {
                name.to_string()
            };
            fields.push(Field::new(column, self.data_type(i), true));
        }
        if self.more {
            fields.push(Field::new(MORE_FIELDS, DataType::Utf8, true));
        }
        Schema::new(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ttlog_reader::EventKind;

    fn event(fields: Vec<(&str, Value)>) -> Event {
        let callsite = Arc::new(Callsite {
            level: 2,
            target: "t".into(),
            file: "".into(),
            line: 0,
            template: "e".into(),
            n_args: 0,
            field_names: fields.iter().map(|(n, _)| Arc::from(*n)).collect(),
        });
        Event {
            ts: 1,
            kind: EventKind::Log,
            callsite,
            thread: "main".into(),
            values: fields.into_iter().map(|(_, v)| v).collect(),
            truncated: false,
        }
    }

    fn map(entries: &[(&str, Value)]) -> Value {
        Value::Map(
            entries
                .iter()
                .map(|(k, v)| (Value::Text((*k).into()), v.clone()))
                .collect(),
        )
    }

    fn type_of(events: &[Event], name: &str) -> DataType {
        let mut columns = Columns::default();
        for e in events {
            columns.observe(e);
        }
        columns.data_type(columns.index[name])
    }

    #[test]
    fn maps_with_text_keys_are_structs_of_every_key_typed_by_the_column_rules() {
        let events = [
            event(vec![(
                "pose",
                map(&[
                    ("x", Value::Float(0.5)),
                    ("frame", Value::Text("odom".into())),
                ]),
            )]),
            event(vec![("pose", Value::Null)]),
            event(vec![(
                "pose",
                map(&[("x", Value::Int(1)), ("theta", Value::Int(2))]),
            )]),
        ];
        let DataType::Struct(fields) = type_of(&events, "pose") else {
            panic!("not a struct");
        };
        let got: Vec<_> = fields
            .iter()
            .map(|f| (f.name().as_str(), f.data_type().clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("x", DataType::Float64),
                ("frame", DataType::Utf8),
                ("theta", DataType::Int64)
            ]
        );
    }

    #[test]
    fn too_many_keys_make_a_map_or_json_text_and_other_keys_json_text() {
        let many = |value: fn(usize) -> Value| {
            let entries: Vec<(String, Value)> = (0..=MAX_STRUCT_KEYS)
                .map(|i| (format!("k{i}"), value(i)))
                .collect();
            let refs: Vec<(&str, Value)> = entries
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            event(vec![("m", map(&refs))])
        };
        assert_eq!(
            type_of(&[many(|i| Value::Float(i as f64))], "m"),
            Kind::Map(Elem::Float).data_type()
        );
        let mixed = |i: usize| {
            if i.is_multiple_of(2) {
                Value::Int(1)
            } else {
                Value::Text("a".into())
            }
        };
        assert_eq!(type_of(&[many(mixed)], "m"), DataType::Utf8);
        let int_key = event(vec![(
            "m",
            Value::Map(vec![(Value::Int(1), Value::Int(2))]),
        )]);
        let text_key = event(vec![("m", map(&[("a", Value::Int(1))]))]);
        assert_eq!(type_of(&[text_key.clone(), int_key], "m"), DataType::Utf8);
        // A map beside a number: JSON text; only empty maps: JSON text too.
        let number = event(vec![("m", Value::Int(3))]);
        assert_eq!(type_of(&[text_key, number], "m"), DataType::Utf8);
        assert_eq!(
            type_of(&[event(vec![("m", map(&[]))])], "m"),
            DataType::Utf8
        );
    }

    #[test]
    fn the_keys_of_all_structs_together_are_bounded() {
        // Twenty map fields of 60 keys each: the first eight are structs (480 keys), the
        // ninth reaches the table's bound of 500 and is a MAP; the rest MAPs as well.
        let names: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
        let keys: Vec<String> = (0..60).map(|i| format!("k{i}")).collect();
        let value = map(&keys
            .iter()
            .map(|k| (k.as_str(), Value::Int(1)))
            .collect::<Vec<_>>());
        let e = event(names.iter().map(|n| (n.as_str(), value.clone())).collect());
        let mut columns = Columns::default();
        columns.observe(&e);
        let structs = (0..20)
            .filter(|&i| matches!(columns.data_type(i), DataType::Struct(_)))
            .count();
        assert_eq!(structs, 8);
        assert!(columns.struct_keys <= MAX_FIELD_COLUMNS);
        assert_eq!(columns.data_type(19), Kind::Map(Elem::Int).data_type());
    }
}
