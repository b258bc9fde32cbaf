//! Exit codes, as documented in `--help` and the README.

/// Everything was read.
pub const OK: u8 = 0;
/// A file could not be read at all.
pub const ERROR: u8 = 1;
/// The command line was wrong.
pub const USAGE: u8 = 2;
/// Finished, but some data was skipped.
pub const DATA_LOSS: u8 = 3;
