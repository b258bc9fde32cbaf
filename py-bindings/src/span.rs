//! Spans from Python (`with log.span("read_sensors", joint=2):`), recorded as SPEC.md 8.6's
//! span records (target `ttlog.span`), so `ttlog-view spans`, `span=` filters, `loop
//! --series span=NAME` and the Chrome trace export read them as they read the `tracing`
//! bridge's. Spans nest per thread; a span's id is unique in the process.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use ttlog::bindings::{self, Callsite, CallsiteSpec};
use ttlog::Level;

use crate::emit::record_event;
use crate::values::PyValue;

/// Span ids of this process, from 1 (0 is "no parent").
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Most span names given a callsite of their own (its template is the name); past it, a
/// span's name is its message's one argument, so leaked callsites stay bounded.
const MAX_NAMES: usize = 10_000;

/// A span this thread is inside: what an event logged in it shows of it.
struct Entered {
    id: u64,
    name: Py<PyString>,
    fields: Option<Py<PyDict>>,
}

thread_local! {
    /// The spans this thread is inside, innermost last.
    static STACK: RefCell<Vec<Entered>> = const { RefCell::new(Vec::new()) };
    /// The callsites of the span names this thread used last, by the name object: a name
    /// written in the code is the same string object at every call, so a span finds its
    /// callsite without hashing or locking.
    static RECENT: RefCell<Vec<Recent>> = const { RefCell::new(Vec::new()) };
}

/// What a named callsite records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// A span record (target `ttlog.span`).
    Span,
    /// An iteration mark: a row of no variables of the tracked schema of that name
    /// (target `ttlog.track`), which `loop --series NAME` reads.
    Mark,
}

/// One of a thread's recent names: its kind, the name object, its callsite, and whether the
/// name is the callsite's argument.
type Recent = (Kind, Py<PyString>, &'static Callsite, bool);

/// Names [`RECENT`] holds per thread.
const RECENT_NAMES: usize = 16;

/// The callsite of span name `name` (see [`callsite`]), from this thread's recent names
/// when it is one of them.
pub(crate) fn callsite_of(
    name: &Bound<'_, PyString>,
    kind: Kind,
) -> PyResult<(&'static Callsite, bool)> {
    let hit = RECENT.with(|r| {
        r.borrow()
            .iter()
            .find(|(k, n, _, _)| *k == kind && n.as_ptr() == name.as_ptr())
            .map(|&(_, _, cs, by_arg)| (cs, by_arg))
    });
    if let Some(hit) = hit {
        return Ok(hit);
    }
    let found = callsite(name.to_str()?, kind);
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() >= RECENT_NAMES {
            r.remove(0);
        }
        r.push((kind, name.clone().unbind(), found.0, found.1));
    });
    Ok(found)
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// The callsite of `name` for `kind`: its template is the name with braces escaped; true
/// when the name is its one argument instead (past [`MAX_NAMES`] names).
fn callsite(name: &str, kind: Kind) -> (&'static Callsite, bool) {
    type Names = HashMap<(Kind, String), &'static Callsite>;
    static BY_NAME: Mutex<Option<Names>> = Mutex::new(None);
    let mut map = BY_NAME.lock().unwrap_or_else(|e| e.into_inner());
    let map = map.get_or_insert_with(HashMap::new);
    let key = (kind, name.to_string());
    if let Some(&cs) = map.get(&key) {
        return (cs, false);
    }
    if map.len() >= MAX_NAMES {
        static ANY: std::sync::OnceLock<[&'static Callsite; 2]> = std::sync::OnceLock::new();
        let any = ANY.get_or_init(|| [spec("{}", 1, Kind::Span), spec("{}", 1, Kind::Mark)]);
        return (any[usize::from(kind == Kind::Mark)], true);
    }
    let cs = spec(&name.replace('{', "{{").replace('}', "}}"), 0, kind);
    map.insert(key, cs);
    (cs, false)
}

fn spec(template: &str, positional: u32, kind: Kind) -> &'static Callsite {
    let (target, fields): (&str, &[&str]) = match kind {
        Kind::Span => (ttlog_reader::SPAN_TARGET, &ttlog_reader::SPAN_RECORD_FIELDS),
        Kind::Mark => ("ttlog.track", &[]),
    };
    CallsiteSpec {
        level: Level::Info,
        target,
        file: "",
        line: 0,
        template,
        fields,
        positional,
    }
    .leak()
}

/// Records an iteration mark `name` now (see [`Kind::Mark`]).
pub(crate) fn mark(name: &Bound<'_, PyString>) -> PyResult<()> {
    let (cs, by_argument) = callsite_of(name, Kind::Mark)?;
    if bindings::enabled(cs) {
        record_event(name.py(), cs, |enc| {
            if by_argument {
                enc.value(&PyValue::new(name.as_any()));
            }
        });
    }
    Ok(())
}

/// A span: `with log.span("name", **fields):`. Entering it starts it on this thread
/// (inside any span already entered there); leaving it records it with its duration.
#[pyclass(module = "ttlog._ttlog")]
pub struct Span {
    name: Py<PyString>,
    callsite: &'static Callsite,
    by_argument: bool,
    target: &'static str,
    fields: Option<Py<PyDict>>,
    id: u64,
    parent: u64,
    start_ns: u64,
}

impl Span {
    /// A span named `name` of a logger whose messages have `target`.
    pub(crate) fn new(
        name: &Bound<'_, PyString>,
        target: &'static str,
        fields: Option<Py<PyDict>>,
    ) -> PyResult<Span> {
        let (callsite, by_argument) = callsite_of(name, Kind::Span)?;
        Ok(Span {
            name: name.clone().unbind(),
            callsite,
            by_argument,
            target,
            fields,
            id: 0,
            parent: 0,
            start_ns: 0,
        })
    }
}

#[pymethods]
impl Span {
    fn __enter__(mut slf: PyRefMut<'_, Self>) -> PyRefMut<'_, Self> {
        let py = slf.py();
        slf.id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let entered = Entered {
            id: slf.id,
            name: slf.name.clone_ref(py),
            fields: slf.fields.as_ref().map(|f| f.clone_ref(py)),
        };
        slf.parent = STACK.with(|s| {
            let mut s = s.borrow_mut();
            let parent = s.last().map_or(0, |e| e.id);
            s.push(entered);
            parent
        });
        slf.start_ns = now_ns();
        slf
    }

    fn __exit__(
        &self,
        py: Python<'_>,
        _kind: &Bound<'_, PyAny>,
        _value: &Bound<'_, PyAny>,
        _traceback: &Bound<'_, PyAny>,
    ) -> bool {
        let end = now_ns();
        STACK.with(|s| {
            let mut s = s.borrow_mut();
            // Leaving out of order (a span left on another thread, or not at all) drops
            // what was entered after it here.
            if let Some(at) = s.iter().rposition(|e| e.id == self.id) {
                s.truncate(at);
            }
        });
        let cs = self.callsite;
        if self.id == 0 || !bindings::enabled(cs) {
            return false;
        }
        let duration = end.saturating_sub(self.start_ns);
        let fields = self.fields.as_ref().map(|f| f.bind(py).clone());
        record_event(py, cs, |enc| {
            if self.by_argument {
                enc.value(&PyValue::new(self.name.bind(py).as_any()));
            }
            enc.value(&self.id);
            enc.value(&self.parent);
            enc.value(self.target);
            enc.value(&self.start_ns);
            enc.value(&duration);
            // Python code runs entered the whole time: busy is the duration.
            enc.value(&duration);
            match &fields {
                Some(f) => enc.value(&PyValue::new(f.as_any())),
                None => enc.value(&EmptyMap),
            }
            enc.value(&EmptyList);
        });
        false
    }

    /// The span's id (unique in the process; 0 before it is entered).
    #[getter]
    fn id(&self) -> u64 {
        self.id
    }
}

struct EmptyMap;

impl serde::Serialize for EmptyMap {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        s.serialize_map(Some(0))?.end()
    }
}

struct EmptyList;

impl serde::Serialize for EmptyList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        s.serialize_seq(Some(0))?.end()
    }
}

/// The chain of the spans this thread is inside, outermost first, as an event logged in
/// them carries it (SPEC.md 8.6: each span a map of `name`, `id`, then its fields); `None`
/// outside every span.
pub(crate) fn chain(py: Python<'_>) -> Option<Chain<'_>> {
    STACK.with(|s| {
        let s = s.borrow();
        (!s.is_empty()).then(|| Chain {
            py,
            frames: s
                .iter()
                .map(|e| {
                    (
                        e.id,
                        e.name.clone_ref(py),
                        e.fields.as_ref().map(|f| f.clone_ref(py)),
                    )
                })
                .collect(),
        })
    })
}

/// A span chain, serialized as SPEC.md 8.6 has it.
pub(crate) struct Chain<'py> {
    py: Python<'py>,
    frames: Vec<(u64, Py<PyString>, Option<Py<PyDict>>)>,
}

impl serde::Serialize for Chain<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        let mut seq = s.serialize_seq(Some(self.frames.len()))?;
        for (id, name, fields) in &self.frames {
            struct Frame<'a, 'py>(Python<'py>, u64, &'a Py<PyString>, &'a Option<Py<PyDict>>);
            impl serde::Serialize for Frame<'_, '_> {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    let fields = self.3.as_ref().map(|f| f.bind(self.0));
                    let n = 2 + fields.map_or(0, |f| f.len());
                    let mut m = s.serialize_map(Some(n))?;
                    m.serialize_entry("name", &PyValue::new(self.2.bind(self.0).as_any()))?;
                    m.serialize_entry("id", &self.1)?;
                    if let Some(f) = fields {
                        for (k, v) in f.iter() {
                            m.serialize_entry(&PyValue::new(&k), &PyValue::new(&v))?;
                        }
                    }
                    m.end()
                }
            }
            seq.serialize_element(&Frame(self.py, *id, name, fields))?;
        }
        seq.end()
    }
}
