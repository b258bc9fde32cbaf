//! Calls on the running logger from anywhere in the program: flush, counters, levels,
//! snapshots, and the stop used on the way out of the process.

use std::path::PathBuf;
use std::time::Duration;

use crate::filter::{self, Rules};
use crate::registry::{self, Wait};
use crate::snapshot::SnapshotInfo;
use crate::{Error, Level, Stats};

/// Writes every event logged so far to the file; false if that did not finish within
/// `timeout` or no logger is running.
pub fn flush(timeout: Duration) -> bool {
    registry::active().is_some_and(|s| s.flush(timeout))
}

/// The running logger's counters, or `None` when no logger is running.
pub fn stats() -> Option<Stats> {
    registry::active().map(|s| s.counters.read())
}

/// Sets the level for targets that no per-target rule names; `None` turns them off. Takes
/// effect at once in every thread; without a running logger it is kept for the next one.
pub fn set_level(level: Option<Level>) {
    let mut rules = filter::current();
    rules.default = level;
    install(rules);
}

/// Replaces the level rules with `spec` (`info,motor=debug`); see [`Rules`]'s `FromStr`.
pub fn set_filter(spec: &str) -> Result<(), Error> {
    install(spec.parse::<Rules>()?);
    Ok(())
}

fn install(rules: Rules) {
    // Under the registry's lock, so a concurrent init or drop cannot interleave.
    registry::with_read_lock(|running| filter::install(rules, running));
}

/// Writes a snapshot now: the flight recorder's recent events and `reason`, into the
/// snapshot directory, after flushing the main log. Returns the snapshot's path.
///
/// Waits at most the configured snapshot timeout (2 s by default) for the writer thread, and
/// writes the snapshot from the calling thread if the writer does not answer.
pub fn request_snapshot(reason: &str) -> Result<PathBuf, Error> {
    snapshot(SnapshotInfo::new(reason))
}

/// [`request_snapshot`] with the details filled in by the caller.
pub(crate) fn snapshot(info: SnapshotInfo) -> Result<PathBuf, Error> {
    let shared = registry::active().ok_or(Error::NotRunning)?;
    crate::crash::take_snapshot(&shared, info)
}

/// Stops the running logger (final block, trailer) without its guard, waiting at most
/// `timeout`: for `process::exit` and fatal signals.
pub(crate) fn shutdown_active(timeout: Duration) {
    let Some(shared) = registry::active_nonblocking() else {
        return;
    };
    filter::disable_all();
    registry::withdraw(&shared, Wait::Try);
    shared.request_shutdown();
    shared.wait_for_writer_exit(timeout);
}
