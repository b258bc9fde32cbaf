//! Encoding of message arguments and field values as CBOR items, in the calling thread.

use std::fmt::{self, Write as _};

/// Writes the values of one event into the thread's staging scratch buffer.
///
/// Each call appends exactly one CBOR item, whatever happens: a value whose `Serialize`,
/// `Debug` or `Display` implementation fails is stored as the text of the error, so the event
/// keeps the number of values its callsite promises.
pub struct Encoder<'a> {
    buf: &'a mut Vec<u8>,
}

impl<'a> Encoder<'a> {
    pub(crate) fn new(buf: &'a mut Vec<u8>) -> Encoder<'a> {
        Encoder { buf }
    }

    /// Appends a value through its `serde::Serialize` implementation.
    #[inline]
    pub fn value<T: serde::Serialize + ?Sized>(&mut self, value: &T) {
        let start = self.buf.len();
        let mut ser = crate::cbor::Serializer { out: self.buf };
        if let Err(e) = value.serialize(&mut ser) {
            self.buf.truncate(start);
            self.text_from(format_args!("<serialize error: {e}>"));
        }
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

    /// Formats straight into the buffer behind a provisional 5-byte text head, then shrinks
    /// the head to the shortest form. No allocation once the buffer has grown.
    fn text_from(&mut self, args: fmt::Arguments<'_>) {
        let head_at = self.buf.len();
        self.buf.extend_from_slice(&[0x7a, 0, 0, 0, 0]);
        let body_at = self.buf.len();
        if write!(VecWriter(self.buf), "{args}").is_err() {
            self.buf.truncate(body_at);
            self.buf.extend_from_slice(b"<format error>");
        }
        let len = self.buf.len() - body_at;
        let mut head = [0u8; 9];
        let head_len = text_head(len as u64, &mut head);
        self.buf
            .splice(head_at..body_at, head[..head_len].iter().copied());
    }
}

struct VecWriter<'a>(&'a mut Vec<u8>);

impl fmt::Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Writes the CBOR head of a text string of `len` bytes; returns its length.
fn text_head(len: u64, out: &mut [u8; 9]) -> usize {
    const TEXT: u8 = 3 << 5;
    if len < 24 {
        out[0] = TEXT | len as u8;
        1
    } else if len <= 0xff {
        out[0] = TEXT | 24;
        out[1] = len as u8;
        2
    } else if len <= 0xffff {
        out[0] = TEXT | 25;
        out[1..3].copy_from_slice(&(len as u16).to_be_bytes());
        3
    } else if len <= 0xffff_ffff {
        out[0] = TEXT | 26;
        out[1..5].copy_from_slice(&(len as u32).to_be_bytes());
        5
    } else {
        out[0] = TEXT | 27;
        out[1..9].copy_from_slice(&len.to_be_bytes());
        9
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
}
