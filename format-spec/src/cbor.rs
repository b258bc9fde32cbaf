//! The little CBOR knowledge the format layer needs: the extent of one item, and the tag
//! ttlog gives a meaning to. Decoding values into a data model is the reader's job.

use crate::FormatError;

/// CBOR tag number of a reference to a block's STRING record (SPEC.md section 8.3).
pub const STRING_REF_TAG: u64 = 0x7474;

/// Deepest nesting of arrays, maps and tags accepted, so hostile input cannot exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// Reads an item head: returns (major type, additional info, argument, head length).
/// For additional info 31 (indefinite length or break) the argument is 0.
#[inline]
pub fn read_head(buf: &[u8]) -> Result<(u8, u8, u64, usize), FormatError> {
    let first = *buf.first().ok_or(FormatError::Incomplete { needed: 1 })?;
    let major = first >> 5;
    let info = first & 0x1f;
    let (arg, len) = match info {
        0..=23 => (u64::from(info), 1),
        24..=27 => {
            let n = 1usize << (info - 24);
            let bytes = buf
                .get(1..1 + n)
                .ok_or(FormatError::Incomplete { needed: 1 + n })?;
            let mut v = 0u64;
            for &b in bytes {
                v = (v << 8) | u64::from(b);
            }
            (v, 1 + n)
        }
        31 => (0, 1),
        _ => return Err(FormatError::BadCbor("reserved additional information")),
    };
    Ok((major, info, arg, len))
}

/// Returns the number of bytes of the one CBOR item at the start of `buf`.
pub fn item_len(buf: &[u8]) -> Result<usize, FormatError> {
    skip(buf, 0, 0)
}

fn skip(buf: &[u8], at: usize, depth: usize) -> Result<usize, FormatError> {
    if depth > MAX_DEPTH {
        return Err(FormatError::BadCbor("nested too deeply"));
    }
    let rest = buf.get(at..).unwrap_or(&[]);
    let (major, info, arg, head) = read_head(rest).map_err(|e| shift(e, at))?;
    let mut pos = at + head;
    let indefinite = info == 31;
    match major {
        0 | 1 => {
            if indefinite {
                return Err(FormatError::BadCbor("indefinite integer"));
            }
        }
        2 | 3 => {
            if indefinite {
                // Chunks of the same major type, until a break byte.
                loop {
                    match buf.get(pos) {
                        None => return Err(FormatError::Incomplete { needed: pos + 1 }),
                        Some(0xff) => return Ok(pos + 1 - at),
                        Some(&b) if b >> 5 == major && b & 0x1f != 31 => {
                            pos += skip(buf, pos, depth + 1)?;
                        }
                        Some(_) => return Err(FormatError::BadCbor("bad string chunk")),
                    }
                }
            }
            let end = usize::try_from(arg)
                .ok()
                .and_then(|n| pos.checked_add(n))
                .ok_or(FormatError::BadCbor("string length overflows"))?;
            if end > buf.len() {
                return Err(FormatError::Incomplete { needed: end });
            }
            pos = end;
        }
        4 | 5 => {
            let per = if major == 5 { 2 } else { 1 };
            if indefinite {
                loop {
                    match buf.get(pos) {
                        None => return Err(FormatError::Incomplete { needed: pos + 1 }),
                        Some(0xff) => return Ok(pos + 1 - at),
                        Some(_) => {
                            for _ in 0..per {
                                pos += skip(buf, pos, depth + 1)?;
                            }
                        }
                    }
                }
            }
            // Each item takes at least one byte: a count larger than what is left is a lie,
            // caught here before looping over it.
            let items = arg.saturating_mul(per);
            if items > (buf.len() - pos) as u64 {
                return Err(FormatError::Incomplete {
                    needed: pos.saturating_add(usize::try_from(items).unwrap_or(usize::MAX)),
                });
            }
            for _ in 0..items {
                pos += skip(buf, pos, depth + 1)?;
            }
        }
        6 => {
            if indefinite {
                return Err(FormatError::BadCbor("indefinite tag"));
            }
            pos += skip(buf, pos, depth + 1)?;
        }
        _ => {
            // Major 7: simple values and floats; the head is the whole item. A lone break is
            // not an item.
            if indefinite {
                return Err(FormatError::BadCbor("unexpected break"));
            }
            if info == 24 && arg < 32 {
                return Err(FormatError::BadCbor("invalid simple value"));
            }
        }
    }
    Ok(pos - at)
}

fn shift(e: FormatError, at: usize) -> FormatError {
    match e {
        FormatError::Incomplete { needed } => FormatError::Incomplete {
            needed: needed + at,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &ciborium::Value) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(v, &mut out).unwrap();
        out
    }

    #[test]
    fn lengths_match_ciborium() {
        use ciborium::Value as V;
        let values = [
            V::Integer(0.into()),
            V::Integer((-1_000_000i64).into()),
            V::Float(1.5),
            V::Text("héllo".into()),
            V::Bytes(vec![1, 2, 3]),
            V::Array(vec![V::Bool(true), V::Null, V::Text("x".into())]),
            V::Map(vec![(V::Text("k".into()), V::Array(vec![]))]),
            V::Tag(STRING_REF_TAG, Box::new(V::Integer(3.into()))),
        ];
        for v in &values {
            let bytes = enc(v);
            assert_eq!(item_len(&bytes), Ok(bytes.len()), "{v:?}");
            for cut in 0..bytes.len() {
                assert!(item_len(&bytes[..cut]).unwrap_err().is_incomplete());
            }
        }
    }

    #[test]
    fn indefinite_and_hostile() {
        // Indefinite array [1, "a"] then break.
        assert_eq!(item_len(&[0x9f, 0x01, 0x61, b'a', 0xff]), Ok(5));
        // An array claiming 2^32 items in 5 bytes.
        assert!(item_len(&[0x9a, 0xff, 0xff, 0xff, 0xff]).is_err());
        // Deep nesting.
        let deep = vec![0x81; 1000];
        assert_eq!(
            item_len(&deep),
            Err(FormatError::BadCbor("nested too deeply"))
        );
        assert_eq!(
            item_len(&[0xff]),
            Err(FormatError::BadCbor("unexpected break"))
        );
        assert_eq!(
            item_len(&[0x1c]),
            Err(FormatError::BadCbor("reserved additional information"))
        );
    }
}
