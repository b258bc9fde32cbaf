//! For bindings to other languages and bridges from other logging APIs: events whose
//! callsites are made at run time, recorded through the same staging rings as the macros.
//!
//! ```
//! use ttlog::bindings::{self, CallsiteSpec};
//! use ttlog::Level;
//!
//! // Once per distinct logging statement of the other language, kept for its lifetime:
//! let callsite = CallsiteSpec {
//!     level: Level::Warn,
//!     target: "controller",
//!     file: "walk.py",
//!     line: 42,
//!     template: "torque {} over limit",
//!     fields: &["joint"],
//!     positional: 1,
//! }
//! .leak();
//! // At every call:
//! if bindings::enabled(callsite) {
//!     bindings::emit(callsite, |enc| {
//!         enc.value(&31.5); // the template's `{}`
//!         enc.value(&"knee"); // the field `joint`
//!     });
//! }
//! ```
//!
//! A binding whose language has a global lock (Python's GIL) uses [`try_emit`] under the
//! lock and [`finish_pending`] after releasing it, so that a thread waiting for room in
//! its ring does not stop every other thread.

use std::path::PathBuf;

use crate::callsite::Callsite as CallsiteImpl;
use crate::snapshot::SnapshotInfo;
use crate::{Error, Level};

pub use crate::callsite::Callsite;
pub use crate::stage::{emit, finish_pending, try_emit};

/// What a run-time callsite says of its logging statement.
#[derive(Clone, Copy, Debug)]
pub struct CallsiteSpec<'a> {
    /// The statement's level.
    pub level: Level,
    /// Its target (a module or logger name): what level rules match.
    pub target: &'a str,
    /// The source file, or `""`.
    pub file: &'a str,
    /// The source line, or 0.
    pub line: u32,
    /// The message template, in `format!` syntax (`{}` for each positional value).
    pub template: &'a str,
    /// The names of the fields, in the order their values follow the positional ones.
    pub fields: &'a [&'a str],
    /// How many positional values come first.
    pub positional: u32,
}

impl CallsiteSpec<'_> {
    /// The callsite, made once. Its strings are leaked, as a macro's are static: make one
    /// per distinct logging statement and keep it, never one per call.
    pub fn leak(&self) -> &'static Callsite {
        let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
        let fields: Vec<&'static str> = self.fields.iter().map(|f| leak(f)).collect();
        Box::leak(Box::new(CallsiteImpl::new(
            self.level,
            leak(self.target),
            leak(self.file),
            self.line,
            leak(self.template),
            Box::leak(fields.into_boxed_slice()),
            self.positional,
        )))
    }
}

/// Whether an event of `callsite` is recorded now (level and target rules).
#[inline(always)]
pub fn enabled(callsite: &'static Callsite) -> bool {
    crate::filter::level_may_be_enabled(callsite.level)
        && (!crate::filter::has_target_rules() || callsite.target_enabled())
}

/// Whether any callsite of `level` may be recorded: a check before making a callsite.
#[inline]
pub fn level_may_be_enabled(level: Level) -> bool {
    crate::filter::level_may_be_enabled(level)
}

/// Names the calling thread in the log, for threads the standard library did not name
/// (threads started by another language's runtime). Takes effect from the thread's next
/// event.
pub fn name_this_thread(name: &str) {
    crate::stage::set_thread_name(name);
}

/// A snapshot's reason, and what the caller knows that Rust does not (another language's
/// exception and traceback).
#[derive(Clone, Copy, Debug, Default)]
pub struct SnapshotDetails<'a> {
    /// Why: `panic`, `exception`, a user's reason.
    pub reason: &'a str,
    /// The error's message.
    pub message: Option<&'a str>,
    /// The traceback, in the caller's language.
    pub backtrace: Option<&'a str>,
    /// The name of the thread it is about, in the caller's language (Python's
    /// `threading.current_thread().name`); the calling Rust thread's name when `None`.
    pub thread: Option<&'a str>,
}

/// Writes a snapshot with `details`; see [`request_snapshot`](crate::request_snapshot).
pub fn snapshot(details: SnapshotDetails<'_>) -> Result<PathBuf, Error> {
    let mut info = SnapshotInfo::new(details.reason);
    info.message = details.message.map(str::to_string);
    info.backtrace = details.backtrace.map(str::to_string);
    if let Some(thread) = details.thread {
        info.thread = thread.to_string();
    }
    crate::control::snapshot(info)
}

/// What another language knows of an error that ended its run or one of its threads (an
/// uncaught exception): written into the running log as the CRITICAL end event of
/// SPEC.md 8.8, and, when `ends_run`, as the trailer's `end` (the reason).
#[derive(Clone, Copy, Debug, Default)]
pub struct RunEnd<'a> {
    /// Why: `exception`, or another reason.
    pub reason: &'a str,
    /// The error's message (`ValueError: too hot`).
    pub message: Option<&'a str>,
    /// The name of the thread it ended.
    pub thread: &'a str,
    /// Where it was raised: file and line.
    pub file: Option<&'a str>,
    /// The line in `file`.
    pub line: Option<u32>,
    /// The traceback, in the caller's language.
    pub backtrace: Option<&'a str>,
    /// The snapshot written for it, if any.
    pub snapshot: Option<&'a std::path::Path>,
    /// Whether it ends the process (an exception a thread survived does not).
    pub ends_run: bool,
}

/// Records `end` in the running logger (nothing when none runs); see [`RunEnd`].
pub fn record_run_end(end: RunEnd<'_>) {
    let Some(shared) = crate::registry::active() else {
        return;
    };
    let mut info = SnapshotInfo::new(end.reason);
    info.message = end.message.map(str::to_string);
    info.thread = end.thread.to_string();
    info.file = end.file.map(str::to_string);
    info.line = end.line;
    info.backtrace = end.backtrace.map(str::to_string);
    crate::run_end::log_end_event(&shared, &info, end.snapshot, end.ends_run);
}

/// Makes the writer thread panic at its next loop, to test what a dying writer leaves
/// (feature `test-hooks`, for tests only).
#[cfg(feature = "test-hooks")]
pub fn inject_writer_panic() {
    if let Some(shared) = crate::registry::active() {
        shared
            .inject_panic
            .store(true, std::sync::atomic::Ordering::Relaxed);
        shared.wake_writer();
    }
}
