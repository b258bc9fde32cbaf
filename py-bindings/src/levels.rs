//! The one table of levels the Python layer knows: names (stdlib's included) and stdlib
//! level numbers, to ttlog levels. `ttlog` and `ttlog.osl` ask here rather than keep their
//! own.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};
use ttlog::Level;

/// Every level name accepted (any case), with the level it means: stdlib's CRITICAL and
/// FATAL are ttlog's CRITICAL (SPEC.md 8.2).
const NAMES: [(&str, Level); 8] = [
    ("TRACE", Level::Trace),
    ("DEBUG", Level::Debug),
    ("INFO", Level::Info),
    ("WARN", Level::Warn),
    ("WARNING", Level::Warn),
    ("ERROR", Level::Error),
    ("CRITICAL", Level::Critical),
    ("FATAL", Level::Critical),
];

/// The least stdlib level number of each ttlog level, most severe first; anything below
/// DEBUG (10) is TRACE.
const NUMBERS: [(i64, Level); 5] = [
    (50, Level::Critical),
    (40, Level::Error),
    (30, Level::Warn),
    (20, Level::Info),
    (10, Level::Debug),
];

/// The level that `level` (a name, or a stdlib level number) stands for; `None` for
/// `"OFF"` when `off_allowed`. `what` names the argument in errors.
pub(crate) fn parse(
    level: &Bound<'_, PyAny>,
    what: &str,
    off_allowed: bool,
) -> PyResult<Option<Level>> {
    if let Ok(name) = level.cast::<PyString>() {
        let name = name.to_str()?;
        if off_allowed && name.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        return NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, l)| Some(l))
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "unknown {what} {name:?}: use TRACE, DEBUG, INFO, WARN, ERROR{}, or a logging level number",
                    if off_allowed { ", OFF" } else { "" }
                ))
            });
    }
    if level.is_instance_of::<PyInt>() && !level.is_instance_of::<pyo3::types::PyBool>() {
        let n: i64 = level.extract().unwrap_or(i64::MAX);
        return Ok(Some(
            NUMBERS
                .iter()
                .find(|(floor, _)| n >= *floor)
                .map_or(Level::Trace, |&(_, l)| l),
        ));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be a level name such as 'INFO' or a logging level number, not {}",
        level
            .get_type()
            .name()
            .map_or_else(|_| "?".into(), |n| n.to_string())
    )))
}

/// Like [`parse`], for arguments where `"OFF"` means nothing.
pub(crate) fn required(level: &Bound<'_, PyAny>, what: &str) -> PyResult<Level> {
    Ok(parse(level, what, false)?.expect("OFF is refused"))
}

/// The logger method that records at `level` (a name or a stdlib number): `"warning"` for
/// WARN, and so on.
#[pyfunction]
pub(crate) fn level_method(level: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    Ok(match required(level, "level")? {
        Level::Trace => "trace",
        Level::Debug => "debug",
        Level::Info => "info",
        Level::Warn => "warning",
        Level::Error => "error",
        Level::Critical => "critical",
    })
}

/// The ttlog name of `level` (a name or a stdlib number): `"WARN"` for `"warning"` or 30.
#[pyfunction]
#[pyo3(signature = (level, what="level"))]
pub(crate) fn level_name(level: &Bound<'_, PyAny>, what: &str) -> PyResult<&'static str> {
    Ok(required(level, what)?.as_str())
}
