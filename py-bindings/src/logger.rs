//! The `Logger` class: opening the log, its methods, and the level methods' work (their
//! entry points are `ffi::fastcall`'s, which knows no class: this module implements its
//! `LevelMethods`), tracking, snapshots and `ttlog.osl`'s hooks. Modules below it (`emit`,
//! `schema`, `ffi`, `callsites`, `tracking`) never import it back.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use ttlog::bindings::{self, CallsiteSpec};
use ttlog::Level;

use crate::callsites::{self, Callsites, Resolved};
use crate::emit::{format_now, record_event};
use crate::errors::{writer_error, Error};
use crate::ffi::fastcall::{Args, LevelMethods};
use crate::levels;
use crate::schema::Schema;
use crate::span::{self, Span};
use crate::tracking::{self, Tracker};
use crate::values::PyValue;

/// The ttlog writer, for Python. One may be open per process.
#[pyclass(subclass, frozen, module = "ttlog._ttlog")]
pub struct Logger {
    guard: Mutex<Option<ttlog::Guard>>,
    pub(crate) callsites: Callsites,
    /// The same, for events logged inside Python spans: each ends with the field `spans`.
    span_callsites: Callsites,
    /// The target of span records' `target` field, made at the first span.
    span_target: std::sync::OnceLock<&'static str>,
    tracker: Tracker,
    /// Set in a child made by `fork`: the log belongs to the parent (see `after_fork_in_child`).
    pub(crate) forked: AtomicBool,
    fork_warned: AtomicBool,
}

#[pymethods]
impl Logger {
    /// Opens the log. See `ttlog.Logger` for the arguments; an argument left `None` takes
    /// the writer's default (`ttlog::Builder`), so the defaults live in one place.
    #[new]
    #[pyo3(signature = (path=None, level=None, service=None, rotate_bytes=None, flush_interval=None,
        on_full=None, snapshot_dir=None, file_level=None, memory_only=false, max_files=None,
        buffer_size=None, snapshot_on_signals=None, snapshot_on_panic=None, recorder_events=None,
        overwrite=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        path: Option<PathBuf>,
        level: Option<&Bound<'_, PyAny>>,
        service: Option<String>,
        rotate_bytes: Option<u64>,
        flush_interval: Option<f64>,
        on_full: Option<&str>,
        snapshot_dir: Option<PathBuf>,
        file_level: Option<&Bound<'_, PyAny>>,
        memory_only: bool,
        max_files: Option<usize>,
        buffer_size: Option<usize>,
        snapshot_on_signals: Option<bool>,
        snapshot_on_panic: Option<bool>,
        recorder_events: Option<usize>,
        overwrite: Option<bool>,
    ) -> PyResult<Logger> {
        let mut b = ttlog::builder();
        if let Some(level) = level {
            b = b.level(levels::required(level, "level")?);
        }
        if let Some(l) = file_level {
            b = b.file_level(levels::required(l, "file_level")?);
        }
        if let Some(seconds) = flush_interval {
            if !(seconds.is_finite() && seconds > 0.0) {
                return Err(PyValueError::new_err(
                    "flush_interval must be a positive number of seconds",
                ));
            }
            b = b.flush_interval(Duration::from_secs_f64(seconds));
        }
        match on_full {
            None => {}
            Some("block") => b = b.on_full(ttlog::OnFull::Block),
            Some("drop") => b = b.on_full(ttlog::OnFull::Drop),
            Some(other) => {
                return Err(PyValueError::new_err(format!(
                    "on_full must be \"block\" or \"drop\", not {other:?}"
                )))
            }
        }
        if let Some(on) = snapshot_on_signals {
            b = b.snapshot_on_signals(on);
        }
        if let Some(on) = snapshot_on_panic {
            b = b.snapshot_on_panic(on);
        }
        if let Some(on) = overwrite {
            b = b.overwrite(on);
        }
        if let Some(n) = recorder_events {
            b = b.flight_recorder_events(n);
        }
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
        let guard = py.detach(|| b.init()).map_err(writer_error)?;
        Ok(Logger {
            guard: Mutex::new(Some(guard)),
            span_callsites: Callsites::with_trailing_field(target.clone(), Some("spans")),
            callsites: Callsites::new(target),
            span_target: std::sync::OnceLock::new(),
            tracker: Tracker::default(),
            forked: AtomicBool::new(false),
            fork_warned: AtomicBool::new(false),
        })
    }

    /// Logs at `level` (a name or a stdlib number) with an explicit `target` (used by
    /// `ttlog.Handler`).
    #[pyo3(signature = (level, target, msg, fields=None))]
    fn log_record(
        &self,
        level: &Bound<'_, PyAny>,
        target: &str,
        msg: &Bound<'_, PyString>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let level = levels::required(level, "level")?;
        if !bindings::level_may_be_enabled(level) {
            return Ok(());
        }
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
        let cs = callsites::dynamic_callsite(level, target, &key_refs);
        if !bindings::enabled(cs) {
            return Ok(());
        }
        let values: Vec<Bound<'_, PyAny>> = match fields {
            Some(f) => f.values().iter().collect(),
            None => Vec::new(),
        };
        record_event(msg.py(), cs, |enc| {
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
        let cs = CallsiteSpec {
            level: Level::Info,
            target: "ttlog.track",
            file: "",
            line: 0,
            template: name,
            fields: &refs,
            positional: 0,
        }
        .leak();
        Ok(Schema {
            callsite: cs,
            width: fields.len(),
            name: name.to_string(),
            fields,
        })
    }

    /// A span: `with log.span("read_sensors", joint=2):` records, when it is left, a span
    /// record (SPEC.md 8.6) with its start, duration and fields.
    #[pyo3(signature = (name, **fields))]
    fn span(
        &self,
        name: &Bound<'_, PyString>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Span> {
        // The target text, leaked once per logger: spans refer to it, never copy it.
        let target = *self
            .span_target
            .get_or_init(|| Box::leak(self.callsites.target().to_string().into_boxed_str()));
        Span::new(name, target, fields.map(|f| f.clone().unbind()))
    }

    /// Marks an iteration start: `log.mark("tick")` at the top of a loop records a row of
    /// the tracked schema `tick` with no variables, which `loop_stats(path, "tick")` and
    /// `ttlog-view loop --series tick` read. About as cheap as a call can be.
    fn mark(&self, name: &Bound<'_, PyString>) -> PyResult<()> {
        span::mark(name)
    }

    /// Records `fn()` under `name` at every `update()`; tracking a name again replaces it.
    fn track_function(&self, r#fn: &Bound<'_, PyAny>, name: &Bound<'_, PyAny>) -> PyResult<()> {
        self.tracker.track_function(r#fn, name)
    }

    /// Records `obj.<a>` for each attribute (a name or a list of names) at every
    /// `update()`, as column `<prefix>.<a>`; the prefix defaults to the object's
    /// `__name__`, or its type's name. A missing attribute raises `AttributeError`.
    #[pyo3(signature = (obj, attributes, prefix=None))]
    fn track_attributes(
        &self,
        obj: &Bound<'_, PyAny>,
        attributes: &Bound<'_, PyAny>,
        prefix: Option<&str>,
    ) -> PyResult<()> {
        self.tracker.track_attributes(obj, attributes, prefix)
    }

    /// Stops recording `name`.
    fn untrack(&self, py: Python<'_>, name: &str) {
        self.tracker.untrack(py, name);
    }

    /// The tracked names, in column order.
    #[getter]
    fn tracked(&self) -> Vec<String> {
        self.tracker.names()
    }

    /// Reads every tracked getter once and records one row (schema `"tracked"`); a getter
    /// that raises records `"<error: …>"` in its column.
    fn update(&self, py: Python<'_>) -> PyResult<()> {
        if self.forked.load(Ordering::Relaxed) {
            return self.warn_forked(py);
        }
        self.tracker.update(py)
    }

    /// For `ttlog.osl`: keep each `update()` row for OSL's CSV (`buffer_size` rows before
    /// `hook("full", None, None)`), untrack a variable after `max_errors` consecutive
    /// failures (`hook("untracked", name, None)`; 0 never), and tell each failure
    /// (`hook("error", name, exception)`). `hook=None` stops keeping rows.
    #[pyo3(signature = (buffer_size, max_errors, hook))]
    fn _osl_rows(&self, buffer_size: usize, max_errors: u32, hook: Option<Py<PyAny>>) {
        let old = self.tracker.with_osl(|o| std::mem::take(&mut o.rows));
        self.tracker.set_osl(hook.map(|h| {
            let mut rows = tracking::OslRows::new(buffer_size.max(1), max_errors, h);
            if let Some(old) = old {
                rows.rows = old;
            }
            rows
        }));
    }

    /// For `ttlog.osl`: changes the buffer size and the failures before untracking.
    #[pyo3(signature = (buffer_size=None, max_errors=None))]
    fn _osl_configure(&self, buffer_size: Option<usize>, max_errors: Option<u32>) {
        self.tracker.with_osl(|o| {
            if let Some(b) = buffer_size {
                o.buffer_size = b.max(1);
            }
            if let Some(m) = max_errors {
                o.max_errors = m;
            }
        });
    }

    /// For `ttlog.osl`: the rows kept, as CSV text (Python's `csv.writer` format), and
    /// forgets them.
    fn _osl_take_csv(&self) -> String {
        self.tracker
            .with_osl(|o| o.rows.take_csv())
            .unwrap_or_default()
    }

    /// For `ttlog.osl`: the rows kept, each a list of the cells' text.
    fn _osl_peek(&self) -> Vec<Vec<String>> {
        self.tracker
            .with_osl(|o| {
                o.rows
                    .iter()
                    .map(|row| {
                        row.iter()
                            .map(|c| {
                                let mut s = String::new();
                                c.write(&mut s);
                                s
                            })
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// For `ttlog.osl`: forgets the rows kept.
    fn _osl_clear(&self) {
        self.tracker.with_osl(|o| o.rows.clear());
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

    /// The file this logger writes (None with `memory_only=True`): the path given (an
    /// earlier run's file there moved aside first, `trial.20261206T211745Z.bin`), or
    /// `trial-2.bin` while a live process writes that path.
    #[getter]
    fn path(&self) -> Option<PathBuf> {
        let guard = self.guard.lock().ok()?;
        guard.as_ref()?.path().map(PathBuf::from)
    }

    /// True until `close`.
    #[getter]
    fn closed(&self) -> bool {
        self.forked.load(Ordering::Relaxed)
            || self.guard.lock().map(|g| g.is_none()).unwrap_or(true)
    }

    /// Called by the package in a child made by `fork`: the writer thread stayed in the
    /// parent, so this logger is closed here (without touching the parent's log) and says
    /// so once if the child logs through it.
    fn _after_fork_in_child(&self) {
        self.forked.store(true, Ordering::Relaxed);
        // try_lock: a parent thread may have held the lock (in flush) when it forked.
        if let Ok(mut guard) = self.guard.try_lock() {
            drop(guard.take());
        }
    }

    /// Whether messages at `level` are recorded now: a check before costly work.
    fn is_enabled(&self, level: &Bound<'_, PyAny>) -> PyResult<bool> {
        let level = levels::required(level, "level")?;
        Ok(!self.closed() && bindings::level_may_be_enabled(level))
    }

    /// Sets the least severe level recorded (`"DEBUG"`, `"INFO"`, …, a stdlib level number,
    /// or `"OFF"`).
    fn set_level(&self, level: &Bound<'_, PyAny>) -> PyResult<()> {
        ttlog::set_level(levels::parse(level, "level", true)?);
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
    #[pyo3(signature = (reason="checkpoint", message=None, traceback=None, thread=None))]
    fn snapshot(
        &self,
        py: Python<'_>,
        reason: &str,
        message: Option<&str>,
        traceback: Option<&str>,
        thread: Option<String>,
    ) -> PyResult<String> {
        if self.closed() {
            return Err(Error::new_err("the logger is closed"));
        }
        // The Python thread's name: the Rust thread under it has none ("ThreadId(1)").
        let thread = match thread {
            Some(t) => t,
            None => py
                .import("threading")?
                .call_method0("current_thread")?
                .getattr("name")?
                .extract()?,
        };
        py.detach(|| {
            bindings::snapshot(bindings::SnapshotDetails {
                reason,
                message,
                backtrace: traceback,
                thread: Some(&thread),
            })
        })
        .map(|p| p.display().to_string())
        .map_err(|e| Error::new_err(e.to_string()))
    }

    /// Writes the end event of an uncaught exception into the log (SPEC.md 8.8): used by
    /// the exception hooks; `ends_run` when it ends the process.
    #[pyo3(signature = (reason, message, thread, file, line, traceback, snapshot, ends_run))]
    #[allow(clippy::too_many_arguments)]
    fn _run_end(
        &self,
        py: Python<'_>,
        reason: &str,
        message: Option<&str>,
        thread: &str,
        file: Option<&str>,
        line: Option<u32>,
        traceback: Option<&str>,
        snapshot: Option<&str>,
        ends_run: bool,
    ) {
        if self.closed() {
            return;
        }
        py.detach(|| {
            bindings::record_run_end(bindings::RunEnd {
                reason,
                message,
                thread,
                file,
                line,
                backtrace: traceback,
                snapshot: snapshot.map(std::path::Path::new),
                ends_run,
            })
        });
    }
}

impl Logger {
    /// Says once, as a RuntimeWarning, that a forked child's messages are not recorded.
    pub(crate) fn warn_forked(&self, py: Python<'_>) -> PyResult<()> {
        if self.fork_warned.swap(true, Ordering::Relaxed) {
            return Ok(());
        }
        let msg = c"ttlog: this process was forked from the one that opened this Logger, whose \
writer stayed in the parent: nothing logged through it here is recorded. Open a new \
ttlog.Logger in the child (or use the 'spawn' or 'forkserver' start method).";
        PyErr::warn(
            py,
            &py.get_type::<pyo3::exceptions::PyRuntimeWarning>(),
            msg,
            1,
        )
    }
}

impl LevelMethods for Logger {
    /// One call of a level method (see `fastcall`): `msg, *args, **fields`.
    fn call_level(&self, level: Level, call: &Args<'_, '_>) -> PyResult<()> {
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
        // Inside a Python span the event carries the span chain as its last field.
        let chain = span::chain(call.py());
        let callsites = if chain.is_some() {
            &self.span_callsites
        } else {
            &self.callsites
        };
        match callsites.resolve(level, &msg, n_args, call.kwnames())? {
            Resolved::Callsite(cs) => {
                if bindings::enabled(cs) {
                    record_event(msg.py(), cs, |enc| {
                        for v in call.rest() {
                            enc.value(&PyValue::new(&v));
                        }
                        if let Some(chain) = &chain {
                            enc.value(chain);
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
                        if let Some(chain) = &chain {
                            enc.value(chain);
                        }
                    });
                }
            }
        }
        Ok(())
    }
}

/// Makes room for a new run's files `stem` + each of `exts` by ttlog's rule
/// (`ttlog::earlier_run`): an earlier run's files there are moved aside together under its
/// start time; a stem a live process writes is passed over for `stem-2`, …. Returns the stem
/// to write under and the line to tell the user (`None` when nothing was in the way).
#[pyfunction]
pub fn claim_run_files(stem: PathBuf, exts: Vec<String>) -> PyResult<(PathBuf, Option<String>)> {
    let exts: Vec<&str> = exts.iter().map(String::as_str).collect();
    let claim = ttlog::earlier_run::claim(&stem, &exts)
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("{}: {e}", stem.display())))?;
    let mut configured = stem.clone().into_os_string();
    configured.push(exts.first().copied().unwrap_or(""));
    let message = claim.message(std::path::Path::new(&configured));
    Ok((claim.stem, message))
}
