//! The events a query selects, handed out one by one with the problems met reading them:
//! the one loop every consumer of a selection (the viewer, the exports, the analysis, the
//! Python readers) runs, instead of each writing "keep what the query selects, report the
//! damage" again.
//!
//! One file is decoded on several threads, in file order, the caller's work running on its
//! own thread beside the decoding; several files are merged by time. Memory stays bounded
//! whatever the input holds: blocks in flight are bounded by
//! [`for_each_block_parallel`](crate::for_each_block_parallel), and a block larger than a
//! chunk of events is handed over undecoded past its first chunk.
//!
//! ```no_run
//! use std::path::PathBuf;
//! use ttlog_reader::{select, Query, Selection};
//!
//! let files = vec![PathBuf::from("run.bin")];
//! let query = Query::default();
//! let mut events = 0u64;
//! select(&files, &query, 2, |item| {
//!     match item {
//!         Selection::Event { event, .. } => events += 1,
//!         Selection::Problem { path, error } => eprintln!("{}: {error}", path.display()),
//!         Selection::Opened { .. } => {}
//!     }
//!     true // go on
//! });
//! println!("{events} events");
//! ```

use std::path::{Path, PathBuf};

use crate::{
    for_each_block_parallel, BlockContent, BlockEvents, BlockReader, Error, Event, EventKind,
    Header, Query, RunEnd,
};

/// Events a worker decodes and filters before the rest of its block is handed to the
/// caller's thread to decode (a block of the format's largest size never sits whole in
/// memory).
const CHUNK: usize = 4_096;

/// One item of a selection.
#[derive(Debug)]
pub enum Selection<'a> {
    /// An input opened, before any of its events: its index (the `source` of its events)
    /// and header.
    Opened {
        /// Its index among the readable inputs.
        source: usize,
        /// Its path.
        path: &'a Path,
        /// Its header.
        header: &'a Header,
    },
    /// An event the query selects; `source` indexes [`Inputs::paths`].
    Event {
        /// Which input it came from.
        source: usize,
        /// The event.
        event: &'a Event,
    },
    /// A file that could not be read, or data skipped in one (say so: exit 3).
    Problem {
        /// The file.
        path: &'a Path,
        /// What went wrong, with the byte offset where it has one.
        error: &'a Error,
    },
}

/// The inputs a selection read.
#[derive(Debug, Default)]
pub struct Inputs {
    /// The readable files, in the order given (unreadable ones left out).
    pub paths: Vec<PathBuf>,
    /// Their headers, in the same order.
    pub headers: Vec<Header>,
    /// How the run of a single file ended, seen in the same pass (several files: `None`;
    /// ask [`RunEnd::of_file`]). Only when the selection was read to its end.
    pub run_end: Option<RunEnd>,
    /// Whether `each` stopped the selection before its end.
    pub stopped: bool,
}

/// Hands every event of `files` that `query` selects to `each`, with the problems met, in
/// file order for one file (decoded on `threads` worker threads) and merged by time for
/// several. `each` returns `false` to stop (a closed pipe, a failed write).
pub fn select(
    files: &[PathBuf],
    query: &Query,
    threads: usize,
    mut each: impl FnMut(Selection<'_>) -> bool,
) -> Inputs {
    if files.len() != 1 {
        return merged(files, query, each);
    }
    let path = &files[0];
    let mut blocks = match BlockReader::open(path) {
        Ok(b) => b,
        Err(error) => {
            let stopped = !each(Selection::Problem {
                path,
                error: &error,
            });
            return Inputs {
                stopped,
                ..Inputs::default()
            };
        }
    };
    let header = blocks.header().clone();
    if !each(Selection::Opened {
        source: 0,
        path,
        header: &header,
    }) {
        return Inputs {
            paths: vec![path.clone()],
            headers: vec![header],
            run_end: None,
            stopped: true,
        };
    }
    let q = query.clone();
    blocks.set_block_filter(Box::new(move |f| q.block_may_match(f)));
    let mask = query.level_mask();
    let mut run = RunEnd::default();
    let mut stopped = false;
    for_each_block_parallel(
        &mut blocks,
        threads,
        |block| match crate::decode_block_levels(&block.frame, block.payload, mask) {
            Ok(BlockContent::Events(mut events)) => {
                let mut end = None;
                let mut kept = Vec::new();
                for e in events.by_ref().take(CHUNK) {
                    if let Some(m) = end_event(&e) {
                        end = Some(m);
                    }
                    if query.matches(&e) {
                        kept.push(e);
                    }
                }
                Ok(Decoded::Events {
                    kept,
                    end,
                    rest: (!events.is_finished()).then_some(events),
                })
            }
            Ok(BlockContent::Trailer(t)) => Ok(Decoded::Trailer(t.end.clone())),
            Ok(_) => Ok(Decoded::Other),
            Err(source) => Err(Error::BadBlock {
                offset: block.offset,
                source,
            }),
        },
        |item| {
            let go_on = match item.and_then(|r| r) {
                Ok(Decoded::Events { kept, end, rest }) => {
                    if end.is_some() {
                        run.end_event = end;
                    }
                    let mut go_on = kept
                        .iter()
                        .all(|event| each(Selection::Event { source: 0, event }));
                    if let Some(rest) = rest.filter(|_| go_on) {
                        for event in *rest {
                            if let Some(m) = end_event(&event) {
                                run.end_event = Some(m);
                            }
                            if query.matches(&event)
                                && !each(Selection::Event {
                                    source: 0,
                                    event: &event,
                                })
                            {
                                go_on = false;
                                break;
                            }
                        }
                    }
                    go_on
                }
                Ok(Decoded::Trailer(end)) => {
                    run.end = end;
                    true
                }
                Ok(Decoded::Other) => true,
                Err(error) => {
                    if !matches!(error, Error::Truncated { .. }) {
                        run.damaged = true;
                    }
                    each(Selection::Problem {
                        path,
                        error: &error,
                    })
                }
            };
            stopped |= !go_on;
            go_on
        },
    );
    let run_end = (!stopped).then(|| {
        run.closed = blocks.closed_cleanly();
        run.live = !run.closed && crate::is_being_written(path);
        run
    });
    Inputs {
        paths: vec![path.clone()],
        headers: vec![header],
        run_end,
        stopped,
    }
}

/// The message of the run's own end record (`ttlog.end`), when `e` is one.
fn end_event(e: &Event) -> Option<String> {
    (&*e.callsite.target == "ttlog.end" && matches!(e.kind, EventKind::Log)).then(|| e.message())
}

/// [`select`] over several files, merged by time on the calling thread.
fn merged(files: &[PathBuf], query: &Query, mut each: impl FnMut(Selection<'_>) -> bool) -> Inputs {
    let mut stopped = false;
    let opened = query.open(files, |path, error| {
        if !stopped && !each(Selection::Problem { path, error }) {
            stopped = true;
        }
    });
    for (source, (path, header)) in opened.paths.iter().zip(&opened.headers).enumerate() {
        if !stopped
            && !each(Selection::Opened {
                source,
                path,
                header,
            })
        {
            stopped = true;
        }
    }
    if !stopped {
        for (source, item) in opened.events {
            let go_on = match item {
                Ok(event) if query.matches(&event) => each(Selection::Event {
                    source,
                    event: &event,
                }),
                Ok(_) => true,
                Err(error) => each(Selection::Problem {
                    path: &opened.paths[source],
                    error: &error,
                }),
            };
            if !go_on {
                stopped = true;
                break;
            }
        }
    }
    Inputs {
        paths: opened.paths,
        headers: opened.headers,
        run_end: None,
        stopped,
    }
}

/// What a worker made of a block.
enum Decoded {
    /// The selected events of its first chunk, the end record's message if the chunk held
    /// one, and the rest of the block to decode.
    Events {
        kept: Vec<Event>,
        end: Option<String>,
        rest: Option<Box<BlockEvents>>,
    },
    /// A trailer, with its `end`.
    Trailer(Option<String>),
    /// A block of a kind not known.
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_a_problem_not_a_panic() {
        let files = vec![PathBuf::from("/nonexistent/run.bin")];
        let mut problems = 0;
        let inputs = select(&files, &Query::default(), 2, |item| {
            assert!(matches!(item, Selection::Problem { .. }), "{item:?}");
            problems += 1;
            true
        });
        assert_eq!(problems, 1);
        assert!(inputs.paths.is_empty());
    }
}
