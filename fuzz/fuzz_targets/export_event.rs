//! Any bytes as a block's payload, each of its events then shown every way a reader shows
//! one: JSON, the message, CSV, Parquet and MCAP, each written to a sink that only counts.
//! Memory is watched by a counting allocator: past `LIMIT` bytes live at once the target
//! aborts, which libFuzzer keeps as a finding (`-malloc_limit_mb` needs a sanitizer's
//! hooks, and `-rss_limit_mb` sees the process only between inputs).
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Cursor, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use libfuzzer_sys::fuzz_target;
use ttlog_export::{Columns, McapWriter, ParquetWriter};
use ttlog_format::{BlockKind, Codec, Frame};
use ttlog_reader::{decode_block, BlockContent, CsvExporter};

/// Most bytes live at once. One event is bounded by SPEC.md 8.7 (about 32 MiB decoded,
/// 100 MiB of JSON); a block's index and the Parquet writer add tens of MB.
const LIMIT: usize = 768 << 20;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; the counter is only
// read and written atomically.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size() > LIMIT {
            std::process::abort();
        }
        // SAFETY: the caller's layout is passed on as it came.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Counts what is written and keeps nothing.
struct CountingSink(u64);

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let frame = Frame {
        kind: BlockKind::Data,
        codec: Codec::None,
        level_mask: ttlog_format::LevelMask::ALL,
        flags: 0,
        stored_len: data.len() as u32,
        raw_len: data.len() as u32,
        record_count: 0,
        event_count: 0,
        payload_crc: 0,
        min_ts: 0,
        max_ts: u64::MAX,
    };
    // The record count is not known: try the block with each count its records could have.
    let records = ttlog_format::record::Records::new(data).count() as u32;
    let frame = Frame {
        record_count: records,
        ..frame
    };
    let Ok(BlockContent::Events(events)) = decode_block(&frame, data) else {
        return;
    };
    let events: Vec<_> = events.collect();
    let mut columns = Columns::default();
    for e in &events {
        columns.observe(e);
    }
    let mut line = String::new();
    let mut csv = CsvExporter::new(CountingSink(0), vec!["a".into(), "b".into()]).unwrap();
    let mut parquet = ParquetWriter::new(CountingSink(0), &columns).unwrap();
    let mut mcap = McapWriter::new(Cursor::new(Vec::new())).unwrap();
    for e in &events {
        line.clear();
        ttlog_reader::write_json_line(e, &mut line);
        line.clear();
        e.write_message(&mut line);
        csv.write(e).unwrap();
        parquet.push(e).unwrap();
        mcap.push(e).unwrap();
    }
    csv.finish().unwrap();
    parquet.finish().unwrap();
    mcap.finish().unwrap();
});
