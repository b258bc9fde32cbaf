//! [`Guard`]: the handle on a running logger whose drop writes the last events and closes
//! the file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::filter;
use crate::registry::{self, Wait};
use crate::shared::Shared;
use crate::snapshot::SnapshotInfo;
use crate::{Error, Stats};

/// Keeps the logger running; dropping it writes every staged event, closes the file cleanly
/// and stops the writer thread. Keep it alive for as long as the program logs, usually by
/// binding it in `main`: `let _guard = ttlog::builder().init()?;` (not `let _ = …`, which
/// drops it at once).
#[must_use = "dropping the guard stops the logger"]
pub struct Guard {
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
    signals: Option<signal_hook::iterator::Handle>,
}

impl Guard {
    pub(crate) fn new(
        shared: Arc<Shared>,
        writer: JoinHandle<()>,
        signals: Option<signal_hook::iterator::Handle>,
    ) -> Guard {
        Guard {
            shared,
            writer: Some(writer),
            signals,
        }
    }
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("generation", &self.shared.generation)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Guard {
    /// Writes every event logged so far, by any thread, to the file. Returns false if that
    /// did not finish within `timeout` or the writer thread is gone.
    pub fn flush(&self, timeout: Duration) -> bool {
        self.shared.is_ours() && self.shared.flush(timeout)
    }

    /// The logger's counters.
    pub fn stats(&self) -> Stats {
        self.shared.counters.read()
    }

    /// The file this logger opened when it started (`None` when it writes no file). It can
    /// differ from the configured path, which an earlier run's log may hold (see
    /// [`Builder::path`](crate::Builder::path)); with rotation, later files follow it in its series.
    pub fn path(&self) -> Option<&Path> {
        self.shared.snapshot.main_log()
    }

    /// Writes a snapshot now; see [`request_snapshot`](crate::request_snapshot).
    pub fn snapshot(&self, reason: &str) -> Result<PathBuf, Error> {
        if !self.shared.is_ours() {
            return Err(Error::NotRunning);
        }
        crate::crash::take_snapshot(&self.shared, SnapshotInfo::new(reason))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.shared.is_ours() {
            // A copy inherited through `fork`: the writer and signal threads are the
            // parent's. Stopping them from here would wait forever; the parent goes on.
            registry::withdraw(&self.shared, Wait::Try);
            std::mem::forget(self.writer.take());
            std::mem::forget(self.signals.take());
            return;
        }
        if let Some(signals) = self.signals.take() {
            signals.close();
        }
        filter::disable_all();
        registry::withdraw(&self.shared, Wait::Block);
        self.shared.request_shutdown();
        if let Some(handle) = self.writer.take() {
            let _ = handle.join();
        }
    }
}

// A guard may be handed to another thread (kept in a struct that moves, dropped at the end of
// a worker): that it stays `Send` is part of the API, checked at compile time.
const _: fn() = || {
    fn send<T: Send>() {}
    send::<Guard>();
    send::<crate::Error>();
    send::<crate::Stats>();
};
