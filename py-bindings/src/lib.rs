//! Python bindings of ttlog (module `ttlog._ttlog`; the package `ttlog` wraps it).
//!
//! The logging methods are implemented here, not in Python, so a call costs one Python-to-
//! Rust transition: look up the statement's callsite (cached by the template and keyword
//! names), convert the values to CBOR into the thread's staging ring, return.

mod reader;
mod values;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use ttlog::__private::{self as private, Callsite};
use ttlog::Level;

use crate::values::PyValue;

create_exception!(_ttlog, Error, PyException, "Base class of ttlog's errors.");
create_exception!(
    _ttlog,
    CorruptFileError,
    Error,
    "A ttlog file is damaged or not a ttlog file; `offset` is the byte offset, when known."
);

fn level_from(py_level: &str) -> PyResult<Level> {
    match py_level.to_ascii_uppercase().as_str() {
        "CRITICAL" | "FATAL" => Ok(Level::Error),
        other => other
            .parse::<Level>()
            .map_err(|e| PyValueError::new_err(e.to_string())),
    }
}

/// Converts a %-style template (`"motor %s at %.2f"`) to ttlog's `{}` style, once per
/// callsite. Unknown conversions are kept as text.
fn percent_to_braces(t: &str) -> String {
    let mut out = String::with_capacity(t.len() + 4);
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            '%' => {
                let mut spec = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_digit()
                        || n == '.'
                        || n == '-'
                        || n == '+'
                        || n == ' '
                        || n == '#'
                    {
                        spec.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                match chars.next() {
                    Some('%') if spec.is_empty() => out.push('%'),
                    Some('s' | 'd' | 'i' | 'u') => {
                        let width = spec.trim_start_matches(['-', '+', ' ', '#']);
                        if width.is_empty() {
                            out.push_str("{}");
                        } else if spec.starts_with('-') {
                            out.push_str(&format!("{{:<{width}}}"));
                        } else {
                            out.push_str(&format!("{{:>{width}}}"));
                        }
                    }
                    Some('r') => out.push_str("{:?}"),
                    Some(conv @ ('f' | 'F' | 'e' | 'E' | 'g' | 'G')) => {
                        let (width, prec) = spec.split_once('.').unwrap_or((spec.as_str(), ""));
                        let prec = if prec.is_empty() && matches!(conv, 'f' | 'F') {
                            "6"
                        } else {
                            prec
                        };
                        let kind = match conv {
                            'e' => "e",
                            'E' => "E",
                            _ => "",
                        };
                        let width = width.trim_start_matches(['-', '+', ' ', '#']);
                        if prec.is_empty() {
                            out.push_str(&format!("{{:{width}{kind}}}"));
                        } else {
                            out.push_str(&format!("{{:{width}.{prec}{kind}}}"));
                        }
                    }
                    Some(conv @ ('x' | 'X' | 'o')) => out.push_str(&format!("{{:{conv}}}")),
                    Some(other) => {
                        out.push('%');
                        out.push_str(&spec);
                        out.push(other);
                    }
                    None => {
                        out.push('%');
                        out.push_str(&spec);
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The callsite cache's key is already a hash (Python's cached string hash): mixing it
/// once is enough, where SipHash showed up in profiles of the logging call.
#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(u64::from(v));
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn write_isize(&mut self, v: isize) {
        self.write_u64(v as u64);
    }
}

type KeyHash = std::hash::BuildHasherDefault<KeyHasher>;

/// Cached callsites by (level, template hash, keyword and argument counts).
type CallsiteCache = HashMap<(u8, isize, usize), Vec<CachedCallsite>, KeyHash>;

/// Level, target, template, field names and argument count of a run-time callsite.
type DynamicKey = (u8, String, String, Vec<String>, u32);

/// A cached callsite: the Python objects it was made for, compared by identity first.
struct CachedCallsite {
    template: Py<PyString>,
    keys: Vec<Py<PyString>>,
    n_args: usize,
    callsite: &'static Callsite,
}

/// The ttlog writer, for Python. One may be open per process.
#[pyclass(subclass, frozen, module = "ttlog._ttlog")]
pub struct Logger {
    guard: Mutex<Option<ttlog::Guard>>,
    target: String,
    callsites: Mutex<CallsiteCache>,
}

thread_local! {
    static NAMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[pymethods]
impl Logger {
    /// Opens the log. See `ttlog.Logger` for the arguments.
    #[new]
    #[pyo3(signature = (path=None, level="INFO", service=None, rotate_bytes=None, flush_interval=0.1,
        on_full="block", snapshot_dir=None, file_level=None, memory_only=false, max_files=None,
        buffer_size=None, snapshot_on_signals=false, snapshot_on_panic=true, recorder_events=10_000))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        path: Option<PathBuf>,
        level: &str,
        service: Option<String>,
        rotate_bytes: Option<u64>,
        flush_interval: f64,
        on_full: &str,
        snapshot_dir: Option<PathBuf>,
        file_level: Option<&str>,
        memory_only: bool,
        max_files: Option<usize>,
        buffer_size: Option<usize>,
        snapshot_on_signals: bool,
        snapshot_on_panic: bool,
        recorder_events: usize,
    ) -> PyResult<Logger> {
        if !(flush_interval.is_finite() && flush_interval > 0.0) {
            return Err(PyValueError::new_err(
                "flush_interval must be a positive number of seconds",
            ));
        }
        let mut b = ttlog::builder()
            .level(level_from(level)?)
            .flush_interval(Duration::from_secs_f64(flush_interval))
            .on_full(match on_full {
                "block" => ttlog::OnFull::Block,
                "drop" => ttlog::OnFull::Drop,
                other => {
                    return Err(PyValueError::new_err(format!(
                        "on_full must be \"block\" or \"drop\", not {other:?}"
                    )))
                }
            })
            .snapshot_on_signals(snapshot_on_signals)
            .snapshot_on_panic(snapshot_on_panic)
            .flight_recorder(recorder_events, 4 << 20);
        let target = service.clone().unwrap_or_else(|| "python".to_string());
        if let Some(s) = service {
            b = b.service(s);
        }
        match (path, memory_only) {
            (Some(p), false) => b = b.path(p),
            (None, true) => b = b.memory_only(),
            (None, false) => {
                return Err(PyValueError::new_err(
                    "a path is needed unless memory_only=True",
                ))
            }
            (Some(_), true) => return Err(PyValueError::new_err("memory_only=True takes no path")),
        }
        if let Some(n) = rotate_bytes {
            b = b.rotate_bytes(n);
        }
        if let Some(n) = max_files {
            b = b.max_files(n);
        }
        if let Some(n) = buffer_size {
            b = b.buffer_size(n);
        }
        if let Some(d) = snapshot_dir {
            b = b.snapshot_dir(d);
        }
        if let Some(l) = file_level {
            b = b.file_level(level_from(l)?);
        }
        let guard = py.detach(|| b.init()).map_err(|e| match e {
            ttlog::Error::InvalidConfig(m) | ttlog::Error::InvalidFilter(m) => {
                PyValueError::new_err(m)
            }
            other => Error::new_err(other.to_string()),
        })?;
        Ok(Logger {
            guard: Mutex::new(Some(guard)),
            target,
            callsites: Mutex::new(HashMap::default()),
        })
    }

    /// Logs at TRACE. `msg % args` is formatted lazily (by readers); keywords become fields.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn trace(
        &self,
        msg: &Bound<'_, PyString>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.emit(Level::Trace, msg, args, kwargs)
    }

    /// Logs at DEBUG.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn debug(
        &self,
        msg: &Bound<'_, PyString>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.emit(Level::Debug, msg, args, kwargs)
    }

    /// Logs at INFO.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn info(
        &self,
        msg: &Bound<'_, PyString>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.emit(Level::Info, msg, args, kwargs)
    }

    /// Logs at WARN.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn warning(
        &self,
        msg: &Bound<'_, PyString>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.emit(Level::Warn, msg, args, kwargs)
    }

    /// Logs at WARN (alias of `warning`).
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn warn(
        &self,
        msg: &Bound<'_, PyString>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.emit(Level::Warn, msg, args, kwargs)
    }

    /// Logs at ERROR.
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn error(
        &self,
        msg: &Bound<'_, PyString>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.emit(Level::Error, msg, args, kwargs)
    }

    /// Logs at ERROR (ttlog has no separate CRITICAL level).
    #[pyo3(signature = (msg, *args, **kwargs))]
    fn critical(
        &self,
        msg: &Bound<'_, PyString>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        self.emit(Level::Error, msg, args, kwargs)
    }

    /// Logs at `level` (a name) with an explicit `target` (used by `ttlog.Handler`).
    #[pyo3(signature = (level, target, msg, fields=None))]
    fn log_record(
        &self,
        level: &str,
        target: &str,
        msg: &Bound<'_, PyString>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let level = level_from(level)?;
        if !private::level_may_be_enabled(level) {
            return Ok(());
        }
        self.name_thread(msg.py());
        let keys: Vec<String> = match fields {
            Some(f) => f
                .keys()
                .iter()
                .map(|k| k.str().map(|s| s.to_string()))
                .collect::<PyResult<_>>()?,
            None => Vec::new(),
        };
        let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        // Messages from the stdlib are already formatted: stored as one argument, so a
        // varying message does not make a callsite per distinct text.
        let cs = self.dynamic_callsite(level, target, "{}", &key_refs, 1);
        if !private::enabled(cs) {
            return Ok(());
        }
        let values: Vec<Bound<'_, PyAny>> = match fields {
            Some(f) => f.values().iter().collect(),
            None => Vec::new(),
        };
        private::emit(cs, |enc| {
            enc.value(&PyValue::new(msg.as_any()));
            for v in &values {
                enc.value(&PyValue::new(v));
            }
        });
        Ok(())
    }

    /// A fast recorder of one row of values per call: `row = log.schema("knee", ["angle",
    /// "torque"])`, then `row(a, t)` each tick. Rows are events of target `ttlog.track`
    /// whose message is the schema name and whose fields are the variables.
    fn schema(&self, name: &str, fields: Vec<String>) -> PyResult<Schema> {
        if fields.is_empty() {
            return Err(PyValueError::new_err("a schema needs at least one field"));
        }
        let mut seen = std::collections::HashSet::new();
        for f in &fields {
            if !seen.insert(f.as_str()) {
                return Err(PyValueError::new_err(format!("field {f:?} appears twice")));
            }
        }
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        let cs = private::leak_callsite(Level::Info, "ttlog.track", "", 0, name, &refs, 0);
        Ok(Schema {
            callsite: cs,
            width: fields.len(),
            name: name.to_string(),
            fields,
        })
    }

    /// Writes everything logged so far to the file; False if that took over `timeout` s.
    #[pyo3(signature = (timeout=5.0))]
    fn flush(&self, py: Python<'_>, timeout: f64) -> PyResult<bool> {
        let guard = self
            .guard
            .lock()
            .map_err(|_| Error::new_err("logger lock poisoned"))?;
        let Some(g) = guard.as_ref() else {
            return Ok(false);
        };
        let t = Duration::from_secs_f64(timeout.max(0.0));
        Ok(py.detach(|| g.flush(t)))
    }

    /// Flushes and closes the log. Further calls log nothing. Safe to call twice.
    fn close(&self, py: Python<'_>) {
        let guard = self.guard.lock().ok().and_then(|mut g| g.take());
        if let Some(g) = guard {
            py.detach(move || drop(g));
        }
    }

    /// True until `close`.
    #[getter]
    fn closed(&self) -> bool {
        self.guard.lock().map(|g| g.is_none()).unwrap_or(true)
    }

    /// Sets the least severe level recorded (`"DEBUG"`, `"INFO"`, …, or `"OFF"`).
    fn set_level(&self, level: &str) -> PyResult<()> {
        if level.eq_ignore_ascii_case("off") {
            ttlog::set_level(None);
        } else {
            ttlog::set_level(Some(level_from(level)?));
        }
        Ok(())
    }

    /// Counters: events_written, events_dropped, blocks_written, bytes_written, io_errors,
    /// files.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self
            .guard
            .lock()
            .ok()
            .and_then(|g| g.as_ref().map(ttlog::Guard::stats))
            .unwrap_or_default();
        let d = PyDict::new(py);
        d.set_item("events_written", s.events_written)?;
        d.set_item("events_dropped", s.events_dropped)?;
        d.set_item("blocks_written", s.blocks_written)?;
        d.set_item("bytes_written", s.bytes_written)?;
        d.set_item("io_errors", s.io_errors)?;
        d.set_item("files", s.files)?;
        Ok(d)
    }

    /// Writes a snapshot (recent events and `reason`, with an optional message and
    /// traceback); returns its path.
    #[pyo3(signature = (reason="checkpoint", message=None, traceback=None))]
    fn snapshot(
        &self,
        py: Python<'_>,
        reason: &str,
        message: Option<&str>,
        traceback: Option<&str>,
    ) -> PyResult<String> {
        if self.closed() {
            return Err(Error::new_err("the logger is closed"));
        }
        py.detach(|| private::snapshot_with_details(reason, message, traceback))
            .map(|p| p.display().to_string())
            .map_err(|e| Error::new_err(e.to_string()))
    }
}

impl Logger {
    fn name_thread(&self, py: Python<'_>) {
        if NAMED.with(|n| n.replace(true)) {
            return;
        }
        let name = py
            .import("threading")
            .and_then(|t| t.call_method0("current_thread"))
            .and_then(|t| t.getattr("name"))
            .and_then(|n| n.extract::<String>());
        if let Ok(name) = name {
            private::name_this_thread(&name);
        }
    }

    fn dynamic_callsite(
        &self,
        level: Level,
        target: &str,
        template: &str,
        keys: &[&str],
        n_args: u32,
    ) -> &'static Callsite {
        static DYNAMIC: Mutex<Option<HashMap<DynamicKey, &'static Callsite>>> = Mutex::new(None);
        let mut map = DYNAMIC.lock().unwrap_or_else(|e| e.into_inner());
        let key = (
            level.as_u8(),
            target.to_string(),
            template.to_string(),
            keys.iter().map(|k| k.to_string()).collect(),
            n_args,
        );
        map.get_or_insert_with(HashMap::new)
            .entry(key)
            .or_insert_with(|| private::leak_callsite(level, target, "", 0, template, keys, n_args))
    }

    fn emit(
        &self,
        level: Level,
        msg: &Bound<'_, PyString>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        if !private::level_may_be_enabled(level) {
            return Ok(());
        }
        let py = msg.py();
        self.name_thread(py);
        let cs = self.callsite(level, msg, args.len(), kwargs)?;
        if !private::enabled(cs) {
            return Ok(());
        }
        private::emit(cs, |enc| {
            for a in args.iter() {
                enc.value(&PyValue::new(&a));
            }
            if let Some(kw) = kwargs {
                for (_, v) in kw.iter() {
                    enc.value(&PyValue::new(&v));
                }
            }
        });
        Ok(())
    }

    /// The callsite of (level, template, number of args, keyword names), made once.
    fn callsite(
        &self,
        level: Level,
        msg: &Bound<'_, PyString>,
        n_args: usize,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<&'static Callsite> {
        let py = msg.py();
        let hash = msg.hash()?;
        let n_keys = kwargs.map_or(0, |k| k.len());
        let key = (level.as_u8(), hash, n_keys * 256 + n_args);
        let mut cache = self
            .callsites
            .lock()
            .map_err(|_| Error::new_err("callsite cache poisoned"))?;
        let entries = cache.entry(key).or_default();
        'entries: for e in entries.iter() {
            if e.n_args != n_args || e.keys.len() != n_keys {
                continue;
            }
            if !e.template.bind(py).is(msg) && e.template.bind(py).to_str()? != msg.to_str()? {
                continue;
            }
            if let Some(kw) = kwargs {
                for ((k, _), want) in kw.iter().zip(&e.keys) {
                    let want = want.bind(py);
                    if !want.is(&k) && want.as_any().ne(&k)? {
                        continue 'entries;
                    }
                }
            }
            return Ok(e.callsite);
        }
        let mut keys = Vec::with_capacity(n_keys);
        let mut names = Vec::with_capacity(n_keys);
        if let Some(kw) = kwargs {
            for (k, _) in kw.iter() {
                let k = k
                    .cast_into::<PyString>()
                    .map_err(|_| PyTypeError::new_err("keyword names must be strings"))?;
                names.push(k.to_str()?.to_string());
                keys.push(k.unbind());
            }
        }
        let template = percent_to_braces(msg.to_str()?);
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let callsite =
            private::leak_callsite(level, &self.target, "", 0, &template, &refs, n_args as u32);
        entries.push(CachedCallsite {
            template: msg.clone().unbind(),
            keys,
            n_args,
            callsite,
        });
        Ok(callsite)
    }
}

/// Records rows of a fixed set of variables; made by `Logger.schema`.
#[pyclass(module = "ttlog._ttlog", frozen)]
pub struct Schema {
    callsite: &'static Callsite,
    width: usize,
    name: String,
    fields: Vec<String>,
}

#[pymethods]
impl Schema {
    /// Records one row: one value per field, in order.
    #[pyo3(signature = (*values))]
    fn __call__(&self, values: &Bound<'_, PyTuple>) -> PyResult<()> {
        if values.len() != self.width {
            return Err(PyTypeError::new_err(format!(
                "schema {:?} takes {} values ({}), got {}",
                self.name,
                self.width,
                self.fields.join(", "),
                values.len()
            )));
        }
        if !private::enabled(self.callsite) {
            return Ok(());
        }
        private::emit(self.callsite, |enc| {
            for v in values.iter() {
                enc.value(&PyValue::new(&v));
            }
        });
        Ok(())
    }

    /// Records one row from any sequence of numbers (a list, a tuple, a numpy array).
    fn record(&self, values: &Bound<'_, PyAny>) -> PyResult<()> {
        let n = values.len()?;
        if n != self.width {
            return Err(PyValueError::new_err(format!(
                "schema {:?} takes {} values, got {n}",
                self.name, self.width
            )));
        }
        let items: Vec<f64> = values
            .try_iter()?
            .map(|v| v.and_then(|v| v.extract::<f64>()))
            .collect::<PyResult<_>>()
            .map_err(|_| PyTypeError::new_err("record() takes a sequence of numbers"))?;
        if !private::enabled(self.callsite) {
            return Ok(());
        }
        private::emit(self.callsite, |enc| {
            for v in &items {
                enc.value(v);
            }
        });
        Ok(())
    }

    /// The schema's name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The variable names.
    #[getter]
    fn fields(&self) -> Vec<String> {
        self.fields.clone()
    }
}

/// The native module.
#[pymodule]
fn _ttlog(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Logger>()?;
    m.add_class::<Schema>()?;
    m.add_class::<reader::Reader>()?;
    m.add_function(wrap_pyfunction!(reader::convert, m)?)?;
    m.add_function(wrap_pyfunction!(reader::columns, m)?)?;
    m.add("Error", m.py().get_type::<Error>())?;
    m.add("CorruptFileError", m.py().get_type::<CorruptFileError>())?;
    Ok(())
}
