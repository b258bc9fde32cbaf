//! An event's values by their shape only ([`Shape`]): what a tool that needs the types of
//! values and not the values (an export's column types) reads, without making each value.
//! Shapes come from the same CBOR walker as [`Value`]s, so an item's shape is always the
//! shape of the value it decodes to ([`Shape::of`]).

use std::sync::Arc;

use ttlog_format::cbor::{bignum_magnitude, walk, Builder};
use ttlog_format::FormatError;

use super::{make_callsite, make_string, record_body, BlockEvents, Entry, NONE};
use crate::value::{Budget, Value};
use crate::{Callsite, Event};

/// What a value is, without its content (an integer keeps its value: whether it fits a
/// column type depends on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Null.
    Null,
    /// An integer.
    Int(i128),
    /// A float.
    Float,
    /// A boolean.
    Bool,
    /// Text.
    Text,
    /// Bytes.
    Bytes,
    /// An array, with the one type of its items (nulls aside), if they share one.
    Array(Elem),
    /// A map, with the one type of its values (nulls aside) if they share one and every
    /// key is text; else [`Elem::Mixed`].
    Map(Elem),
}

/// The type the items of an array (or the values of a map) share, nulls aside, for a typed
/// list (or map) column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Elem {
    /// No item, or only nulls.
    #[default]
    Empty,
    /// Integers that fit in 64 bits.
    Int,
    /// Floats (or integers and floats).
    Float,
    /// Booleans.
    Bool,
    /// Text.
    Text,
    /// Items of different types, or arrays, maps, bytes, or integers past 64 bits.
    Mixed,
}

impl Elem {
    /// The type of one item.
    pub fn of_shape(shape: Shape) -> Elem {
        match shape {
            Shape::Null => Elem::Empty,
            Shape::Int(n) if i64::try_from(n).is_ok() => Elem::Int,
            Shape::Float => Elem::Float,
            Shape::Bool => Elem::Bool,
            Shape::Text => Elem::Text,
            _ => Elem::Mixed,
        }
    }

    /// The type items of both types share.
    pub fn join(self, other: Elem) -> Elem {
        match (self, other) {
            (a, b) if a == b => a,
            (Elem::Empty, e) | (e, Elem::Empty) => e,
            (Elem::Int, Elem::Float) | (Elem::Float, Elem::Int) => Elem::Float,
            _ => Elem::Mixed,
        }
    }
}

impl Shape {
    /// The shape of a decoded value.
    pub fn of(value: &Value) -> Shape {
        match value {
            Value::Null => Shape::Null,
            Value::Int(n) => Shape::Int(*n),
            Value::Float(_) => Shape::Float,
            Value::Bool(_) => Shape::Bool,
            Value::Text(_) => Shape::Text,
            Value::Bytes(_) => Shape::Bytes,
            Value::Array(items) => Shape::Array(items.iter().fold(Elem::Empty, |e, v| {
                e.join(Elem::of_shape(Shape::of_item(v)))
            })),
            Value::Map(entries) => Shape::Map(entries.iter().fold(Elem::Empty, |e, (k, v)| {
                if matches!(k, Value::Text(_)) {
                    e.join(Elem::of_shape(Shape::of_item(v)))
                } else {
                    Elem::Mixed
                }
            })),
        }
    }

    /// The shape of an array's item or a map's value, its own items not looked at.
    fn of_item(value: &Value) -> Shape {
        match value {
            Value::Array(_) => Shape::Array(Elem::Mixed),
            Value::Map(_) => Shape::Map(Elem::Mixed),
            other => Shape::of(other),
        }
    }
}

/// The shape of an item inside an array or map, whose own items are not looked at.
fn nested(shape: Shape) -> Shape {
    match shape {
        Shape::Array(_) => Shape::Array(Elem::Mixed),
        Shape::Map(_) => Shape::Map(Elem::Mixed),
        other => other,
    }
}

/// One event of a block, as [`BlockEvents::next_shaped`] gives it.
#[derive(Debug)]
pub enum Shaped {
    /// A log event: its callsite; the shapes of its values were put in the caller's buffer
    /// (arguments first, then fields, as [`Event::args`] and [`Event::fields`] have them).
    Values(Arc<Callsite>),
    /// An event given whole: a loss report, or one the caller asked for whole.
    Event(Event),
}

/// An item while walking: its shape, whether the event's value budget kept it (SPEC.md
/// 8.7: a value cut is null, so its shape is), and a byte string's number when it could
/// be a bignum's magnitude.
struct Item {
    shape: Shape,
    kept: bool,
    magnitude: Option<u128>,
}

/// Builds shapes where [`Value`]s would be built, charging the same budget: every method
/// gives the shape of what the value builder gives.
struct ShapeBuilder<'a> {
    text_len: &'a dyn Fn(u64) -> Option<usize>,
    budget: &'a Budget,
}

impl ShapeBuilder<'_> {
    fn item(&self, shape: Shape, units: u64) -> Item {
        Item {
            shape,
            kept: self.budget.take(units),
            magnitude: None,
        }
    }
}

impl Builder for ShapeBuilder<'_> {
    type Item = Item;
    /// Kept, and the items' type so far.
    type Items = (bool, Elem);
    /// Kept, and the values' type so far (mixed once a key is not text).
    type Entries = (bool, Elem);
    fn open_array(&self) -> (bool, Elem) {
        (self.budget.take(1), Elem::Empty)
    }
    fn open_map(&self) -> (bool, Elem) {
        (self.budget.take(1), Elem::Empty)
    }
    fn push(&self, items: &mut (bool, Elem), item: Item) {
        // An item the budget cut is null in the value: no type.
        if item.kept {
            items.1 = items.1.join(Elem::of_shape(nested(item.shape)));
        }
    }
    fn push_entry(&self, entries: &mut (bool, Elem), key: Item, value: Item) {
        // An entry whose key or value the budget cut is left out of the value.
        if !(key.kept && value.kept) {
            return;
        }
        entries.1 = if key.shape == Shape::Text {
            entries.1.join(Elem::of_shape(nested(value.shape)))
        } else {
            Elem::Mixed
        };
    }
    fn array(&self, (kept, elem): (bool, Elem)) -> Item {
        Item {
            shape: Shape::Array(elem),
            kept,
            magnitude: None,
        }
    }
    fn map(&self, (kept, elem): (bool, Elem)) -> Item {
        Item {
            shape: Shape::Map(elem),
            kept,
            magnitude: None,
        }
    }
    fn int(&self, n: i128) -> Item {
        self.item(Shape::Int(n), 1)
    }
    fn bignum(&self, content: Item, n: i128) -> Item {
        Item {
            shape: Shape::Int(n),
            kept: content.kept,
            magnitude: None,
        }
    }
    fn float(&self, _: f64) -> Item {
        self.item(Shape::Float, 1)
    }
    fn bool(&self, _: bool) -> Item {
        self.item(Shape::Bool, 1)
    }
    fn null(&self) -> Item {
        self.item(Shape::Null, 1)
    }
    fn bytes(&self, b: &[u8]) -> Item {
        Item {
            magnitude: bignum_magnitude(b),
            ..self.item(Shape::Bytes, 1 + b.len() as u64)
        }
    }
    fn text(&self, t: &str) -> Item {
        self.item(Shape::Text, 1 + t.len() as u64)
    }
    fn string_ref(&self, id: u64) -> Option<Item> {
        let len = (self.text_len)(id)?;
        Some(self.item(Shape::Text, len as u64))
    }
    fn as_int(item: &Item) -> Option<i128> {
        match item.shape {
            Shape::Int(n) if item.kept => Some(n),
            _ => None,
        }
    }
    fn as_magnitude(item: &Item) -> Option<u128> {
        item.magnitude.filter(|_| item.kept)
    }
}

impl BlockEvents {
    /// The next event in time order, as [`Iterator::next`] gives it, but with the shapes
    /// of its values in `shapes` (cleared first) instead of the values, for a log event
    /// that `whole`, given its callsite and those shapes, does not ask for whole. An event
    /// that cannot be decoded is skipped, as `next` skips it.
    pub fn next_shaped(
        &mut self,
        shapes: &mut Vec<Shape>,
        whole: impl Fn(&Callsite, &[Shape]) -> bool,
    ) -> Option<Shaped> {
        while self.front < self.back {
            let entry = self.index[self.front];
            self.front += 1;
            let shaped = match self.shapes_of(entry, shapes) {
                Ok(Some(callsite)) if !whole(&callsite, shapes) => Some(Shaped::Values(callsite)),
                Ok(_) => self.take(entry).map(Shaped::Event),
                Err(_) => None,
            };
            if shaped.is_some() {
                return shaped;
            }
        }
        None
    }

    /// The callsite of a log event, its values' shapes put in `shapes`; `None` for a loss
    /// report.
    fn shapes_of(
        &mut self,
        entry: Entry,
        shapes: &mut Vec<Shape>,
    ) -> Result<Option<Arc<Callsite>>, FormatError> {
        shapes.clear();
        if entry.callsite == NONE {
            return Ok(None);
        }
        let raw = &self.raw;
        let body = record_body(raw, entry.record)?;
        let callsite = self.callsites.get(raw, entry.callsite, make_callsite)?;
        let e = ttlog_format::record::EventRecord::parse(body)?;
        let count = callsite.n_args + callsite.field_names.len();
        let strings = &self.strings;
        let text_len = |id: u64| {
            let mut strings = strings.borrow_mut();
            let slot = strings.slot(id, entry.strings_seen)?;
            strings.get(raw, slot, make_string).ok().map(|t| t.len())
        };
        let budget = Budget::new();
        let builder = ShapeBuilder {
            text_len: &text_len,
            budget: &budget,
        };
        let mut rest = e.values;
        for _ in 0..count {
            let (item, used) = walk(&builder, rest)?;
            shapes.push(if item.kept { item.shape } else { Shape::Null });
            rest = &rest[used..];
        }
        Ok(Some(callsite))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value of every fixture: its shape read without decoding it is the shape of
    /// the value decoded.
    #[test]
    fn shapes_are_the_shapes_of_the_values() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/v1");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "bin") {
                continue;
            }
            let Ok(mut blocks) = crate::BlockReader::open(&path) else {
                continue;
            };
            while let Some(block) = blocks.next_block() {
                let Ok(block) = block else { continue };
                let Ok(crate::BlockContent::Events(events)) =
                    crate::decode_block(&block.frame, block.payload.clone())
                else {
                    continue;
                };
                let mut shaped = match crate::decode_block(&block.frame, block.payload) {
                    Ok(crate::BlockContent::Events(e)) => e,
                    _ => unreachable!("decoded once already"),
                };
                let mut shapes = Vec::new();
                for event in *events {
                    match shaped.next_shaped(&mut shapes, |_, _| false) {
                        Some(Shaped::Values(callsite)) => {
                            assert_eq!(callsite.template, event.callsite.template);
                            assert_eq!(callsite.field_names, event.callsite.field_names);
                            let want: Vec<Shape> = event.values.iter().map(Shape::of).collect();
                            assert_eq!(shapes, want, "{}", path.display());
                            checked += want.len();
                        }
                        Some(Shaped::Event(e)) => assert_eq!(e.ts, event.ts),
                        None => panic!("{}: fewer shaped events", path.display()),
                    }
                }
                assert!(shaped.next_shaped(&mut shapes, |_, _| false).is_none());
            }
        }
        assert!(checked > 100, "only {checked} values checked");
    }
}
