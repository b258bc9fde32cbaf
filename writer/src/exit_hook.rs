//! Flushing when the process exits without dropping the guard (`std::process::exit`, or
//! `main` returning while the guard lives in a static or was forgotten).
//!
//! The standard library runs no code at `exit`; the C library's `atexit` does. This is the
//! crate's only `unsafe`, and it is needed for correctness, not speed: without it, events
//! of the last flush interval would be lost on `process::exit`.
#![allow(unsafe_code)]

use std::sync::Once;
use std::time::Duration;

/// Registers the exit handler once per process.
pub(crate) fn register() {
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: `atexit` only stores the function pointer; `at_exit` is an `extern "C"`
        // function with the signature atexit expects, takes no arguments, and never unwinds
        // into C (it catches every panic).
        let _ = unsafe { libc::atexit(at_exit) };
    });
}

extern "C" fn at_exit() {
    let _ = std::panic::catch_unwind(|| {
        crate::logger::shutdown_active(Duration::from_secs(2));
    });
}
