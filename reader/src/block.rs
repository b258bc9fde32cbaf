//! Decoding one block's records into events. Pure: no I/O, no state beyond the block.

use std::sync::Arc;

use ttlog_format::cbor;
use ttlog_format::record::{
    advance_time, tag, CallsiteDef, DroppedRecord, EventRecord, Records, StringDef, ThreadDef,
};
use ttlog_format::{BlockKind, FormatError, Frame};

use crate::ids::IdTable;
use crate::value::ValueDecoder;
use crate::{Callsite, Event, Value};

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
}

/// What a block held.
#[derive(Clone, Debug, PartialEq)]
pub enum BlockContent {
    /// Events (log events and loss reports), in stored order.
    Events(Vec<Event>),
    /// The trailer of a cleanly closed file.
    Trailer(Trailer),
    /// A block kind from a later format version, skipped.
    Unknown(u8),
}

fn get<'t, T>(table: &'t IdTable<T>, id: u64, kind: &'static str) -> Result<&'t T, FormatError> {
    table.get(id).ok_or(FormatError::UndefinedId { kind, id })
}

/// Decodes the raw (decompressed, checked) payload of a block with frame `frame`.
///
/// Either the whole block decodes, or an error says why none of it is used (SPEC.md
/// section 9).
pub fn decode_block(frame: &Frame, raw: &[u8]) -> Result<BlockContent, FormatError> {
    decode_block_levels(frame, raw, 0xff)
}

/// Like [`decode_block`], but returns only events whose level bit is in `level_mask` (loss
/// reports count as WARN), without decoding the values of the others. The block is still
/// checked whole.
pub fn decode_block_levels(
    frame: &Frame,
    raw: &[u8],
    level_mask: u8,
) -> Result<BlockContent, FormatError> {
    match frame.kind {
        BlockKind::Data => decode_data(frame, raw, level_mask).map(BlockContent::Events),
        BlockKind::Trailer => decode_trailer(raw).map(BlockContent::Trailer),
        BlockKind::Unknown(k) => Ok(BlockContent::Unknown(k)),
    }
}

fn decode_data(frame: &Frame, raw: &[u8], level_mask: u8) -> Result<Vec<Event>, FormatError> {
    let mut threads: IdTable<Arc<str>> = IdTable::default();
    let mut callsites: IdTable<Arc<Callsite>> = IdTable::default();
    let mut strings: IdTable<Arc<str>> = IdTable::default();
    let mut events = Vec::with_capacity(frame.event_count.min(1 << 16) as usize);
    let mut ts = 0u64;
    let no_thread: Arc<str> = Arc::from("");
    let mut records = 0u32;
    for record in Records::new(raw) {
        let record = record?;
        records += 1;
        match record.tag {
            tag::EVENT => {
                let e = EventRecord::parse(record.body)?;
                ts = advance_time(ts, e.dt)?;
                let callsite = get(&callsites, e.callsite, "callsite")?;
                let thread = get(&threads, e.thread, "thread")?;
                if 1u8.checked_shl(callsite.level.into()).unwrap_or(0) & level_mask == 0 {
                    // Not wanted: the values are skipped unread; the record itself was
                    // checked by its block's CRC.
                    continue;
                }
                let (callsite, thread) = (callsite.clone(), thread.clone());
                let decoder = ValueDecoder { strings: &strings };
                let count = callsite.n_args + callsite.field_names.len();
                // Every value takes at least one byte: a callsite that declares more values
                // than the record has bytes is damage, caught before allocating for them.
                if count > e.values.len() {
                    return Err(FormatError::BadRecord {
                        tag: tag::EVENT,
                        reason: "fewer values than its callsite declares",
                    });
                }
                let mut values = Vec::with_capacity(count);
                let mut rest = e.values;
                for _ in 0..count {
                    if rest.is_empty() {
                        return Err(FormatError::BadRecord {
                            tag: tag::EVENT,
                            reason: "fewer values than its callsite declares",
                        });
                    }
                    let (v, used) = decoder.decode(rest)?;
                    values.push(v);
                    rest = &rest[used..];
                }
                // Bytes after the declared values are a later version's additions.
                events.push(Event {
                    ts,
                    kind: crate::EventKind::Log,
                    callsite,
                    thread,
                    values,
                });
            }
            tag::CALLSITE => {
                let c = CallsiteDef::parse(record.body)?;
                let callsite = Callsite {
                    level: c.level,
                    target: c.target.into(),
                    file: c.file.into(),
                    line: c.line,
                    template: c.template.into(),
                    n_args: c.n_args as usize,
                    field_names: c.field_names.iter().map(|&f| f.into()).collect(),
                };
                callsites.set(c.id, Arc::new(callsite), records);
            }
            tag::THREAD => {
                let t = ThreadDef::parse(record.body)?;
                threads.set(t.id, t.name.into(), records);
            }
            tag::STRING => {
                let s = StringDef::parse(record.body)?;
                strings.set(s.id, s.text.into(), records);
            }
            tag::DROPPED => {
                let d = DroppedRecord::parse(record.body)?;
                ts = advance_time(ts, d.dt)?;
                if level_mask & ttlog_format::Level::Warn.mask_bit() == 0 {
                    continue;
                }
                let thread = if d.thread == 0 {
                    no_thread.clone()
                } else {
                    get(&threads, d.thread, "thread")?.clone()
                };
                events.push(Event::dropped(ts, thread, d.count, d.reason));
            }
            // Unknown kinds are a later minor version's: skipped by their length.
            _ => {}
        }
    }
    if records != frame.record_count {
        return Err(FormatError::BadRecord {
            tag: 0,
            reason: "record count differs from the frame's",
        });
    }
    Ok(events)
}

fn decode_trailer(raw: &[u8]) -> Result<Trailer, FormatError> {
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
            strings: &IdTable::default(),
        }
        .decode(&record.body[..len])?;
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
                (Some("block_offsets"), Value::Array(items)) => {
                    trailer.block_offsets = items.iter().filter_map(uint).collect();
                }
                _ => {}
            }
        }
    }
    Ok(trailer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ttlog_format::BlockBuilder;

    /// Found by the `decode_block` fuzz target: a CRC-valid block whose callsite declared
    /// 2^32 values made the reader allocate for all of them and abort.
    #[test]
    fn a_callsite_declaring_billions_of_values_is_an_error_not_an_abort() {
        let mut b = BlockBuilder::new();
        b.thread(1, "main");
        b.callsite(1, 2, 0, u32::MAX, "app", "", "{}", std::iter::empty());
        b.event(5, 2, 1, 1, &[0xf6]);
        let mut out = Vec::new();
        let frame = b.finish(BlockKind::Data, &mut out);
        let mut scratch = Vec::new();
        let raw = frame
            .decode_payload(&out[Frame::LEN..], &mut scratch)
            .unwrap();
        assert!(matches!(
            decode_block(&frame, raw),
            Err(FormatError::BadRecord { .. })
        ));
    }
}
