//! The trailer block: the summary a cleanly closed file ends with (SPEC.md section 6).

use ttlog_format::cbor;
use ttlog_format::record::{tag, Records};
use ttlog_format::FormatError;

use crate::value::ValueDecoder;
use crate::Value;

/// The summary a cleanly closed file ends with.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trailer {
    /// EVENT records in the file.
    pub events: u64,
    /// Events the file reports lost.
    pub dropped: u64,
    /// Data blocks in the file.
    pub blocks: u64,
    /// Earliest record time.
    pub min_ts: u64,
    /// Latest record time.
    pub max_ts: u64,
    /// Byte offset of each data block.
    pub block_offsets: Vec<u64>,
    /// How the run ended, on the last file of a run (SPEC.md 6): `clean`, `panic`,
    /// `exception`, `signal-SIGTERM`, `interrupted`, …; `None` when the writer did not say
    /// (a rotated file, or an older writer).
    pub end: Option<String>,
}

pub(crate) fn decode_trailer(raw: &[u8]) -> Result<Trailer, FormatError> {
    let mut trailer = Trailer::default();
    for record in Records::new(raw) {
        let record = record?;
        if record.tag != tag::TRAILER {
            continue;
        }
        let len = cbor::item_len(record.body).map_err(|_| FormatError::BadRecord {
            tag: tag::TRAILER,
            reason: "not a CBOR item",
        })?;
        let (value, _) = ValueDecoder {
            strings: &crate::value::no_strings,
        }
        .decode(&record.body[..len], &crate::value::Budget::new())?;
        let Value::Map(entries) = value else {
            return Err(FormatError::BadRecord {
                tag: tag::TRAILER,
                reason: "not a map",
            });
        };
        let uint = |v: &Value| match v {
            Value::Int(i) => u64::try_from(*i).ok(),
            _ => None,
        };
        for (k, v) in &entries {
            match (k.as_str(), v) {
                (Some("events"), v) => trailer.events = uint(v).unwrap_or(0),
                (Some("dropped"), v) => trailer.dropped = uint(v).unwrap_or(0),
                (Some("blocks"), v) => trailer.blocks = uint(v).unwrap_or(0),
                (Some("min_ts"), v) => trailer.min_ts = uint(v).unwrap_or(0),
                (Some("max_ts"), v) => trailer.max_ts = uint(v).unwrap_or(0),
                (Some("end"), Value::Text(how)) => trailer.end = Some(how.to_string()),
                (Some("block_offsets"), Value::Array(items)) => {
                    trailer.block_offsets = items.iter().filter_map(uint).collect();
                }
                _ => {}
            }
        }
    }
    Ok(trailer)
}
