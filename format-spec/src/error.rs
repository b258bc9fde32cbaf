//! The one error type of the format layer.

use std::fmt;

/// Why bytes could not be decoded as ttlog data.
///
/// [`FormatError::Incomplete`] means "give me more bytes"; every other variant means the bytes
/// are malformed and more input will not help.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatError {
    /// The input ended early: at least `needed` bytes (counted from the start of the slice that
    /// was passed in) are required.
    Incomplete {
        /// Bytes needed from the start of the input.
        needed: usize,
    },
    /// The file does not start with the ttlog magic number.
    BadMagic,
    /// The file's major version is not one this library reads.
    UnsupportedVersion {
        /// Major version found.
        major: u8,
        /// Minor version found.
        minor: u8,
    },
    /// The header checksum does not match its bytes.
    BadHeaderCrc {
        /// The CRC stored in the file.
        saved: u32,
        /// The CRC computed over the bytes read.
        computed: u32,
    },
    /// The header body is not a CBOR map of the documented shape.
    BadHeader(String),
    /// A block does not start with the sync marker.
    BadSync,
    /// A block frame's checksum does not match its bytes.
    BadFrameCrc {
        /// The CRC stored in the frame.
        saved: u32,
        /// The CRC computed over the frame.
        computed: u32,
    },
    /// A length field is larger than the format allows.
    LengthTooLarge {
        /// Which field.
        field: &'static str,
        /// Its value.
        value: u64,
        /// The largest value allowed.
        max: u64,
    },
    /// A block uses a compression codec this library does not know.
    UnknownCodec(u8),
    /// A block payload's checksum does not match its bytes.
    BadPayloadCrc {
        /// The CRC stored in the frame.
        saved: u32,
        /// The CRC computed over the payload.
        computed: u32,
    },
    /// LZ4 decompression failed.
    Decompress(String),
    /// The payload decompressed to a size other than the frame's `raw_len`.
    RawLenMismatch {
        /// `raw_len` from the frame.
        expected: u32,
        /// Bytes actually produced.
        actual: usize,
    },
    /// A varint is longer than 10 bytes or overflows 64 bits.
    BadVarint,
    /// A string is not valid UTF-8.
    BadUtf8,
    /// A record's length runs past the end of the payload.
    RecordOverrun {
        /// The record's tag.
        tag: u8,
        /// Its declared length.
        len: u64,
        /// Bytes left in the payload.
        available: usize,
    },
    /// A record's body does not hold what its kind requires.
    BadRecord {
        /// The record's tag.
        tag: u8,
        /// What is wrong.
        reason: &'static str,
    },
    /// A value is not a well-formed CBOR item.
    BadCbor(&'static str),
    /// A record refers to an id not defined earlier in its block.
    UndefinedId {
        /// What kind of id (`"callsite"`, `"thread"`, `"string"`).
        kind: &'static str,
        /// The id.
        id: u64,
    },
    /// A timestamp delta moved the time chain outside 0 to 2^64-1.
    BadTimestamp,
}

impl FormatError {
    /// True when more input could make the decode succeed.
    pub fn is_incomplete(&self) -> bool {
        matches!(self, FormatError::Incomplete { .. })
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Incomplete { needed } => {
                write!(f, "input ends early ({needed} bytes needed)")
            }
            FormatError::BadMagic => write!(f, "not a ttlog file (bad magic number)"),
            FormatError::UnsupportedVersion { major, minor } => write!(
                f,
                "ttlog format version {major}.{minor} is not supported (this reader knows major version {})",
                crate::MAJOR_VERSION
            ),
            FormatError::BadHeaderCrc { saved, computed } => write!(
                f,
                "header checksum mismatch (saved {saved:#010x}, computed {computed:#010x})"
            ),
            FormatError::BadHeader(why) => write!(f, "malformed header: {why}"),
            FormatError::BadSync => write!(f, "no block sync marker"),
            FormatError::BadFrameCrc { saved, computed } => write!(
                f,
                "block frame checksum mismatch (saved {saved:#010x}, computed {computed:#010x})"
            ),
            FormatError::LengthTooLarge { field, value, max } => {
                write!(f, "{field} is {value}, more than the maximum {max}")
            }
            FormatError::UnknownCodec(c) => write!(f, "unknown block codec {c}"),
            FormatError::BadPayloadCrc { saved, computed } => write!(
                f,
                "block payload checksum mismatch (saved {saved:#010x}, computed {computed:#010x})"
            ),
            FormatError::Decompress(why) => write!(f, "LZ4 decompression failed: {why}"),
            FormatError::RawLenMismatch { expected, actual } => write!(
                f,
                "payload decompressed to {actual} bytes, frame says {expected}"
            ),
            FormatError::BadVarint => write!(f, "malformed varint"),
            FormatError::BadUtf8 => write!(f, "string is not valid UTF-8"),
            FormatError::RecordOverrun {
                tag,
                len,
                available,
            } => write!(
                f,
                "record {tag:#04x} declares {len} bytes but only {available} remain"
            ),
            FormatError::BadRecord { tag, reason } => {
                write!(f, "malformed record {tag:#04x}: {reason}")
            }
            FormatError::BadCbor(why) => write!(f, "malformed CBOR value: {why}"),
            FormatError::UndefinedId { kind, id } => {
                write!(f, "{kind} id {id} used before it was defined in its block")
            }
            FormatError::BadTimestamp => write!(f, "timestamp out of range"),
        }
    }
}

impl std::error::Error for FormatError {}
