//! The analysis `ttlog-view` does after a trial, from Python, by the same Rust code
//! (`ttlog_analysis`): loop timing.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyList};
use ttlog_analysis::loop_timing::{analyse_with, report_json, Series, Settings};

use crate::reader::{problems_list, query, warn_damaged, Problem};
use ttlog_analysis::loop_plot::{self, ImageFormat, PlotError};
use ttlog_analysis::loop_timing::LoopReport;

type Picture = fn(&LoopReport, ImageFormat) -> Result<Vec<u8>, PlotError>;

/// Draws `picture` to `path` as `ttlog-view loop --plot` does: never over an input or a
/// log, and whole or not at all.
fn write_picture(
    py: Python<'_>,
    path: &str,
    inputs: &[std::path::PathBuf],
    report: &LoopReport,
    picture: Picture,
) -> PyResult<()> {
    use std::io::Write;
    let format = ImageFormat::of(path.as_ref()).expect("checked before reading");
    py.detach(|| -> Result<(), String> {
        let bytes = picture(report, format).map_err(|e| e.to_string())?;
        let (pending, mut file) =
            ttlog_export::OutputFile::create(path.as_ref(), inputs).map_err(|e| e.to_string())?;
        file.write_all(&bytes)
            .and_then(|()| file.flush())
            .map_err(|e| format!("{path}: {e}"))?;
        drop(file);
        pending.commit().map_err(|e| e.to_string())
    })
    .map_err(PyValueError::new_err)
}

/// The loop timing of `series` in `paths` (`ttlog-view loop`): the report as JSON text,
/// the iteration start times (native-endian u64 bytes) and the problems met.
#[pyfunction]
#[pyo3(signature = (paths, series, frequency, tolerance, stall_periods, filter, since, until, plot=None, timeline=None))]
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
    plot: Option<String>,
    timeline: Option<String>,
) -> PyResult<(String, Bound<'py, PyByteArray>, Bound<'py, PyList>)> {
    for p in [&plot, &timeline].into_iter().flatten() {
        if ImageFormat::of(p.as_ref()).is_none() {
            return Err(PyValueError::new_err(format!(
                "{p}: a picture is .png or .svg"
            )));
        }
    }
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
    for (path, picture) in [
        (plot, loop_plot::histogram as Picture),
        (timeline, loop_plot::timeline as Picture),
    ] {
        if let Some(path) = path {
            write_picture(py, &path, &files, &report, picture)?;
        }
    }
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
