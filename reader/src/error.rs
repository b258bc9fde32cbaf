//! The one error type of the reader.

use std::fmt;
use std::io;

use ttlog_format::FormatError;

/// What went wrong in reading a file.
///
/// [`Error::Io`] and [`Error::Header`] mean the file cannot be read at all. The others are
/// reported while reading goes on: they name data that was skipped, with its byte offset.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Reading from the file failed.
    Io(io::Error),
    /// The file does not start with a readable ttlog header.
    Header(FormatError),
    /// A block failed its checks and was skipped whole.
    BadBlock {
        /// Byte offset of the block's frame.
        offset: u64,
        /// What was wrong with it.
        source: FormatError,
    },
    /// Bytes that are not a block were skipped.
    Garbage {
        /// Byte offset of the first skipped byte.
        offset: u64,
        /// How many bytes were skipped.
        len: u64,
    },
    /// The trailer of a cleanly closed file disagrees with the blocks found: blocks were
    /// cut out of the file or damaged after it was closed.
    TrailerMismatch {
        /// Byte offset of the trailer block.
        offset: u64,
        /// What disagrees, e.g. `says 12 blocks, found 11`.
        detail: String,
    },
    /// A file of a followed series was deleted before it could be read to its end (as by
    /// retention while a follower was behind): its unread events are lost to the follower.
    Deleted {
        /// The file.
        path: std::path::PathBuf,
    },
    /// The file ends inside a block, as when its writer was killed while writing it.
    Truncated {
        /// Byte offset of the incomplete block.
        offset: u64,
        /// Bytes of it present.
        have: u64,
    },
}

impl Error {
    /// The byte offset in the file where the problem is, when it is at one place: the
    /// damaged block or skipped bytes, or 0 for the header.
    pub fn offset(&self) -> Option<u64> {
        match self {
            Error::BadBlock { offset, .. }
            | Error::TrailerMismatch { offset, .. }
            | Error::Garbage { offset, .. }
            | Error::Truncated { offset, .. } => Some(*offset),
            Error::Header(_) => Some(0),
            _ => None,
        }
    }

    /// True when reading can go on after this error: data was skipped, not the whole file.
    pub fn is_data_loss(&self) -> bool {
        !matches!(self, Error::Io(_) | Error::Header(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "{e}"),
            Error::Header(FormatError::Incomplete { needed }) => write!(
                f,
                "file is too short to be a ttlog file (its header needs at least {needed} bytes)"
            ),
            Error::Header(e) => write!(f, "{e}"),
            Error::BadBlock { offset, source } => {
                write!(f, "skipped damaged block at byte {offset}: {source}")
            }
            Error::Garbage { offset, len } => {
                write!(f, "skipped {len} bytes of non-block data at byte {offset}")
            }
            Error::TrailerMismatch { offset, detail } => write!(
                f,
                "the trailer at byte {offset} disagrees with the blocks found: {detail}"
            ),
            Error::Deleted { path } => write!(
                f,
                "{} was deleted before it could be read to its end; its unread events are lost",
                path.display()
            ),
            Error::Truncated { offset, have } => write!(
                f,
                "file ends inside the block at byte {offset} ({have} bytes of it present): the writer stopped mid-block"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Header(e) | Error::BadBlock { source: e, .. } => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(e)
    }
}
