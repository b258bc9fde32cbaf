//! Reading one key of a dict at the position it held the last time, instead of hashing
//! and probing: `update()` reads every tracked attribute of an object from its instance
//! dict at each tick, and the 15 lookups of a typical OSL row were a quarter of the tick
//! (callgrind: 1,870 of 7,490 instructions; 560 with a remembered position).

use std::sync::atomic::{AtomicIsize, Ordering};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

const UNKNOWN: isize = -1;
const NOT_BY_IDENTITY: isize = -2;

/// Where a key was found last; the position is only a hint, checked at every read.
#[derive(Debug, Default)]
pub struct Slot {
    /// `PyDict_Next`'s position just before the key; `UNKNOWN`, or `NOT_BY_IDENTITY` when
    /// the dict holds an equal key that is another object (no position will ever hit).
    position: AtomicIsize,
}

impl Slot {
    /// A slot that knows no position yet.
    pub fn new() -> Slot {
        Slot {
            position: AtomicIsize::new(UNKNOWN),
        }
    }

    /// `dict[key]`, or `None` when the dict has no such key. `key` must be interned for the
    /// remembered position to hit (attribute names in an instance dict are); a key that
    /// is not still reads right, by an ordinary lookup.
    pub fn get<'py>(
        &self,
        dict: &Bound<'py, PyDict>,
        key: &Bound<'py, PyString>,
    ) -> Option<Bound<'py, PyAny>> {
        let at = self.position.load(Ordering::Relaxed);
        if at >= 0 {
            if let Some(v) = value_at(dict, at, key) {
                return Some(v);
            }
        }
        let value = dict.get_item(key).ok().flatten()?;
        if at != NOT_BY_IDENTITY {
            let learnt = position_of(dict, key).unwrap_or(NOT_BY_IDENTITY);
            self.position.store(learnt, Ordering::Relaxed);
        }
        Some(value)
    }
}

/// The value of the first entry at or after `position`, when its key is `key` itself.
fn value_at<'py>(
    dict: &Bound<'py, PyDict>,
    position: isize,
    key: &Bound<'py, PyString>,
) -> Option<Bound<'py, PyAny>> {
    let mut pos: ffi::Py_ssize_t = position;
    let mut k: *mut ffi::PyObject = std::ptr::null_mut();
    let mut v: *mut ffi::PyObject = std::ptr::null_mut();
    // SAFETY: `dict` is a live dict and we hold the GIL (a `Bound` proves both).
    // `PyDict_Next` checks `pos` against the dict's current size and returns 0 when it is
    // past the end, so a position learnt before the dict changed is still safe to pass.
    // On success both pointers are borrowed references into the dict: the key is only
    // compared, never dereferenced, and the value is made owned (`from_borrowed_ptr`
    // increments it) before any Python code can run.
    unsafe {
        if ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut k, &mut v) == 0 || k != key.as_ptr() {
            return None;
        }
        Some(Bound::from_borrowed_ptr(dict.py(), v))
    }
}

/// The position just before `key` (the same object, not an equal string).
fn position_of(dict: &Bound<'_, PyDict>, key: &Bound<'_, PyString>) -> Option<isize> {
    let mut at: isize = 0;
    // Each step moves the position forward by at least one entry until `PyDict_Next`
    // reports the end, so the loop ends; nothing here runs Python code.
    loop {
        let mut pos: ffi::Py_ssize_t = at;
        let mut k: *mut ffi::PyObject = std::ptr::null_mut();
        let mut v: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: as in `value_at`; only the key pointer is compared, never dereferenced.
        if unsafe { ffi::PyDict_Next(dict.as_ptr(), &mut pos, &mut k, &mut v) } == 0 {
            return None;
        }
        if k == key.as_ptr() {
            return Some(at);
        }
        at = pos;
    }
}
