//! What the builder decided, as the running logger reads it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::recorder::Recorder;
use crate::snapshot::{write_snapshot, SnapshotInfo};
use crate::Error;

/// What a thread does when its staging buffer is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnFull {
    /// Wait until the writer thread makes room: nothing is lost, the logging thread may stall.
    #[default]
    Block,
    /// Drop the event and count it; the file gets a DROPPED record saying how many.
    Drop,
}

/// When the writer asks the OS to put written blocks on disk (`fsync`).
///
/// Without it a block is in the OS's page cache as soon as it is written: it survives the
/// process being killed, but not a power loss or kernel crash. Syncing makes blocks survive
/// those too, at the cost of a disk flush per block or interval (milliseconds on some disks),
/// paid by the writer thread, not the logging threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Fsync {
    /// Never (default): fastest; blocks survive a killed process, not a power loss.
    #[default]
    Never,
    /// After every block.
    EveryBlock,
    /// At most once per interval, after a block.
    Interval(Duration),
}

/// The staging and block settings.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub on_full: OnFull,
    pub buffer_size: usize,
    pub block_size: usize,
    pub flush_interval: Duration,
    /// Least severe level written to the file (lower ones go to the flight recorder only).
    pub file_level: u8,
    /// Least severe level enabled at start.
    pub min_level: u8,
}

/// Where and how snapshots are written.
#[derive(Clone, Debug)]
pub(crate) struct SnapshotSettings {
    pub dir: PathBuf,
    pub timeout: Duration,
    pub on_panic: bool,
    /// The main log's header, reused (with a `snapshot` key) for snapshot files.
    pub header: ttlog_format::Header,
    pub main_log: Option<PathBuf>,
}

impl SnapshotSettings {
    /// Writes one snapshot file: `info` and the recorder's events (none without it). The
    /// one place a snapshot is written, by the writer thread or by a thread that could not
    /// wait for it.
    pub fn write(
        &self,
        info: &SnapshotInfo,
        recorder: Option<&Recorder>,
    ) -> Result<PathBuf, Error> {
        write_snapshot(
            &self.dir,
            &self.header,
            info,
            recorder,
            self.main_log.as_deref(),
        )
        .map_err(|source| Error::Snapshot {
            dir: self.dir.clone(),
            source,
        })
    }

    /// The main log file, if the logger writes one.
    pub fn main_log(&self) -> Option<&Path> {
        self.main_log.as_deref()
    }
}
