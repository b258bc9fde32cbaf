//! Reading ttlog files from Python.

use std::fs::File;

use pyo3::exceptions::{PyIOError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use std::collections::HashMap;
use std::sync::Arc;

use ttlog_reader::{format_rfc3339, Callsite, Event, Events, Filter, Merge, Query};

use crate::errors::{corrupt, reader_error, DamagedDataWarning};
use crate::values::to_py;

/// The selection: filter expressions, and a time range in ns since the epoch (inclusive).
pub(crate) fn query(
    filter: Option<Vec<String>>,
    since: Option<u64>,
    until: Option<u64>,
) -> PyResult<Query> {
    let mut q = Query {
        since,
        until,
        ..Query::default()
    };
    for f in filter.unwrap_or_default() {
        q.filters.push(
            Filter::parse(&f)
                .map_err(|e| PyValueError::new_err(format!("{e}\n{}", e.pointer())))?,
        );
    }
    Ok(q)
}

fn open_all(paths: &[String]) -> PyResult<Vec<Events<File>>> {
    paths
        .iter()
        .map(|p| Events::open(p).map_err(|e| reader_error(p, e)))
        .collect()
}

/// Damaged data met while reading: (path, error, byte offset).
pub(crate) type Problem = (String, String, Option<u64>);

fn problem(path: &str, e: &ttlog_reader::Error) -> Problem {
    (path.to_string(), e.to_string(), e.offset())
}

/// Says, as a `DamagedDataWarning`, that damaged data was skipped: never silent.
pub(crate) fn warn_damaged(py: Python<'_>, problems: &[Problem]) -> PyResult<()> {
    let (path, error, _) = &problems[0];
    let more = match problems.len() {
        1 => String::new(),
        n => format!(" (and {} more; see `problems`)", n - 1),
    };
    let msg = std::ffi::CString::new(format!(
        "ttlog: skipped damaged data in {path}: {error}{more}"
    ))
    .unwrap_or_default();
    PyErr::warn(py, &py.get_type::<DamagedDataWarning>(), &msg, 1)
}

pub(crate) fn problems_list<'py>(
    py: Python<'py>,
    problems: &[Problem],
) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for (path, error, offset) in problems {
        let d = PyDict::new(py);
        d.set_item("path", path)?;
        d.set_item("error", error)?;
        d.set_item("offset", *offset)?;
        list.append(d)?;
    }
    Ok(list)
}

/// Python strings of a callsite (target, file, field names) and of thread names, made once
/// per callsite or thread rather than per event. Keyed by the `Arc`'s address, with the
/// `Arc` kept so the address cannot be reused while cached; emptied when it grows large
/// (callsites are redefined in every block).
#[derive(Default)]
pub struct NameCache {
    callsites: HashMap<usize, (Arc<Callsite>, CallsiteNames)>,
    threads: HashMap<usize, (Arc<str>, Py<PyString>)>,
}

struct CallsiteNames {
    target: Py<PyString>,
    file: Option<Py<PyString>>,
    fields: Vec<Py<PyString>>,
}

impl NameCache {
    const MAX: usize = 4096;

    fn callsite<'a>(&'a mut self, py: Python<'_>, c: &Arc<Callsite>) -> &'a CallsiteNames {
        if self.callsites.len() >= Self::MAX {
            self.callsites.clear();
        }
        let key = Arc::as_ptr(c) as usize;
        &self
            .callsites
            .entry(key)
            .or_insert_with(|| {
                let names = CallsiteNames {
                    target: PyString::new(py, &c.target).unbind(),
                    file: (!c.file.is_empty()).then(|| PyString::new(py, &c.file).unbind()),
                    fields: c
                        .field_names
                        .iter()
                        .map(|f| PyString::new(py, f).unbind())
                        .collect(),
                };
                (c.clone(), names)
            })
            .1
    }

    fn thread<'a>(&'a mut self, py: Python<'_>, t: &Arc<str>) -> &'a Py<PyString> {
        if self.threads.len() >= Self::MAX {
            self.threads.clear();
        }
        let key = Arc::as_ptr(t) as *const u8 as usize;
        &self
            .threads
            .entry(key)
            .or_insert_with(|| (t.clone(), PyString::new(py, t).unbind()))
            .1
    }
}

/// An event as a dict, with the keys of the JSON export plus `ts_ns`. Keys and level names
/// are interned once; callsite and thread strings come from `names`.
pub fn event_dict<'py>(
    py: Python<'py>,
    e: &Event,
    names: &mut NameCache,
) -> PyResult<Bound<'py, PyDict>> {
    crate::values::take_key_cut();
    let d = PyDict::new(py);
    let mut ts = String::with_capacity(30);
    format_rfc3339(e.ts, &mut ts);
    d.set_item(intern!(py, "ts"), ts)?;
    d.set_item(intern!(py, "ts_ns"), e.ts)?;
    let level = match e.level_name().as_ref() {
        "TRACE" => intern!(py, "TRACE").clone(),
        "DEBUG" => intern!(py, "DEBUG").clone(),
        "INFO" => intern!(py, "INFO").clone(),
        "WARN" => intern!(py, "WARN").clone(),
        "ERROR" => intern!(py, "ERROR").clone(),
        other => PyString::new(py, other),
    };
    d.set_item(intern!(py, "level"), level)?;
    d.set_item(intern!(py, "thread"), names.thread(py, &e.thread).bind(py))?;
    let callsite = names.callsite(py, &e.callsite);
    d.set_item(intern!(py, "target"), callsite.target.bind(py))?;
    d.set_item(intern!(py, "msg"), e.message())?;
    let fields = PyDict::new(py);
    let chain = e.span_chain();
    for (k, (_, v)) in callsite.fields.iter().zip(e.fields()) {
        if chain.is_some_and(|c| std::ptr::eq(c, v)) {
            continue;
        }
        fields.set_item(k.bind(py), to_py(py, v)?)?;
    }
    d.set_item(intern!(py, "fields"), fields)?;
    if let Some(file) = &callsite.file {
        d.set_item(intern!(py, "file"), file.bind(py))?;
    }
    if e.callsite.line != 0 {
        d.set_item(intern!(py, "line"), e.callsite.line)?;
    }
    if let Some(chain @ ttlog_reader::Value::Array(_)) = chain {
        d.set_item(intern!(py, "spans"), to_py(py, chain)?)?;
    }
    if crate::values::take_key_cut() | e.truncated {
        d.set_item(intern!(py, "truncated"), true)?;
    }
    Ok(d)
}

/// The snapshot record of the file at `path` (SPEC.md 4: reason, thread, message, file,
/// line, backtrace, time, events, main log) as JSON text; `None` for a file that is not a
/// snapshot. A file that cannot be read is an error.
#[pyfunction]
pub fn snapshot_record(path: &str) -> PyResult<Option<String>> {
    let blocks = ttlog_reader::BlockReader::open(path).map_err(|e| reader_error(path, e))?;
    Ok(ttlog_reader::snapshot_record(blocks.header()).and_then(|v| serde_json::to_string(&v).ok()))
}

/// Iterates the events of files as dicts, merged by time. Damaged data is skipped and listed
/// in `problems` (or raised as `CorruptFileError` with `strict=True`).
#[pyclass(module = "ttlog._ttlog", unsendable)]
pub struct Reader {
    merged: Merge<Events<File>>,
    names: Vec<String>,
    query: Query,
    strict: bool,
    problems: Vec<Problem>,
    warned: bool,
    strings: NameCache,
    /// The snapshot record of the first file that is a snapshot, as JSON text.
    snapshot: Option<String>,
}

#[pymethods]
impl Reader {
    /// Opens `paths` (already expanded); `filter` is a list of filter expressions.
    #[new]
    #[pyo3(signature = (paths, filter=None, strict=false, since=None, until=None))]
    fn new(
        paths: Vec<String>,
        filter: Option<Vec<String>>,
        strict: bool,
        since: Option<u64>,
        until: Option<u64>,
    ) -> PyResult<Reader> {
        let query = query(filter, since, until)?;
        let mut sources = open_all(&paths)?;
        let snapshot = sources.iter().find_map(|s| {
            ttlog_reader::snapshot_record(s.header()).and_then(|v| serde_json::to_string(&v).ok())
        });
        for s in &mut sources {
            let q = query.clone();
            s.blocks_mut()
                .set_block_filter(Box::new(move |f| q.block_may_match(f)));
        }
        Ok(Reader {
            merged: Merge::new(sources),
            names: paths,
            query,
            strict,
            problems: Vec::new(),
            warned: false,
            strings: NameCache::default(),
            snapshot,
        })
    }

    /// The crash record of a snapshot file (reason, thread, message, file, line, backtrace,
    /// time_ns, events, main_log, ...) as a dict; `None` when no file read is a snapshot.
    #[getter]
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.snapshot {
            Some(json) => Ok(Some(py.import("json")?.call_method1("loads", (json,))?)),
            None => Ok(None),
        }
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        for (source, item) in self.merged.by_ref() {
            match item {
                Ok(e) if self.query.matches(&e) => {
                    return event_dict(py, &e, &mut self.strings).map(Some)
                }
                Ok(_) => {}
                Err(e) => {
                    let name = &self.names[source];
                    if self.strict {
                        return Err(corrupt(name, &e));
                    }
                    self.problems.push(problem(name, &e));
                }
            }
        }
        if !self.problems.is_empty() && !self.warned {
            self.warned = true;
            warn_damaged(py, &self.problems)?;
        }
        Ok(None)
    }

    /// What was skipped so far: a list of dicts with `path`, `error` and `offset`.
    #[getter]
    fn problems<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        problems_list(py, &self.problems)
    }
}

/// Every event of `paths` that `query` keeps, merged by time (one file in file order,
/// decoded on every core: `ttlog_reader::select`), passed to `each`; damaged data is
/// collected as problems (or, with `strict`, ends the read with an error). A missing or
/// unreadable file raises before any event.
pub(crate) fn for_each_event(
    paths: &[String],
    query: &Query,
    strict: bool,
    problems: &mut Vec<Problem>,
    mut each: impl FnMut(&Event) -> PyResult<()>,
) -> PyResult<()> {
    drop(open_all(paths)?);
    let files: Vec<std::path::PathBuf> = paths.iter().map(Into::into).collect();
    let threads = ttlog_reader::default_threads();
    let mut result = Ok(());
    ttlog_reader::select(&files, query, threads, |item| match item {
        ttlog_reader::Selection::Event { event, .. } => match each(event) {
            Ok(()) => true,
            Err(e) => {
                result = Err(e);
                false
            }
        },
        ttlog_reader::Selection::Problem { path, error } => {
            let path = path.display().to_string();
            if strict {
                result = Err(corrupt(&path, error));
                return false;
            }
            problems.push(problem(&path, error));
            true
        }
        ttlog_reader::Selection::Opened { .. } => true,
    });
    result
}

/// Nanoseconds since the epoch of an RFC 3339 time (`2026-11-22T03:06:36.5Z`).
#[pyfunction]
pub fn parse_time(text: &str) -> PyResult<u64> {
    ttlog_reader::parse_rfc3339(text).ok_or_else(|| {
        PyValueError::new_err(format!(
            "{text:?} is not an RFC 3339 time such as 2026-11-22T03:06:36.5Z"
        ))
    })
}

/// Expands glob patterns in `paths` as `ttlog-view` does (`ttlog_reader::expand_paths`).
#[pyfunction]
pub fn expand_paths(paths: Vec<std::path::PathBuf>) -> Vec<std::path::PathBuf> {
    ttlog_reader::expand_paths(&paths)
}

/// Collects a Parquet job's problems for Python.
struct Collected {
    problems: Vec<Problem>,
    first: Option<PyErr>,
}

impl ttlog_export::Progress for Collected {
    fn problem(&mut self, path: &std::path::Path, e: &ttlog_reader::Error) {
        let path = path.display().to_string();
        if self.first.is_none() {
            self.first = Some(corrupt(&path, e));
        }
        self.problems.push(problem(&path, e));
    }
}

/// How the run of the file at `path` ended (`ttlog-view info`'s `state`, `end` and
/// `end_event`), as a dict: `state` (one line), `closed`, `end` (the trailer's: `clean`,
/// `panic`, `exception`, `signal-SIGTERM`, `interrupted`, or None), `end_event` (the cause,
/// from the run's own `ttlog.end` event), `damaged`, `live` (a process still writes it).
#[pyfunction]
pub fn run_end<'py>(py: Python<'py>, path: &str) -> PyResult<Bound<'py, PyDict>> {
    let run = py
        .detach(|| ttlog_reader::RunEnd::of_file(std::path::Path::new(path)))
        .map_err(|e| reader_error(path, e))?;
    let d = PyDict::new(py);
    d.set_item("state", run.state())?;
    d.set_item("closed", run.closed)?;
    d.set_item("end", run.end)?;
    d.set_item("end_event", run.end_event)?;
    d.set_item("damaged", run.damaged)?;
    d.set_item("live", run.live)?;
    Ok(d)
}

/// Writes the events of `paths` to `out` in the format `to` (`json`, `csv`,
/// `chrome-trace`, `parquet`, `mcap`: `ttlog_export::FORMATS`), through the same export job
/// as `ttlog-view convert` (selection, damage reporting, outputs written whole and never
/// over an input or a log). `fields` (JSON, CSV) and `partition_by` (Parquet) as the CLI's
/// `--fields` and `--partition-by`. Returns the count of events written and the damaged data
/// skipped; with `strict`, damage raises `CorruptFileError` (after the readable events were
/// written).
#[pyfunction]
#[pyo3(signature = (paths, out, to, filter=None, strict=false, since=None, until=None, fields=None, partition_by=None))]
#[allow(clippy::too_many_arguments)]
pub fn export<'py>(
    py: Python<'py>,
    paths: Vec<String>,
    out: std::path::PathBuf,
    to: &str,
    filter: Option<Vec<String>>,
    strict: bool,
    since: Option<u64>,
    until: Option<u64>,
    fields: Option<Vec<String>>,
    partition_by: Option<String>,
) -> PyResult<(u64, Bound<'py, PyList>)> {
    let format = ttlog_export::format(to).ok_or_else(|| {
        let names: Vec<&str> = ttlog_export::FORMATS.iter().map(|f| f.name).collect();
        PyValueError::new_err(format!("to must be one of {names:?}, not {to:?}"))
    })?;
    let query = query(filter, since, until)?;
    let options = ttlog_export::Options {
        fields,
        partition_by,
    };
    let sink = (format.sink)(&options).map_err(|e| PyValueError::new_err(e.to_string()))?;
    // A missing or unreadable file raises as `open` does, before anything is written.
    drop(open_all(&paths)?);
    let inputs: Vec<std::path::PathBuf> = paths.iter().map(Into::into).collect();
    let mut collected = Collected {
        problems: Vec::new(),
        first: None,
    };
    let threads = ttlog_reader::default_threads();
    let job = ttlog_export::Job {
        files: &inputs,
        query: &query,
        output: Some(&out),
        threads,
    };
    let written = match py.detach(|| ttlog_export::export(&job, sink, &mut collected)) {
        Ok(written) => written,
        Err(ttlog_export::JobError::Refused(m)) => return Err(PyValueError::new_err(m)),
        Err(e) => return Err(PyIOError::new_err(e.to_string())),
    };
    if strict {
        if let Some(e) = collected.first {
            return Err(e);
        }
    }
    if !collected.problems.is_empty() {
        warn_damaged(py, &collected.problems)?;
    }
    Ok((written.events, problems_list(py, &collected.problems)?))
}
