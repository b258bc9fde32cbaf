//! The analysis `ttlog-view` does after a trial, from Python, by the same Rust code
//! (`ttlog_analysis`): loop timing.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyList};
use ttlog_analysis::loop_timing::{analyse_with, report_json, Series, Settings};

use crate::reader::{problems_list, query, warn_damaged, Problem};

/// The loop timing of `series` in `paths` (`ttlog-view loop`): the report as JSON text,
/// the iteration start times (native-endian u64 bytes) and the problems met.
#[pyfunction]
#[pyo3(signature = (paths, series, frequency, tolerance, stall_periods, filter, since, until))]
#[allow(clippy::too_many_arguments)]
pub fn loop_stats<'py>(
    py: Python<'py>,
    paths: Vec<String>,
    series: &str,
    frequency: Option<f64>,
    tolerance: f64,
    stall_periods: f64,
    filter: Option<Vec<String>>,
    since: Option<u64>,
    until: Option<u64>,
) -> PyResult<(String, Bound<'py, PyByteArray>, Bound<'py, PyList>)> {
    let settings = Settings {
        frequency_hz: frequency,
        tolerance,
        stall_periods,
        query: query(filter, since, until)?,
    };
    let files: Vec<std::path::PathBuf> = paths.iter().map(Into::into).collect();
    for f in &files {
        if !f.exists() {
            return Err(pyo3::exceptions::PyFileNotFoundError::new_err((
                2,
                "No such file or directory",
                f.display().to_string(),
            )));
        }
    }
    let series = Series::parse(series);
    let mut problems: Vec<Problem> = Vec::new();
    let report = py.detach(|| {
        analyse_with(&files, &series, &settings, |path, e| {
            problems.push((path.display().to_string(), e.to_string(), e.offset()));
        })
    });
    if !problems.is_empty() {
        warn_damaged(py, &problems)?;
    }
    let report = report.map_err(|e| PyValueError::new_err(e.to_string()))?;
    let mut starts = Vec::with_capacity(report.start_times.len() * 8);
    for t in &report.start_times {
        starts.extend_from_slice(&t.to_ne_bytes());
    }
    Ok((
        report_json(&report).to_string(),
        PyByteArray::new(py, &starts),
        problems_list(py, &problems)?,
    ))
}
