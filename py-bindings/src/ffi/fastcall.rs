//! The level methods (`info`, `debug`, …) as CPython `METH_FASTCALL | METH_KEYWORDS` method
//! descriptors.
//!
//! Why: a method declared with `*args, **kwargs` through PyO3 is called with a tuple and a
//! dict that CPython builds from the call's argument vector, and that PyO3 then copies into
//! a second dict. Measured with callgrind on `log.info("request handled", id=i,
//! user_id=u, duration_ms=d)`, those dicts were most of the call. A fastcall method gets
//! the caller's argument vector and the compiler's constant kwnames tuple as they are.
//!
//! Everything past the entry point is safe code: [`Args`] hands out borrowed references
//! and the class's [`LevelMethods::call_level`] does the work. This module knows no class
//! of the crate: `lib.rs` installs the methods on `Logger`.

use std::ffi::CStr;
use std::os::raw::c_int;

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::pyclass::boolean_struct::True;
use pyo3::types::PyTuple;
use pyo3::{Borrowed, PyClass};
use ttlog::Level;

/// A frozen class that takes level-method calls.
pub trait LevelMethods: PyClass<Frozen = True> + Sync {
    /// One call of a level method: `msg, *args, **fields` at `level`.
    fn call_level(&self, level: Level, call: &Args<'_, '_>) -> PyResult<()>;
}

/// The positional arguments and keyword names/values of one vectorcall.
pub struct Args<'a, 'py> {
    vector: &'a [*mut ffi::PyObject],
    positional: usize,
    kwnames: Option<Borrowed<'a, 'py, PyTuple>>,
    py: Python<'py>,
}

impl<'a, 'py> Args<'a, 'py> {
    /// How many positional arguments.
    pub fn positional(&self) -> usize {
        self.positional
    }

    /// The keyword names (a tuple of str), if any keyword was passed.
    pub fn kwnames(&self) -> Option<&Bound<'py, PyTuple>> {
        self.kwnames.as_deref()
    }

    /// Argument `i`: positional ones first, then the keyword values in kwnames' order.
    pub fn get(&self, i: usize) -> Borrowed<'a, 'py, PyAny> {
        // SAFETY: `vector` holds `positional + len(kwnames)` valid references, borrowed from
        // the caller for the duration of the call (CPython's vectorcall protocol), and the
        // slice bound makes `i` one of them or panics.
        unsafe { Borrowed::from_ptr(self.py, self.vector[i]) }
    }

    /// The interpreter.
    pub fn py(&self) -> Python<'py> {
        self.py
    }

    /// Every argument after the first (the message).
    pub fn rest(&self) -> impl Iterator<Item = Borrowed<'a, 'py, PyAny>> + '_ {
        (1..self.vector.len()).map(|i| self.get(i))
    }
}

/// # Safety
/// Called by CPython only, as a `METH_FASTCALL | METH_KEYWORDS` method: `slf` is an
/// instance of the type the descriptor was made for (CPython checks), `args` holds `nargs`
/// positional arguments followed by one value per name in `kwnames` (a tuple, or NULL).
unsafe extern "C" fn level_method<T: LevelMethods, const LEVEL: u8>(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this with the GIL held.
    let py = unsafe { Python::assume_attached() };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // SAFETY: per this function's contract: `kwnames` is NULL or a tuple; the vector
        // has nargs + len(kwnames) entries; `slf` is a live object.
        let (kwnames, slf) = unsafe {
            (
                Borrowed::from_ptr_or_opt(py, kwnames).map(|k| k.cast_unchecked::<PyTuple>()),
                Borrowed::from_ptr(py, slf),
            )
        };
        let positional = usize::try_from(nargs).unwrap_or(0);
        let total = positional + kwnames.as_ref().map_or(0, |k| k.len());
        let vector = if total == 0 {
            &[][..]
        } else {
            // SAFETY: as above, `args` points at `total` object pointers.
            unsafe { std::slice::from_raw_parts(args, total) }
        };
        let call = Args {
            vector,
            positional,
            kwnames,
            py,
        };
        let receiver = slf
            .cast::<T>()
            .map_err(|_| PyTypeError::new_err("not a ttlog.Logger"))?;
        let level = Level::from_u8(LEVEL).unwrap_or(Level::Error);
        receiver.get().call_level(level, &call)
    }));
    let result = outcome.unwrap_or_else(|_| {
        Err(PyRuntimeError::new_err(
            "ttlog: a logging call panicked (a bug; please report it)",
        ))
    });
    match result {
        Ok(()) => {
            // SAFETY: Py_None is immortal in 3.12+ and needs a new reference before.
            unsafe {
                let none = ffi::Py_None();
                ffi::Py_IncRef(none);
                none
            }
        }
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

/// The level methods: Python name, level, docstring (with a text signature).
const METHODS: [(&CStr, Level, &CStr); 7] = [
    (c"trace", Level::Trace, c"trace($self, msg, /, *args, **fields)\n--\n\nLogs at TRACE. `msg % args` is formatted lazily (by readers); keywords become fields."),
    (c"debug", Level::Debug, c"debug($self, msg, /, *args, **fields)\n--\n\nLogs at DEBUG."),
    (c"info", Level::Info, c"info($self, msg, /, *args, **fields)\n--\n\nLogs at INFO."),
    (c"warning", Level::Warn, c"warning($self, msg, /, *args, **fields)\n--\n\nLogs at WARN."),
    (c"warn", Level::Warn, c"warn($self, msg, /, *args, **fields)\n--\n\nLogs at WARN (alias of `warning`)."),
    (c"error", Level::Error, c"error($self, msg, /, *args, **fields)\n--\n\nLogs at ERROR."),
    (c"critical", Level::Critical, c"critical($self, msg, /, *args, **fields)\n--\n\nLogs at CRITICAL (a failure that ends or endangers the run)."),
];

fn entry_point<T: LevelMethods>(level: Level) -> ffi::PyCFunctionFastWithKeywords {
    match level {
        Level::Trace => level_method::<T, 0>,
        Level::Debug => level_method::<T, 1>,
        Level::Info => level_method::<T, 2>,
        Level::Warn => level_method::<T, 3>,
        Level::Error => level_method::<T, 4>,
        Level::Critical => level_method::<T, 5>,
    }
}

/// Adds the level methods to the class `T`.
pub fn install<T: LevelMethods>(py: Python<'_>) -> PyResult<()> {
    let ty = T::type_object(py);
    for (name, level, doc) in METHODS {
        debug_assert_eq!(Level::from_u8(level.as_u8()), Some(level));
        // CPython keeps a pointer to the definition for the life of the type: leaked once.
        let def = Box::leak(Box::new(ffi::PyMethodDef {
            ml_name: name.as_ptr(),
            ml_meth: ffi::PyMethodDefPointer {
                PyCFunctionFastWithKeywords: entry_point::<T>(level),
            },
            ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS as c_int,
            ml_doc: doc.as_ptr(),
        }));
        // SAFETY: `ty` is a live type object and `def` lives forever; the result is a new
        // reference or NULL with an exception set, which `from_owned_ptr_or_err` takes over.
        let descriptor = unsafe {
            Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(ty.as_type_ptr(), def))?
        };
        ty.setattr(name.to_str().unwrap_or("info"), descriptor)?;
    }
    Ok(())
}
