//! A thread's staging ring as the writer thread sees it: the reading end, its loss
//! counters and the thread's name. The writing end lives in `stage`.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Bytes before the values of a staged record: total length (u32), callsite id (u32), raw
/// clock reading (u64).
pub(crate) const STAGED_HEADER: usize = 16;

/// Loss counters of one ring, read by the writer thread to write DROPPED records.
#[derive(Debug, Default)]
pub(crate) struct RingCounters {
    pub full: AtomicU64,
    pub too_large: AtomicU64,
}

/// The writer thread's end of a thread's ring.
pub(crate) struct RingReader {
    pub consumer: rtrb::Consumer<u8>,
    pub counters: Arc<RingCounters>,
    pub name: String,
}
