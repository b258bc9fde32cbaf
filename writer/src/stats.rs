//! The logger's counters: atomics bumped by the writer and logging threads, read as
//! [`Stats`].

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of a running (or finished) logger.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Events in blocks that reached the file.
    pub events_written: u64,
    /// Events lost, for any reason; each loss is also recorded in the file.
    pub events_dropped: u64,
    /// Data blocks written.
    pub blocks_written: u64,
    /// Bytes written to files, headers and trailers included.
    pub bytes_written: u64,
    /// Failed writes or opens.
    pub io_errors: u64,
    /// Files opened (more than one with rotation).
    pub files: u64,
}

/// The live counters behind [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub events_written: AtomicU64,
    pub events_dropped: AtomicU64,
    pub blocks_written: AtomicU64,
    pub bytes_written: AtomicU64,
    pub io_errors: AtomicU64,
    pub files: AtomicU64,
}

/// Events that could not even be staged (the logging thread was exiting): no logger's
/// ring saw them, so every logger's count includes them.
static UNSTAGED: AtomicU64 = AtomicU64::new(0);

/// Counts an event lost before it reached any ring.
pub(crate) fn count_unstaged() {
    UNSTAGED.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    /// The counters now.
    pub fn read(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            events_written: get(&self.events_written),
            events_dropped: get(&self.events_dropped) + UNSTAGED.load(Ordering::Relaxed),
            blocks_written: get(&self.blocks_written),
            bytes_written: get(&self.bytes_written),
            io_errors: get(&self.io_errors),
            files: get(&self.files),
        }
    }
}
