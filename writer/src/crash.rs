//! Taking a snapshot, from any thread, whatever state the writer thread is in.
//!
//! Every path here must finish even when the writer thread is the one that panicked, has
//! died, or is stuck: locks are only ever tried, waits have a deadline, and when the writer
//! cannot do the work the calling thread does it.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::mailbox::try_lock_until;
use crate::shared::Shared;
use crate::snapshot::SnapshotInfo;
use crate::Error;

/// Writes a snapshot of `shared`'s flight recorder: by the writer thread, which flushes the
/// main log first and holds every event logged before this call; by the calling thread
/// when the writer is gone, is the caller, or does not answer within the snapshot timeout.
pub(crate) fn take_snapshot(shared: &Shared, info: SnapshotInfo) -> Result<PathBuf, Error> {
    let deadline = Instant::now() + shared.snapshot.timeout;
    if shared.on_writer_thread() || !shared.writer_running() {
        return snapshot_here(shared, &info, deadline);
    }
    let Some(posted) = shared.mailbox.post(info.clone(), deadline) else {
        return snapshot_here(shared, &info, deadline);
    };
    shared.wake_writer();
    if let Some(answer) = posted.answer(deadline, || shared.writer_running()) {
        return answer;
    }
    posted.withdraw();
    snapshot_here(shared, &info, deadline + Duration::from_millis(500))
}

/// Writes a snapshot from the calling thread, with whatever it can lock before `deadline`.
fn snapshot_here(
    shared: &Shared,
    info: &SnapshotInfo,
    deadline: Instant,
) -> Result<PathBuf, Error> {
    // Without the lock (a writer stuck holding it), the snapshot still records what
    // happened, with no events.
    let recorder = try_lock_until(&shared.recorder, deadline);
    shared.snapshot.write(info, recorder.as_deref())
}
