//! Tracked rows as columns, for analysis (`ttlog.columns`, `ttlog.dataframe`).
//!
//! The files are decoded with the GIL released into typed columns: a column whose values
//! are all floats (or all integers, or all bools), nulls aside, stays a plain `Vec<f64>`
//! (`Vec<i64>`, `Vec<bool>`) and reaches Python as one `bytearray`, which the package turns
//! into a list with one C loop, or into a numpy array without a copy. A null (a read that
//! failed, its error in the row's `read_errors`) never turns a column into text. Only mixed
//! columns become Python objects one by one.

use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyDict, PyList};
use ttlog_reader::Value;

use crate::reader::{for_each_event, problems_list, query, warn_damaged, Problem};
use crate::values::to_py;
use crate::Error;

/// A column of one tracked variable. Nulls (a read that failed, a variable not tracked yet)
/// keep a typed column typed: a cleared entry of its validity (and NaN in a float column's
/// data).
enum Column {
    /// Only nulls so far.
    Null(usize),
    Float(Vec<f64>, Validity),
    Int(Vec<i64>, Validity),
    Bool(Vec<bool>, Validity),
    /// Mixed types.
    Any(Vec<Value>),
}

/// Which rows of a typed column hold a value; `None` while every row does.
type Validity = Option<Vec<bool>>;

/// The validity of a column made of `n` nulls and then a value.
fn after_nulls(n: usize) -> Validity {
    (n > 0).then(|| {
        let mut v = vec![false; n];
        v.push(true);
        v
    })
}

fn push_valid(validity: &mut Validity, len_before: usize, valid: bool) {
    match validity {
        Some(v) => v.push(valid),
        None if valid => {}
        None => {
            let mut v = vec![true; len_before];
            v.push(false);
            *validity = Some(v);
        }
    }
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Null(n) => *n,
            Column::Float(v, _) => v.len(),
            Column::Int(v, _) => v.len(),
            Column::Bool(v, _) => v.len(),
            Column::Any(v) => v.len(),
        }
    }

    fn into_values(self) -> Vec<Value> {
        let valid = |m: &Validity, i: usize| m.as_ref().is_none_or(|m| m[i]);
        match self {
            Column::Null(n) => vec![Value::Null; n],
            Column::Float(v, m) => (v.into_iter().enumerate())
                .map(|(i, x)| {
                    if valid(&m, i) {
                        Value::Float(x)
                    } else {
                        Value::Null
                    }
                })
                .collect(),
            Column::Int(v, m) => (v.into_iter().enumerate())
                .map(|(i, x)| {
                    if valid(&m, i) {
                        Value::Int(i128::from(x))
                    } else {
                        Value::Null
                    }
                })
                .collect(),
            Column::Bool(v, m) => (v.into_iter().enumerate())
                .map(|(i, x)| {
                    if valid(&m, i) {
                        Value::Bool(x)
                    } else {
                        Value::Null
                    }
                })
                .collect(),
            Column::Any(v) => v,
        }
    }

    fn make_any(&mut self) -> &mut Vec<Value> {
        if !matches!(self, Column::Any(_)) {
            let values = std::mem::replace(self, Column::Any(Vec::new())).into_values();
            *self = Column::Any(values);
        }
        match self {
            Column::Any(v) => v,
            _ => unreachable!("just made Any"),
        }
    }

    fn push(&mut self, value: &Value) {
        let int = |v: &Value| match v {
            Value::Int(i) => i64::try_from(*i).ok(),
            _ => None,
        };
        match (&mut *self, value) {
            (Column::Null(n), Value::Null) => *n += 1,
            (Column::Null(n), Value::Float(f)) => {
                let n = *n;
                let mut v = vec![f64::NAN; n];
                v.push(*f);
                *self = Column::Float(v, after_nulls(n));
            }
            (Column::Null(n), Value::Int(_)) if int(value).is_some() => {
                let n = *n;
                let mut v = vec![0; n];
                v.push(int(value).unwrap_or_default());
                *self = Column::Int(v, after_nulls(n));
            }
            (Column::Null(n), Value::Bool(b)) => {
                let n = *n;
                let mut v = vec![false; n];
                v.push(*b);
                *self = Column::Bool(v, after_nulls(n));
            }
            (Column::Float(v, m), Value::Float(f)) => {
                push_valid(m, v.len(), true);
                v.push(*f);
            }
            (Column::Float(v, m), Value::Null) => {
                push_valid(m, v.len(), false);
                v.push(f64::NAN);
            }
            (Column::Int(v, m), Value::Int(_)) if int(value).is_some() => {
                push_valid(m, v.len(), true);
                v.push(int(value).unwrap_or_default());
            }
            (Column::Int(v, m), Value::Null) => {
                push_valid(m, v.len(), false);
                v.push(0);
            }
            (Column::Bool(v, m), Value::Bool(b)) => {
                push_valid(m, v.len(), true);
                v.push(*b);
            }
            (Column::Bool(v, m), Value::Null) => {
                push_valid(m, v.len(), false);
                v.push(false);
            }
            _ => self.make_any().push(value.clone()),
        }
    }

    /// Pads with nulls up to `rows`.
    fn pad(&mut self, rows: usize) {
        while self.len() < rows {
            self.push(&Value::Null);
        }
    }
}

/// Named columns, in order of first appearance.
type Columns = Vec<(String, Column)>;

fn first_column(value: &Value, rows_before: usize) -> Column {
    let mut column = Column::Null(rows_before);
    column.push(value);
    column
}

fn native_bytes<T: Copy, const N: usize>(values: &[T], to_bytes: fn(T) -> [u8; N]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * N);
    for &v in values {
        out.extend_from_slice(&to_bytes(v));
    }
    out
}

/// The rows of tracked schema `name` as `{column: (kind, data, validity)}`, `ts_ns` first:
/// kind `"f"` (native-endian f64 in a bytearray, NaN for a null), `"i"` (i64) or `"b"` (one
/// byte a bool) with `validity` a bytearray (1 = a value, 0 = null) or `None` when every row
/// holds a value, or `"o"` with a list; and the damaged data skipped.
#[pyfunction]
#[pyo3(signature = (paths, name, strict=false, since=None, until=None))]
pub fn columns<'py>(
    py: Python<'py>,
    paths: Vec<String>,
    name: &str,
    strict: bool,
    since: Option<u64>,
    until: Option<u64>,
) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyList>)> {
    let query = query(None, since, until)?;
    let mut problems: Vec<Problem> = Vec::new();
    let (ts, cols, schemas) = py.detach(|| -> PyResult<(Vec<i64>, Columns, _)> {
        let mut ts: Vec<i64> = Vec::new();
        let mut cols: Columns = Vec::new();
        let mut more_at: Option<usize> = None;
        let mut schemas = std::collections::BTreeSet::new();
        for_each_event(&paths, &query, strict, &mut problems, |e| {
            if e.target() != "ttlog.track" {
                return Ok(());
            }
            if &*e.callsite.template != name {
                if schemas.len() < 1000 {
                    schemas.insert(e.callsite.template.to_string());
                }
                return Ok(());
            }
            let row = ts.len();
            ts.push(i64::try_from(e.ts).unwrap_or(i64::MAX));
            let mut more = Vec::new();
            for (i, (k, v)) in e.fields().enumerate() {
                // Rows of one schema list their fields in the same order: try position i.
                let at = match cols.get(i) {
                    Some((n, _)) if n == k => Some(i),
                    _ => cols.iter().position(|(n, _)| n == k),
                };
                match at {
                    Some(at) => cols[at].1.push(v),
                    // At most MAX_FIELD_COLUMNS columns, as every export has them: memory
                    // does not grow with the number of distinct names (each new column is
                    // as long as the rows before it); the others go to `more_fields`.
                    None if cols.len() >= ttlog_reader::MAX_FIELD_COLUMNS => {
                        more.push((Value::Text(k.into()), v.clone()));
                    }
                    None => cols.push((k.to_string(), first_column(v, row))),
                }
            }
            if !more.is_empty() {
                let more = Value::Map(more);
                match more_at {
                    Some(at) => cols[at].1.push(&more),
                    None => {
                        more_at = Some(cols.len());
                        cols.push((
                            ttlog_reader::MORE_FIELDS.to_string(),
                            first_column(&more, row),
                        ));
                    }
                }
            }
            for (_, c) in &mut cols {
                c.pad(row + 1);
            }
            Ok(())
        })?;
        Ok((ts, cols, schemas))
    })?;
    if ts.is_empty() {
        let have = if schemas.is_empty() {
            "these files hold no tracked rows".to_string()
        } else {
            let names: Vec<String> = schemas.iter().map(|s| format!("{s:?}")).collect();
            format!("these files have {}", names.join(", "))
        };
        return Err(Error::new_err(format!(
            "no rows of schema {name:?} in these files: {have}"
        )));
    }
    let out = PyDict::new(py);
    let bytes = |b: Vec<u8>| PyByteArray::new(py, &b);
    out.set_item(
        "ts_ns",
        ("i", bytes(native_bytes(&ts, i64::to_ne_bytes)), None::<()>),
    )?;
    let mask = |m: Validity| m.map(|m| bytes(m.into_iter().map(u8::from).collect()));
    for (k, c) in cols {
        match c {
            Column::Float(v, m) => {
                out.set_item(k, ("f", bytes(native_bytes(&v, f64::to_ne_bytes)), mask(m)))?
            }
            Column::Int(v, m) => {
                out.set_item(k, ("i", bytes(native_bytes(&v, i64::to_ne_bytes)), mask(m)))?
            }
            Column::Bool(v, m) => out.set_item(
                k,
                ("b", bytes(v.into_iter().map(u8::from).collect()), mask(m)),
            )?,
            c @ (Column::Any(_) | Column::Null(_)) => {
                let list = PyList::empty(py);
                for value in &c.into_values() {
                    list.append(to_py(py, value)?)?;
                }
                out.set_item(k, ("o", list, None::<()>))?;
            }
        }
    }
    if !problems.is_empty() {
        warn_damaged(py, &problems)?;
    }
    Ok((out, problems_list(py, &problems)?))
}
