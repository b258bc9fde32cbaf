//! The one writer thread: drains every thread's ring, interns callsites and threads per
//! block, builds and compresses blocks, writes them, rotates files, and reports losses.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ttlog_format::{BlockBuilder, BlockKind, DropReason};

use crate::callsite::{self, Callsite};
use crate::clock::Anchor;
use crate::logger::Shared;
use crate::output::Output;
use crate::stage::{RingReader, STAGED_HEADER};

/// Longest idle sleep: bounds how late a quiet writer notices new events.
const MAX_IDLE: Duration = Duration::from_millis(10);

struct Ring {
    reader: RingReader,
    thread: ThreadSlot,
    seen_full: u64,
    seen_too_large: u64,
}

/// A logging thread as the current block knows it.
struct ThreadSlot {
    name: String,
    /// `(block epoch, block-local id)` of this thread's THREAD record.
    local: (u32, u64),
}

/// Turns staged records into blocks and blocks into file bytes.
struct Encoder {
    shared: Arc<Shared>,
    output: Output,
    anchor: Anchor,
    builder: BlockBuilder,
    block_bytes: Vec<u8>,
    /// Incremented per block; a table entry from an older epoch is undefined in this block.
    epoch: u32,
    next_callsite: u64,
    next_thread: u64,
    /// Indexed by registry id: `(epoch, block-local id)`.
    callsite_ids: Vec<(u32, u64)>,
    callsites: Vec<&'static Callsite>,
    /// Events lost to failed writes, to report in the next block.
    io_lost: u64,
    io_error_reported: bool,
    last_block: Instant,
    straddle: Vec<u8>,
}

/// The writer thread's body.
pub(crate) fn run(shared: Arc<Shared>, output: Output, anchor: Anchor) {
    struct Exit(Arc<Shared>);
    impl Drop for Exit {
        // Runs on a normal exit and on a panic alike, so no logging thread waits forever.
        fn drop(&mut self) {
            self.0.writer_exited();
        }
    }
    let _exit = Exit(shared.clone());
    let mut rings: Vec<Ring> = Vec::new();
    let mut enc = Encoder {
        shared: shared.clone(),
        output,
        anchor,
        builder: BlockBuilder::new(),
        block_bytes: Vec::new(),
        epoch: 1,
        next_callsite: 0,
        next_thread: 0,
        callsite_ids: Vec::new(),
        callsites: Vec::new(),
        io_lost: 0,
        io_error_reported: false,
        last_block: Instant::now(),
        straddle: Vec::new(),
    };
    let mut idle = Duration::from_micros(50);
    let mut flushed = 0;
    loop {
        // Read both requests before draining: everything logged before them is in a ring by
        // now, so one drain covers it.
        let shutdown = shared.shutdown_requested();
        let flush = shared.flush_requested();
        rings.extend(shared.take_new_rings().into_iter().map(|reader| Ring {
            thread: ThreadSlot {
                name: reader.name.clone(),
                local: (0, 0),
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
        if !enc.builder.is_empty() && (due || shutdown || flush_due) {
            enc.write_block();
        }
        if flush_due {
            flushed = flush;
            shared.ack_flush(flush);
        }
        // Age-based rotation of a quiet file; size is checked after every block.
        if enc.output.wants_rotation() {
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

impl Encoder {
    /// Moves every complete record out of `ring` into blocks. Returns the bytes moved.
    fn drain(&mut self, ring: &mut Ring) -> usize {
        let Ring { reader, thread, .. } = ring;
        let available = reader.consumer.slots();
        if available == 0 {
            return 0;
        }
        let Ok(chunk) = reader.consumer.read_chunk(available) else {
            return 0;
        };
        let (first, second) = chunk.as_slices();
        let byte_at = |k: usize| {
            if k < first.len() {
                first[k]
            } else {
                second[k - first.len()]
            }
        };
        // Producers commit whole records, so the chunk holds whole records; only one may be
        // split by the ring's wrap-around, and that one is copied out.
        let mut pos = 0;
        while pos < available {
            let len = match first.get(pos..pos + 4) {
                Some(b) => u32::from_le_bytes(b.try_into().unwrap()),
                None => u32::from_le_bytes(std::array::from_fn(|i| byte_at(pos + i))),
            } as usize;
            let end = pos + len;
            if end <= first.len() {
                self.event(thread, &first[pos..end]);
            } else if pos >= first.len() {
                self.event(thread, &second[pos - first.len()..end - first.len()]);
            } else {
                let mut straddle = std::mem::take(&mut self.straddle);
                straddle.clear();
                straddle.extend_from_slice(&first[pos..]);
                straddle.extend_from_slice(&second[..end - first.len()]);
                self.event(thread, &straddle);
                self.straddle = straddle;
            }
            pos = end;
        }
        chunk.commit_all();
        available
    }

    /// One staged record into the current block.
    #[inline]
    fn event(&mut self, thread: &mut ThreadSlot, record: &[u8]) {
        let id = u32::from_le_bytes(record[4..8].try_into().unwrap()) as usize;
        let raw_ts = u64::from_le_bytes(record[8..16].try_into().unwrap());
        if id >= self.callsites.len() {
            callsite::sync_registry(&mut self.callsites);
            self.callsite_ids.resize(self.callsites.len(), (0, 0));
        }
        let cs = self.callsites[id];
        let local_cs = self.define_callsite(id, cs);
        let local_thread = self.define_thread(thread);
        let ts = self.anchor.to_ns(raw_ts);
        self.builder.event(
            ts,
            cs.level.as_u8(),
            local_cs,
            local_thread,
            &record[STAGED_HEADER..],
        );
        if self.builder.raw_len() >= self.shared.config.block_size {
            self.write_block();
        }
    }

    fn define_callsite(&mut self, id: usize, cs: &'static Callsite) -> u64 {
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
        if thread.local.0 == self.epoch {
            return thread.local.1;
        }
        // Block-local thread ids start at 1: 0 means "no thread" in DROPPED records.
        self.next_thread += 1;
        thread.local = (self.epoch, self.next_thread);
        self.builder.thread(self.next_thread, &thread.name);
        self.next_thread
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
                let thread = self.define_thread(&mut ring.thread);
                self.dropped(thread, now - seen, reason);
            }
        }
        ring.seen_full = full;
        ring.seen_too_large = too_large;
    }

    fn dropped(&mut self, thread: u64, count: u64, reason: DropReason) {
        let ts = self.anchor.to_ns(crate::clock::raw());
        self.builder.dropped(ts, thread, count, reason);
        self.output.note_dropped(count);
        self.shared
            .counters
            .events_dropped
            .fetch_add(count, Ordering::Relaxed);
    }

    fn write_block(&mut self) {
        if self.io_lost > 0 {
            let lost = std::mem::take(&mut self.io_lost);
            // Already counted in stats when the write failed.
            let ts = self.anchor.to_ns(crate::clock::raw());
            self.builder.dropped(ts, 0, lost, DropReason::IoError);
            self.output.note_dropped(lost);
        }
        self.block_bytes.clear();
        let frame = self.builder.finish(BlockKind::Data, &mut self.block_bytes);
        self.epoch = self.epoch.wrapping_add(1).max(1);
        self.next_callsite = 0;
        self.next_thread = 0;
        self.last_block = Instant::now();
        let c = &self.shared.counters;
        match self.output.write_block(&self.block_bytes, &frame) {
            Ok(n) => {
                c.bytes_written.fetch_add(n, Ordering::Relaxed);
                c.files.store(self.output.files_opened(), Ordering::Relaxed);
                c.blocks_written.fetch_add(1, Ordering::Relaxed);
                c.events_written
                    .fetch_add(u64::from(frame.event_count), Ordering::Relaxed);
                self.io_error_reported = false;
                // One drain can write many blocks: check the size limit after each.
                if self.output.wants_rotation() {
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
                        self.output.path().display()
                    );
                }
            }
        }
    }

    fn rotate(&mut self) {
        match self.output.rotate() {
            Ok(n) => {
                self.shared
                    .counters
                    .bytes_written
                    .fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                self.shared
                    .counters
                    .io_errors
                    .fetch_add(1, Ordering::Relaxed);
                eprintln!("ttlog: rotating to a new file failed: {e}");
            }
        }
    }

    fn close(&mut self) {
        if !self.builder.is_empty() || self.io_lost > 0 {
            self.write_block();
        }
        match self.output.close() {
            Ok(n) => {
                self.shared
                    .counters
                    .bytes_written
                    .fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                self.shared
                    .counters
                    .io_errors
                    .fetch_add(1, Ordering::Relaxed);
                eprintln!(
                    "ttlog: closing {} failed: {e}",
                    self.output.path().display()
                );
            }
        }
    }
}
