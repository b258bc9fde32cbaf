//! The one writer thread: drains every thread's ring, interns callsites and threads per
//! block, builds and compresses blocks, writes them, rotates files, keeps recent blocks for
//! snapshots, and reports losses.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ttlog_format::{BlockBuilder, BlockKind, DropReason, Frame};

use crate::callsite::{self, Callsite};
use crate::clock::Anchor;
use crate::output::Output;
use crate::ring::{RingReader, STAGED_HEADER};
use crate::shared::Shared;
use crate::snapshot::SnapshotInfo;

/// Longest idle sleep: bounds how late a quiet writer notices new events.
const MAX_IDLE: Duration = Duration::from_millis(10);

/// The two sequences of blocks the writer may build at once; each keeps its own block-local
/// ids, so a thread's id is remembered per stream.
#[derive(Clone, Copy)]
enum StreamId {
    /// The blocks written to the file.
    File = 0,
    /// The blocks kept only for the flight recorder (when the file gets fewer events).
    Memory = 1,
}

struct Ring {
    reader: RingReader,
    thread: ThreadSlot,
    seen_full: u64,
    seen_too_large: u64,
}

/// A logging thread as each stream's current block knows it.
struct ThreadSlot {
    name: String,
    /// Per stream: `(block epoch, block-local id)` of this thread's THREAD record.
    local: [(u32, u64); 2],
}

/// A sequence of blocks being built, with the block-local ids of its current block.
struct Stream {
    id: StreamId,
    builder: BlockBuilder,
    /// Incremented per block; a table entry from an older epoch is undefined in this block.
    epoch: u32,
    next_callsite: u64,
    next_thread: u64,
    /// Indexed by registry id: `(epoch, block-local id)`.
    callsite_ids: Vec<(u32, u64)>,
}

impl Stream {
    fn new(id: StreamId) -> Stream {
        Stream {
            id,
            builder: BlockBuilder::new(),
            epoch: 1,
            next_callsite: 0,
            next_thread: 0,
            callsite_ids: Vec::new(),
        }
    }

    #[inline]
    fn event(
        &mut self,
        ts: u64,
        id: usize,
        cs: &'static Callsite,
        thread: &mut ThreadSlot,
        values: &[u8],
    ) {
        let local_cs = self.define_callsite(id, cs);
        let local_thread = self.define_thread(thread);
        self.builder
            .event(ts, cs.level.as_u8(), local_cs, local_thread, values);
    }

    fn define_callsite(&mut self, id: usize, cs: &'static Callsite) -> u64 {
        if id >= self.callsite_ids.len() {
            self.callsite_ids.resize(id + 1, (0, 0));
        }
        let (epoch, local) = self.callsite_ids[id];
        if epoch == self.epoch {
            return local;
        }
        let local = self.next_callsite;
        self.next_callsite += 1;
        self.callsite_ids[id] = (self.epoch, local);
        self.builder.callsite(
            local,
            cs.level.as_u8(),
            cs.line,
            cs.n_args,
            cs.target,
            cs.file,
            cs.template,
            cs.fields.iter().copied(),
        );
        local
    }

    fn define_thread(&mut self, thread: &mut ThreadSlot) -> u64 {
        let slot = &mut thread.local[self.id as usize];
        if slot.0 == self.epoch {
            return slot.1;
        }
        // Block-local thread ids start at 1: 0 means "no thread" in DROPPED records.
        self.next_thread += 1;
        *slot = (self.epoch, self.next_thread);
        self.builder.thread(self.next_thread, &thread.name);
        self.next_thread
    }

    /// Frames the current block into `out`; the next block starts with fresh ids.
    fn finish(&mut self, out: &mut Vec<u8>) -> Frame {
        out.clear();
        let frame = self.builder.finish(BlockKind::Data, out);
        self.epoch = self.epoch.wrapping_add(1).max(1);
        self.next_callsite = 0;
        self.next_thread = 0;
        frame
    }
}

/// Assembles blocks: turns staged records into blocks, and blocks into file bytes and
/// recorder entries.
struct BlockAssembler {
    shared: Arc<Shared>,
    /// None in memory-only mode.
    output: Option<Output>,
    anchor: Anchor,
    /// What goes to the file.
    file: Stream,
    /// Every event, for the flight recorder, when the file gets fewer (a higher file level,
    /// or no file): otherwise the file's blocks are recorded as they are written.
    memory: Option<Stream>,
    block_bytes: Vec<u8>,
    callsites: Vec<&'static Callsite>,
    /// Events lost to failed writes, to report in the next block.
    io_lost: u64,
    io_error_reported: bool,
    last_block: Instant,
    straddle: Vec<u8>,
}

/// The writer thread's body.
pub(crate) fn run(shared: Arc<Shared>, output: Option<Output>, anchor: Anchor) {
    struct Exit(Arc<Shared>);
    impl Drop for Exit {
        // Runs on a normal exit and on a panic alike, so no logging thread waits forever.
        fn drop(&mut self) {
            self.0.writer_exited();
        }
    }
    let _exit = Exit(shared.clone());
    let recorder_on = shared
        .recorder
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .enabled();
    let min_level = shared.config.min_level;
    let split = output.is_none() || shared.config.file_level > min_level;
    let mut rings: Vec<Ring> = Vec::new();
    let mut enc = BlockAssembler {
        shared: shared.clone(),
        output,
        anchor,
        file: Stream::new(StreamId::File),
        memory: (recorder_on && split).then(|| Stream::new(StreamId::Memory)),
        block_bytes: Vec::new(),
        callsites: Vec::new(),
        io_lost: 0,
        io_error_reported: false,
        last_block: Instant::now(),
        straddle: Vec::new(),
    };
    let mut idle = Duration::from_micros(50);
    let mut flushed = 0;
    loop {
        // Read every request before draining: everything logged before a request is in a
        // ring by now, so this drain covers it. A request read after the drain could miss
        // the events logged just before it (a snapshot lost its last events that way).
        let shutdown = shared.shutdown_requested();
        let flush = shared.flush_requested();
        let snapshot = shared.mailbox.is_pending();
        #[cfg(feature = "test-hooks")]
        if shared.inject_panic.swap(false, Ordering::Relaxed) {
            panic!("ttlog writer thread: injected panic (test hook)");
        }
        rings.extend(shared.take_new_rings().into_iter().map(|reader| Ring {
            thread: ThreadSlot {
                name: reader.name.clone(),
                local: [(0, 0); 2],
            },
            reader,
            seen_full: 0,
            seen_too_large: 0,
        }));
        let mut moved = 0;
        for ring in &mut rings {
            moved += enc.drain(ring);
            enc.report_drops(ring);
        }
        // A thread that exited and whose ring is empty is done.
        rings.retain(|r| !(r.reader.consumer.is_abandoned() && r.reader.consumer.is_empty()));
        let due = enc.last_block.elapsed() >= shared.config.flush_interval;
        let flush_due = flush > flushed;
        if due || shutdown || flush_due {
            enc.write_block();
            enc.finish_memory_block();
        }
        if flush_due {
            flushed = flush;
            shared.ack_flush(flush);
        }
        // Still wanted: a requester that timed out withdraws and writes its own.
        if snapshot {
            if let Some(info) = shared.mailbox.take() {
                let result = enc.snapshot(&info);
                shared.mailbox.finish(result);
            }
        }
        // Age-based rotation of a quiet file; size is checked after every block.
        if enc.output.as_ref().is_some_and(Output::wants_rotation) {
            enc.rotate();
        }
        if shutdown {
            enc.close();
            return;
        }
        if moved == 0 {
            std::thread::park_timeout(idle);
            idle = (idle * 2).min(MAX_IDLE);
        } else {
            idle = Duration::from_micros(50);
        }
    }
}

impl BlockAssembler {
    /// Moves every complete record out of `ring` into blocks. Returns the bytes moved.
    fn drain(&mut self, ring: &mut Ring) -> usize {
        let Ring { reader, thread, .. } = ring;
        let mut straddle = std::mem::take(&mut self.straddle);
        let read = reader.drain(&mut straddle, |record| self.event(thread, record));
        self.straddle = straddle;
        read
    }

    /// One staged record into the current block(s).
    #[inline]
    fn event(&mut self, thread: &mut ThreadSlot, record: &[u8]) {
        let id = u32::from_le_bytes(record[4..8].try_into().unwrap()) as usize;
        let raw_ts = u64::from_le_bytes(record[8..16].try_into().unwrap());
        if id >= self.callsites.len() {
            callsite::sync_registry(&mut self.callsites);
        }
        let cs = self.callsites[id];
        let ts = self.anchor.to_ns(raw_ts);
        let values = &record[STAGED_HEADER..];
        let block_size = self.shared.config.block_size;
        if let Some(memory) = self.memory.as_mut() {
            memory.event(ts, id, cs, thread, values);
            if memory.builder.raw_len() >= block_size {
                self.finish_memory_block();
            }
        }
        if self.output.is_some() && cs.level.as_u8() >= self.shared.config.file_level {
            self.file.event(ts, id, cs, thread, values);
            if self.file.builder.raw_len() >= block_size {
                self.write_block();
            }
        }
    }

    /// Writes DROPPED records for losses counted by `ring`'s thread since the last look.
    fn report_drops(&mut self, ring: &mut Ring) {
        let full = ring.reader.counters.full.load(Ordering::Relaxed);
        let too_large = ring.reader.counters.too_large.load(Ordering::Relaxed);
        for (seen, now, reason) in [
            (ring.seen_full, full, DropReason::QueueFull),
            (ring.seen_too_large, too_large, DropReason::TooLarge),
        ] {
            if now > seen {
                let ts = self.anchor.to_ns(crate::clock::raw());
                let count = now - seen;
                let thread = self.file.define_thread(&mut ring.thread);
                self.file.builder.dropped(ts, thread, count, reason);
                if let Some(memory) = self.memory.as_mut() {
                    let thread = memory.define_thread(&mut ring.thread);
                    memory.builder.dropped(ts, thread, count, reason);
                }
                if let Some(o) = self.output.as_mut() {
                    o.note_dropped(count);
                }
                self.shared
                    .counters
                    .events_dropped
                    .fetch_add(count, Ordering::Relaxed);
            }
        }
        ring.seen_full = full;
        ring.seen_too_large = too_large;
    }

    /// Keeps the memory stream's current block in the flight recorder.
    fn finish_memory_block(&mut self) {
        let Some(memory) = self.memory.as_mut() else {
            return;
        };
        if memory.builder.is_empty() {
            return;
        }
        let frame = memory.finish(&mut self.block_bytes);
        self.shared
            .recorder
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_block(&self.block_bytes, frame.event_count.max(1));
    }

    fn write_block(&mut self) {
        self.last_block = Instant::now();
        if self.output.is_none() {
            self.file.builder.reset();
            return;
        }
        if self.io_lost > 0 {
            let lost = std::mem::take(&mut self.io_lost);
            // Already counted in stats when the write failed.
            let ts = self.anchor.to_ns(crate::clock::raw());
            self.file.builder.dropped(ts, 0, lost, DropReason::IoError);
            if let Some(o) = self.output.as_mut() {
                o.note_dropped(lost);
            }
        }
        if self.file.builder.is_empty() {
            return;
        }
        let frame = self.file.finish(&mut self.block_bytes);
        if self.memory.is_none() {
            self.shared
                .recorder
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push_block(&self.block_bytes, frame.event_count.max(1));
        }
        let Some(output) = self.output.as_mut() else {
            return;
        };
        let result = output.write_block(&self.block_bytes, &frame);
        let (files, rotate, path) = (
            output.files_opened(),
            output.wants_rotation(),
            output.path().to_path_buf(),
        );
        let c = &self.shared.counters;
        match result {
            Ok(n) => {
                c.bytes_written.fetch_add(n, Ordering::Relaxed);
                c.files.store(files, Ordering::Relaxed);
                c.blocks_written.fetch_add(1, Ordering::Relaxed);
                c.events_written
                    .fetch_add(u64::from(frame.event_count), Ordering::Relaxed);
                self.io_error_reported = false;
                // One drain can write many blocks: check the size limit after each.
                if rotate {
                    self.rotate();
                }
            }
            Err(e) => {
                let lost = u64::from(frame.event_count);
                self.io_lost += lost;
                c.events_dropped.fetch_add(lost, Ordering::Relaxed);
                c.io_errors.fetch_add(1, Ordering::Relaxed);
                if !self.io_error_reported {
                    // Said once per run of failures, not once per block.
                    self.io_error_reported = true;
                    eprintln!(
                        "ttlog: writing {} failed: {e}; events are being counted as lost until writes succeed again",
                        path.display()
                    );
                }
            }
        }
    }

    /// Flushes the main log to disk, then writes a snapshot of the flight recorder.
    fn snapshot(&mut self, info: &SnapshotInfo) -> Result<std::path::PathBuf, crate::Error> {
        self.write_block();
        self.finish_memory_block();
        if let Some(o) = self.output.as_mut() {
            let _ = o.sync();
        }
        let recorder = self
            .shared
            .recorder
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        self.shared.snapshot.write(info, Some(&recorder))
    }

    fn rotate(&mut self) {
        if let Some(output) = self.output.as_mut() {
            let result = output.rotate();
            self.account(result, || "rotating to a new file".to_string());
        }
    }

    fn close(&mut self) {
        self.write_block();
        self.finish_memory_block();
        if let Some(output) = self.output.as_mut() {
            let path = output.path().display().to_string();
            let result = output.close_run(&self.shared.run_end.get());
            self.account(result, || format!("closing {path}"));
        }
    }

    /// Counts the bytes of a file operation that wrote, or its failure (reported on stderr).
    fn account(&self, result: std::io::Result<u64>, what: impl FnOnce() -> String) {
        let c = &self.shared.counters;
        match result {
            Ok(n) => {
                c.bytes_written.fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                c.io_errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("ttlog: {} failed: {e}", what());
            }
        }
    }
}
