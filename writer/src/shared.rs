//! The state one running logger shares between the logging threads, the writer thread and
//! whoever controls it (guard, hooks): settings, counters, the flight recorder, new rings,
//! the flush and shutdown requests and the snapshot mailbox.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::thread::{Thread, ThreadId};
use std::time::Duration;

use crate::mailbox::SnapshotMailbox;
use crate::recorder::Recorder;
use crate::ring::RingReader;
use crate::run_end::RunEnd;
use crate::settings::{Config, SnapshotSettings};
use crate::stats::Counters;

/// State shared by the logging threads and the writer thread.
pub(crate) struct Shared {
    pub generation: u64,
    /// The process that started the logger: a child made by `fork` shares this memory but
    /// not the writer thread, and must neither wait for it nor stop it.
    pub pid: u32,
    pub config: Config,
    pub counters: Counters,
    pub recorder: Mutex<Recorder>,
    pub snapshot: SnapshotSettings,
    pub mailbox: SnapshotMailbox,
    /// How the run ended, for the trailer (`crate::run_end`).
    pub run_end: RunEnd,
    /// Test hook: makes the writer thread panic (see `bindings::inject_writer_panic`).
    #[cfg(feature = "test-hooks")]
    pub inject_panic: AtomicBool,
    writer_id: OnceLock<ThreadId>,
    new_rings: Mutex<Vec<RingReader>>,
    rings_pending: AtomicBool,
    writer: OnceLock<Thread>,
    writer_alive: AtomicBool,
    shutdown: AtomicBool,
    thread_numbers: AtomicU64,
    flush_requested: AtomicU64,
    flushed: Mutex<u64>,
    flushed_cv: Condvar,
}

impl Shared {
    /// The state of a logger about to start its writer thread.
    pub fn new(
        generation: u64,
        config: Config,
        counters: Counters,
        recorder: Recorder,
        snapshot: SnapshotSettings,
    ) -> Shared {
        Shared {
            generation,
            pid: std::process::id(),
            config,
            counters,
            recorder: Mutex::new(recorder),
            snapshot,
            mailbox: SnapshotMailbox::default(),
            run_end: RunEnd::default(),
            #[cfg(feature = "test-hooks")]
            inject_panic: AtomicBool::new(false),
            writer_id: OnceLock::new(),
            new_rings: Mutex::new(Vec::new()),
            rings_pending: AtomicBool::new(false),
            writer: OnceLock::new(),
            writer_alive: AtomicBool::new(true),
            shutdown: AtomicBool::new(false),
            thread_numbers: AtomicU64::new(0),
            flush_requested: AtomicU64::new(0),
            flushed: Mutex::new(0),
            flushed_cv: Condvar::new(),
        }
    }

    /// Records the writer thread, once started.
    pub fn set_writer(&self, thread: &Thread) {
        let _ = self.writer.set(thread.clone());
        let _ = self.writer_id.set(thread.id());
    }

    /// False in a child made by `fork` after this logger started (a system call: cold
    /// paths only).
    pub fn is_ours(&self) -> bool {
        self.pid == std::process::id()
    }

    pub fn next_thread_number(&self) -> u64 {
        self.thread_numbers.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Hands a new thread's ring to the writer thread.
    pub fn adopt_ring(&self, ring: RingReader) {
        self.new_rings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(ring);
        self.rings_pending.store(true, Ordering::Release);
        self.wake_writer();
    }

    /// New rings registered since the last call, if any (writer thread).
    pub fn take_new_rings(&self) -> Vec<RingReader> {
        if !self.rings_pending.swap(false, Ordering::Acquire) {
            return Vec::new();
        }
        std::mem::take(&mut *self.new_rings.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// True while the writer thread runs and is not shutting down: waiting for room is
    /// worth it only then.
    pub fn accepting(&self) -> bool {
        self.writer_alive.load(Ordering::Acquire) && !self.shutdown.load(Ordering::Acquire)
    }

    pub fn wake_writer(&self) {
        if let Some(t) = self.writer.get() {
            t.unpark();
        }
    }

    pub fn shutdown_requested(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Asks the writer thread to write its last block and stop.
    pub fn request_shutdown(&self) {
        self.shutdown.store(true, Ordering::Release);
        self.wake_writer();
    }

    /// Waits, at most `timeout`, for the writer thread to stop.
    pub fn wait_for_writer_exit(&self, timeout: Duration) {
        if self.on_writer_thread() {
            return;
        }
        let done = self.flushed.lock().unwrap_or_else(|e| e.into_inner());
        let _ = self
            .flushed_cv
            .wait_timeout_while(done, timeout, |_| self.writer_alive.load(Ordering::Acquire));
    }

    pub fn flush_requested(&self) -> u64 {
        self.flush_requested.load(Ordering::Acquire)
    }

    /// The writer thread has written everything up to flush request `upto`.
    pub fn ack_flush(&self, upto: u64) {
        let mut done = self.flushed.lock().unwrap_or_else(|e| e.into_inner());
        if upto > *done {
            *done = upto;
        }
        self.flushed_cv.notify_all();
    }

    /// Whether the calling thread is this logger's writer thread.
    pub fn on_writer_thread(&self) -> bool {
        self.writer_id.get().copied() == Some(std::thread::current().id())
    }

    /// True while the writer thread runs (shutting down or not).
    pub fn writer_running(&self) -> bool {
        self.writer_alive.load(Ordering::Acquire)
    }

    /// Flushes, without blocking longer than `timeout` and without waiting on the writer
    /// from the writer thread itself.
    pub fn flush_for_exit(&self, timeout: Duration) {
        if !self.on_writer_thread() && self.writer_running() {
            self.flush(timeout);
        }
    }

    pub fn writer_exited(&self) {
        self.writer_alive.store(false, Ordering::Release);
        // Release anyone waiting on a flush the writer will never do.
        self.ack_flush(u64::MAX);
    }

    /// Asks the writer to write every staged event and waits at most `timeout`; true when
    /// it did.
    pub fn flush(&self, timeout: Duration) -> bool {
        let want = self.flush_requested.fetch_add(1, Ordering::AcqRel) + 1;
        self.wake_writer();
        let done = self.flushed.lock().unwrap_or_else(|e| e.into_inner());
        let (done, _) = self
            .flushed_cv
            .wait_timeout_while(done, timeout, |d| *d < want)
            .unwrap_or_else(|e| e.into_inner());
        *done >= want && self.writer_alive.load(Ordering::Acquire)
    }
}
