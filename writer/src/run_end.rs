//! How a run ended, in the run's own log: the CRITICAL event written into the main log when
//! a panic, an uncaught exception or a terminating signal ends the run or a thread of it
//! (SPEC.md 8.8), and the `end` its trailer records.

use std::path::Path;
use std::sync::{Mutex, OnceLock};

use crate::bindings::{Callsite, CallsiteSpec};
use crate::shared::Shared;
use crate::snapshot::{clip_with, SnapshotInfo};
use crate::Level;

/// Target of end events.
pub const END_TARGET: &str = "ttlog.end";

/// The fields of an end event, in order.
const FIELDS: [&str; 8] = [
    "reason",
    "message",
    "thread",
    "file",
    "line",
    "backtrace",
    "snapshot",
    "ends_run",
];

fn callsite() -> &'static Callsite {
    static CALLSITE: OnceLock<&'static Callsite> = OnceLock::new();
    CALLSITE.get_or_init(|| {
        CallsiteSpec {
            level: Level::Critical,
            target: END_TARGET,
            file: "",
            line: 0,
            template: "{reason} in thread {thread}: {message}",
            fields: &FIELDS,
            positional: 0,
        }
        .leak()
    })
}

/// Cuts `s` to at most `max` bytes, keeping its start and end (the innermost and outermost
/// frames of a backtrace).
fn clip(s: &str, max: usize) -> String {
    clip_with(
        s,
        max / 2,
        max / 2,
        "an event holds at most half its staging ring",
    )
}

/// Writes the end event of `info` into the running log from the calling thread. `ends_run`
/// says whether it ends the process (an exception a thread survived does not); the
/// message and backtrace are cut to fit one staged record of this logger, so the event is
/// written whatever its ring size.
pub(crate) fn log_end_event(
    shared: &Shared,
    info: &SnapshotInfo,
    snapshot: Option<&Path>,
    ends_run: bool,
) {
    // A staged record may take half the ring; leave room for the other fields.
    let room = (shared.config.buffer_size / 2)
        .saturating_sub(1024)
        .max(256);
    let message = info.message.as_deref().map(|m| clip(m, room / 4));
    let backtrace = info.backtrace.as_deref().map(|b| clip(b, room / 2));
    let snapshot = snapshot.map(|p| p.display().to_string());
    crate::stage::emit(callsite(), |enc| {
        enc.value(info.reason.as_str());
        enc.value(&message.as_deref().unwrap_or(""));
        enc.value(info.thread.as_str());
        enc.value(&info.file);
        enc.value(&info.line);
        enc.value(&backtrace);
        enc.value(&snapshot);
        enc.value(&ends_run);
    });
    if ends_run {
        set_end(shared, &info.reason);
    }
}

/// How the run ended, for the trailer's `end` key: `None` while nothing ended it (a clean
/// close records `clean`).
pub(crate) struct RunEnd(Mutex<Option<String>>);

impl Default for RunEnd {
    fn default() -> RunEnd {
        RunEnd(Mutex::new(None))
    }
}

impl RunEnd {
    /// The end to record: the first reason given, else `clean`.
    pub(crate) fn get(&self) -> String {
        self.0
            .lock()
            .ok()
            .and_then(|e| e.clone())
            .unwrap_or_else(|| "clean".into())
    }
}

/// Records that the run ends by `reason` (the first reason wins: a panic during the
/// shutdown a signal started does not replace the signal).
pub(crate) fn set_end(shared: &Shared, reason: &str) {
    if let Ok(mut end) = shared.run_end.0.lock() {
        end.get_or_insert_with(|| reason.to_string());
    }
}
