//! One streaming pass over the events of a trial, for every analysis here: one file is
//! decoded on every core in file order (the analysis runs on the calling thread beside the
//! decoding), several files are merged by time. Memory stays bounded: blocks in flight are
//! bounded by the reader, and a large block is handed over in pieces.

use std::path::{Path, PathBuf};

use ttlog_reader::{
    for_each_block_parallel, BlockContent, BlockEvents, BlockReader, Event, EventKind, Header,
    Query, RunEnd,
};

/// Events decoded by a worker before the rest of its block is handed to the caller's
/// thread to decode (a block of the format's largest size never sits whole in memory).
const CHUNK: usize = 4_096;

/// The files read, and their headers.
pub struct Read {
    /// The readable files.
    pub paths: Vec<PathBuf>,
    /// Their headers, in the same order.
    pub headers: Vec<Header>,
    /// How the run of a single file ended, seen in the same pass (several files: `None`,
    /// ask [`RunEnd::of_file`]).
    pub run_end: Option<RunEnd>,
}

/// Hands every event of `files` selected by `window` (its time range and block filter;
/// `each` applies the rest) to `each`, in time order for several files and in file order
/// for one. Damage and unreadable files go to `problem`.
pub fn for_each_event(
    files: &[PathBuf],
    window: &Query,
    mut problem: impl FnMut(&Path, &ttlog_reader::Error),
    mut each: impl FnMut(&Event),
) -> Read {
    if files.len() != 1 {
        let selected = window.open(files, &mut problem);
        for (source, item) in selected.events {
            match item {
                Ok(e) => each(&e),
                Err(err) => problem(&selected.paths[source], &err),
            }
        }
        return Read {
            paths: selected.paths,
            headers: selected.headers,
            run_end: None,
        };
    }
    let path = &files[0];
    let mut blocks = match BlockReader::open(path) {
        Ok(b) => b,
        Err(e) => {
            problem(path, &e);
            return Read {
                paths: Vec::new(),
                headers: Vec::new(),
                run_end: None,
            };
        }
    };
    let header = blocks.header().clone();
    let q = window.clone();
    blocks.set_block_filter(Box::new(move |f| q.block_may_match(f)));
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut run = RunEnd::default();
    for_each_block_parallel(
        &mut blocks,
        threads,
        |block| match ttlog_reader::decode_block(&block.frame, block.payload) {
            Ok(BlockContent::Events(mut events)) => {
                let first: Vec<Event> = events.by_ref().take(CHUNK).collect();
                Ok(Decoded::Events(
                    first,
                    (!events.is_finished()).then_some(events),
                ))
            }
            Ok(BlockContent::Trailer(t)) => Ok(Decoded::Trailer(t.end.clone())),
            Ok(_) => Ok(Decoded::Other),
            Err(source) => Err(ttlog_reader::Error::BadBlock {
                offset: block.offset,
                source,
            }),
        },
        |item| {
            let mut take = |e: &Event| {
                if &*e.callsite.target == "ttlog.end" && matches!(e.kind, EventKind::Log) {
                    run.end_event = Some(e.message());
                }
                each(e);
            };
            match item.and_then(|r| r) {
                Ok(Decoded::Events(first, rest)) => {
                    for e in &first {
                        take(e);
                    }
                    if let Some(rest) = rest {
                        for e in rest {
                            take(&e);
                        }
                    }
                }
                Ok(Decoded::Trailer(end)) => run.end = end,
                Ok(Decoded::Other) => {}
                Err(e) => {
                    if !matches!(e, ttlog_reader::Error::Truncated { .. }) {
                        run.damaged = true;
                    }
                    problem(path, &e);
                }
            }
            true
        },
    );
    run.closed = blocks.closed_cleanly();
    run.live = !run.closed && ttlog_reader::is_being_written(path);
    Read {
        paths: vec![path.clone()],
        headers: vec![header],
        run_end: Some(run),
    }
}

/// What a worker made of a block.
enum Decoded {
    /// Its first events, and the rest to decode.
    Events(Vec<Event>, Option<Box<BlockEvents>>),
    /// A trailer, with its `end`.
    Trailer(Option<String>),
    /// A block of a kind not known.
    Other,
}

/// A map keyed by a callsite's address: hashed by a multiply, not SipHash (looked up for
/// every event; the keys are addresses this process made, not input).
pub(crate) type ByCallsite<V> =
    std::collections::HashMap<usize, V, std::hash::BuildHasherDefault<AddressHasher>>;

/// The hasher of [`ByCallsite`].
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_usize(&mut self, n: usize) {
        // Addresses are 8- or 16-aligned: the multiply spreads the rest over the high bits
        // the table uses.
        self.0 = (n as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(26);
    }
}
