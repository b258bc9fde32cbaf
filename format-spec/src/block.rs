//! Building blocks: records in, framed and compressed bytes out.

use crate::frame::{BlockKind, Codec, Frame};
use crate::record::{tag, DropReason};
use crate::varint::{put_svarint, put_varint, varint_len, write_varint, zigzag, MAX_VARINT_LEN};
use crate::LevelMask;

/// Accumulates the records of one block and turns them into framed bytes.
///
/// The builder does not check that ids are defined before use; that is the caller's
/// contract (SPEC.md section 5.2). Buffers are kept between blocks, so a long-lived builder
/// allocates only while its blocks grow.
#[derive(Debug, Default)]
pub struct BlockBuilder {
    raw: Vec<u8>,
    body: Vec<u8>,
    compressed: Vec<u8>,
    prev_ts: u64,
    record_count: u32,
    event_count: u32,
    level_mask: LevelMask,
    min_ts: u64,
    max_ts: u64,
    has_ts: bool,
}

impl BlockBuilder {
    /// An empty builder.
    pub fn new() -> BlockBuilder {
        BlockBuilder::default()
    }

    /// Raw payload bytes so far.
    pub fn raw_len(&self) -> usize {
        self.raw.len()
    }

    /// Records so far.
    pub fn record_count(&self) -> u32 {
        self.record_count
    }

    /// EVENT records so far.
    pub fn event_count(&self) -> u32 {
        self.event_count
    }

    /// True when no record was added since the last [`finish`](Self::finish).
    pub fn is_empty(&self) -> bool {
        self.record_count == 0
    }

    fn time_delta(&mut self, ts: u64) -> i64 {
        let dt = ts.wrapping_sub(self.prev_ts) as i64;
        self.prev_ts = ts;
        if self.has_ts {
            self.min_ts = self.min_ts.min(ts);
            self.max_ts = self.max_ts.max(ts);
        } else {
            self.min_ts = ts;
            self.max_ts = ts;
            self.has_ts = true;
        }
        dt
    }

    fn push_body(&mut self, tag: u8) {
        self.raw.push(tag);
        put_varint(&mut self.raw, self.body.len() as u64);
        self.raw.extend_from_slice(&self.body);
        self.body.clear();
        self.record_count += 1;
    }

    /// Adds a THREAD record.
    pub fn thread(&mut self, id: u64, name: &str) {
        put_varint(&mut self.body, id);
        put_str(&mut self.body, name);
        self.push_body(tag::THREAD);
    }

    /// Adds a CALLSITE record.
    #[allow(clippy::too_many_arguments)]
    pub fn callsite<'n>(
        &mut self,
        id: u64,
        level: u8,
        line: u32,
        n_args: u32,
        target: &str,
        file: &str,
        template: &str,
        field_names: impl ExactSizeIterator<Item = &'n str>,
    ) {
        put_varint(&mut self.body, id);
        self.body.push(level);
        put_varint(&mut self.body, line.into());
        put_varint(&mut self.body, n_args.into());
        put_str(&mut self.body, target);
        put_str(&mut self.body, file);
        put_str(&mut self.body, template);
        put_varint(&mut self.body, field_names.len() as u64);
        for name in field_names {
            put_str(&mut self.body, name);
        }
        self.push_body(tag::CALLSITE);
    }

    /// Adds a STRING record.
    pub fn string(&mut self, id: u64, text: &str) {
        put_varint(&mut self.body, id);
        put_str(&mut self.body, text);
        self.push_body(tag::STRING);
    }

    /// Adds an EVENT record. `values` must be the callsite's CBOR items, back to back.
    #[inline]
    pub fn event(&mut self, ts: u64, level: u8, callsite: u64, thread: u64, values: &[u8]) {
        let dt = zigzag(self.time_delta(ts));
        // The head is built on the stack and appended once: this runs for every event.
        let mut head = [0u8; 1 + 4 * MAX_VARINT_LEN];
        let mut n = 1;
        head[0] = tag::EVENT;
        let len = varint_len(dt) + varint_len(callsite) + varint_len(thread) + values.len();
        for v in [len as u64, dt, callsite, thread] {
            n += write_varint(&mut head[n..], v);
        }
        self.raw.reserve(n + values.len());
        self.raw.extend_from_slice(&head[..n]);
        self.raw.extend_from_slice(values);
        self.record_count += 1;
        self.event_count += 1;
        self.level_mask |= LevelMask::of(level);
    }

    /// Adds a DROPPED record.
    pub fn dropped(&mut self, ts: u64, thread: u64, count: u64, reason: DropReason) {
        let dt = self.time_delta(ts);
        put_svarint(&mut self.body, dt);
        put_varint(&mut self.body, thread);
        put_varint(&mut self.body, count);
        self.body.push(reason.as_u8());
        self.push_body(tag::DROPPED);
    }

    /// Adds a record of any kind with a body already encoded: for records this crate has no
    /// method for, such as a TRAILER or a later version's kinds.
    pub fn raw_record(&mut self, tag: u8, body: &[u8]) {
        self.raw.push(tag);
        put_varint(&mut self.raw, body.len() as u64);
        self.raw.extend_from_slice(body);
        self.record_count += 1;
    }

    /// Frames the block, compressing it with LZ4 when that makes it smaller, appends frame and
    /// payload to `out`, and empties the builder for the next block. Returns the frame.
    pub fn finish(&mut self, kind: BlockKind, out: &mut Vec<u8>) -> Frame {
        let max = lz4_flex::block::get_maximum_output_size(self.raw.len());
        self.compressed.resize(max, 0);
        let compressed = lz4_flex::block::compress_into(&self.raw, &mut self.compressed)
            .expect("output sized by get_maximum_output_size");
        let (codec, payload) = if compressed < self.raw.len() {
            (Codec::Lz4, &self.compressed[..compressed])
        } else {
            (Codec::None, &self.raw[..])
        };
        let frame = Frame {
            kind,
            codec,
            level_mask: self.level_mask,
            flags: 0,
            stored_len: payload.len() as u32,
            raw_len: self.raw.len() as u32,
            record_count: self.record_count,
            event_count: self.event_count,
            payload_crc: crc32c::crc32c(payload),
            min_ts: self.min_ts,
            max_ts: self.max_ts,
        };
        out.extend_from_slice(&frame.encode());
        out.extend_from_slice(payload);
        self.reset();
        frame
    }

    /// Discards everything added since the last finish.
    pub fn reset(&mut self) {
        self.raw.clear();
        self.body.clear();
        self.prev_ts = 0;
        self.record_count = 0;
        self.event_count = 0;
        self.level_mask = LevelMask::NONE;
        self.min_ts = 0;
        self.max_ts = 0;
        self.has_ts = false;
    }
}

/// Appends a length-prefixed UTF-8 string.
#[inline]
pub fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::*;

    #[test]
    fn block_round_trip() {
        let mut b = BlockBuilder::new();
        b.thread(0, "main");
        b.callsite(
            0,
            2,
            7,
            1,
            "app",
            "src/main.rs",
            "x={}",
            ["a", "b"].into_iter(),
        );
        let values = [0x01, 0x02, 0x03];
        for i in 0..100u64 {
            b.event(1_000 + i * 10, 2, 0, 0, &values);
        }
        b.dropped(990, 0, 5, DropReason::QueueFull);
        let mut out = Vec::new();
        let frame = b.finish(BlockKind::Data, &mut out);
        assert!(b.is_empty());
        assert_eq!(frame.codec, Codec::Lz4);
        assert_eq!((frame.min_ts, frame.max_ts), (990, 1_990));
        assert_eq!(frame.event_count, 100);
        assert_eq!(frame.level_mask, LevelMask(1 << 2));
        let decoded = Frame::decode(&out).unwrap();
        assert_eq!(decoded, frame);
        let mut scratch = Vec::new();
        let raw = decoded
            .decode_payload(&out[Frame::LEN..], &mut scratch)
            .unwrap();
        let records: Vec<_> = Records::new(raw).collect::<Result<_, _>>().unwrap();
        assert_eq!(records.len(), 103);
        let cs = CallsiteDef::parse(records[1].body).unwrap();
        assert_eq!(cs.field_names, ["a", "b"]);
        assert_eq!(cs.n_values(), 3);
        let mut ts = 0;
        for r in &records[2..102] {
            let e = EventRecord::parse(r.body).unwrap();
            ts = advance_time(ts, e.dt).unwrap();
            assert_eq!(e.values, values);
        }
        assert_eq!(ts, 1_990);
        let d = DroppedRecord::parse(records[102].body).unwrap();
        assert_eq!(advance_time(ts, d.dt), Ok(990));
        assert_eq!(d.count, 5);
    }
}
