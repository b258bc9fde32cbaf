//! The writer's lock (SPEC.md 3, "The writer's lock"): a writer holds an exclusive advisory lock (`flock` on
//! Unix) on the file it writes, from creating it to closing it. A reader or a new run tells
//! "still being written" from "killed before it was closed" by it, and a new run never
//! moves a file that a live process holds.

use std::fs::{File, TryLockError};
use std::path::Path;

/// True when a live writer holds the lock of the file at `path`. False when nobody does,
/// or the file cannot be opened, or the file system has no locks.
pub fn is_being_written(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock))
}
