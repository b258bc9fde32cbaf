//! # ttlog
//!
//! Structured logging for programs that cannot afford to wait for their logs: control loops,
//! robots, services with tight latency budgets. A logging call costs a few nanoseconds in the
//! calling thread: it copies its arguments, unformatted, into a ring owned by that thread.
//! One writer thread drains the rings, interns strings, and writes LZ4-compressed blocks with
//! checksums to a `.bin` file in the ttlog format (`format-spec/SPEC.md`). Read the files with
//! the `ttlog-view` command or the `ttlog-reader` crate.
//!
//! ```no_run
//! use std::time::Duration;
//! use ttlog::{info, warn, Level, OnFull};
//!
//! fn main() -> Result<(), ttlog::Error> {
//!     // Keep the guard: dropping it flushes and closes the file.
//!     let _guard = ttlog::builder()
//!         .path("logs/robot.bin")
//!         .service("knee-controller")
//!         .level(Level::Debug)
//!         .on_full(OnFull::Block)
//!         .flush_interval(Duration::from_millis(100))
//!         .init()?;
//!
//!     let joint = 2;
//!     info!("motor stalled", joint = joint, torque = 1.5);
//!     warn!(target: "power", "battery at {}%", 17, volts = 11.1);
//!     info!("joint {joint} reached {pos:.2} rad", joint = joint, pos = 0.7854);
//!     Ok(())
//! }
//! ```
//!
//! ## The macros
//!
//! [`trace!`], [`debug!`], [`info!`], [`warn!`], [`error!`] and [`event!`] take, in order:
//! - optionally `target: "name",` (default: the module path);
//! - a message template, a string literal in `format!` syntax;
//! - positional arguments for the template's `{}` placeholders;
//! - fields, `name = value`. A field can also be named in the template: `{name}`.
//!
//! The compiler checks the template against the arguments and fields, as `format!` would.
//! Nothing is formatted in the calling thread: the template is stored once per block and the
//! values are stored as typed data (CBOR); readers render the message.
//!
//! A value is stored through its `serde::Serialize` implementation: numbers, strings, bools,
//! options, and any serde type, nested structures included. `name = ?value` stores its
//! `Debug` text instead and `name = %value` its `Display` text (these format in the calling
//! thread). Arguments are evaluated only when the event's level is enabled. A template
//! placeholder naming a local variable that is not a field (`{x}` without `x = …`) compiles,
//! but is not stored: name it as a field.
//!
//! ## Levels
//!
//! Events below the level set by [`Builder::level`], [`Builder::target_level`],
//! [`Builder::filter`], [`set_level`] or [`set_filter`] cost one atomic load and a compare.
//! Cargo features remove levels at compile time, as in the `log` crate: `max_level_info`
//! (and `max_level_off`, `_error`, `_warn`, `_debug`, `_trace`), and the same with
//! `release_max_level_` for release builds only.
//!
//! ## Memory, losses and errors
//!
//! Each thread that logs gets one staging ring of [`Builder::buffer_size`] bytes (1 MiB by
//! default), so memory is bounded by that times the number of logging threads. When a ring is
//! full, [`OnFull::Block`] (the default) waits for the writer, and [`OnFull::Drop`] drops the
//! event. Every loss is counted in [`Stats`] and written to the file as a DROPPED record with
//! its reason; nothing is lost in silence. A failed write (disk full, file removed) never
//! panics or blocks the application: it is counted, reported once on stderr, and the writer
//! keeps going.
//!
//! ## Files
//!
//! A block is written when it holds 64 KiB of records ([`Builder::block_size`]) or when the
//! flush interval (100 ms) has passed, so a reader following the file sees events that
//! quickly. Each block is self-contained and checksummed: a process killed at any moment
//! leaves a file readable up to its last complete block. Files can rotate by size or age
//! ([`Builder::rotate_bytes`], [`Builder::rotate_interval`]) with a retention count
//! ([`Builder::max_files`]); each file of a series is readable on its own.
//!
//! ## Crashes
//!
//! The writer keeps its most recent blocks in memory (a flight recorder;
//! [`Builder::flight_recorder`], [`Builder::file_level`], [`Builder::memory_only`]). A panic in
//! any thread, [`request_snapshot`], or (with [`Builder::snapshot_on_signals`]) SIGUSR1,
//! SIGTERM or SIGINT flushes the main log and writes a snapshot file: the recent events and a
//! record of the reason, panic message, location, thread and backtrace, written atomically
//! under a unique name in [`Builder::snapshot_dir`]. The panic hook chains to the one before
//! it and never waits more than [`Builder::snapshot_timeout`]. `std::process::exit` and a
//! forgotten guard still close the log; [`Fsync`] chooses how much reaches the disk itself.
//!
//! ## Fork
//!
//! A child made by `fork` (without `exec`) inherits the logger but not its writer thread.
//! Logging stops in the child at the fork: nothing it logs reaches the parent's file, and
//! nothing waits for a writer that is not there. Dropping the inherited guard in the child
//! does not touch the parent's log, and the child may open a logger of its own.

// The modules form a tree, leaves first; none imports one above it:
// - leaves: `clock`, `filter` (levels and rules), `callsite`, `cbor`, `value`, `recorder`,
//   `snapshot`, `ring`, `settings`, `stats`, `error`, `mailbox`;
// - `shared`: one running logger's state, over the leaves;
// - `registry`: which logger runs;
// - `stage` (the hot path), `writer_thread`, `crash` (taking a snapshot);
// - `control` (free functions), `hooks` and `process_hooks` (panic, signals, exit, fork);
// - `builder` and `guard`, and `bindings` for other languages and bridges.
pub mod bindings;
#[cfg(any(feature = "log", feature = "tracing"))]
pub mod bridge;
mod builder;
mod callsite;
mod cbor;
mod clock;
mod control;
mod crash;
pub mod earlier_run;
mod error;
mod filter;
mod guard;
mod hooks;
mod macros;
mod mailbox;
mod output;
mod process_hooks;
mod recorder;
mod registry;
mod ring;
mod run_end;
mod settings;
mod shared;
mod snapshot;
mod stage;
mod stats;
mod value;
mod writer_thread;

pub use builder::Builder;
pub use control::{flush, request_snapshot, set_filter, set_level, stats};
pub use error::Error;
pub use filter::{Rules, STATIC_MIN_LEVEL};
pub use guard::Guard;
pub use settings::{Fsync, OnFull};
pub use stats::Stats;
pub use ttlog_format::Level;
pub use value::Encoder;

/// A [`Builder`] with the defaults: `logs/trace.bin`, level INFO, blocking when full, 64 KiB
/// blocks, 100 ms flush interval, no rotation.
pub fn builder() -> Builder {
    Builder::default()
}

/// Used by the macros; not public API. Bindings and bridges use [`bindings`].
#[doc(hidden)]
pub mod __private {
    pub use crate::bindings::{emit, enabled};
    pub use crate::callsite::Callsite;
}
