//! Decoding blocks on several threads while keeping file order.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

use crate::{BlockReader, Error, RawBlock};

/// Runs `work` on every block of `blocks` on `threads` worker threads, and hands the results
/// to `sink` in file order, interleaved with the reader's problem reports. Reading, decoding
/// and the sink overlap. `sink` returns false to stop early (say, on a closed pipe).
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
    let (job_tx, job_rx) = sync_channel::<(u64, Result<RawBlock, Error>)>(threads * 4);
    let (done_tx, done_rx) = sync_channel::<(u64, Result<T, Error>)>(threads * 4);
    // Only the workers hold the job receiver: when the sink stops early and they exit, it
    // drops, and the reader thread's next send fails instead of blocking forever.
    let job_rx = Arc::new(Mutex::new(job_rx));
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut seq = 0u64;
            while let Some(item) = blocks.next_block() {
                if job_tx.send((seq, item)).is_err() {
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
                let Ok((seq, item)) = job else { return };
                if done_tx.send((seq, item.map(work))).is_err() {
                    return;
                }
            });
        }
        drop(done_tx);
        drop(job_rx);
        collect_in_order(done_rx, &mut sink);
        // Stopping early: dropping the receivers lets the other threads see closed channels.
    });
}

fn collect_in_order<T, S: FnMut(Result<T, Error>) -> bool>(
    done: Receiver<(u64, Result<T, Error>)>,
    sink: &mut S,
) {
    let mut next = 0u64;
    let mut waiting = BTreeMap::new();
    for (seq, result) in done.iter() {
        waiting.insert(seq, result);
        while let Some(result) = waiting.remove(&next) {
            next += 1;
            if !sink(result) {
                return;
            }
        }
    }
}
