//! What happens when things go wrong: snapshots on request, on panic and on signals, and
//! flushing on the way out.
//!
//! Every path here must finish even when the writer thread is the one that panicked, has
//! died, or is stuck: locks are only ever tried, waits have a deadline, and when the writer
//! cannot do the work the calling thread does it.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, Once, TryLockError};
use std::time::{Duration, Instant};

use crate::logger::{self, Shared};
use crate::recorder::Recorder;
use crate::snapshot::{write_snapshot, SnapshotInfo};
use crate::Error;

/// A snapshot request handed to the writer thread, and its outcome.
#[derive(Default)]
pub(crate) struct Job {
    pub info: Option<SnapshotInfo>,
    pub result: Option<Result<PathBuf, String>>,
}

/// Writes a snapshot now: the flight recorder's recent events and `reason`, into the
/// snapshot directory, after flushing the main log. Returns the snapshot's path.
///
/// Waits at most the configured snapshot timeout (2 s by default) for the writer thread, and
/// writes the snapshot from the calling thread if the writer does not answer.
pub fn request_snapshot(reason: &str) -> Result<PathBuf, Error> {
    let shared = logger::active().ok_or(Error::NotRunning)?;
    take_snapshot(&shared, SnapshotInfo::new(reason)).map_err(Error::Snapshot)
}

pub(crate) fn take_snapshot(shared: &Arc<Shared>, info: SnapshotInfo) -> Result<PathBuf, String> {
    let deadline = Instant::now() + shared.snapshot.timeout;
    let on_writer = shared.writer_thread_id() == Some(std::thread::current().id());
    if on_writer || !shared.writer_running() {
        return snapshot_here(shared, &info, deadline);
    }
    // One request at a time; a second panicking thread waits its turn (until the deadline).
    let Some(_turn) = try_lock_until(&shared.snapshot_gate, deadline) else {
        return snapshot_here(shared, &info, deadline);
    };
    {
        let Some(mut job) = try_lock_until(&shared.snapshot_job, deadline) else {
            return snapshot_here(shared, &info, deadline);
        };
        *job = Job {
            info: Some(info.clone()),
            result: None,
        };
    }
    shared.snapshot_pending.store(true, Ordering::Release);
    shared.wake_writer();
    loop {
        if let Some(mut job) = try_lock_until(&shared.snapshot_job, deadline) {
            if let Some(result) = job.result.take() {
                return result;
            }
        }
        if Instant::now() >= deadline || !shared.writer_running() {
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    // The writer did not answer in time: withdraw the request and do it here.
    shared.snapshot_pending.store(false, Ordering::Release);
    snapshot_here(shared, &info, deadline + Duration::from_millis(500))
}

/// Writes a snapshot from the calling thread, with whatever it can lock before `deadline`.
fn snapshot_here(
    shared: &Shared,
    info: &SnapshotInfo,
    deadline: Instant,
) -> Result<PathBuf, String> {
    // Without the lock (a writer stuck holding it), the snapshot still records what
    // happened, with no events.
    let recorder = try_lock_until(&shared.recorder, deadline);
    let recorder_ref: Option<&Recorder> = recorder.as_deref();
    write_snapshot(
        &shared.snapshot.dir,
        &shared.snapshot.header,
        info,
        recorder_ref,
        shared.snapshot.main_log.as_deref(),
    )
    .map_err(|e| {
        format!(
            "writing a snapshot into {}: {e}",
            shared.snapshot.dir.display()
        )
    })
}

/// Tries a lock until `deadline`; a poisoned lock is still used (its data is bytes and
/// counters, valid after any panic).
fn try_lock_until<T>(m: &Mutex<T>, deadline: Instant) -> Option<MutexGuard<'_, T>> {
    loop {
        match m.try_lock() {
            Ok(g) => return Some(g),
            Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => {
                if Instant::now() >= deadline {
                    return None;
                }
                std::thread::sleep(Duration::from_micros(100));
            }
        }
    }
}

/// Installs the panic hook once per process. It chains to the hook that was there before,
/// which still runs after ours (so the usual message is printed).
pub(crate) fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            on_panic(info);
            previous(info);
        }));
    });
}

fn on_panic(info: &std::panic::PanicHookInfo<'_>) {
    let Some(shared) = logger::active_nonblocking() else {
        return;
    };
    if !shared.snapshot.on_panic {
        shared.flush_for_exit(shared.snapshot.timeout);
        return;
    }
    match take_snapshot(&shared, SnapshotInfo::from_panic(info)) {
        Ok(path) => eprintln!("ttlog: panic snapshot written to {}", path.display()),
        Err(e) => eprintln!("ttlog: panic snapshot failed: {e}"),
    }
}

/// Snapshots on SIGUSR1, SIGTERM and SIGINT from a thread of its own. After a SIGTERM or
/// SIGINT snapshot the logger is closed and the signal's default action (ending the process)
/// is carried out.
pub(crate) fn spawn_signal_thread() -> std::io::Result<signal_hook::iterator::Handle> {
    use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1};
    let mut signals = signal_hook::iterator::Signals::new([SIGUSR1, SIGTERM, SIGINT])?;
    let handle = signals.handle();
    std::thread::Builder::new()
        .name("ttlog-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                let name = match sig {
                    SIGUSR1 => "signal-SIGUSR1",
                    SIGTERM => "signal-SIGTERM",
                    _ => "signal-SIGINT",
                };
                if let Some(shared) = logger::active() {
                    match take_snapshot(&shared, SnapshotInfo::new(name)) {
                        Ok(path) => eprintln!("ttlog: snapshot written to {}", path.display()),
                        Err(e) => eprintln!("ttlog: snapshot failed: {e}"),
                    }
                }
                if sig != SIGUSR1 {
                    logger::shutdown_active(Duration::from_secs(2));
                    let _ = signal_hook::low_level::emulate_default_handler(sig);
                }
            }
        })?;
    Ok(handle)
}
