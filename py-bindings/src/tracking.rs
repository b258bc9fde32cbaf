//! Variable tracking in the style of opensourceleg's `Logger`: getters registered once,
//! read by `update()` once per control-loop tick into one row of the schema `tracked`.
//!
//! The tick runs in Rust: attribute getters are one `getattr` each, with no Python frame
//! and no per-variable closure call, and the row goes straight to the staging ring.

use std::sync::{Arc, Mutex, OnceLock};

use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyString;
use ttlog::__private::{self as private, Callsite};
use ttlog::Level;

use crate::values::PyValue;

/// The schema name of `update()` rows.
pub const TRACKED: &str = "tracked";

enum Getter {
    /// `obj.<name>`.
    Attribute(Py<PyAny>, Py<PyString>),
    /// `fn()`.
    Function(Py<PyAny>),
}

impl Getter {
    fn read<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Getter::Attribute(obj, name) => obj.bind(py).getattr(name.bind(py)),
            Getter::Function(f) => f.bind(py).call0(),
        }
    }
}

/// One set of tracked variables; replaced whole when it changes, so that a tick holds no
/// lock while getters run (a getter may log, or even track something).
#[derive(Default)]
struct Set {
    names: Vec<String>,
    getters: Vec<Getter>,
    /// Made at the first `update()` after a change.
    callsite: OnceLock<&'static Callsite>,
}

/// The tracked variables of one logger.
#[derive(Default)]
pub struct Tracker {
    set: Mutex<Arc<Set>>,
}

impl Tracker {
    fn current(&self) -> Arc<Set> {
        self.set.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn change(&self, py: Python<'_>, edit: impl FnOnce(&mut Vec<(String, Getter)>)) {
        let mut guard = self.set.lock().unwrap_or_else(|e| e.into_inner());
        let mut pairs: Vec<(String, Getter)> = guard
            .names
            .iter()
            .cloned()
            .zip(guard.getters.iter().map(|g| match g {
                Getter::Attribute(o, n) => Getter::Attribute(o.clone_ref(py), n.clone_ref(py)),
                Getter::Function(f) => Getter::Function(f.clone_ref(py)),
            }))
            .collect();
        edit(&mut pairs);
        let (names, getters) = pairs.into_iter().unzip();
        *guard = Arc::new(Set {
            names,
            getters,
            callsite: OnceLock::new(),
        });
    }

    fn add(&self, py: Python<'_>, name: String, getter: Getter) {
        self.change(py, |pairs| {
            pairs.retain(|(n, _)| *n != name);
            pairs.push((name, getter));
        });
    }

    /// Records `fn()` under `name` at every update; a name tracked again is replaced.
    pub fn track_function(&self, f: &Bound<'_, PyAny>, name: &Bound<'_, PyAny>) -> PyResult<()> {
        if !f.is_callable() {
            return Err(PyTypeError::new_err("track_function needs a callable"));
        }
        let name = name
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err("name must be a str"))?
            .to_str()?
            .to_string();
        self.add(f.py(), name, Getter::Function(f.clone().unbind()));
        Ok(())
    }

    /// Records `obj.<a>` for each attribute, named `<prefix>.<a>`; the default prefix is
    /// the object's `__name__`, or its type's name.
    pub fn track_attributes(
        &self,
        obj: &Bound<'_, PyAny>,
        attributes: &Bound<'_, PyAny>,
        prefix: Option<&str>,
    ) -> PyResult<()> {
        let py = obj.py();
        let attributes: Vec<Bound<'_, PyString>> = if let Ok(s) = attributes.cast::<PyString>() {
            vec![s.clone()]
        } else {
            attributes
                .try_iter()
                .map_err(|_| PyTypeError::new_err("attributes must be a str or a list of str"))?
                .map(|a| {
                    a?.cast_into::<PyString>()
                        .map_err(|_| PyTypeError::new_err("attribute names must be str"))
                })
                .collect::<PyResult<_>>()?
        };
        let prefix = match prefix {
            Some(p) => p.to_string(),
            None => match obj.getattr("__name__").and_then(|n| n.extract::<String>()) {
                Ok(n) => n,
                Err(_) => obj.get_type().name()?.to_string(),
            },
        };
        for a in &attributes {
            if !obj.hasattr(a)? {
                return Err(PyAttributeError::new_err(format!(
                    "{} has no attribute {:?}",
                    obj.repr()?,
                    a.to_str()?
                )));
            }
        }
        for a in attributes {
            let name = format!("{prefix}.{}", a.to_str()?);
            // Interned, as attribute names in `__dict__` are: each tick's lookup then matches
            // by identity instead of comparing text.
            let a = PyString::intern(py, a.to_str()?);
            self.add(
                py,
                name,
                Getter::Attribute(obj.clone().unbind(), a.unbind()),
            );
        }
        Ok(())
    }

    /// Stops recording `name`.
    pub fn untrack(&self, py: Python<'_>, name: &str) {
        self.change(py, |pairs| pairs.retain(|(n, _)| n != name));
    }

    /// The tracked names, in column order.
    pub fn names(&self) -> Vec<String> {
        self.current().names.clone()
    }

    /// Reads every getter once and records one row. A getter that raises records
    /// `"<error: …>"` in its column, so the other columns never shift.
    pub fn update(&self, py: Python<'_>) {
        let set = self.current();
        if set.getters.is_empty() {
            return;
        }
        let callsite = *set.callsite.get_or_init(|| {
            let refs: Vec<&str> = set.names.iter().map(String::as_str).collect();
            private::leak_callsite(Level::Info, "ttlog.track", "", 0, TRACKED, &refs, 0)
        });
        if !private::enabled(callsite) {
            return;
        }
        let values: Vec<Bound<'_, PyAny>> = set
            .getters
            .iter()
            .map(|g| {
                g.read(py).unwrap_or_else(|e| {
                    let text = format!(
                        "<error: {}>",
                        e.value(py)
                            .repr()
                            .map_or_else(|_| e.to_string(), |r| r.to_string())
                    );
                    PyString::new(py, &text).into_any()
                })
            })
            .collect();
        crate::record_event(py, callsite, |enc| {
            for v in &values {
                enc.value(&PyValue::new(v));
            }
        });
    }
}
