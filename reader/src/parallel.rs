//! Decoding blocks on several threads while keeping file order.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Condvar, Mutex};

use crate::{BlockReader, Error, RawBlock};

/// Most raw (decompressed) payload bytes read but not yet handed to the sink. A block of
/// the format's largest size (16 MiB) is read alone, never beside another; with the
/// writer's 64 KiB blocks the count limit below rules.
pub const MAX_IN_FLIGHT_BYTES: u64 = 16 << 20;

/// Worker threads for decoding when the caller has no preference: every core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Blocks read but not yet handed to the sink, per worker thread.
const IN_FLIGHT_PER_THREAD: usize = 4;

/// Runs `work` on every block of `blocks` on `threads` worker threads, and hands the results
/// to `sink` in file order, interleaved with the reader's problem reports. Reading, decoding
/// and the sink overlap. `sink` returns false to stop early (say, on a closed pipe).
///
/// Memory is bounded whatever the file holds: blocks are read ahead only while fewer than
/// `4 × threads` of them, and at most [`MAX_IN_FLIGHT_BYTES`] of raw payload, wait for
/// the sink, counting those that finished out of order.
pub fn for_each_block_parallel<R, T, W, S>(
    blocks: &mut BlockReader<R>,
    threads: usize,
    work: W,
    mut sink: S,
) where
    R: Read + Send,
    T: Send,
    W: Fn(RawBlock) -> T + Sync,
    S: FnMut(Result<T, Error>) -> bool,
{
    let threads = threads.max(1);
    let budget = Budget::new(threads * IN_FLIGHT_PER_THREAD, MAX_IN_FLIGHT_BYTES);
    type Job = (u64, u64, Result<RawBlock, Error>);
    let (job_tx, job_rx) = sync_channel::<Job>(threads * IN_FLIGHT_PER_THREAD);
    let (done_tx, done_rx) = sync_channel::<(u64, u64, Result<T, Error>)>(threads * 4);
    // Only the workers hold the job receiver: when the sink stops early and they exit, it
    // drops, and the reader thread's next send fails instead of blocking forever.
    let job_rx = Arc::new(Mutex::new(job_rx));
    std::thread::scope(|scope| {
        let reader_budget = &budget;
        scope.spawn(move || {
            let mut seq = 0u64;
            while let Some(item) = blocks.next_block() {
                let cost = item.as_ref().map_or(0, |b| u64::from(b.frame.raw_len));
                if !reader_budget.acquire(cost) || job_tx.send((seq, cost, item)).is_err() {
                    return;
                }
                seq += 1;
            }
        });
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let job_rx = job_rx.clone();
            let work = &work;
            scope.spawn(move || loop {
                let job = job_rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok((seq, cost, item)) = job else { return };
                if done_tx.send((seq, cost, item.map(work))).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        drop(job_rx);
        collect_in_order(done_rx, &budget, &mut sink);
        // Stopping early: closing the budget and dropping the receivers lets the other
        // threads see that nobody waits for them.
        budget.close();
    });
}

fn collect_in_order<T, S: FnMut(Result<T, Error>) -> bool>(
    done: Receiver<(u64, u64, Result<T, Error>)>,
    budget: &Budget,
    sink: &mut S,
) {
    let mut next = 0u64;
    let mut waiting = BTreeMap::new();
    for (seq, cost, result) in done.iter() {
        waiting.insert(seq, (cost, result));
        while let Some((cost, result)) = waiting.remove(&next) {
            next += 1;
            let go_on = sink(result);
            budget.release(cost);
            if !go_on {
                return;
            }
        }
    }
}

/// Counts blocks and bytes in flight; the reader waits while either is at its limit.
struct Budget {
    state: Mutex<(usize, u64, bool)>,
    freed: Condvar,
    max_blocks: usize,
    max_bytes: u64,
}

impl Budget {
    fn new(max_blocks: usize, max_bytes: u64) -> Budget {
        Budget {
            state: Mutex::new((0, 0, false)),
            freed: Condvar::new(),
            max_blocks,
            max_bytes,
        }
    }

    /// Waits for room for one block of `bytes`; false once the budget was closed.
    fn acquire(&self, bytes: u64) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let (blocks, used, closed) = *s;
            if closed {
                return false;
            }
            // An empty pipeline always takes the next block, however large.
            if blocks == 0 || (blocks < self.max_blocks && used + bytes <= self.max_bytes) {
                *s = (blocks + 1, used + bytes, false);
                return true;
            }
            s = self.freed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn release(&self, bytes: u64) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.0 = s.0.saturating_sub(1);
        s.1 = s.1.saturating_sub(bytes);
        self.freed.notify_all();
    }

    fn close(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).2 = true;
        self.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_admits_one_block_of_any_size_and_waits_past_the_limits() {
        let b = Budget::new(2, 100);
        assert!(b.acquire(1000));
        let b = Arc::new(b);
        let waiter = {
            let b = b.clone();
            std::thread::spawn(move || b.acquire(1))
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiter.is_finished(), "over the byte limit: must wait");
        b.release(1000);
        assert!(waiter.join().unwrap());
        assert!(b.acquire(1));
        // Two blocks in flight: the third waits until closed.
        let waiter = {
            let b = b.clone();
            std::thread::spawn(move || b.acquire(1))
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!waiter.is_finished());
        b.close();
        assert!(!waiter.join().unwrap());
    }
}
