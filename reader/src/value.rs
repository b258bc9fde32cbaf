//! Decoded field and argument values, and their CBOR decoding.

use std::fmt;
use std::sync::Arc;

use ttlog_format::cbor::{read_head, MAX_DEPTH, STRING_REF_TAG};
use ttlog_format::FormatError;

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
    /// `"-inf"`, bytes a string of lower-case hex, map keys that are not text their JSON text.
    pub fn write_json(&self, out: &mut String) {
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
                    v.write_json(out);
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
                            other.write_json(&mut key);
                            json_string(out, &key);
                        }
                    }
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }
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

/// What the CBOR walker makes of each item: a [`Value`] when decoding, a [`Checked`]
/// (nothing on the heap) when only checking. One walker, so checking and decoding accept
/// exactly the same items.
pub(crate) trait Build: Sized {
    /// The items of an array being built.
    type Items: Default;
    /// The entries of a map being built.
    type Entries: Default;
    fn push(items: &mut Self::Items, item: Self);
    fn push_entry(entries: &mut Self::Entries, key: Self, value: Self);
    fn array(items: Self::Items) -> Self;
    fn map(entries: Self::Entries) -> Self;
    fn int(n: i128) -> Self;
    fn float(f: f64) -> Self;
    fn bool(b: bool) -> Self;
    fn null() -> Self;
    fn bytes(b: &[u8]) -> Self;
    fn text(t: &str) -> Self;
    fn shared_text(t: Arc<str>) -> Self;
    /// The integer, when the item is one (a string reference's id).
    fn as_int(&self) -> Option<i128>;
    /// The big-endian number, when the item is a byte string of at most 16 bytes (a
    /// bignum's magnitude).
    fn as_magnitude(&self) -> Option<u128>;
}

fn magnitude(b: &[u8]) -> Option<u128> {
    (b.len() <= 16).then(|| b.iter().fold(0u128, |acc, &x| (acc << 8) | u128::from(x)))
}

impl Build for Value {
    type Items = Vec<Value>;
    type Entries = Vec<(Value, Value)>;
    fn push(items: &mut Vec<Value>, item: Value) {
        items.push(item);
    }
    fn push_entry(entries: &mut Vec<(Value, Value)>, key: Value, value: Value) {
        entries.push((key, value));
    }
    fn array(items: Vec<Value>) -> Value {
        Value::Array(items)
    }
    fn map(entries: Vec<(Value, Value)>) -> Value {
        Value::Map(entries)
    }
    fn int(n: i128) -> Value {
        Value::Int(n)
    }
    fn float(f: f64) -> Value {
        Value::Float(f)
    }
    fn bool(b: bool) -> Value {
        Value::Bool(b)
    }
    fn null() -> Value {
        Value::Null
    }
    fn bytes(b: &[u8]) -> Value {
        Value::Bytes(b.to_vec())
    }
    fn text(t: &str) -> Value {
        Value::Text(t.into())
    }
    fn shared_text(t: Arc<str>) -> Value {
        Value::Text(t)
    }
    fn as_int(&self) -> Option<i128> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }
    fn as_magnitude(&self) -> Option<u128> {
        match self {
            Value::Bytes(b) => magnitude(b),
            _ => None,
        }
    }
}

/// What checking an item keeps of it: only what an enclosing tag may need.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Checked {
    Int(i128),
    Magnitude(u128),
    Other,
}

impl Build for Checked {
    type Items = ();
    type Entries = ();
    fn push(_: &mut (), _: Checked) {}
    fn push_entry(_: &mut (), _: Checked, _: Checked) {}
    fn array(_: ()) -> Checked {
        Checked::Other
    }
    fn map(_: ()) -> Checked {
        Checked::Other
    }
    fn int(n: i128) -> Checked {
        Checked::Int(n)
    }
    fn float(_: f64) -> Checked {
        Checked::Other
    }
    fn bool(_: bool) -> Checked {
        Checked::Other
    }
    fn null() -> Checked {
        Checked::Other
    }
    fn bytes(b: &[u8]) -> Checked {
        magnitude(b).map_or(Checked::Other, Checked::Magnitude)
    }
    fn text(_: &str) -> Checked {
        Checked::Other
    }
    fn shared_text(_: Arc<str>) -> Checked {
        Checked::Other
    }
    fn as_int(&self) -> Option<i128> {
        match self {
            Checked::Int(n) => Some(*n),
            _ => None,
        }
    }
    fn as_magnitude(&self) -> Option<u128> {
        match self {
            Checked::Magnitude(n) => Some(*n),
            _ => None,
        }
    }
}

/// Decodes CBOR items into [`Value`]s (or only checks them), resolving string references
/// against a block's STRING table.
pub(crate) struct ValueDecoder<'a> {
    pub strings: StringLookup<'a>,
}

impl ValueDecoder<'_> {
    /// Decodes the item at the start of `buf`; returns it and its length.
    pub(crate) fn decode(&self, buf: &[u8]) -> Result<(Value, usize), FormatError> {
        self.walk(buf)
    }

    /// Checks the item at the start of `buf` as [`decode`](Self::decode) would, without
    /// building it; returns its length.
    pub(crate) fn check(&self, buf: &[u8]) -> Result<usize, FormatError> {
        self.walk::<Checked>(buf).map(|(_, n)| n)
    }

    fn walk<B: Build>(&self, buf: &[u8]) -> Result<(B, usize), FormatError> {
        let mut pos = 0;
        let v = self.item(buf, &mut pos, 0)?;
        Ok((v, pos))
    }

    fn item<B: Build>(&self, buf: &[u8], pos: &mut usize, depth: usize) -> Result<B, FormatError> {
        if depth > MAX_DEPTH {
            return Err(FormatError::BadCbor("nested too deeply"));
        }
        let (major, info, arg, head) = read_head(&buf[*pos..]).map_err(truncated)?;
        *pos += head;
        let indefinite = info == 31;
        Ok(match major {
            0 => {
                if indefinite {
                    return Err(FormatError::BadCbor("indefinite integer"));
                }
                B::int(i128::from(arg))
            }
            1 => {
                if indefinite {
                    return Err(FormatError::BadCbor("indefinite integer"));
                }
                B::int(-1 - i128::from(arg))
            }
            2 | 3 => {
                let chunks;
                let bytes = if indefinite {
                    let mut all = Vec::new();
                    loop {
                        match buf.get(*pos) {
                            None => return Err(truncated(FormatError::BadCbor(""))),
                            Some(0xff) => {
                                *pos += 1;
                                break;
                            }
                            Some(&b) if b >> 5 == major && b & 0x1f != 31 => {
                                let (_, _, n, h) = read_head(&buf[*pos..]).map_err(truncated)?;
                                *pos += h;
                                all.extend_from_slice(take(buf, pos, n)?);
                            }
                            Some(_) => return Err(FormatError::BadCbor("bad string chunk")),
                        }
                    }
                    chunks = all;
                    &chunks[..]
                } else {
                    take(buf, pos, arg)?
                };
                if major == 2 {
                    B::bytes(bytes)
                } else {
                    B::text(std::str::from_utf8(bytes).map_err(|_| FormatError::BadUtf8)?)
                }
            }
            4 => {
                let mut items = B::Items::default();
                if indefinite {
                    while buf.get(*pos) != Some(&0xff) {
                        if *pos >= buf.len() {
                            return Err(truncated(FormatError::BadCbor("")));
                        }
                        B::push(&mut items, self.item(buf, pos, depth + 1)?);
                    }
                    *pos += 1;
                } else {
                    check_count(buf, *pos, arg)?;
                    for _ in 0..arg {
                        B::push(&mut items, self.item(buf, pos, depth + 1)?);
                    }
                }
                B::array(items)
            }
            5 => {
                let mut entries = B::Entries::default();
                if indefinite {
                    while buf.get(*pos) != Some(&0xff) {
                        if *pos >= buf.len() {
                            return Err(truncated(FormatError::BadCbor("")));
                        }
                        let k = self.item(buf, pos, depth + 1)?;
                        B::push_entry(&mut entries, k, self.item(buf, pos, depth + 1)?);
                    }
                    *pos += 1;
                } else {
                    check_count(buf, *pos, arg.saturating_mul(2))?;
                    for _ in 0..arg {
                        let k = self.item(buf, pos, depth + 1)?;
                        B::push_entry(&mut entries, k, self.item(buf, pos, depth + 1)?);
                    }
                }
                B::map(entries)
            }
            6 => {
                if indefinite {
                    return Err(FormatError::BadCbor("indefinite tag"));
                }
                let inner: B = self.item(buf, pos, depth + 1)?;
                match (arg, inner.as_int(), inner.as_magnitude()) {
                    (STRING_REF_TAG, Some(id), _) => {
                        let text = u64::try_from(id)
                            .ok()
                            .and_then(|i| (self.strings)(i))
                            .ok_or(FormatError::UndefinedId {
                                kind: "string",
                                id: u64::try_from(id).unwrap_or(u64::MAX),
                            })?;
                        B::shared_text(text)
                    }
                    // Bignums: integers when they fit in 128 bits, else their bytes.
                    (2 | 3, _, Some(n)) => match i128::try_from(n) {
                        Ok(n) if arg == 2 => B::int(n),
                        Ok(n) => B::int(-1 - n),
                        Err(_) => inner,
                    },
                    _ => inner,
                }
            }
            _ => match info {
                20 => B::bool(false),
                21 => B::bool(true),
                22 | 23 => B::null(),
                25 => B::float(f16_to_f64(arg as u16)),
                26 => B::float(f64::from(f32::from_bits(arg as u32))),
                27 => B::float(f64::from_bits(arg)),
                31 => return Err(FormatError::BadCbor("unexpected break")),
                24 if arg < 32 => return Err(FormatError::BadCbor("invalid simple value")),
                // Other simple values have no meaning in ttlog: read as null.
                _ => B::null(),
            },
        })
    }
}

/// Inside a block that passed its CRC, running out of bytes means the value is malformed.
fn truncated(e: FormatError) -> FormatError {
    match e {
        FormatError::Incomplete { .. } | FormatError::BadCbor("") => {
            FormatError::BadCbor("value runs past the end of its record")
        }
        e => e,
    }
}

fn take<'b>(buf: &'b [u8], pos: &mut usize, n: u64) -> Result<&'b [u8], FormatError> {
    let end = usize::try_from(n)
        .ok()
        .and_then(|n| pos.checked_add(n))
        .filter(|&e| e <= buf.len())
        .ok_or(FormatError::BadCbor(
            "value runs past the end of its record",
        ))?;
    let s = &buf[*pos..end];
    *pos = end;
    Ok(s)
}

fn check_count(buf: &[u8], pos: usize, items: u64) -> Result<(), FormatError> {
    if items > (buf.len() - pos) as u64 {
        return Err(FormatError::BadCbor("count exceeds the bytes left"));
    }
    Ok(())
}

fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let mant = f64::from(h & 0x3ff);
    sign * match exp {
        0 => mant * 2f64.powi(-24),
        31 if mant == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + mant / 1024.0) * 2f64.powi(e - 15),
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
        .decode(&b)
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
