//! Differential: ttlog's CBOR walker against ciborium on the same bytes. Where ciborium reads
//! a tag-free item, ttlog must read the same value with the same length; where ttlog reads
//! one, ciborium must agree. Two known differences, where ttlog follows RFC 8949 and
//! ciborium reads what is not well-formed: a two-byte simple value below 32 (`f8 00`..`f8 1f`,
//! section 3.3) and an indefinite-length string nested inside another as a chunk (`7f 7f ff
//! ff`, section 3.2.3). And ttlog refuses nesting deeper than its documented limit
//! (`MAX_DEPTH`), where ciborium's is higher.
#![no_main]

#[path = "common/cbor_value.rs"]
mod common;

use common::{has_tag, same, CiboriumBuilder};
use libfuzzer_sys::fuzz_target;
use ttlog_format::cbor::{item_len, walk};

fuzz_target!(|data: &[u8]| {
    let ours = walk(&CiboriumBuilder, data);
    // The length agrees with the walker that decodes.
    match (&ours, item_len(data)) {
        (Ok((_, n)), Ok(m)) => assert_eq!(*n, m),
        (Ok(_), Err(e)) => panic!("decodes but item_len says {e:?}"),
        (Err(_), _) => {}
    }
    let mut reader = data;
    let theirs: Result<ciborium::Value, _> = ciborium::from_reader(&mut reader);
    let their_len = data.len() - reader.len();
    if let Ok(theirs) = theirs {
        if has_tag(&theirs) {
            return;
        }
        let (ours, len) = match ours {
            Ok(ours) => ours,
            Err(ttlog_format::FormatError::BadCbor(
                "invalid simple value" | "bad string chunk" | "nested too deeply",
            )) => return,
            Err(e) => panic!("ciborium reads {theirs:?}, ttlog: {e:?}"),
        };
        assert_eq!(len, their_len, "{theirs:?}");
        assert!(same(&ours, &theirs), "ours {ours:?} theirs {theirs:?}");
    }
});
