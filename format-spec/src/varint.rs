//! LEB128 varints and zigzag signed integers (SPEC.md section 2).

use crate::FormatError;

/// The longest encoding of a `u64` varint, in bytes.
pub const MAX_VARINT_LEN: usize = 10;

/// Appends `value` as an unsigned LEB128 varint.
#[inline]
pub fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Writes `value` as a varint at the start of `out` (at least 10 bytes long); returns the
/// bytes written.
#[inline]
pub fn write_varint(out: &mut [u8], mut value: u64) -> usize {
    let mut i = 0;
    while value >= 0x80 {
        out[i] = (value as u8) | 0x80;
        value >>= 7;
        i += 1;
    }
    out[i] = value as u8;
    i + 1
}

/// Appends `value` zigzag-encoded as a varint.
#[inline]
pub fn put_svarint(out: &mut Vec<u8>, value: i64) {
    put_varint(out, zigzag(value));
}

/// How many bytes [`put_varint`] writes for `value`.
#[inline]
pub fn varint_len(value: u64) -> usize {
    // 1 byte per started group of 7 significant bits, at least 1.
    let bits = 64 - (value | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Maps a signed integer to an unsigned one so that small magnitudes stay small.
#[inline]
pub fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// Inverse of [`zigzag`].
#[inline]
pub fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// Reads a varint at the start of `buf`, returning the value and the bytes it took.
///
/// Returns [`FormatError::Incomplete`] when `buf` ends inside the varint, and
/// [`FormatError::BadVarint`] when it is longer than 10 bytes or overflows 64 bits.
#[inline]
pub fn get_varint(buf: &[u8]) -> Result<(u64, usize), FormatError> {
    let mut value: u64 = 0;
    for (i, &byte) in buf.iter().enumerate().take(MAX_VARINT_LEN) {
        let low = u64::from(byte & 0x7f);
        if i == MAX_VARINT_LEN - 1 && low > 1 {
            return Err(FormatError::BadVarint);
        }
        value |= low << (7 * i);
        if byte & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    if buf.len() >= MAX_VARINT_LEN {
        Err(FormatError::BadVarint)
    } else {
        Err(FormatError::Incomplete {
            needed: buf.len() + 1,
        })
    }
}

/// Reads a zigzag varint at the start of `buf`.
#[inline]
pub fn get_svarint(buf: &[u8]) -> Result<(i64, usize), FormatError> {
    let (v, n) = get_varint(buf)?;
    Ok((unzigzag(v), n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_encodings() {
        let mut v = Vec::new();
        put_varint(&mut v, 300);
        assert_eq!(v, [0xac, 0x02]);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(i64::MIN), u64::MAX);
    }

    #[test]
    fn overlong_and_short() {
        assert_eq!(
            get_varint(&[0x80, 0x80]),
            Err(FormatError::Incomplete { needed: 3 })
        );
        assert_eq!(get_varint(&[0xff; 11]), Err(FormatError::BadVarint));
        // 10th byte may only carry the top bit of a u64.
        let mut max = vec![0xff; 9];
        max.push(0x01);
        assert_eq!(get_varint(&max), Ok((u64::MAX, 10)));
        max[9] = 0x02;
        assert_eq!(get_varint(&max), Err(FormatError::BadVarint));
    }

    proptest! {
        #[test]
        fn round_trip(value: u64) {
            let mut v = Vec::new();
            put_varint(&mut v, value);
            prop_assert_eq!(v.len(), varint_len(value));
            prop_assert_eq!(get_varint(&v), Ok((value, v.len())));
        }

        #[test]
        fn signed_round_trip(value: i64) {
            let mut v = Vec::new();
            put_svarint(&mut v, value);
            prop_assert_eq!(get_svarint(&v), Ok((value, v.len())));
        }
    }
}
