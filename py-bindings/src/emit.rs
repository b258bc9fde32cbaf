//! Recording one event from Python: a level method's call (`msg, *args, **fields`), the
//! thread's name, and the wait for room with the GIL released.

use std::sync::atomic::Ordering;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use ttlog::bindings::{self, Callsite};
use ttlog::Level;

use crate::callsites::Resolved;
use crate::ffi;
use crate::logger::Logger;
use crate::values::PyValue;

thread_local! {
    static NAMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Logger {
    /// One call of a level method (see `fastcall`): `msg, *args, **fields`.
    pub(crate) fn emit_call(
        &self,
        level: Level,
        call: &ffi::fastcall::Args<'_, '_>,
    ) -> PyResult<()> {
        if !bindings::level_may_be_enabled(level) {
            if self.forked.load(Ordering::Relaxed) {
                return self.warn_forked(call.py());
            }
            return Ok(());
        }
        if call.positional() == 0 {
            return Err(PyTypeError::new_err(
                "a logging call needs a message: log.info(\"text %s\", arg, field=value)",
            ));
        }
        let msg = call.get(0);
        let msg = msg.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "the message must be a str, not {}",
                msg.get_type()
                    .name()
                    .map_or_else(|_| "?".into(), |n| n.to_string())
            ))
        })?;
        let n_args = call.positional() - 1;
        match self
            .callsites
            .resolve(level, &msg, n_args, call.kwnames())?
        {
            Resolved::Callsite(cs) => {
                if bindings::enabled(cs) {
                    record_event(msg.py(), cs, |enc| {
                        for v in call.rest() {
                            enc.value(&PyValue::new(&v));
                        }
                    });
                }
            }
            Resolved::Formatted(cs) => {
                if bindings::enabled(cs) {
                    let text = format_now(&msg, call)?;
                    record_event(msg.py(), cs, |enc| {
                        enc.value(&PyValue::new(text.as_any()));
                        for v in call.rest().skip(n_args) {
                            enc.value(&PyValue::new(&v));
                        }
                    });
                }
            }
        }
        Ok(())
    }
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
fn format_now<'py>(
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
