//! The flight recorder: the most recent blocks, kept in memory for snapshots.
//!
//! Blocks are self-contained, so keeping the last finished blocks is keeping the last
//! events, at the cost of one copy per block rather than per event, and a snapshot is a
//! header followed by these blocks, unchanged.

use std::collections::VecDeque;

/// Recent blocks, holding at least the most recent `max_events` events when they fit in
/// `max_bytes`; the oldest blocks are forgotten first.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    max_events: usize,
    max_bytes: usize,
    blocks: VecDeque<(u32, Vec<u8>)>,
    events: usize,
    bytes: usize,
    /// Events forgotten to stay within the bounds.
    pub forgotten: u64,
}

impl Recorder {
    pub(crate) fn new(max_events: usize, max_bytes: usize) -> Recorder {
        Recorder {
            max_events,
            max_bytes,
            ..Recorder::default()
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.max_events > 0 && self.max_bytes > 0
    }

    /// Keeps a copy of a framed block holding `events` events.
    pub(crate) fn push_block(&mut self, block: &[u8], events: u32) {
        if !self.enabled() || events == 0 {
            return;
        }
        // Forget old blocks while the newer ones alone hold enough events, or too many bytes.
        let mut spare = None;
        while let Some((oldest, old)) = self.blocks.front() {
            let enough = self.events - *oldest as usize + events as usize >= self.max_events;
            let too_big = self.bytes + block.len() > self.max_bytes;
            if !(enough || too_big) {
                break;
            }
            self.events -= *oldest as usize;
            self.bytes -= old.len();
            self.forgotten += u64::from(*oldest);
            spare = self.blocks.pop_front().map(|(_, b)| b);
        }
        // Reuse a forgotten block's buffer: no allocation in the steady state.
        let mut copy = spare.unwrap_or_default();
        copy.clear();
        copy.extend_from_slice(block);
        self.events += events as usize;
        self.bytes += copy.len();
        self.blocks.push_back((events, copy));
    }

    /// The kept blocks, oldest first.
    pub(crate) fn blocks(&self) -> impl Iterator<Item = &[u8]> {
        self.blocks.iter().map(|(_, b)| b.as_slice())
    }

    /// Events held.
    pub(crate) fn events(&self) -> usize {
        self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_enough_recent_blocks() {
        let mut r = Recorder::new(25, 1 << 20);
        for i in 0..10u8 {
            r.push_block(&[i; 100], 10);
        }
        // 25 events need three blocks of ten.
        let firsts: Vec<u8> = r.blocks().map(|b| b[0]).collect();
        assert_eq!(firsts, [7, 8, 9]);
        assert_eq!(r.events(), 30);
        assert_eq!(r.forgotten, 70);
        let mut small = Recorder::new(1000, 250);
        for i in 0..10u8 {
            small.push_block(&[i; 100], 10);
        }
        assert_eq!(small.blocks().count(), 2);
        let mut off = Recorder::new(0, 0);
        off.push_block(&[1], 1);
        assert_eq!(off.blocks().count(), 0);
    }
}
