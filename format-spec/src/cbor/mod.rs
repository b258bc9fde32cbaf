//! The CBOR grammar of ttlog values (SPEC.md section 8.3), shared by the writer and the
//! reader: item heads both ways, the half-float pair, and one walker that holds every
//! validity rule. The reader builds its value tree on the walker; the writer's serializer
//! writes through [`write_head`].

mod half;
mod head;
mod walk;

pub use half::{f16_to_f64, f32_to_f16_exact};
pub use head::{encode_head, read_head, write_head, Head};
pub use walk::{bignum_magnitude, walk, Builder, Checked, Checker};

use crate::FormatError;

/// CBOR tag number of a reference to a block's STRING record (SPEC.md section 8.3).
pub const STRING_REF_TAG: u64 = 0x7474;

/// Deepest nesting of arrays, maps and tags accepted, so hostile input cannot exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// Returns the number of bytes of the one CBOR item at the start of `buf`, checked by the
/// same rules as decoding it ([`walk`]); any string reference counts as defined.
pub fn item_len(buf: &[u8]) -> Result<usize, FormatError> {
    walk(
        &Checker {
            is_defined: &|_| true,
        },
        buf,
    )
    .map(|(_, n)| n)
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
