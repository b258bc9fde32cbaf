//! The one walker over CBOR items: every rule of what ttlog accepts as a value (SPEC.md
//! section 8.3) lives here, and both measuring an item ([`item_len`](super::item_len)) and
//! the reader's value decoding go through it, so the two cannot disagree.

use super::half::f16_to_f64;
use super::head::read_head;
use super::{MAX_DEPTH, STRING_REF_TAG};
use crate::FormatError;

/// What the walker makes of each item it reads: a tree of values when decoding, a small
/// summary when only checking.
pub trait Builder {
    /// One built item.
    type Item;
    /// The items of an array being built.
    type Items: Default;
    /// The entries of a map being built.
    type Entries: Default;
    /// Starts an array: called when its head is read, before its items (the value
    /// builder charges an array here, ahead of its items, as SPEC.md 8.7 orders them).
    fn open_array(&self) -> Self::Items {
        Self::Items::default()
    }
    /// Starts a map, as [`open_array`](Self::open_array) starts an array.
    fn open_map(&self) -> Self::Entries {
        Self::Entries::default()
    }
    /// Adds an item to an array being built.
    fn push(&self, items: &mut Self::Items, item: Self::Item);
    /// Adds an entry to a map being built.
    fn push_entry(&self, entries: &mut Self::Entries, key: Self::Item, value: Self::Item);
    /// A finished array.
    fn array(&self, items: Self::Items) -> Self::Item;
    /// A finished map.
    fn map(&self, entries: Self::Entries) -> Self::Item;
    /// An integer (major types 0 and 1, and bignums that fit).
    fn int(&self, n: i128) -> Self::Item;
    /// A float of any width.
    fn float(&self, f: f64) -> Self::Item;
    /// `true` or `false`.
    fn bool(&self, b: bool) -> Self::Item;
    /// `null`, `undefined` and simple values without a meaning in ttlog.
    fn null(&self) -> Self::Item;
    /// A byte string (chunks of an indefinite one already joined).
    fn bytes(&self, b: &[u8]) -> Self::Item;
    /// A text string, checked to be UTF-8.
    fn text(&self, t: &str) -> Self::Item;
    /// A bignum (tag 2 or 3) whose `content`, a byte string already built, holds the
    /// integer `n`. The integer is the same item as its byte string, not another one.
    fn bignum(&self, content: Self::Item, n: i128) -> Self::Item {
        let _ = content;
        self.int(n)
    }
    /// The text a string reference (tag 29812) with id `id` stands for, or `None` when the
    /// block defines no such string.
    fn string_ref(&self, id: u64) -> Option<Self::Item>;
    /// The integer, when `item` is one (the id under a string reference).
    fn as_int(item: &Self::Item) -> Option<i128>;
    /// The big-endian number, when `item` is a byte string of at most 16 bytes (a bignum's
    /// magnitude).
    fn as_magnitude(item: &Self::Item) -> Option<u128>;
}

/// Reads the one item at the start of `buf` with `builder`; returns what it built and the
/// item's length.
///
/// Errors: [`FormatError::Incomplete`] when `buf` ends inside the item (`needed` counted from
/// the start of `buf`; a count larger than the bytes left is reported so, before any loop over
/// it); [`FormatError::BadCbor`] for what no more bytes could fix; [`FormatError::BadUtf8`] for
/// a text string that is not UTF-8; [`FormatError::UndefinedId`] for a string reference the
/// builder cannot resolve.
pub fn walk<B: Builder>(builder: &B, buf: &[u8]) -> Result<(B::Item, usize), FormatError> {
    let mut pos = 0;
    let item = Walker { builder, buf }.item(&mut pos, 0)?;
    Ok((item, pos))
}

struct Walker<'a, B> {
    builder: &'a B,
    buf: &'a [u8],
}

impl<B: Builder> Walker<'_, B> {
    fn head(&self, pos: usize) -> Result<super::Head, FormatError> {
        read_head(&self.buf[pos..]).map_err(|e| match e {
            FormatError::Incomplete { needed } => FormatError::Incomplete {
                needed: needed + pos,
            },
            e => e,
        })
    }

    fn take(&self, pos: &mut usize, n: u64) -> Result<&[u8], FormatError> {
        let end = usize::try_from(n)
            .ok()
            .and_then(|n| pos.checked_add(n))
            .ok_or(FormatError::BadCbor("string length overflows"))?;
        let bytes = self
            .buf
            .get(*pos..end)
            .ok_or(FormatError::Incomplete { needed: end })?;
        *pos = end;
        Ok(bytes)
    }

    /// Each item takes at least one byte: a count larger than what is left is a lie, caught
    /// before looping over it.
    fn check_count(&self, pos: usize, items: u64) -> Result<(), FormatError> {
        if items > (self.buf.len() - pos) as u64 {
            return Err(FormatError::Incomplete {
                needed: pos.saturating_add(usize::try_from(items).unwrap_or(usize::MAX)),
            });
        }
        Ok(())
    }

    /// The byte at `pos`, which must exist inside an indefinite-length item.
    fn next_byte(&self, pos: usize) -> Result<u8, FormatError> {
        self.buf
            .get(pos)
            .copied()
            .ok_or(FormatError::Incomplete { needed: pos + 1 })
    }

    fn item(&self, pos: &mut usize, depth: usize) -> Result<B::Item, FormatError> {
        if depth > MAX_DEPTH {
            return Err(FormatError::BadCbor("nested too deeply"));
        }
        let b = self.builder;
        let head = self.head(*pos)?;
        *pos += head.len;
        let (major, arg, indefinite) = (head.major, head.arg, head.info == 31);
        Ok(match major {
            0 | 1 if indefinite => return Err(FormatError::BadCbor("indefinite integer")),
            0 => b.int(i128::from(arg)),
            1 => b.int(-1 - i128::from(arg)),
            2 | 3 => {
                let joined;
                let bytes = if indefinite {
                    // Chunks of the same major type, each of definite length, until a break.
                    let mut all = Vec::new();
                    loop {
                        match self.next_byte(*pos)? {
                            0xff => {
                                *pos += 1;
                                break;
                            }
                            c if c >> 5 == major && c & 0x1f != 31 => {
                                // A chunk is an item of its own: one level down, and a text
                                // chunk is UTF-8 by itself (RFC 8949 section 3.2.3: a
                                // character cannot be split between chunks).
                                if depth + 1 > MAX_DEPTH {
                                    return Err(FormatError::BadCbor("nested too deeply"));
                                }
                                let chunk = self.head(*pos)?;
                                *pos += chunk.len;
                                let bytes = self.take(pos, chunk.arg)?;
                                if major == 3 && std::str::from_utf8(bytes).is_err() {
                                    return Err(FormatError::BadUtf8);
                                }
                                all.extend_from_slice(bytes);
                            }
                            _ => return Err(FormatError::BadCbor("bad string chunk")),
                        }
                    }
                    joined = all;
                    &joined[..]
                } else {
                    self.take(pos, arg)?
                };
                if major == 2 {
                    b.bytes(bytes)
                } else {
                    b.text(std::str::from_utf8(bytes).map_err(|_| FormatError::BadUtf8)?)
                }
            }
            4 => {
                let mut items = b.open_array();
                if indefinite {
                    while self.next_byte(*pos)? != 0xff {
                        let item = self.item(pos, depth + 1)?;
                        b.push(&mut items, item);
                    }
                    *pos += 1;
                } else {
                    self.check_count(*pos, arg)?;
                    for _ in 0..arg {
                        let item = self.item(pos, depth + 1)?;
                        b.push(&mut items, item);
                    }
                }
                b.array(items)
            }
            5 => {
                let mut entries = b.open_map();
                let mut entry = |pos: &mut usize| -> Result<(), FormatError> {
                    let key = self.item(pos, depth + 1)?;
                    let value = self.item(pos, depth + 1)?;
                    b.push_entry(&mut entries, key, value);
                    Ok(())
                };
                if indefinite {
                    while self.next_byte(*pos)? != 0xff {
                        entry(pos)?;
                    }
                    *pos += 1;
                } else {
                    self.check_count(*pos, arg.saturating_mul(2))?;
                    for _ in 0..arg {
                        entry(pos)?;
                    }
                }
                b.map(entries)
            }
            6 => {
                if indefinite {
                    return Err(FormatError::BadCbor("indefinite tag"));
                }
                let inner = self.item(pos, depth + 1)?;
                match (arg, B::as_int(&inner), B::as_magnitude(&inner)) {
                    (STRING_REF_TAG, Some(id), _) => {
                        let id = u64::try_from(id).unwrap_or(u64::MAX);
                        b.string_ref(id)
                            .ok_or(FormatError::UndefinedId { kind: "string", id })?
                    }
                    // Bignums: integers when they fit in 128 bits, else their bytes.
                    (2 | 3, _, Some(n)) => match i128::try_from(n) {
                        Ok(n) if arg == 2 => b.bignum(inner, n),
                        Ok(n) => b.bignum(inner, -1 - n),
                        Err(_) => inner,
                    },
                    _ => inner,
                }
            }
            _ => match head.info {
                20 => b.bool(false),
                21 => b.bool(true),
                22 | 23 => b.null(),
                25 => b.float(f16_to_f64(arg as u16)),
                26 => b.float(f64::from(f32::from_bits(arg as u32))),
                27 => b.float(f64::from_bits(arg)),
                31 => return Err(FormatError::BadCbor("unexpected break")),
                24 if arg < 32 => return Err(FormatError::BadCbor("invalid simple value")),
                // Other simple values have no meaning in ttlog: read as null.
                _ => b.null(),
            },
        })
    }
}

/// What checking an item keeps of it: only what an enclosing tag may need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    /// An integer.
    Int(i128),
    /// A byte string short enough to be a bignum's magnitude.
    Magnitude(u128),
    /// Anything else.
    Other,
}

/// A [`Builder`] that builds nothing on the heap: it checks an item by the same rules as
/// decoding, with string references resolved by `is_defined`.
pub struct Checker<'a> {
    /// Whether the block defines a STRING record with this id.
    pub is_defined: &'a dyn Fn(u64) -> bool,
}

fn magnitude(b: &[u8]) -> Option<u128> {
    (b.len() <= 16).then(|| b.iter().fold(0u128, |acc, &x| (acc << 8) | u128::from(x)))
}

impl Builder for Checker<'_> {
    type Item = Checked;
    type Items = ();
    type Entries = ();
    fn push(&self, _: &mut (), _: Checked) {}
    fn push_entry(&self, _: &mut (), _: Checked, _: Checked) {}
    fn array(&self, _: ()) -> Checked {
        Checked::Other
    }
    fn map(&self, _: ()) -> Checked {
        Checked::Other
    }
    fn int(&self, n: i128) -> Checked {
        Checked::Int(n)
    }
    fn float(&self, _: f64) -> Checked {
        Checked::Other
    }
    fn bool(&self, _: bool) -> Checked {
        Checked::Other
    }
    fn null(&self) -> Checked {
        Checked::Other
    }
    fn bytes(&self, b: &[u8]) -> Checked {
        magnitude(b).map_or(Checked::Other, Checked::Magnitude)
    }
    fn text(&self, _: &str) -> Checked {
        Checked::Other
    }
    fn string_ref(&self, id: u64) -> Option<Checked> {
        (self.is_defined)(id).then_some(Checked::Other)
    }
    fn as_int(item: &Checked) -> Option<i128> {
        match item {
            Checked::Int(n) => Some(*n),
            _ => None,
        }
    }
    fn as_magnitude(item: &Checked) -> Option<u128> {
        match item {
            Checked::Magnitude(n) => Some(*n),
            _ => None,
        }
    }
}

/// A big-endian byte string of at most 16 bytes, as a number: the magnitude of a bignum.
pub fn bignum_magnitude(b: &[u8]) -> Option<u128> {
    magnitude(b)
}

#[cfg(test)]
mod tests {
    use super::super::item_len;
    use crate::FormatError;

    #[test]
    fn string_chunks_are_items_of_their_own() {
        // "é" whole in one chunk, then split across two.
        assert_eq!(item_len(&[0x7f, 0x62, 0xc3, 0xa9, 0xff]), Ok(5));
        assert_eq!(
            item_len(&[0x7f, 0x61, 0xc3, 0x61, 0xa9, 0xff]),
            Err(FormatError::BadUtf8)
        );
        // A byte string may split anywhere; an indefinite chunk inside is not allowed.
        assert_eq!(item_len(&[0x5f, 0x41, 0xc3, 0x41, 0xa9, 0xff]), Ok(6));
        assert_eq!(
            item_len(&[0x7f, 0x7f, 0xff, 0xff]),
            Err(FormatError::BadCbor("bad string chunk"))
        );
    }

    #[test]
    fn depth_counts_from_the_top_item() {
        // 64 arrays around an empty one: the innermost sits at depth 64, accepted.
        let mut ok = vec![0x81; 64];
        ok.push(0x80);
        assert_eq!(item_len(&ok), Ok(65));
        let mut deep = vec![0x81; 65];
        deep.push(0x80);
        assert_eq!(
            item_len(&deep),
            Err(FormatError::BadCbor("nested too deeply"))
        );
        // A string at depth 64 is fine; its chunks would be at 65.
        let mut chunked = vec![0x81; 64];
        chunked.extend_from_slice(&[0x7f, 0x61, b'a', 0xff]);
        assert_eq!(
            item_len(&chunked),
            Err(FormatError::BadCbor("nested too deeply"))
        );
        chunked.truncate(64);
        chunked.extend_from_slice(&[0x7f, 0xff]);
        assert_eq!(item_len(&chunked), Ok(66));
    }
}
