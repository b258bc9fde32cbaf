//! Any bytes as a block's decompressed payload: the CRC that guards blocks in a file keeps
//! random bytes from reaching the record decoder, so this target goes around it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ttlog_format::{BlockKind, Codec, Frame};
use ttlog_reader::{decode_block, BlockContent};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let frame = Frame {
        kind: if selector & 1 == 0 {
            BlockKind::Data
        } else {
            BlockKind::Trailer
        },
        codec: Codec::None,
        level_mask: ttlog_format::LevelMask::ALL,
        flags: 0,
        stored_len: payload.len() as u32,
        raw_len: payload.len() as u32,
        record_count: u32::from(selector >> 1),
        event_count: u32::from(selector >> 2),
        payload_crc: 0,
        min_ts: 0,
        max_ts: u64::MAX,
    };
    if let Ok(BlockContent::Events(events)) = decode_block(&frame, payload) {
        // A block that passed its check decodes every indexed event (a disagreement
        // between the check and the decoder trips a debug assertion in the reader).
        let indexed = events.len();
        let mut line = String::new();
        let mut decoded = 0;
        for event in events {
            line.clear();
            ttlog_reader::write_json_line(&event, &mut line);
            decoded += 1;
        }
        assert_eq!(decoded, indexed);
    }
});
