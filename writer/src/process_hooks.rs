//! Hooks into the C library's process lifecycle: `atexit` and `pthread_atfork`.
//!
//! - Exit: the standard library runs no code at `exit`; the C library's `atexit` does. It
//!   flushes the log when the process exits without dropping the guard
//!   (`std::process::exit`, or `main` returning while the guard lives in a static or was
//!   forgotten); without it, events of the last flush interval would be lost.
//! - Fork: a child made by `fork` has a copy of the logger but not its writer thread. The
//!   child handler stops recording in the child, which would otherwise fill a ring nobody
//!   drains and, under `OnFull::Block`, wait for room forever. The child may open a logger
//!   of its own; the parent's logger goes on untouched.
//!
//! This is the crate's only `unsafe`, needed for correctness, not speed.
#![allow(unsafe_code)]

use std::sync::Once;
use std::time::Duration;

/// Registers the handlers once per process.
pub(crate) fn register() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: `atexit` only stores the function pointer; `at_exit` is an `extern "C"`
        // function with the signature atexit expects, takes no arguments, and never unwinds
        // into C (it catches every panic).
        let _ = unsafe { libc::atexit(at_exit) };
        // SAFETY: `pthread_atfork` only stores the function pointers. `in_forked_child` runs
        // in the child of a multithreaded process, where only async-signal-safe work is
        // allowed: it does one relaxed atomic store, which takes no lock and cannot panic.
        let _ = unsafe { libc::pthread_atfork(None, None, Some(in_forked_child)) };
    });
}

extern "C" fn at_exit() {
    let _ = std::panic::catch_unwind(|| {
        crate::control::shutdown_active(Duration::from_secs(2));
    });
}

extern "C" fn in_forked_child() {
    crate::filter::disable_all();
}
