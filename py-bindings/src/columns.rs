//! Tracked rows as columns, for analysis (`ttlog.columns`, `ttlog.dataframe`).
//!
//! The files are decoded with the GIL released into typed columns: a column whose values
//! are all floats (or all integers) stays a plain `Vec<f64>` (`Vec<i64>`) and reaches
//! Python as one `bytearray`, which the package turns into a list with one C loop, or into a
//! numpy array without a copy. Only mixed columns become Python objects one by one.

use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyDict, PyList};
use ttlog_reader::Value;

use crate::reader::{for_each_event, problems_list, query, warn_damaged, Problem};
use crate::values::to_py;
use crate::Error;

enum Column {
    Float(Vec<f64>),
    Int(Vec<i64>),
    /// Mixed types, or rows where the variable was missing (`None`).
    Any(Vec<Value>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Float(v) => v.len(),
            Column::Int(v) => v.len(),
            Column::Any(v) => v.len(),
        }
    }

    fn into_values(self) -> Vec<Value> {
        match self {
            Column::Float(v) => v.into_iter().map(Value::Float).collect(),
            Column::Int(v) => v.into_iter().map(|i| Value::Int(i128::from(i))).collect(),
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
        match (&mut *self, value) {
            (Column::Float(v), Value::Float(f)) => v.push(*f),
            (Column::Int(v), Value::Int(i)) if i64::try_from(*i).is_ok() => v.push(*i as i64),
            _ => self.make_any().push(value.clone()),
        }
    }

    /// Pads with `None` up to `rows`.
    fn pad(&mut self, rows: usize) {
        if self.len() < rows {
            self.make_any().resize(rows, Value::Null);
        }
    }
}

/// Named columns, in order of first appearance.
type Columns = Vec<(String, Column)>;

fn first_column(value: &Value, rows_before: usize) -> Column {
    let mut column = match value {
        Value::Float(_) if rows_before == 0 => Column::Float(Vec::new()),
        Value::Int(i) if rows_before == 0 && i64::try_from(*i).is_ok() => Column::Int(Vec::new()),
        _ => Column::Any(vec![Value::Null; rows_before]),
    };
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

/// The rows of tracked schema `name` as `{column: (kind, data)}`, `ts_ns` first: kind `"f"`
/// or `"i"` with native-endian f64/i64 data in a bytearray, or `"o"` with a list; and the
/// damaged data skipped.
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
    out.set_item("ts_ns", ("i", bytes(native_bytes(&ts, i64::to_ne_bytes))))?;
    for (k, c) in cols {
        match c {
            Column::Float(v) => {
                out.set_item(k, ("f", bytes(native_bytes(&v, f64::to_ne_bytes))))?
            }
            Column::Int(v) => out.set_item(k, ("i", bytes(native_bytes(&v, i64::to_ne_bytes))))?,
            Column::Any(v) => {
                let list = PyList::empty(py);
                for value in &v {
                    list.append(to_py(py, value)?)?;
                }
                out.set_item(k, ("o", list))?;
            }
        }
    }
    if !problems.is_empty() {
        warn_damaged(py, &problems)?;
    }
    Ok((out, problems_list(py, &problems)?))
}
