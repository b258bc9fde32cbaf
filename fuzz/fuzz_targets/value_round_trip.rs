//! Round trip: any CBOR value ciborium can read from the input is encoded by the writer's
//! serializer (`ttlog::Encoder::value`), measured by `item_len`, decoded by the shared walker,
//! and must come back equal, in one item of exactly the encoded length (or, for a value nested
//! deeper than readers accept, as the text saying so).
#![no_main]

#[path = "common/cbor_value.rs"]
mod common;

use common::{depth, has_tag, same, CiboriumBuilder};
use libfuzzer_sys::fuzz_target;
use ttlog_format::cbor::{item_len, walk};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = ciborium::from_reader::<ciborium::Value, _>(data) else {
        return;
    };
    // ciborium serializes a tag as a serde enum of its own making, not as a CBOR tag.
    if has_tag(&value) {
        return;
    }
    let mut buf = Vec::new();
    ttlog::Encoder::new(&mut buf).value(&value);
    assert_eq!(item_len(&buf), Ok(buf.len()), "{value:?}");
    let (back, len) = walk(&CiboriumBuilder, &buf).expect("the writer's output decodes");
    assert_eq!(len, buf.len());
    if depth(&value) > ttlog_format::cbor::MAX_DEPTH {
        // Deeper than readers accept: the writer stores the error's text instead.
        assert!(matches!(&back, ciborium::Value::Text(t) if t.contains("nested deeper")));
        return;
    }
    assert!(same(&back, &value), "wrote {value:?}, read {back:?}");
});
