//! Block frames (SPEC.md section 5.1) and the end marker (section 7).

use crate::{crc_checks_off, FormatError, LevelMask, END_MAGIC, MAX_BLOCK_LEN, SYNC};

/// What a block holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// Events and their definitions.
    Data,
    /// The summary written on a clean close.
    Trailer,
    /// A kind defined by a later minor version; its block is skipped.
    Unknown(u8),
}

impl BlockKind {
    /// The wire number of this kind.
    pub fn as_u8(self) -> u8 {
        match self {
            BlockKind::Data => 0,
            BlockKind::Trailer => 1,
            BlockKind::Unknown(n) => n,
        }
    }

    /// The kind with wire number `n`.
    pub fn from_u8(n: u8) -> BlockKind {
        match n {
            0 => BlockKind::Data,
            1 => BlockKind::Trailer,
            n => BlockKind::Unknown(n),
        }
    }
}

/// How a block payload is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// Stored as is.
    None,
    /// One LZ4 block (not the LZ4 frame format).
    Lz4,
}

impl Codec {
    /// The wire number of this codec.
    pub fn as_u8(self) -> u8 {
        match self {
            Codec::None => 0,
            Codec::Lz4 => 1,
        }
    }
}

/// The fixed-size header of a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// What the block holds.
    pub kind: BlockKind,
    /// How the payload is stored.
    pub codec: Codec,
    /// Bit `n` set when the block holds an event of level `n`.
    pub level_mask: LevelMask,
    /// Reserved; 0.
    pub flags: u8,
    /// Payload bytes as stored.
    pub stored_len: u32,
    /// Payload bytes after decompression.
    pub raw_len: u32,
    /// Records of every kind in the payload.
    pub record_count: u32,
    /// EVENT records in the payload.
    pub event_count: u32,
    /// CRC32C of the stored payload.
    pub payload_crc: u32,
    /// Smallest record timestamp in the block (0 when none).
    pub min_ts: u64,
    /// Largest record timestamp in the block (0 when none).
    pub max_ts: u64,
}

impl Frame {
    /// Bytes in an encoded frame.
    pub const LEN: usize = 52;

    /// Encodes the frame, computing its CRC.
    pub fn encode(&self) -> [u8; Frame::LEN] {
        let mut b = [0u8; Frame::LEN];
        b[0..8].copy_from_slice(&SYNC);
        b[12] = self.kind.as_u8();
        b[13] = self.codec.as_u8();
        b[14] = self.level_mask.0;
        b[15] = self.flags;
        b[16..20].copy_from_slice(&self.stored_len.to_le_bytes());
        b[20..24].copy_from_slice(&self.raw_len.to_le_bytes());
        b[24..28].copy_from_slice(&self.record_count.to_le_bytes());
        b[28..32].copy_from_slice(&self.event_count.to_le_bytes());
        b[32..36].copy_from_slice(&self.payload_crc.to_le_bytes());
        b[36..44].copy_from_slice(&self.min_ts.to_le_bytes());
        b[44..52].copy_from_slice(&self.max_ts.to_le_bytes());
        let crc = crc32c::crc32c(&b[12..]);
        b[8..12].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Decodes and checks the frame at the start of `buf`.
    ///
    /// Lengths are checked against the format's bounds only after the frame CRC matched.
    pub fn decode(buf: &[u8]) -> Result<Frame, FormatError> {
        let have = buf.len().min(SYNC.len());
        if buf[..have] != SYNC[..have] {
            return Err(FormatError::BadSync);
        }
        if buf.len() < Frame::LEN {
            return Err(FormatError::Incomplete { needed: Frame::LEN });
        }
        let b = &buf[..Frame::LEN];
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
        let saved = u32_at(8);
        let computed = crc32c::crc32c(&b[12..]);
        if saved != computed && !crc_checks_off() {
            return Err(FormatError::BadFrameCrc { saved, computed });
        }
        let codec = match b[13] {
            0 => Codec::None,
            1 => Codec::Lz4,
            c => return Err(FormatError::UnknownCodec(c)),
        };
        let frame = Frame {
            kind: BlockKind::from_u8(b[12]),
            codec,
            level_mask: LevelMask(b[14]),
            flags: b[15],
            stored_len: u32_at(16),
            raw_len: u32_at(20),
            record_count: u32_at(24),
            event_count: u32_at(28),
            payload_crc: u32_at(32),
            min_ts: u64_at(36),
            max_ts: u64_at(44),
        };
        for (field, value) in [("stored_len", frame.stored_len), ("raw_len", frame.raw_len)] {
            if value > MAX_BLOCK_LEN {
                return Err(FormatError::LengthTooLarge {
                    field,
                    value: value.into(),
                    max: MAX_BLOCK_LEN.into(),
                });
            }
        }
        if codec == Codec::None && frame.stored_len != frame.raw_len {
            return Err(FormatError::RawLenMismatch {
                expected: frame.raw_len,
                actual: frame.stored_len as usize,
            });
        }
        Ok(frame)
    }

    /// Bytes of frame plus stored payload.
    pub fn block_len(&self) -> usize {
        Frame::LEN + self.stored_len as usize
    }

    /// Checks the stored payload's CRC and returns the raw payload: `stored` itself when the
    /// codec is `None`, or the decompressed bytes written into `scratch`.
    pub fn decode_payload<'a>(
        &self,
        stored: &'a [u8],
        scratch: &'a mut Vec<u8>,
    ) -> Result<&'a [u8], FormatError> {
        let stored = stored
            .get(..self.stored_len as usize)
            .ok_or(FormatError::Incomplete {
                needed: self.stored_len as usize,
            })?;
        let computed = crc32c::crc32c(stored);
        if computed != self.payload_crc && !crc_checks_off() {
            return Err(FormatError::BadPayloadCrc {
                saved: self.payload_crc,
                computed,
            });
        }
        match self.codec {
            Codec::None => Ok(stored),
            // An LZ4 block is at least one token (SPEC.md 5.1), as the reference
            // decoder has it: no bytes is not an empty block.
            Codec::Lz4 if stored.is_empty() => Err(FormatError::Decompress(
                "an LZ4 block holds at least one byte".into(),
            )),
            Codec::Lz4 => {
                scratch.clear();
                scratch.resize(self.raw_len as usize, 0);
                let n = lz4_flex::block::decompress_into(stored, scratch)
                    .map_err(|e| FormatError::Decompress(e.to_string()))?;
                if n != self.raw_len as usize {
                    return Err(FormatError::RawLenMismatch {
                        expected: self.raw_len,
                        actual: n,
                    });
                }
                lz4_end_rules(stored, n).map_err(|why| FormatError::Decompress(why.into()))?;
                Ok(&scratch[..])
            }
        }
    }
}

/// Checks the rules of the LZ4 block format that the decoder does not (SPEC.md 5.1), on a
/// block that decompressed to `out_len` bytes: the reference decoder
/// (`LZ4_decompress_safe`) rejects a block whose last 5 bytes are not literals, or with a
/// match starting in its last 12 bytes, and so must every ttlog reader, or two readers
/// would keep different blocks.
fn lz4_end_rules(input: &[u8], out_len: usize) -> Result<(), &'static str> {
    const LAST_LITERALS: usize = 5;
    const MATCH_LIMIT: usize = 12;
    // The lengths were all checked by decompression: here only positions are compared.
    let length = |ip: &mut usize, mut n: usize| {
        if n == 15 {
            while let Some(&b) = input.get(*ip) {
                *ip += 1;
                n += usize::from(b);
                if b != 255 {
                    break;
                }
            }
        }
        n
    };
    let (mut ip, mut op) = (0usize, 0usize);
    while let Some(&token) = input.get(ip) {
        ip += 1;
        let literals = length(&mut ip, usize::from(token >> 4));
        ip += literals;
        op += literals;
        if ip >= input.len() {
            return Ok(());
        }
        if op + MATCH_LIMIT > out_len || ip + 2 + 1 + LAST_LITERALS > input.len() {
            return Err("a match starts in the block's last 12 bytes");
        }
        let offset = input
            .get(ip..ip + 2)
            .map_or(0, |b| u16::from_le_bytes([b[0], b[1]]));
        if offset == 0 {
            return Err("a match at offset 0");
        }
        ip += 2;
        op += length(&mut ip, usize::from(token & 15)) + 4;
        if op + LAST_LITERALS > out_len {
            return Err("the block's last 5 bytes are not all literals");
        }
    }
    Ok(())
}

/// The 16 bytes that end a cleanly closed file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndMarker {
    /// Byte offset of the trailer block's frame.
    pub trailer_offset: u64,
}

impl EndMarker {
    /// Bytes in an encoded end marker.
    pub const LEN: usize = 16;

    /// Encodes the end marker.
    pub fn encode(&self) -> [u8; EndMarker::LEN] {
        let mut b = [0u8; EndMarker::LEN];
        b[..8].copy_from_slice(&self.trailer_offset.to_le_bytes());
        b[8..].copy_from_slice(&END_MAGIC);
        b
    }

    /// Decodes an end marker from exactly its 16 bytes, or returns `None`.
    pub fn decode(b: &[u8]) -> Option<EndMarker> {
        if b.len() != EndMarker::LEN || b[8..] != END_MAGIC {
            return None;
        }
        Some(EndMarker {
            trailer_offset: u64::from_le_bytes(b[..8].try_into().unwrap()),
        })
    }
}

/// Finds the next offset at or after `from` in `buf` where the block sync marker starts.
pub fn find_sync(buf: &[u8], from: usize) -> Option<usize> {
    let hay = buf.get(from..)?;
    // The marker's first byte is rare in text and common data; scan for it, then compare.
    let mut i = 0;
    while let Some(p) = hay[i..].iter().position(|&b| b == SYNC[0]) {
        let at = i + p;
        if hay[at..].starts_with(&SYNC) {
            return Some(from + at);
        }
        if hay.len() - at < SYNC.len() && SYNC.starts_with(&hay[at..]) {
            // A marker may be cut by the end of the buffer: report where it might start.
            return Some(from + at);
        }
        i = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame {
        Frame {
            kind: BlockKind::Data,
            codec: Codec::None,
            level_mask: LevelMask(0b10100),
            flags: 0,
            stored_len: 3,
            raw_len: 3,
            record_count: 1,
            event_count: 1,
            payload_crc: crc32c::crc32c(b"abc"),
            min_ts: 5,
            max_ts: 9,
        }
    }

    #[test]
    fn round_trip() {
        let b = frame().encode();
        assert_eq!(Frame::decode(&b), Ok(frame()));
        for cut in 0..Frame::LEN {
            assert!(Frame::decode(&b[..cut]).unwrap_err().is_incomplete());
        }
        let mut scratch = Vec::new();
        assert_eq!(
            frame().decode_payload(b"abc", &mut scratch),
            Ok(&b"abc"[..])
        );
        assert!(matches!(
            frame().decode_payload(b"abd", &mut scratch),
            Err(FormatError::BadPayloadCrc { .. })
        ));
    }

    #[test]
    fn every_bit_flip_is_caught() {
        let good = frame().encode();
        for byte in 0..Frame::LEN {
            for bit in 0..8 {
                let mut b = good;
                b[byte] ^= 1 << bit;
                assert!(Frame::decode(&b).is_err(), "byte {byte} bit {bit}");
            }
        }
    }

    #[test]
    fn huge_length_refused_after_crc() {
        let mut f = frame();
        f.stored_len = u32::MAX;
        f.raw_len = u32::MAX;
        assert!(matches!(
            Frame::decode(&f.encode()),
            Err(FormatError::LengthTooLarge { .. })
        ));
    }

    #[test]
    fn sync_search() {
        let mut buf = vec![0xf0, 1, 2];
        buf.extend_from_slice(&SYNC);
        assert_eq!(find_sync(&buf, 0), Some(3));
        assert_eq!(find_sync(&buf, 4), None);
        assert_eq!(find_sync(&SYNC[..4], 0), Some(0));
        let end = EndMarker { trailer_offset: 77 };
        assert_eq!(EndMarker::decode(&end.encode()), Some(end));
    }
}
