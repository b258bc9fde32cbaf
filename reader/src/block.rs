//! Decoding one block's records into events. Pure: no I/O, no state beyond the block.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use ttlog_format::record::{
    advance_time, tag, CallsiteDef, DroppedRecord, EventRecord, Records, StringDef, ThreadDef,
};
use ttlog_format::{BlockKind, FormatError, Frame, Level, LevelMask};

use crate::ids::IdTable;
use crate::trailer::{decode_trailer, Trailer};
use crate::value::{Budget, ValueDecoder};
use crate::{Callsite, Event};

mod shape;
pub use shape::{Elem, Shape, Shaped};

/// What a block held.
#[derive(Debug)]
pub enum BlockContent {
    /// Events (log events and loss reports), in time order.
    Events(Box<BlockEvents>),
    /// The trailer of a cleanly closed file.
    Trailer(Trailer),
    /// A block kind from a later format version, skipped.
    Unknown(u8),
}

/// Decodes the raw (decompressed, checked) payload of a block with frame `frame`.
///
/// Either the whole block decodes, or an error says why none of it is used (SPEC.md
/// section 9).
pub fn decode_block(frame: &Frame, raw: impl Into<Vec<u8>>) -> Result<BlockContent, FormatError> {
    decode_block_levels(frame, raw, LevelMask::ALL)
}

/// Like [`decode_block`], but yields only events whose level bit
/// ([`level_bit`](ttlog_format::level_bit)) is in `level_mask` (loss reports count as WARN),
/// without decoding the values of the others. The block is still checked whole.
pub fn decode_block_levels(
    frame: &Frame,
    raw: impl Into<Vec<u8>>,
    level_mask: LevelMask,
) -> Result<BlockContent, FormatError> {
    match frame.kind {
        BlockKind::Data => BlockEvents::decode(frame, raw.into(), level_mask)
            .map(|e| BlockContent::Events(Box::new(e))),
        BlockKind::Trailer => {
            // Checked as a data block is (record count, every record, ids before use:
            // SPEC.md 6); any events in it are not shown.
            let raw = raw.into();
            let checked = BlockEvents::decode(frame, raw, LevelMask::ALL)?;
            decode_trailer(&checked.raw).map(BlockContent::Trailer)
        }
        BlockKind::Unknown(k) => Ok(BlockContent::Unknown(k)),
    }
}

/// Most definitions of one kind whose decoded form a block keeps at once. Past this a
/// definition is decoded again at each use, so a block of a million definitions costs its
/// index, not a million decoded callsites.
const MAX_KEPT_DEFINITIONS: usize = 1 << 16;

/// The `callsite` of an index entry that is a loss report, and the `thread` of one that
/// names no thread.
const NONE: u32 = u32::MAX;

/// Where one event of a block is, found while the block was checked.
#[derive(Clone, Copy, Debug)]
struct Entry {
    ts: u64,
    /// Offset of the record's tag in the raw payload.
    record: u32,
    /// Slot of its callsite's definition, or [`NONE`] for a loss report.
    callsite: u32,
    /// Slot of its thread's definition, or [`NONE`].
    thread: u32,
    /// STRING definitions before it: the ones its string references may name.
    strings_seen: u32,
}

/// The definitions of one kind (threads, callsites or strings) in a block: where each is,
/// by id, and the decoded form of those used so far.
#[derive(Debug)]
struct Defs<T: ?Sized> {
    /// Id to the slot of its latest definition.
    ids: IdTable<u32>,
    /// Slot to the offset of the defining record in the raw payload.
    records: Vec<u32>,
    /// Slot to its decoded form, once used (at most MAX_KEPT_DEFINITIONS of them).
    made: Vec<Option<Arc<T>>>,
    kept: usize,
    /// For ids defined more than once: every slot that defined them, in order.
    redefined: HashMap<u64, Vec<u32>>,
}

impl<T: ?Sized> Default for Defs<T> {
    fn default() -> Self {
        Defs {
            ids: IdTable::default(),
            records: Vec::new(),
            made: Vec::new(),
            kept: 0,
            redefined: HashMap::new(),
        }
    }
}

impl<T: ?Sized> Defs<T> {
    fn define(&mut self, id: u64, record: u32, records_seen: u32) {
        let slot = self.records.len() as u32;
        if let Some(&old) = self.ids.get(id) {
            self.redefined
                .entry(id)
                .or_insert_with(|| vec![old])
                .push(slot);
        }
        self.ids.set(id, slot, records_seen);
        self.records.push(record);
        self.made.push(None);
    }

    /// The slot that defines `id` for a record that came after `seen` definitions.
    fn slot(&self, id: u64, seen: u32) -> Option<u32> {
        if let Some(slots) = self.redefined.get(&id) {
            let before = slots.partition_point(|&s| s < seen);
            return before.checked_sub(1).map(|i| slots[i]);
        }
        self.ids.get(id).copied().filter(|&s| s < seen)
    }

    fn count(&self) -> u32 {
        self.records.len() as u32
    }

    /// The decoded definition in `slot`, made by `make` from its record's body.
    fn get(
        &mut self,
        raw: &[u8],
        slot: u32,
        make: impl FnOnce(&[u8]) -> Result<Arc<T>, FormatError>,
    ) -> Result<Arc<T>, FormatError> {
        let i = slot as usize;
        if let Some(made) = &self.made[i] {
            return Ok(made.clone());
        }
        let made = make(record_body(raw, self.records[i])?)?;
        if self.kept < MAX_KEPT_DEFINITIONS {
            self.made[i] = Some(made.clone());
            self.kept += 1;
        }
        Ok(made)
    }
}

/// The body of the record whose tag is at `offset`.
fn record_body(raw: &[u8], offset: u32) -> Result<&[u8], FormatError> {
    match Records::new(raw.get(offset as usize..).unwrap_or(&[])).next() {
        Some(Ok(r)) => Ok(r.body),
        Some(Err(e)) => Err(e),
        None => Err(FormatError::BadRecord {
            tag: 0,
            reason: "record offset past the payload",
        }),
    }
}

fn make_thread(body: &[u8]) -> Result<Arc<str>, FormatError> {
    Ok(ThreadDef::parse(body)?.name.into())
}

fn make_string(body: &[u8]) -> Result<Arc<str>, FormatError> {
    Ok(StringDef::parse(body)?.text.into())
}

fn make_callsite(body: &[u8]) -> Result<Arc<Callsite>, FormatError> {
    let c = CallsiteDef::parse(body)?;
    Ok(Arc::new(Callsite {
        level: c.level,
        target: c.target.into(),
        file: c.file.into(),
        line: c.line,
        template: c.template.into(),
        n_args: c.n_args as usize,
        field_names: c.field_names.iter().map(|&f| f.into()).collect(),
    }))
}

/// The events of one data block, decoded one at a time, in time order.
///
/// Making it checks the whole block, every record and every wanted value, so that either
/// the whole block is used or none of it (SPEC.md section 9); iterating then cannot fail.
/// It holds the raw payload and 24 bytes per event, not the decoded events: a block that
/// packs millions of tiny events costs a small multiple of its own size, and each event
/// is decoded only when it is taken. Events with equal times keep their stored order.
#[derive(Debug)]
pub struct BlockEvents {
    raw: Vec<u8>,
    index: Vec<Entry>,
    front: usize,
    back: usize,
    callsites: Defs<Callsite>,
    threads: Defs<str>,
    strings: RefCell<Defs<str>>,
    no_thread: Arc<str>,
}

impl BlockEvents {
    /// Checks the data block `raw` (its frame is `frame`) and indexes the events whose
    /// level bit is in `level_mask`.
    pub fn decode(
        frame: &Frame,
        raw: Vec<u8>,
        level_mask: LevelMask,
    ) -> Result<BlockEvents, FormatError> {
        if u32::try_from(raw.len()).is_err() {
            return Err(FormatError::BadRecord {
                tag: 0,
                reason: "payload larger than 4 GiB",
            });
        }
        let mut b = BlockEvents {
            raw: Vec::new(),
            index: Vec::with_capacity(frame.event_count.min(1 << 16) as usize),
            front: 0,
            back: 0,
            callsites: Defs::default(),
            threads: Defs::default(),
            strings: RefCell::new(Defs::default()),
            no_thread: Arc::from(""),
        };
        b.check(&raw, frame.record_count, level_mask)?;
        // Sorting by (time, position) is the stable sort by time, without its buffer.
        b.index.sort_unstable_by_key(|e| (e.ts, e.record));
        b.index.shrink_to_fit();
        b.back = b.index.len();
        b.raw = raw;
        Ok(b)
    }

    fn check(
        &mut self,
        raw: &[u8],
        record_count: u32,
        level_mask: LevelMask,
    ) -> Result<(), FormatError> {
        let mut ts = 0u64;
        let mut records = 0u32;
        for record in Records::new(raw) {
            let record = record?;
            records = records.saturating_add(1);
            let at = record.offset as u32;
            match record.tag {
                tag::EVENT => {
                    let e = EventRecord::parse(record.body)?;
                    ts = advance_time(ts, e.dt)?;
                    let cs_slot = slot(&self.callsites, e.callsite, "callsite")?;
                    let th_slot = slot(&self.threads, e.thread, "thread")?;
                    let callsite = self.callsites.get(raw, cs_slot, make_callsite)?;
                    if !level_mask.has(callsite.level) {
                        // Not wanted: the values are skipped unread; the record itself was
                        // checked by its block's CRC.
                        continue;
                    }
                    let count = callsite.n_args + callsite.field_names.len();
                    let strings_seen = self.strings.get_mut().count();
                    self.check_values(raw, e.values, count, strings_seen)?;
                    self.index.push(Entry {
                        ts,
                        record: at,
                        callsite: cs_slot,
                        thread: th_slot,
                        strings_seen,
                    });
                }
                tag::CALLSITE => {
                    let c = CallsiteDef::parse(record.body)?;
                    self.callsites.define(c.id, at, records);
                }
                tag::THREAD => {
                    let t = ThreadDef::parse(record.body)?;
                    self.threads.define(t.id, at, records);
                }
                tag::STRING => {
                    let s = StringDef::parse(record.body)?;
                    self.strings.get_mut().define(s.id, at, records);
                }
                tag::DROPPED => {
                    let d = DroppedRecord::parse(record.body)?;
                    ts = advance_time(ts, d.dt)?;
                    let thread = if d.thread == 0 {
                        NONE
                    } else {
                        slot(&self.threads, d.thread, "thread")?
                    };
                    if !level_mask.intersects(Level::Warn.mask()) {
                        continue;
                    }
                    self.index.push(Entry {
                        ts,
                        record: at,
                        callsite: NONE,
                        thread,
                        strings_seen: 0,
                    });
                }
                // Unknown kinds are a later minor version's: skipped by their length.
                _ => {}
            }
        }
        if records != record_count {
            return Err(FormatError::BadRecord {
                tag: 0,
                reason: "record count differs from the frame's",
            });
        }
        Ok(())
    }

    /// Checks that `values` starts with `count` well-formed values.
    fn check_values(
        &self,
        raw: &[u8],
        values: &[u8],
        count: usize,
        strings_seen: u32,
    ) -> Result<(), FormatError> {
        // Every value takes at least one byte: a callsite that declares more values than
        // the record has bytes is damage, caught before looping over them.
        if count > values.len() {
            return Err(too_few_values());
        }
        let lookup = |id: u64| self.string(raw, id, strings_seen);
        let decoder = ValueDecoder { strings: &lookup };
        let mut rest = values;
        for _ in 0..count {
            if rest.is_empty() {
                return Err(too_few_values());
            }
            rest = &rest[decoder.check(rest)?..];
        }
        // Bytes after the declared values are a later version's additions.
        Ok(())
    }

    fn string(&self, raw: &[u8], id: u64, seen: u32) -> Option<Arc<str>> {
        let mut strings = self.strings.borrow_mut();
        let slot = strings.slot(id, seen)?;
        strings.get(raw, slot, make_string).ok()
    }

    /// True when every event was taken (or the block held none).
    pub fn is_finished(&self) -> bool {
        self.front == self.back
    }

    /// Time of the event [`next`](Iterator::next) would give, without decoding it.
    pub fn peek_ts(&self) -> Option<u64> {
        self.index[self.front..self.back].first().map(|e| e.ts)
    }

    fn event(&mut self, entry: Entry) -> Result<Event, FormatError> {
        let raw = &self.raw;
        let body = record_body(raw, entry.record)?;
        let thread = match entry.thread {
            NONE => self.no_thread.clone(),
            slot => self.threads.get(raw, slot, make_thread)?,
        };
        if entry.callsite == NONE {
            let d = DroppedRecord::parse(body)?;
            return Ok(Event::dropped(entry.ts, thread, d.count, d.reason));
        }
        let callsite = self.callsites.get(raw, entry.callsite, make_callsite)?;
        let e = EventRecord::parse(body)?;
        let count = callsite.n_args + callsite.field_names.len();
        let strings = &self.strings;
        let lookup = |id: u64| {
            let mut strings = strings.borrow_mut();
            let slot = strings.slot(id, entry.strings_seen)?;
            strings.get(raw, slot, make_string).ok()
        };
        let decoder = ValueDecoder { strings: &lookup };
        let budget = Budget::new();
        let mut values = Vec::with_capacity(count);
        let mut rest = e.values;
        for _ in 0..count {
            let (v, used) = decoder.decode(rest, &budget)?;
            values.push(v);
            rest = &rest[used..];
        }
        Ok(Event {
            ts: entry.ts,
            kind: crate::EventKind::Log,
            callsite,
            thread,
            values,
            truncated: budget.was_cut(),
        })
    }

    /// Decodes the entry; the block was checked whole when it was made, so this cannot
    /// fail unless the checks and the decoding disagree, which a test guards.
    fn take(&mut self, entry: Entry) -> Option<Event> {
        let event = self.event(entry);
        debug_assert!(event.is_ok(), "a checked block failed to decode: {event:?}");
        event.ok()
    }
}

fn slot<T: ?Sized>(defs: &Defs<T>, id: u64, kind: &'static str) -> Result<u32, FormatError> {
    defs.slot(id, defs.count())
        .ok_or(FormatError::UndefinedId { kind, id })
}

fn too_few_values() -> FormatError {
    FormatError::BadRecord {
        tag: tag::EVENT,
        reason: "fewer values than its callsite declares",
    }
}

impl Iterator for BlockEvents {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        while self.front < self.back {
            let entry = self.index[self.front];
            self.front += 1;
            if let Some(e) = self.take(entry) {
                return Some(e);
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.back - self.front, Some(self.back - self.front))
    }

    fn nth(&mut self, n: usize) -> Option<Event> {
        self.front += n.min(self.back - self.front);
        self.next()
    }
}

impl DoubleEndedIterator for BlockEvents {
    fn next_back(&mut self) -> Option<Event> {
        while self.front < self.back {
            self.back -= 1;
            let entry = self.index[self.back];
            if let Some(e) = self.take(entry) {
                return Some(e);
            }
        }
        None
    }
}

impl ExactSizeIterator for BlockEvents {}

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
            decode_block(&frame, raw.to_vec()),
            Err(FormatError::BadRecord { .. })
        ));
    }
}
