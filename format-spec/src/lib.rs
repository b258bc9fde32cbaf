//! # ttlog-format
//!
//! The ttlog wire format, and nothing else: the one crate that knows the bytes. The writer
//! (`ttlog`) and the reader (`ttlog-reader`) both build on it and never on each other.
//! The written contract is `SPEC.md` beside this crate; every layout here follows it.
//!
//! What is here:
//! - [`Header`]: the file header (magic, version, a CBOR map of metadata).
//! - [`Frame`]: the 52-byte frame of a block, with its two CRC32C checksums, and
//!   [`Frame::decode_payload`] to check and decompress a payload.
//! - [`BlockBuilder`]: records in, a framed LZ4 block out.
//! - [`record`]: record tags and parsers for each record kind.
//! - [`varint`], [`cbor`]: the primitive encodings.
//!
//! Every decoding function tells "the input ends early" ([`FormatError::Incomplete`], with how
//! many bytes it needs) apart from "the input is malformed" (every other [`FormatError`]), and
//! none does any I/O.
//!
//! ```
//! use ttlog_format::{BlockBuilder, BlockKind, Frame, Header, Level};
//! use ttlog_format::record::{CallsiteDef, EventRecord, Records, tag};
//!
//! let mut file = Vec::new();
//! Header::new("00112233445566778899aabbccddeeff").encode(&mut file);
//!
//! let mut block = BlockBuilder::new();
//! block.thread(0, "main");
//! block.callsite(0, Level::Info.as_u8(), 12, 0, "app", "main.rs", "started", ["port"].into_iter());
//! block.event(1_700_000_000_000_000_000, Level::Info.as_u8(), 0, 0, &[0x19, 0x1f, 0x90]); // port = 8080
//! block.finish(BlockKind::Data, &mut file);
//!
//! let (header, at) = Header::decode(&file).unwrap();
//! assert_eq!(header.session, "00112233445566778899aabbccddeeff");
//! let frame = Frame::decode(&file[at..]).unwrap();
//! let mut scratch = Vec::new();
//! let raw = frame.decode_payload(&file[at + Frame::LEN..], &mut scratch).unwrap();
//! let records: Vec<_> = Records::new(raw).collect::<Result<_, _>>().unwrap();
//! assert_eq!(records[2].tag, tag::EVENT);
//! assert_eq!(CallsiteDef::parse(records[1].body).unwrap().template, "started");
//! assert_eq!(EventRecord::parse(records[2].body).unwrap().values, [0x19, 0x1f, 0x90]);
//! ```

pub mod block;
pub mod cbor;
mod error;
pub mod frame;
pub mod header;
mod level;
pub mod lock;
pub mod record;
pub mod time;
pub mod varint;

/// CRC mismatches are ignored in fuzzing builds (`cargo fuzz` sets `--cfg fuzzing`), so
/// that mutated input reaches the decoders behind the checksums; never in any other build.
#[inline(always)]
pub(crate) fn crc_checks_off() -> bool {
    cfg!(fuzzing)
}

pub use block::BlockBuilder;
pub use error::FormatError;
pub use frame::{find_sync, BlockKind, Codec, EndMarker, Frame};
pub use header::{ClockSync, Header};
pub use level::{level_bit, Level, LevelMask, UnknownLevel};
pub use record::DropReason;
pub use time::{format_rfc3339, parse_rfc3339};

/// The first 8 bytes of every ttlog file.
pub const MAGIC: [u8; 8] = *b"\x89TTLOG\r\n";
/// The 8 bytes that start every block.
pub const SYNC: [u8; 8] = *b"\xF0TTBLK\r\n";
/// The last 8 bytes of a cleanly closed file.
pub const END_MAGIC: [u8; 8] = *b"\x89TTEND\r\n";
/// The major format version this crate writes and reads.
pub const MAJOR_VERSION: u8 = 1;
/// The minor format version this crate writes.
pub const MINOR_VERSION: u8 = 0;
/// Largest header body, in bytes.
pub const MAX_HEADER_BODY: u32 = 1 << 20;
/// What one event's decoded values may cost, in units (SPEC.md 8.7): each value 1, plus
/// the bytes of each text or byte string (a referenced text's included). Values past it
/// are cut, so a small file cannot make one event decode or render to gigabytes (an array
/// of references to one large string). No event of at most this many bytes without string
/// references is ever cut, and the reference writer's largest record by default is half
/// its 1 MiB staging ring.
pub const EVENT_VALUE_BUDGET: u64 = 1 << 20;
/// Longest text, in bytes, a map key that is not text is shown with (SPEC.md 8.4): its
/// JSON text is cut there, so keys nested in keys cannot double their escaping per level.
pub const MAX_KEY_TEXT: usize = 1024;
/// The fields of a span record, in order (SPEC.md 8.6); its target is [`SPAN_TARGET`].
pub const SPAN_RECORD_FIELDS: [&str; 8] = [
    "id",
    "parent",
    "target",
    "start_ns",
    "duration_ns",
    "busy_ns",
    "fields",
    "follows_from",
];
/// The target of span records (SPEC.md 8.6).
pub const SPAN_TARGET: &str = "ttlog.span";
/// Largest stored or raw block payload, in bytes.
pub const MAX_BLOCK_LEN: u32 = 1 << 24;
/// The file name extension of ttlog files, without the dot.
pub const FILE_EXTENSION: &str = "bin";

#[cfg(test)]
mod tests {
    #[test]
    fn crc32c_check_value() {
        // The check value SPEC.md gives, so implementers can test their CRC.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
    }
}
