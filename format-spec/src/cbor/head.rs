//! CBOR item heads (RFC 8949 section 3): the first byte's major type and additional
//! information, and the argument that follows. The reader and the writer both use these, so
//! the two cannot disagree on the shortest form.

use crate::FormatError;

/// A decoded item head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// Major type, 0 to 7.
    pub major: u8,
    /// Additional information, the low five bits of the first byte (31: indefinite length or
    /// break).
    pub info: u8,
    /// The argument: a count, a length, a tag number, an integer or a float's bits; 0 when
    /// `info` is 31.
    pub arg: u64,
    /// Bytes the head takes, 1 to 9.
    pub len: usize,
}

/// Reads the item head at the start of `buf`.
///
/// Returns [`FormatError::Incomplete`] when `buf` ends inside the head, and
/// [`FormatError::BadCbor`] for the reserved additional information values 28 to 30.
#[inline]
pub fn read_head(buf: &[u8]) -> Result<Head, FormatError> {
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
    Ok(Head {
        major,
        info,
        arg,
        len,
    })
}

/// Encodes the head of major type `major` (0 to 7) with argument `arg` in its shortest form
/// into `out`; returns the number of bytes used (1 to 9).
#[inline]
pub fn encode_head(major: u8, arg: u64, out: &mut [u8; 9]) -> usize {
    let m = major << 5;
    if arg < 24 {
        out[0] = m | arg as u8;
        1
    } else if arg <= 0xff {
        out[0] = m | 24;
        out[1] = arg as u8;
        2
    } else if arg <= 0xffff {
        out[0] = m | 25;
        out[1..3].copy_from_slice(&(arg as u16).to_be_bytes());
        3
    } else if arg <= 0xffff_ffff {
        out[0] = m | 26;
        out[1..5].copy_from_slice(&(arg as u32).to_be_bytes());
        5
    } else {
        out[0] = m | 27;
        out[1..9].copy_from_slice(&arg.to_be_bytes());
        9
    }
}

/// Appends the shortest head of major type `major` with argument `arg` to `out`.
#[inline]
pub fn write_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    // The one-byte form is by far the most common (small integers, short texts, small
    // arrays): one push, no copy of a scratch array.
    if arg < 24 {
        out.push((major << 5) | arg as u8);
        return;
    }
    // Each form appends an array of fixed length: inline stores, not a call to `memcpy`.
    let m = major << 5;
    if arg <= 0xff {
        out.extend_from_slice(&[m | 24, arg as u8]);
    } else if arg <= 0xffff {
        let [a, b] = (arg as u16).to_be_bytes();
        out.extend_from_slice(&[m | 25, a, b]);
    } else if arg <= 0xffff_ffff {
        let [a, b, c, d] = (arg as u32).to_be_bytes();
        out.extend_from_slice(&[m | 26, a, b, c, d]);
    } else {
        out.push(m | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn written_heads_read_back(major in 0u8..8, arg: u64) {
            let mut out = Vec::new();
            write_head(&mut out, major, arg);
            let head = read_head(&out).unwrap();
            prop_assert_eq!(head.len, out.len());
            prop_assert_eq!(head.major, major);
            // Major 7 with info 24..27 is a simple value or a float: its argument is still the
            // number written. (Info 31 needs an argument that no shortest form produces.)
            prop_assert_eq!(head.arg, arg);
            for cut in 0..out.len() {
                prop_assert!(read_head(&out[..cut]).unwrap_err().is_incomplete());
            }
        }
    }

    #[test]
    fn shortest_forms() {
        let cases: [(u64, &[u8]); 6] = [
            (0, &[0x00]),
            (23, &[0x17]),
            (24, &[0x18, 24]),
            (256, &[0x19, 1, 0]),
            (65_536, &[0x1a, 0, 1, 0, 0]),
            (1 << 32, &[0x1b, 0, 0, 0, 1, 0, 0, 0, 0]),
        ];
        for (arg, bytes) in cases {
            let mut out = Vec::new();
            write_head(&mut out, 0, arg);
            assert_eq!(out, bytes, "{arg}");
        }
    }
}
