//! Decoded field and argument values, and their CBOR decoding.

use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

use ttlog_format::cbor::{bignum_magnitude, walk, Builder, Checker};
use ttlog_format::{FormatError, EVENT_VALUE_BUDGET, MAX_KEY_TEXT};

/// One argument or field value of an event.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null` (also CBOR `undefined`).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer, from -2^64 to 2^64-1.
    Int(i128),
    /// A floating-point number.
    Float(f64),
    /// Text.
    Text(Arc<str>),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// A list.
    Array(Vec<Value>),
    /// A map, in stored order.
    Map(Vec<(Value, Value)>),
}

impl Value {
    /// The value as a number, when it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// The value as text, when it is text.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// Writes the value as JSON. Non-finite floats become the strings `"NaN"`, `"inf"` and
    /// `"-inf"`, bytes a string of lower-case hex, map keys that are not text their JSON text
    /// (cut to [`MAX_KEY_TEXT`] bytes, SPEC.md 8.4).
    pub fn write_json(&self, out: &mut String) {
        self.write_json_cut(out);
    }

    /// [`write_json`](Self::write_json); true when a map key's text was cut.
    pub fn write_json_cut(&self, out: &mut String) -> bool {
        let mut cut = false;
        self.json(out, &mut cut);
        cut
    }

    fn json(&self, out: &mut String, cut: &mut bool) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
            Value::Float(f) => {
                if f.is_finite() {
                    // Shortest round-trip form, exponent when shorter, written as serde_json
                    // writes it (`1e+300`), so our JSON matches the most common tool's.
                    let mut buf = ryu::Buffer::new();
                    let text = buf.format_finite(*f);
                    match text.split_once('e') {
                        Some((mantissa, exp)) if !exp.starts_with('-') => {
                            out.push_str(mantissa);
                            out.push_str("e+");
                            out.push_str(exp);
                        }
                        _ => out.push_str(text),
                    }
                } else {
                    json_string(out, &float_text(*f));
                }
            }
            Value::Text(t) => json_string(out, t),
            Value::Bytes(b) => json_string(out, &hex(b)),
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.json(out, cut);
                }
                out.push(']');
            }
            Value::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    match k {
                        Value::Text(t) => json_string(out, t),
                        other => {
                            let mut key = String::new();
                            other.json(&mut key, cut);
                            if key.len() > MAX_KEY_TEXT {
                                key.truncate(floor_char_boundary(&key, MAX_KEY_TEXT));
                                *cut = true;
                            }
                            json_string(out, &key);
                        }
                    }
                    out.push(':');
                    v.json(out, cut);
                }
                out.push('}');
            }
        }
    }
}

/// The largest character boundary of `s` at or before `at`.
pub(crate) fn floor_char_boundary(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl fmt::Display for Value {
    /// The text a message template shows for the value (SPEC.md section 8.1).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.pad("null"),
            Value::Bool(b) => f.pad(if *b { "true" } else { "false" }),
            Value::Int(i) => fmt::Display::fmt(i, f),
            Value::Float(x) => {
                if f.precision().is_some() || !x.is_finite() {
                    if x.is_finite() {
                        fmt::Display::fmt(x, f)
                    } else {
                        f.pad(&float_text(*x))
                    }
                } else {
                    let mut s = String::new();
                    write_float(&mut s, *x);
                    f.pad(&s)
                }
            }
            Value::Text(t) => f.pad(t),
            Value::Bytes(b) => f.pad(&hex(b)),
            Value::Array(_) | Value::Map(_) => {
                let mut s = String::new();
                self.write_json(&mut s);
                f.pad(&s)
            }
        }
    }
}

/// Shortest text that reads back to the same float, with `.0` when integral.
pub(crate) fn write_float(out: &mut String, f: f64) {
    use fmt::Write;
    let start = out.len();
    let _ = write!(out, "{f}");
    if !out[start..].contains(['.', 'e', 'E', 'N', 'i']) {
        out.push_str(".0");
    }
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f > 0.0 {
        "inf".into()
    } else {
        "-inf".into()
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// Bytes that JSON strings must escape: control characters, `"` and `\\`.
const ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[0x7f] = true;
    t
};

/// Appends `s` as a JSON string literal.
pub fn json_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut plain = 0;
    // Most text needs no escaping: find the next byte that does, copy the run before it.
    while let Some(off) = bytes[plain..].iter().position(|&b| ESCAPE[usize::from(b)]) {
        let i = plain + off;
        out.push_str(&s[plain..i]);
        match bytes[i] {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b => {
                use fmt::Write;
                let _ = write!(out, "\\u{b:04x}");
            }
        }
        plain = i + 1;
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

/// Resolves a string reference (tag 29812) to the text of the block's STRING record.
pub(crate) type StringLookup<'a> = &'a dyn Fn(u64) -> Option<Arc<str>>;

/// A lookup for values outside any block's string table: every reference is undefined.
pub(crate) fn no_strings(_: u64) -> Option<Arc<str>> {
    None
}

/// What is left of one event's value budget (SPEC.md 8.7), shared by the values of the
/// event as they are decoded in order.
#[derive(Debug)]
pub(crate) struct Budget {
    left: Cell<u64>,
    cut: Cell<bool>,
}

impl Budget {
    /// A whole budget of [`EVENT_VALUE_BUDGET`] units.
    pub(crate) fn new() -> Budget {
        Budget {
            left: Cell::new(EVENT_VALUE_BUDGET),
            cut: Cell::new(false),
        }
    }

    /// Takes `units` when they are left and nothing was cut yet; once a value does not fit,
    /// every later value of the event is cut too, so where the cut falls depends only on
    /// the order of the values.
    pub(crate) fn take(&self, units: u64) -> bool {
        if self.cut.get() {
            return false;
        }
        match self.left.get().checked_sub(units) {
            Some(left) => {
                self.left.set(left);
                true
            }
            None => {
                self.cut.set(true);
                false
            }
        }
    }

    /// True when some value did not fit.
    pub(crate) fn was_cut(&self) -> bool {
        self.cut.get()
    }
}

/// Builds [`Value`]s on the shared CBOR walker, resolving string references against a
/// block's STRING table. An item is `None` when the budget had no room for it: a
/// container keeps the items before it, a map entry is kept when key and value are.
struct ValueBuilder<'a> {
    strings: StringLookup<'a>,
    budget: &'a Budget,
}

impl ValueBuilder<'_> {
    fn charged(&self, units: u64, make: impl FnOnce() -> Value) -> Option<Value> {
        self.budget.take(units).then(make)
    }
}

fn len_units(len: usize) -> u64 {
    1 + len as u64
}

impl Builder for ValueBuilder<'_> {
    type Item = Option<Value>;
    type Items = Option<Vec<Value>>;
    type Entries = Option<Vec<(Value, Value)>>;
    fn open_array(&self) -> Option<Vec<Value>> {
        self.budget.take(1).then(Vec::new)
    }
    fn open_map(&self) -> Option<Vec<(Value, Value)>> {
        self.budget.take(1).then(Vec::new)
    }
    fn push(&self, items: &mut Option<Vec<Value>>, item: Option<Value>) {
        if let (Some(items), Some(item)) = (items, item) {
            items.push(item);
        }
    }
    fn push_entry(
        &self,
        entries: &mut Option<Vec<(Value, Value)>>,
        key: Option<Value>,
        value: Option<Value>,
    ) {
        if let (Some(entries), Some(key), Some(value)) = (entries, key, value) {
            entries.push((key, value));
        }
    }
    fn array(&self, items: Option<Vec<Value>>) -> Option<Value> {
        items.map(Value::Array)
    }
    fn map(&self, entries: Option<Vec<(Value, Value)>>) -> Option<Value> {
        entries.map(Value::Map)
    }
    fn int(&self, n: i128) -> Option<Value> {
        self.charged(1, || Value::Int(n))
    }
    fn bignum(&self, content: Option<Value>, n: i128) -> Option<Value> {
        content.map(|_| Value::Int(n))
    }
    fn float(&self, f: f64) -> Option<Value> {
        self.charged(1, || Value::Float(f))
    }
    fn bool(&self, b: bool) -> Option<Value> {
        self.charged(1, || Value::Bool(b))
    }
    fn null(&self) -> Option<Value> {
        self.charged(1, || Value::Null)
    }
    fn bytes(&self, b: &[u8]) -> Option<Value> {
        self.charged(len_units(b.len()), || Value::Bytes(b.to_vec()))
    }
    fn text(&self, t: &str) -> Option<Value> {
        self.charged(len_units(t.len()), || Value::Text(t.into()))
    }
    fn string_ref(&self, id: u64) -> Option<Option<Value>> {
        // The reference's integer was charged as it was read; the text it stands for is
        // charged by its length, as if written in its place.
        let text = (self.strings)(id)?;
        Some(self.charged(text.len() as u64, || Value::Text(text)))
    }
    fn as_int(item: &Option<Value>) -> Option<i128> {
        match item {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }
    fn as_magnitude(item: &Option<Value>) -> Option<u128> {
        match item {
            Some(Value::Bytes(b)) => bignum_magnitude(b),
            _ => None,
        }
    }
}

/// Decodes CBOR items into [`Value`]s (or only checks them), resolving string references
/// against a block's STRING table. Both go through [`ttlog_format::cbor::walk`], so checking
/// and decoding accept exactly the same items.
pub(crate) struct ValueDecoder<'a> {
    pub strings: StringLookup<'a>,
}

/// A value the budget had no room for at all is null (SPEC.md 8.7).
fn or_null(item: Option<Value>) -> Value {
    item.unwrap_or(Value::Null)
}

impl ValueDecoder<'_> {
    /// Decodes the item at the start of `buf` within what is left of `budget`; returns it
    /// and its length.
    pub(crate) fn decode(
        &self,
        buf: &[u8],
        budget: &Budget,
    ) -> Result<(Value, usize), FormatError> {
        walk(
            &ValueBuilder {
                strings: self.strings,
                budget,
            },
            buf,
        )
        .map(|(item, n)| (or_null(item), n))
        .map_err(truncated)
    }

    /// Checks the item at the start of `buf` as [`decode`](Self::decode) would, without
    /// building it; returns its length.
    pub(crate) fn check(&self, buf: &[u8]) -> Result<usize, FormatError> {
        let is_defined = |id| (self.strings)(id).is_some();
        walk(
            &Checker {
                is_defined: &is_defined,
            },
            buf,
        )
        .map(|(_, n)| n)
        .map_err(truncated)
    }
}

/// Inside a block that passed its CRC, running out of bytes means the value is malformed.
fn truncated(e: FormatError) -> FormatError {
    match e {
        FormatError::Incomplete { .. } => {
            FormatError::BadCbor("value runs past the end of its record")
        }
        e => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(v: &ciborium::Value) -> Value {
        let mut b = Vec::new();
        ciborium::into_writer(v, &mut b).unwrap();
        let (out, n) = ValueDecoder {
            strings: &no_strings,
        }
        .decode(&b, &Budget::new())
        .unwrap();
        assert_eq!(n, b.len());
        out
    }

    #[test]
    fn decodes_like_ciborium() {
        use ciborium::Value as C;
        assert_eq!(
            dec(&C::Integer(u64::MAX.into())),
            Value::Int(u64::MAX.into())
        );
        assert_eq!(dec(&C::Integer((-5).into())), Value::Int(-5));
        assert_eq!(dec(&C::Float(1.5)), Value::Float(1.5));
        assert_eq!(dec(&C::Float(1e300)), Value::Float(1e300));
        assert_eq!(dec(&C::Float(0.1)), Value::Float(0.1));
        assert_eq!(dec(&C::Text("ü".into())), Value::Text("ü".into()));
        assert_eq!(
            dec(&C::Map(vec![(
                C::Text("a".into()),
                C::Array(vec![C::Null, C::Bool(true)])
            )])),
            Value::Map(vec![(
                Value::Text("a".into()),
                Value::Array(vec![Value::Null, Value::Bool(true)])
            )])
        );
    }

    #[test]
    fn json_escapes() {
        let mut s = String::new();
        json_string(&mut s, "a\"b\\c\n\u{1}é");
        assert_eq!(s, r#""a\"b\\c\n\u0001é""#);
        let mut s = String::new();
        Value::Float(2.0).write_json(&mut s);
        Value::Float(f64::NAN).write_json(&mut s);
        assert_eq!(s, r#"2.0"NaN""#);
    }
}
