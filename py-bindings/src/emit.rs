//! Recording one event from Python: the thread's name, the wait for room with the GIL
//! released, and `msg % args` when a message is formatted at once.

use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use ttlog::bindings::{self, Callsite};

use crate::ffi;

thread_local! {
    static NAMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Names this thread's events after its Python thread, once per thread, before its first
/// event creates its ring.
fn name_python_thread(py: Python<'_>) {
    if NAMED.with(|n| n.replace(true)) {
        return;
    }
    let name = py
        .import("threading")
        .and_then(|t| t.call_method0("current_thread"))
        .and_then(|t| t.getattr("name"))
        .and_then(|n| n.extract::<String>());
    if let Ok(name) = name {
        bindings::name_this_thread(&name);
    }
}

/// Records an event. Where the thread's ring is full and the policy is to wait, the wait
/// happens with the GIL released, so other Python threads run meanwhile.
pub(crate) fn record_event<F: FnOnce(&mut ttlog::Encoder<'_>)>(
    py: Python<'_>,
    callsite: &'static Callsite,
    encode: F,
) {
    name_python_thread(py);
    if !bindings::try_emit(callsite, encode) {
        py.detach(bindings::finish_pending);
    }
}

/// `msg % args` as the stdlib would show it; on a formatting error, the template followed
/// by the arguments' repr, so nothing is lost.
pub(crate) fn format_now<'py>(
    msg: &Bound<'py, PyString>,
    call: &ffi::fastcall::Args<'_, 'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let n_args = call.positional() - 1;
    if n_args == 0 {
        return Ok(msg.clone().into_any());
    }
    let args: Vec<_> = call.rest().take(n_args).collect();
    let args = PyTuple::new(msg.py(), args)?;
    match msg.as_any().rem(&args) {
        Ok(text) => Ok(text),
        Err(_) => Ok(PyString::new(msg.py(), &format!("{msg} {}", args.repr()?)).into_any()),
    }
}
