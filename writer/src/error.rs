//! The one error type of the writer's setup and control calls.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong in setting up, controlling or snapshotting the logger.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A logger is already running; drop its [`Guard`](crate::Guard) first.
    AlreadyInitialized,
    /// The log file or its directory could not be created.
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The writer thread (or, with snapshots on signals, the signal thread) could not be
    /// started.
    Thread(std::io::Error),
    /// The signal handlers for snapshots on signals could not be installed.
    Signals(std::io::Error),
    /// A level filter could not be parsed.
    InvalidFilter(String),
    /// A builder setting is out of range.
    InvalidConfig(String),
    /// No logger is running.
    NotRunning,
    /// A snapshot could not be written into its directory.
    Snapshot {
        /// The snapshot directory.
        dir: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AlreadyInitialized => write!(f, "a ttlog logger is already running"),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Thread(source) => write!(f, "starting a ttlog thread: {source}"),
            Error::Signals(source) => write!(f, "installing signal handlers: {source}"),
            Error::InvalidFilter(why) => write!(f, "invalid level filter: {why}"),
            Error::InvalidConfig(why) => write!(f, "invalid configuration: {why}"),
            Error::NotRunning => write!(f, "no ttlog logger is running"),
            Error::Snapshot { dir, source } => {
                write!(f, "writing a snapshot into {}: {source}", dir.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. }
            | Error::Snapshot { source, .. }
            | Error::Thread(source)
            | Error::Signals(source) => Some(source),
            _ => None,
        }
    }
}
