//! Encoding of message arguments and field values as CBOR items, in the calling thread.

use std::fmt;

use ttlog_format::cbor::encode_head;

/// Writes the values of one event into the thread's staging scratch buffer.
///
/// Each call appends exactly one CBOR item, whatever happens: a value whose `Serialize`,
/// `Debug` or `Display` implementation fails is stored as the text of the error, so the event
/// keeps the number of values its callsite promises.
pub struct Encoder<'a> {
    buf: &'a mut Vec<u8>,
}

impl<'a> Encoder<'a> {
    /// An encoder that appends to `buf`. Events get theirs from the logger; this is for
    /// encoding a value outside one (a bridge's own buffer, a test, a fuzz target).
    pub fn new(buf: &'a mut Vec<u8>) -> Encoder<'a> {
        Encoder { buf }
    }

    /// Appends a value through its `serde::Serialize` implementation.
    #[inline]
    pub fn value<T: serde::Serialize + ?Sized>(&mut self, value: &T) {
        let start = self.buf.len();
        let mut ser = crate::cbor::Serializer::new(self.buf);
        if let Err(e) = value.serialize(&mut ser) {
            self.buf.truncate(start);
            self.text_from(format_args!("<serialize error: {e}>"));
        }
    }

    /// Appends `item`, one CBOR item already encoded (by a bridge that encodes values before
    /// it knows their order). Checked as a reader would check it: anything else (not one
    /// whole item, or one a reader refuses) is stored as the text of the problem instead,
    /// so the event stays readable.
    pub fn encoded(&mut self, item: &[u8]) {
        match ttlog_format::cbor::item_len(item) {
            Ok(n) if n == item.len() => self.buf.extend_from_slice(item),
            Ok(_) => self.text_from(format_args!("<encoded value: more than one item>")),
            Err(e) => self.text_from(format_args!("<encoded value: {e}>")),
        }
    }

    /// Appends `item`, which an [`Encoder`] wrote (so it is one valid item): the bridges'
    /// path, where checking each field again would cost more than encoding it.
    #[cfg(feature = "tracing")]
    pub(crate) fn encoded_by_us(&mut self, item: &[u8]) {
        debug_assert_eq!(ttlog_format::cbor::item_len(item), Ok(item.len()));
        self.buf.extend_from_slice(item);
    }

    /// How many bytes the buffer holds: a mark to [`truncate`](Self::truncate) back to.
    #[cfg(feature = "tracing")]
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// Forgets what was appended after `mark` (from [`len`](Self::len)).
    #[cfg(feature = "tracing")]
    pub(crate) fn truncate(&mut self, mark: usize) {
        self.buf.truncate(mark);
    }

    /// Appends the `Debug` rendering of a value, as text.
    #[inline]
    pub fn debug<T: fmt::Debug + ?Sized>(&mut self, value: &T) {
        self.text_from(format_args!("{value:?}"));
    }

    /// Appends the `Display` rendering of a value, as text.
    #[inline]
    pub fn display<T: fmt::Display + ?Sized>(&mut self, value: &T) {
        self.text_from(format_args!("{value}"));
    }

    /// Appends the text that `args` formats (what `format!` would make), as text: the
    /// cheapest way to store a message formatted by another library (`log`'s
    /// `record.args()`).
    #[inline]
    pub fn formatted(&mut self, args: fmt::Arguments<'_>) {
        self.text_from(args);
    }

    /// Formats straight into the buffer behind a provisional 5-byte text head, then shrinks
    /// the head to the shortest form. No allocation once the buffer has grown.
    fn text_from(&mut self, args: fmt::Arguments<'_>) {
        const PROVISIONAL: usize = 5;
        let head_at = self.buf.len();
        self.buf.extend_from_slice(&[0x7a, 0, 0, 0, 0]);
        let body_at = self.buf.len();
        if fmt::write(&mut VecWriter(self.buf), args).is_err() {
            self.buf.truncate(body_at);
            self.buf.extend_from_slice(b"<format error>");
        }
        let len = self.buf.len() - body_at;
        let mut head = [0u8; 9];
        let head_len = encode_head(3, len as u64, &mut head);
        if head_len <= PROVISIONAL {
            self.buf[head_at..head_at + head_len].copy_from_slice(&head[..head_len]);
            self.buf.copy_within(body_at.., head_at + head_len);
            self.buf.truncate(head_at + head_len + len);
        } else {
            // Text of 4 GiB or more: its head is longer than the one provided.
            self.buf
                .splice(head_at..body_at, head[..head_len].iter().copied());
        }
    }
}

struct VecWriter<'a>(&'a mut Vec<u8>);

impl fmt::Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ciborium::Value;

    fn one(f: impl FnOnce(&mut Encoder<'_>)) -> Value {
        let mut buf = Vec::new();
        f(&mut Encoder::new(&mut buf));
        let n = ttlog_format::cbor::item_len(&buf).unwrap();
        assert_eq!(n, buf.len(), "exactly one item");
        ciborium::from_reader(&buf[..]).unwrap()
    }

    #[test]
    fn values() {
        assert_eq!(one(|e| e.value(&-3i32)), Value::Integer((-3).into()));
        assert_eq!(one(|e| e.value("hé")), Value::Text("hé".into()));
        assert_eq!(one(|e| e.value(&1.5f64)), Value::Float(1.5));
        assert_eq!(one(|e| e.value(&None::<u8>)), Value::Null);
        assert_eq!(one(|e| e.debug(&"q")), Value::Text("\"q\"".into()));
        let long = "x".repeat(300);
        assert_eq!(one(|e| e.display(&long)), Value::Text(long.clone()));
        assert_eq!(one(|e| e.display(&"")), Value::Text(String::new()));
    }

    #[test]
    fn failing_impls_still_give_one_item() {
        struct Bad;
        impl fmt::Display for Bad {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                Err(fmt::Error)
            }
        }
        impl serde::Serialize for Bad {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("nope"))
            }
        }
        assert_eq!(
            one(|e| e.display(&Bad)),
            Value::Text("<format error>".into())
        );
        assert!(matches!(one(|e| e.value(&Bad)), Value::Text(t) if t.contains("nope")));
    }

    /// Arrays nested `depth` deep, the innermost empty.
    struct Nested(usize);
    impl serde::Serialize for Nested {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeSeq;
            let mut seq = s.serialize_seq(Some(usize::from(self.0 > 0)))?;
            if self.0 > 0 {
                seq.serialize_element(&Nested(self.0 - 1))?;
            }
            seq.end()
        }
    }

    /// Like `Nested`, but each level is a one-field enum variant around the next.
    enum Wrapped {
        Leaf,
        Level(Box<Wrapped>),
        Pair(Box<Wrapped>, u8),
    }
    impl serde::Serialize for Wrapped {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeTupleVariant;
            match self {
                Wrapped::Leaf => s.serialize_u128(u128::MAX),
                Wrapped::Level(inner) => s.serialize_newtype_variant("W", 1, "L", inner),
                Wrapped::Pair(inner, n) => {
                    let mut t = s.serialize_tuple_variant("W", 2, "P", 2)?;
                    t.serialize_field(inner)?;
                    t.serialize_field(n)?;
                    t.end()
                }
            }
        }
    }

    #[test]
    fn values_too_deep_for_readers_become_text() {
        let deepest_written = (0..100)
            .filter(|&depth| {
                let mut buf = Vec::new();
                Encoder::new(&mut buf).value(&Nested(depth));
                // Whatever the depth, the item is one a reader accepts.
                assert_eq!(ttlog_format::cbor::item_len(&buf), Ok(buf.len()), "{depth}");
                buf[0] != 0x78 && buf[0] >> 5 != 3
            })
            .max();
        assert_eq!(deepest_written, Some(ttlog_format::cbor::MAX_DEPTH - 1));
        let mut buf = Vec::new();
        Encoder::new(&mut buf).value(&Nested(100));
        let text: String = ciborium::from_reader(&buf[..]).unwrap();
        assert!(text.contains("nested deeper than 64 levels"), "{text}");

        for depth in 0..80 {
            for pair in [false, true] {
                let mut w = Wrapped::Leaf;
                for _ in 0..depth {
                    w = if pair {
                        Wrapped::Pair(Box::new(w), 7)
                    } else {
                        Wrapped::Level(Box::new(w))
                    };
                }
                let mut buf = Vec::new();
                Encoder::new(&mut buf).value(&w);
                assert_eq!(ttlog_format::cbor::item_len(&buf), Ok(buf.len()), "{depth}");
            }
        }
    }
}
