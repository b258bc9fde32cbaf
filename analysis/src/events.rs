//! One streaming pass over the events of a trial, for every analysis here: one file is
//! decoded on every core in file order (the analysis runs on the calling thread beside the
//! decoding), several files are merged by time. Memory stays bounded: blocks in flight are
//! bounded by the reader, and a large block is handed over in pieces.

use std::path::{Path, PathBuf};

use ttlog_reader::{Event, Header, Query, RunEnd, Selection};

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
/// for one ([`ttlog_reader::select`], on every core). Damage and unreadable files go to
/// `problem`.
pub fn for_each_event(
    files: &[PathBuf],
    window: &Query,
    mut problem: impl FnMut(&Path, &ttlog_reader::Error),
    mut each: impl FnMut(&Event),
) -> Read {
    let inputs = ttlog_reader::select(files, window, ttlog_reader::default_threads(), |item| {
        match item {
            Selection::Event { event, .. } => each(event),
            Selection::Problem { path, error } => problem(path, error),
            Selection::Opened { .. } => {}
        }
        true
    });
    Read {
        paths: inputs.paths,
        headers: inputs.headers,
        run_end: inputs.run_end,
    }
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
