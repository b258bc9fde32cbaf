//! The hot path: each thread encodes its events into its own bounded ring; the writer thread
//! is the only reader. No lock, no allocation (after a thread's first event), no system call
//! except to wake a sleeping writer when a ring passes half full.

use std::cell::RefCell;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::callsite::Callsite;
use crate::clock;
use crate::registry;
use crate::ring::{try_write, RingCounters, RingReader};
use crate::shared::Shared;
use crate::stats::count_unstaged;
use crate::value::Encoder;
use crate::OnFull;

struct Stage {
    generation: u64,
    producer: rtrb::Producer<u8>,
    counters: Arc<RingCounters>,
    shared: Arc<Shared>,
    scratch: Vec<u8>,
    half: usize,
    max_record: usize,
    woke_writer: bool,
    /// `scratch` holds an event that `try_emit` could not push yet.
    pending: bool,
}

thread_local! {
    static STAGE: RefCell<Option<Stage>> = const { RefCell::new(None) };
    static THREAD_NAME: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Sets the name this thread's events carry, when its ring is (re)created.
pub(crate) fn set_thread_name(name: &str) {
    let _ = THREAD_NAME.try_with(|n| *n.borrow_mut() = Some(name.to_string()));
    // A ring created before keeps its old name; make the next event create it afresh.
    let _ = STAGE.try_with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            *s = None;
        }
    });
}

/// Records one event of `callsite`, its values written by `encode`.
#[inline]
pub fn emit<F: FnOnce(&mut Encoder<'_>)>(callsite: &'static Callsite, encode: F) {
    stage_event(callsite, encode, true);
}

/// Like [`emit`], except that where `emit` would wait for room (`OnFull::Block` and a full
/// ring) it returns `false` and keeps the encoded event, to be pushed by
/// [`finish_pending`]. A binding holding a lock (Python's GIL) releases it in between, so
/// that a thread waiting for the writer does not stop every other thread.
#[inline]
pub fn try_emit<F: FnOnce(&mut Encoder<'_>)>(callsite: &'static Callsite, encode: F) -> bool {
    stage_event(callsite, encode, false)
}

/// Waits for room and pushes the event that [`try_emit`] kept; nothing if there is none.
pub fn finish_pending() {
    let _ = STAGE.try_with(|cell| {
        let Ok(mut slot) = cell.try_borrow_mut() else {
            return;
        };
        if let Some(stage) = slot.as_mut() {
            stage.push_pending();
        }
    });
}

#[inline]
fn stage_event<F: FnOnce(&mut Encoder<'_>)>(
    callsite: &'static Callsite,
    encode: F,
    wait: bool,
) -> bool {
    let ts = clock::raw();
    let id = callsite.id();
    let staged = STAGE.try_with(|cell| {
        // The scratch buffer is taken out while user code (Serialize, Debug, Display) runs,
        // so that code may itself log without a RefCell conflict.
        let mut scratch = match cell.try_borrow_mut() {
            Ok(mut stage) => stage
                .as_mut()
                .map(|s| {
                    // A caller that skipped `finish_pending` still loses nothing.
                    s.push_pending();
                    std::mem::take(&mut s.scratch)
                })
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        scratch.clear();
        scratch.extend_from_slice(&[0; 4]);
        scratch.extend_from_slice(&id.to_le_bytes());
        scratch.extend_from_slice(&ts.to_le_bytes());
        encode(&mut Encoder::new(&mut scratch));
        let len = scratch.len() as u32;
        scratch[..4].copy_from_slice(&len.to_le_bytes());
        let Ok(mut slot) = cell.try_borrow_mut() else {
            count_unstaged();
            return true;
        };
        match current_stage(&mut slot) {
            Some(stage) => {
                let done = stage.push(&scratch, wait);
                stage.pending = !done;
                stage.scratch = scratch;
                done
            }
            None => true,
        }
    });
    staged.unwrap_or_else(|_| {
        // The thread is exiting and its ring is gone.
        count_unstaged();
        true
    })
}

/// The thread's stage for the running logger, (re)creating it when the logger changed.
#[inline]
fn current_stage(slot: &mut Option<Stage>) -> Option<&mut Stage> {
    let active = registry::active_generation();
    match slot {
        Some(stage) if stage.generation == active => {}
        _ => *slot = new_stage(),
    }
    slot.as_mut()
}

#[cold]
fn new_stage() -> Option<Stage> {
    let shared = registry::active()?;
    let capacity = shared.config.buffer_size;
    let (producer, consumer) = rtrb::RingBuffer::new(capacity);
    let counters = Arc::new(RingCounters::default());
    let name = THREAD_NAME
        .try_with(|n| n.borrow().clone())
        .ok()
        .flatten()
        .or_else(|| std::thread::current().name().map(str::to_string))
        .unwrap_or_else(|| format!("thread-{}", shared.next_thread_number()));
    shared.adopt_ring(RingReader {
        consumer,
        counters: counters.clone(),
        name,
    });
    Some(Stage {
        generation: shared.generation,
        producer,
        counters,
        half: capacity / 2,
        max_record: capacity / 2,
        shared,
        scratch: Vec::with_capacity(256),
        woke_writer: false,
        pending: false,
    })
}

impl Stage {
    fn push_pending(&mut self) {
        if self.pending {
            self.pending = false;
            let scratch = std::mem::take(&mut self.scratch);
            self.push(&scratch, true);
            self.scratch = scratch;
        }
    }

    /// Pushes `record`, or counts it lost. When the ring is full under `OnFull::Block`,
    /// waits if `wait`, else returns false with nothing pushed.
    #[inline]
    fn push(&mut self, record: &[u8], wait: bool) -> bool {
        let n = record.len();
        if n > self.max_record {
            self.counters.too_large.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        let mut spins = 0u32;
        loop {
            if try_write(&mut self.producer, record) {
                break;
            }
            // A forked child's ring has no writer: never wait for it (a system call, but
            // only on a full ring).
            if self.shared.config.on_full == OnFull::Drop
                || !self.shared.accepting()
                || !self.shared.is_ours()
            {
                self.counters.full.fetch_add(1, Ordering::Relaxed);
                return true;
            }
            self.shared.wake_writer();
            if !wait {
                return false;
            }
            backoff(&mut spins);
        }
        if self.producer.slots() < self.half {
            if !self.woke_writer {
                self.woke_writer = true;
                self.shared.wake_writer();
            }
        } else {
            self.woke_writer = false;
        }
        true
    }
}

/// Waits for the writer to make room: spin briefly, then yield, then sleep.
#[cold]
fn backoff(spins: &mut u32) {
    *spins += 1;
    if *spins < 64 {
        std::hint::spin_loop();
    } else if *spins < 128 {
        std::thread::yield_now();
    } else {
        std::thread::sleep(std::time::Duration::from_micros(50));
    }
}
