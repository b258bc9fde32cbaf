//! Python values into CBOR (through serde), and decoded values back into Python objects.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use ttlog_reader::Value;

/// numpy's scalar types, looked up once numpy is imported (a value can only be one after).
struct NumpyTypes {
    float32: Py<PyAny>,
    /// Whether a float32's value is read in place (`ffi::numpy_scalar`).
    float32_in_place: bool,
    float64: Py<PyAny>,
    bool_: Py<PyAny>,
    ints: Vec<Py<PyAny>>,
}

static NUMPY: PyOnceLock<NumpyTypes> = PyOnceLock::new();

fn numpy_types(py: Python<'_>) -> Option<&'static NumpyTypes> {
    if let Some(t) = NUMPY.get(py) {
        return Some(t);
    }
    let modules = py.import("sys").ok()?.getattr("modules").ok()?;
    let np = modules.get_item("numpy").ok()?;
    let get = |n: &str| np.getattr(n).ok().map(Bound::unbind);
    let float32 = get("float32")?;
    let types = NumpyTypes {
        float32_in_place: crate::ffi::numpy_scalar::float32_layout_known(float32.bind(py)),
        float32,
        float64: get("float64")?,
        bool_: get("bool_")?,
        ints: [
            "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        ]
        .iter()
        .filter_map(|n| get(n))
        .collect(),
    };
    Some(NUMPY.get_or_init(py, || types))
}

/// A numpy scalar's value, found by its type's identity (no method call).
pub enum NumpyScalar {
    Float32(f32),
    Float64(f64),
    Bool(bool),
    Int(i64),
}

/// The value of `v` when it is a numpy float, bool or integer scalar. Only for objects
/// that are not a plain Python type: numpy is looked up in `sys.modules` until imported.
pub fn numpy_scalar(v: &Bound<'_, PyAny>) -> Option<NumpyScalar> {
    let np = numpy_types(v.py())?;
    let t = v.get_type();
    let is = |ty: &Py<PyAny>| t.is(ty.bind(v.py()));
    if is(&np.float32) {
        let in_place = crate::ffi::numpy_scalar::float32_value(
            v,
            np.float32.bind(v.py()),
            np.float32_in_place,
        );
        return match in_place {
            Some(f) => Some(NumpyScalar::Float32(f)),
            None => v
                .extract::<f64>()
                .ok()
                .map(|f| NumpyScalar::Float32(f as f32)),
        };
    }
    if is(&np.float64) {
        return v.extract::<f64>().ok().map(NumpyScalar::Float64);
    }
    if is(&np.bool_) {
        return v.is_truthy().ok().map(NumpyScalar::Bool);
    }
    if np.ints.iter().any(is) {
        return v.extract::<i64>().ok().map(NumpyScalar::Int);
    }
    None
}

/// Deepest nesting converted; deeper (or self-containing) values are stored as `repr()`.
const MAX_DEPTH: u8 = 32;

/// A Python value, stored typed: None, bool, int, float, str, bytes, and lists, tuples and
/// dicts of those; numbers that convert through `__index__`/`__float__` (numpy scalars);
/// objects with `tolist()` (numpy arrays) as lists; anything else (or an int beyond 128
/// bits) as its `repr()`.
pub struct PyValue<'a, 'py> {
    obj: &'a Bound<'py, PyAny>,
    depth: u8,
}

impl<'a, 'py> PyValue<'a, 'py> {
    pub fn new(obj: &'a Bound<'py, PyAny>) -> Self {
        PyValue { obj, depth: 0 }
    }
}

impl Serialize for PyValue<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let o = self.obj;
        // The common exact types first: each check is one pointer comparison, where the
        // subclass-aware checks below call into the interpreter.
        if o.is_exact_instance_of::<PyFloat>() {
            if let Ok(f) = o.cast::<PyFloat>() {
                return s.serialize_f64(f.value());
            }
        }
        if o.is_exact_instance_of::<PyInt>() {
            if let Ok(v) = o.extract::<i64>() {
                return s.serialize_i64(v);
            }
        }
        if o.is_none() {
            return s.serialize_none();
        }
        if let Ok(b) = o.cast::<PyBool>() {
            return s.serialize_bool(b.is_true());
        }
        if !o.is_exact_instance_of::<PyString>() {
            match numpy_scalar(o) {
                // A float32 stays a float32 (CBOR single precision): its text is its own.
                Some(NumpyScalar::Float32(f)) => return s.serialize_f32(f),
                Some(NumpyScalar::Float64(f)) => return s.serialize_f64(f),
                Some(NumpyScalar::Bool(b)) => return s.serialize_bool(b),
                Some(NumpyScalar::Int(n)) => return s.serialize_i64(n),
                None => {}
            }
        }
        if let Ok(f) = o.cast::<PyFloat>() {
            return s.serialize_f64(f.value());
        }
        if let Ok(i) = o.cast::<PyInt>() {
            if let Ok(v) = i.extract::<i64>() {
                return s.serialize_i64(v);
            }
            if let Ok(v) = i.extract::<i128>() {
                return s.serialize_i128(v);
            }
            return repr(o, s);
        }
        if let Ok(t) = o.cast::<PyString>() {
            return match t.to_str() {
                Ok(text) => s.serialize_str(text),
                Err(_) => s.serialize_str(&t.to_string_lossy()),
            };
        }
        if let Ok(b) = o.cast::<PyBytes>() {
            return s.serialize_bytes(b.as_bytes());
        }
        if self.depth < MAX_DEPTH {
            let depth = self.depth + 1;
            if let Ok(l) = o.cast::<PyList>() {
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for item in l.iter() {
                    seq.serialize_element(&PyValue { obj: &item, depth })?;
                }
                return seq.end();
            }
            if let Ok(t) = o.cast::<PyTuple>() {
                let mut seq = s.serialize_seq(Some(t.len()))?;
                for item in t.iter() {
                    seq.serialize_element(&PyValue { obj: &item, depth })?;
                }
                return seq.end();
            }
            if let Ok(d) = o.cast::<PyDict>() {
                let mut map = s.serialize_map(Some(d.len()))?;
                for (k, v) in d.iter() {
                    map.serialize_entry(&PyValue { obj: &k, depth }, &PyValue { obj: &v, depth })?;
                }
                return map.end();
            }
        }
        // numpy arrays and scalars (and anything else with `tolist`): as the plain Python
        // values they convert to, so a numpy bool stays a bool.
        if self.depth < MAX_DEPTH {
            if let Ok(plain) = o.call_method0("tolist") {
                if !plain.is_exact_instance(&o.get_type()) {
                    return PyValue {
                        obj: &plain,
                        depth: self.depth + 1,
                    }
                    .serialize(s);
                }
            }
        }
        // Other numbers: through __index__ or __float__.
        if let Ok(v) = o.extract::<i64>() {
            return s.serialize_i64(v);
        }
        if let Ok(v) = o.extract::<f64>() {
            return s.serialize_f64(v);
        }
        repr(o, s)
    }
}

fn repr<S: Serializer>(o: &Bound<'_, PyAny>, s: S) -> Result<S::Ok, S::Error> {
    match o.repr() {
        Ok(r) => s.serialize_str(&r.to_string_lossy()),
        Err(_) => s.serialize_str("<unrepresentable>"),
    }
}

thread_local! {
    /// Set when [`to_py`] cut a map key's text (SPEC.md 8.4): the event is then marked
    /// `truncated` as JSON marks it.
    static KEY_CUT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a map key was cut since the last call, clearing the mark.
pub fn take_key_cut() -> bool {
    KEY_CUT.with(|c| c.replace(false))
}

/// A decoded value as a Python object.
pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        // Through i64 when it fits: the 128-bit conversion is a slow path under abi3.
        Value::Int(i) => match i64::try_from(*i) {
            Ok(small) => small.into_pyobject(py)?.into_any(),
            Err(_) => i.into_pyobject(py)?.into_any(),
        },
        Value::Float(f) => PyFloat::new(py, *f).into_any(),
        Value::Text(t) => PyString::new(py, t).into_any(),
        Value::Bytes(b) => PyBytes::new(py, b).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for i in items {
                list.append(to_py(py, i)?)?;
            }
            list.into_any()
        }
        Value::Map(entries) => {
            let d = PyDict::new(py);
            for (k, v) in entries {
                let key = to_py(py, k)?;
                let key = if key.hash().is_ok() {
                    key
                } else {
                    // Cut as JSON cuts a key's text (SPEC.md 8.4), so keys nested in keys
                    // cannot double their escaping at every level.
                    let text = key.str()?;
                    let full = text.to_cow()?;
                    let mut cut = full.len().min(ttlog_reader::MAX_KEY_TEXT);
                    while !full.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    if cut < full.len() {
                        KEY_CUT.with(|c| c.set(true));
                    }
                    PyString::new(py, &full[..cut]).into_any()
                };
                d.set_item(key, to_py(py, v)?)?;
            }
            d.into_any()
        }
    })
}
