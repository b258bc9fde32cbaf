//! Merging several event streams by time.

use crate::{Error, Event};

/// Interleaves several event streams by timestamp. Each item carries the index of the stream
/// it came from; errors are passed on as soon as their stream produces them.
///
/// The output is in time order as long as each input is; [`Events`](crate::Events) is in
/// time order within each block, and blocks overlap in time only by the writer's staging
/// delay (usually microseconds).
pub struct Merge<I> {
    sources: Vec<I>,
    heads: Vec<Option<Event>>,
    done: Vec<bool>,
}

impl<I: Iterator<Item = Result<Event, Error>>> Merge<I> {
    /// Merges `sources`.
    pub fn new(sources: Vec<I>) -> Merge<I> {
        let n = sources.len();
        Merge {
            sources,
            heads: (0..n).map(|_| None).collect(),
            done: vec![false; n],
        }
    }
}

impl<I: Iterator<Item = Result<Event, Error>>> Iterator for Merge<I> {
    type Item = (usize, Result<Event, Error>);

    fn next(&mut self) -> Option<Self::Item> {
        for i in 0..self.sources.len() {
            if self.heads[i].is_none() && !self.done[i] {
                match self.sources[i].next() {
                    Some(Ok(e)) => self.heads[i] = Some(e),
                    Some(Err(e)) => return Some((i, Err(e))),
                    None => self.done[i] = true,
                }
            }
        }
        let best = self
            .heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.as_ref().map(|e| (e.ts, i)))
            .min()?
            .1;
        self.heads[best].take().map(|e| (best, Ok(e)))
    }
}
