//! Variable tracking in the style of opensourceleg's `Logger`: getters registered once,
//! read by `update()` once per control-loop tick into one row of the schema `tracked`.
//!
//! The tick runs in Rust: attribute getters are one `getattr` each, with no Python frame
//! and no per-variable closure call, and the row goes straight to the staging ring.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use pyo3::exceptions::{PyAttributeError, PyException, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString, PyTuple};
use ttlog::bindings::{self, Callsite, CallsiteSpec};
use ttlog::Level;

use crate::csv_rows::{Cell, Rows};
use crate::ffi::dict_slot::Slot;
use crate::values::{numpy_scalar, NumpyScalar, PyValue};

/// The schema name of `update()` rows.
pub const TRACKED: &str = "tracked";

/// The last field of a tracked row where a read failed: `{name: repr(exception)}`. The
/// failed values themselves are null, so a numeric column stays numeric.
pub const READ_ERRORS: &str = "read_errors";

enum Getter {
    /// `obj.<name>`.
    Attribute(Py<PyAny>, Py<PyString>),
    /// `obj.<name>` for a plain instance attribute, read from the instance's `__dict__`
    /// (what `getattr` would find there, without its type lookups) at the position it
    /// held last; `getattr` when the dict has no such key.
    InstanceDict(Py<PyDict>, Py<PyAny>, Py<PyString>, Slot),
    /// `fn()`.
    Function(Py<PyAny>),
}

impl Getter {
    fn read<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Getter::Attribute(obj, name) => obj.bind(py).getattr(name.bind(py)),
            Getter::InstanceDict(dict, obj, name, slot) => {
                match slot.get(dict.bind(py), name.bind(py)) {
                    Some(v) => Ok(v),
                    None => obj.bind(py).getattr(name.bind(py)),
                }
            }
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
    /// The same with the field `read_errors` last, for rows where a read failed.
    failed_callsite: OnceLock<&'static Callsite>,
}

/// The tracked variables of one logger.
#[derive(Default)]
pub struct Tracker {
    set: Mutex<Arc<Set>>,
    osl: Mutex<Option<OslRows>>,
    /// Whether `osl` holds rows: read each tick without taking its lock.
    keeping_rows: AtomicBool,
}

thread_local! {
    /// A tick's cells, reused so that a tick allocates nothing for them.
    static CELLS: std::cell::RefCell<Vec<Cell>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What the OSL drop-in asks of `update()` beyond the `.bin` row: each row kept for its
/// CSV, a variable whose getter keeps failing untracked, and its hook told of both.
pub struct OslRows {
    /// Rows not yet written to the CSV.
    pub rows: Rows,
    /// Rows held before the hook is asked to write them (`"full"`).
    pub buffer_size: usize,
    /// Consecutive failures of one getter after which it is untracked (0: never).
    pub max_errors: u32,
    errors: HashMap<String, u32>,
    /// `hook(kind, name, exception)`: kind `"error"` (a getter raised), `"untracked"`,
    /// or `"full"` (the buffer holds `buffer_size` rows).
    hook: Py<PyAny>,
}

impl OslRows {
    pub fn new(buffer_size: usize, max_errors: u32, hook: Py<PyAny>) -> OslRows {
        OslRows {
            rows: Rows::default(),
            buffer_size,
            max_errors,
            errors: HashMap::new(),
            hook,
        }
    }
}

/// The getter of `obj.<name>`: from the instance `__dict__` when that is exactly what
/// `getattr` does (the type keeps the default `__getattribute__`, and has no data
/// descriptor of that name, such as a property, which would win over the instance dict);
/// else `getattr` itself. The choice is made once, when the variable is tracked.
fn attribute_getter(obj: &Bound<'_, PyAny>, name: Bound<'_, PyString>) -> PyResult<Getter> {
    let py = obj.py();
    let generic = || Getter::Attribute(obj.clone().unbind(), name.clone().unbind());
    let ty = obj.get_type();
    let object_getattribute = py
        .get_type::<pyo3::types::PyAny>()
        .getattr("__getattribute__")?;
    if !ty.getattr("__getattribute__")?.is(&object_getattribute) {
        return Ok(generic());
    }
    if let Ok(class_attr) = ty.getattr(&name) {
        let descriptor = class_attr.get_type();
        if descriptor.hasattr("__set__")? || descriptor.hasattr("__delete__")? {
            return Ok(generic());
        }
    }
    match obj
        .getattr("__dict__")
        .ok()
        .and_then(|d| d.cast_into::<PyDict>().ok())
    {
        Some(dict) => Ok(Getter::InstanceDict(
            dict.unbind(),
            obj.clone().unbind(),
            name.unbind(),
            Slot::new(),
        )),
        None => Ok(generic()),
    }
}

/// The value of the common types, typed: what the `.bin` stores and what Python's `str()`
/// will show, with no formatting now. `None` for every other type.
fn typed_cell(v: &Bound<'_, PyAny>) -> Option<Cell> {
    if let Ok(f) = v.cast_exact::<PyFloat>() {
        return Some(Cell::Float(f.value()));
    }
    if v.is_exact_instance_of::<PyInt>() {
        return v.extract::<i64>().ok().map(Cell::Int);
    }
    if v.is_none() {
        return Some(Cell::None);
    }
    if v.is_exact_instance_of::<PyBool>() {
        return Some(Cell::Bool(v.is_truthy().unwrap_or(false)));
    }
    if let Ok(t) = v.cast_exact::<PyString>() {
        return Some(Cell::Text(t.to_string_lossy().into()));
    }
    match numpy_scalar(v)? {
        NumpyScalar::Float32(f) => Some(Cell::Float32(f)),
        NumpyScalar::Float64(f) => Some(Cell::Float(f)),
        NumpyScalar::Bool(b) => Some(Cell::Bool(b)),
        NumpyScalar::Int(n) => Some(Cell::Int(n)),
    }
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
                Getter::InstanceDict(d, o, n, _) => Getter::InstanceDict(
                    d.clone_ref(py),
                    o.clone_ref(py),
                    n.clone_ref(py),
                    Slot::new(),
                ),
                Getter::Function(f) => Getter::Function(f.clone_ref(py)),
            }))
            .collect();
        edit(&mut pairs);
        let (names, getters) = pairs.into_iter().unzip();
        *guard = Arc::new(Set {
            names,
            getters,
            callsite: OnceLock::new(),
            failed_callsite: OnceLock::new(),
        });
    }

    fn add(&self, py: Python<'_>, name: String, getter: Getter) {
        // For ttlog.osl, a name tracked twice is two columns, as opensourceleg keys its
        // variables by getter, not by name (`track_attributes(r, ["pos", "pos"])` writes
        // both cells); on its own, a name tracked again replaces the earlier one.
        let keep_repeats = self.keeping_rows.load(Ordering::Relaxed);
        self.change(py, |pairs| {
            if !keep_repeats {
                pairs.retain(|(n, _)| *n != name);
            }
            pairs.push((name, getter));
        });
    }

    /// Records `fn()` under `name` at every update; a name tracked again is replaced.
    pub fn track_function(&self, f: &Bound<'_, PyAny>, name: &Bound<'_, PyAny>) -> PyResult<()> {
        if !f.is_callable() {
            return Err(PyTypeError::new_err("track_function needs a callable"));
        }
        // Lossy: a name with a lone surrogate is still a name.
        let name = name
            .cast::<PyString>()
            .map_err(|_| PyTypeError::new_err("name must be a str"))?
            .to_string_lossy()
            .into_owned();
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
            let name = format!("{prefix}.{}", a.to_string_lossy());
            // Interned, as attribute names in `__dict__` are: each tick's lookup then matches
            // by identity instead of comparing text.
            let a = PyString::intern(py, a.to_str()?);
            self.add(py, name, attribute_getter(obj, a)?);
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

    /// Keeps each row for an OSL CSV from now on (`Some`), or stops (`None`).
    pub fn set_osl(&self, rows: Option<OslRows>) {
        let mut osl = self.osl.lock().unwrap_or_else(|e| e.into_inner());
        self.keeping_rows.store(rows.is_some(), Ordering::Relaxed);
        *osl = rows;
    }

    /// Runs `f` on the OSL rows, if kept.
    pub fn with_osl<T>(&self, f: impl FnOnce(&mut OslRows) -> T) -> Option<T> {
        self.osl
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
            .map(f)
    }

    /// Reads every getter once and records one row. A getter that raises records null in
    /// its column (the error in the row's `read_errors`), so the other columns never shift
    /// and a numeric column stays numeric; one that raises
    /// what is not an `Exception` (`KeyboardInterrupt`, `SystemExit`) stops the tick and
    /// propagates, recording nothing.
    pub fn update(&self, py: Python<'_>) -> PyResult<()> {
        let set = self.current();
        if set.getters.is_empty() {
            return Ok(());
        }
        let keeping_rows = self.keeping_rows.load(Ordering::Relaxed);
        // Each value is classified once, as it is read: the common types become typed
        // cells (the `.bin` value now, the CSV text when the rows are written) and the
        // object is released; the rest are kept in `others` to be encoded whole.
        let mut cells = CELLS.with(|c| std::mem::take(&mut *c.borrow_mut()));
        cells.clear();
        let mut others: Vec<(usize, PyResult<Bound<'_, PyAny>>)> = Vec::new();
        for (i, g) in set.getters.iter().enumerate() {
            // A typed cell, or the CSV's `str(value)` taken now with the object kept to be
            // encoded whole; a `str()` that raises is a failed read, as a getter that
            // raises is in opensourceleg (warned, `ERROR`, counted).
            let read = g.read(py).and_then(|v| match typed_cell(&v) {
                Some(cell) => Ok((cell, None)),
                None if keeping_rows => {
                    let shown = v.str()?.to_string_lossy().into();
                    Ok((Cell::Shown(shown), Some(v)))
                }
                None => Ok((Cell::Shown(Box::default()), Some(v))),
            });
            match read {
                Ok((cell, object)) => {
                    cells.push(cell);
                    if let Some(v) = object {
                        others.push((i, Ok(v)));
                    }
                }
                Err(e) if !e.is_instance_of::<PyException>(py) => {
                    CELLS.with(|c| *c.borrow_mut() = cells);
                    return Err(e);
                }
                Err(e) => {
                    cells.push(Cell::Error);
                    others.push((i, Err(e)));
                }
            }
        }
        // A failed read is null in its own field, which keeps the column's type; what went
        // wrong is in the row's last field, `read_errors` ({name: the exception's repr}),
        // which only rows with a failed read have (their own callsite).
        let failed = others.iter().any(|(_, r)| r.is_err());
        let slot = if failed {
            &set.failed_callsite
        } else {
            &set.callsite
        };
        let callsite = *slot.get_or_init(|| {
            let mut refs: Vec<&str> = set.names.iter().map(String::as_str).collect();
            if failed {
                refs.push(READ_ERRORS);
            }
            CallsiteSpec {
                level: Level::Info,
                target: "ttlog.track",
                file: "",
                line: 0,
                template: TRACKED,
                fields: &refs,
                positional: 0,
            }
            .leak()
        });
        if bindings::enabled(callsite) {
            let read_errors = failed
                .then(|| -> PyResult<Bound<'_, PyDict>> {
                    let d = PyDict::new(py);
                    for (i, r) in &others {
                        if let Err(e) = r {
                            let text = e
                                .value(py)
                                .repr()
                                .map_or_else(|_| e.to_string(), |r| r.to_string());
                            d.set_item(&set.names[*i], text)?;
                        }
                    }
                    Ok(d)
                })
                .transpose()?;
            crate::emit::record_event(py, callsite, |enc| {
                let mut others = others.iter();
                for cell in &cells {
                    match cell.typed() {
                        Some(typed) => enc.value(&typed),
                        None => match others.next() {
                            Some((_, Ok(v))) => enc.value(&PyValue::new(v)),
                            Some((_, Err(_))) | None => enc.value(&()),
                        },
                    }
                }
                if let Some(d) = &read_errors {
                    enc.value(&PyValue::new(d.as_any()));
                }
            });
        }
        let result = if keeping_rows {
            self.keep_osl_row(py, &set, &mut cells, &others)
        } else {
            Ok(())
        };
        CELLS.with(|c| *c.borrow_mut() = cells);
        result
    }

    /// The OSL side of a tick: the row's cells, getter failures counted (and told to the
    /// hook, as OSL warns of each), variables failing too often untracked, and the hook
    /// asked to write the rows out once the buffer is full.
    fn keep_osl_row(
        &self,
        py: Python<'_>,
        set: &Set,
        cells: &mut Vec<Cell>,
        others: &[(usize, PyResult<Bound<'_, PyAny>>)],
    ) -> PyResult<()> {
        let mut told: Vec<(&'static str, Option<&str>, Option<&PyErr>)> = Vec::new();
        let hook = {
            let mut guard = self.osl.lock().unwrap_or_else(|e| e.into_inner());
            let Some(osl) = guard.as_mut() else {
                return Ok(());
            };
            let start = osl.rows.cell_count();
            let failed = others
                .iter()
                .filter_map(|(i, v)| Some((*i, v.as_ref().err()?)));
            // Only variables failing now are in the map: a success ends the run.
            if !osl.errors.is_empty() {
                let failing: Vec<usize> = failed.clone().map(|(i, _)| i).collect();
                for (i, name) in set.names.iter().enumerate() {
                    if !failing.contains(&i) {
                        osl.errors.remove(name);
                    }
                }
            }
            for (i, e) in failed {
                let name = &set.names[i];
                told.push(("error", Some(name), Some(e)));
                let n = osl.errors.entry(name.clone()).or_insert(0);
                *n += 1;
                if *n >= osl.max_errors {
                    told.push(("untracked", Some(name), None));
                }
            }
            osl.rows.extend(cells.drain(..));
            osl.rows.end_row(start);
            if osl.rows.len() >= osl.buffer_size {
                told.push(("full", None, None));
            }
            if told.is_empty() {
                return Ok(());
            }
            for (kind, name, _) in &told {
                if let (&"untracked", Some(name)) = (kind, name) {
                    osl.errors.remove(*name);
                }
            }
            osl.hook.clone_ref(py)
        };
        for (kind, name, err) in told {
            if kind == "untracked" {
                if let Some(name) = name {
                    self.untrack(py, name);
                }
            }
            let args = PyTuple::new(
                py,
                [
                    PyString::new(py, kind).into_any(),
                    name.map_or_else(
                        || py.None().into_bound(py),
                        |n| PyString::new(py, n).into_any(),
                    ),
                    err.map_or_else(
                        || py.None().into_bound(py),
                        |e| e.value(py).clone().into_any(),
                    ),
                ],
            )?;
            hook.bind(py).call1(args)?;
        }
        Ok(())
    }
}
