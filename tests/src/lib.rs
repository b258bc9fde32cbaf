//! Helpers for the end-to-end tests in `tests/`.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use ttlog_reader::{Event, Events};

/// The logger is process-wide: tests that start one take this lock first.
pub fn one_logger_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every event of a file, panicking on any problem report.
pub fn read_clean(path: &Path) -> Vec<Event> {
    Events::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .map(|item| item.unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}
