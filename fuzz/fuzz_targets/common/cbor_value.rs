//! A builder of `ciborium::Value`s on ttlog's CBOR walker, and a comparison that treats NaN
//! as equal to itself: the two halves of the differential targets.
#![allow(dead_code)] // each target uses its own part of this module

use ciborium::Value;
use ttlog_format::cbor::{bignum_magnitude, Builder};

pub struct CiboriumBuilder;

impl Builder for CiboriumBuilder {
    type Item = Value;
    type Items = Vec<Value>;
    type Entries = Vec<(Value, Value)>;
    fn push(&self, items: &mut Vec<Value>, item: Value) {
        items.push(item);
    }
    fn push_entry(&self, entries: &mut Vec<(Value, Value)>, key: Value, value: Value) {
        entries.push((key, value));
    }
    fn array(&self, items: Vec<Value>) -> Value {
        Value::Array(items)
    }
    fn map(&self, entries: Vec<(Value, Value)>) -> Value {
        Value::Map(entries)
    }
    fn int(&self, n: i128) -> Value {
        // A bignum folded to i128 may not fit ciborium's integer; such inputs hold a tag, which
        // the comparison leaves out, so any stand-in will do.
        n.try_into()
            .map_or_else(|_| Value::Text(n.to_string()), Value::Integer)
    }
    fn float(&self, f: f64) -> Value {
        Value::Float(f)
    }
    fn bool(&self, b: bool) -> Value {
        Value::Bool(b)
    }
    fn null(&self) -> Value {
        Value::Null
    }
    fn bytes(&self, b: &[u8]) -> Value {
        Value::Bytes(b.to_vec())
    }
    fn text(&self, t: &str) -> Value {
        Value::Text(t.to_owned())
    }
    fn string_ref(&self, _: u64) -> Option<Value> {
        None
    }
    fn as_int(item: &Value) -> Option<i128> {
        match item {
            Value::Integer(n) => Some(i128::from(*n)),
            _ => None,
        }
    }
    fn as_magnitude(item: &Value) -> Option<u128> {
        match item {
            Value::Bytes(b) => bignum_magnitude(b),
            _ => None,
        }
    }
}

/// Whether `v` holds a tag or a float anywhere: tags ttlog gives its own meaning (string
/// references, bignums folded into integers), and floats whose width ciborium's `Value`
/// forgets, so the differential compares only the rest exactly.
pub fn has_tag(v: &Value) -> bool {
    match v {
        Value::Tag(..) => true,
        Value::Array(items) => items.iter().any(has_tag),
        Value::Map(entries) => entries.iter().any(|(k, v)| has_tag(k) || has_tag(v)),
        _ => false,
    }
}

/// Structural equality where NaN equals NaN and floats compare by value.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => (x.is_nan() && y.is_nan()) || x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| same(ka, kb) && same(va, vb))
        }
        _ => a == b,
    }
}

/// How many containers deep `v` goes (a scalar is 0).
pub fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| depth(k).max(depth(v)))
                .max()
                .unwrap_or(0)
        }
        Value::Tag(_, inner) => 1 + depth(inner),
        _ => 0,
    }
}
