//! The analysis `ttlog-view` does after a trial, from Python, by the same Rust code
//! (`ttlog_analysis`): loop timing, the summary, plots and the HTML report.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyList};
use ttlog_analysis::loop_timing::{analyse_with, report_json, Series, Settings};

use crate::reader::{problems_list, query, warn_damaged, Problem};
use ttlog_analysis::loop_plot::{self, ImageFormat, PlotError};
use ttlog_analysis::loop_timing::LoopReport;

type Picture = fn(&LoopReport, ImageFormat) -> Result<Vec<u8>, PlotError>;

/// Writes `bytes` to `path` as `ttlog-view` writes its outputs: never over an input or a
/// log, and whole or not at all.
fn write_output(path: &str, inputs: &[std::path::PathBuf], bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let (pending, mut file) =
        ttlog_export::OutputFile::create(path.as_ref(), inputs).map_err(|e| e.to_string())?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|e| format!("{path}: {e}"))?;
    drop(file);
    pending.commit().map_err(|e| e.to_string())
}

/// Draws `picture` to `path` as `ttlog-view loop --plot` does.
fn write_picture(
    py: Python<'_>,
    path: &str,
    inputs: &[std::path::PathBuf],
    report: &LoopReport,
    picture: Picture,
) -> PyResult<()> {
    let format = ImageFormat::of(path.as_ref()).expect("checked before reading");
    py.detach(|| -> Result<(), String> {
        let bytes = picture(report, format).map_err(|e| e.to_string())?;
        write_output(path, inputs, &bytes)
    })
    .map_err(PyValueError::new_err)
}

fn existing(paths: &[String]) -> PyResult<Vec<std::path::PathBuf>> {
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
    Ok(files)
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
    let files = existing(&paths)?;
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

/// The summary of a trial (`ttlog-view summary --format json`) as JSON text, and the
/// problems met.
#[pyfunction]
#[pyo3(signature = (paths, filter, since, until))]
pub fn summary<'py>(
    py: Python<'py>,
    paths: Vec<String>,
    filter: Option<Vec<String>>,
    since: Option<u64>,
    until: Option<u64>,
) -> PyResult<(String, Bound<'py, PyList>)> {
    let q = query(filter, since, until)?;
    let files = existing(&paths)?;
    let mut problems: Vec<Problem> = Vec::new();
    let json = py.detach(|| {
        ttlog_analysis::summary::summarize(&files, &q, |path, e| {
            problems.push((path.display().to_string(), e.to_string(), e.offset()));
        })
    });
    if !problems.is_empty() {
        warn_damaged(py, &problems)?;
    }
    Ok((json.to_string(), problems_list(py, &problems)?))
}

/// Draws `series` of a trial to `out` (`ttlog-view plot`); returns what was drawn
/// (`--describe`) as JSON text, and the problems met. A series the files do not have is a
/// `ValueError` listing the ones they have.
#[pyfunction]
#[pyo3(signature = (paths, series, out, filter, since, until, wall_time))]
#[allow(clippy::too_many_arguments)]
pub fn plot<'py>(
    py: Python<'py>,
    paths: Vec<String>,
    series: Vec<String>,
    out: String,
    filter: Option<Vec<String>>,
    since: Option<u64>,
    until: Option<u64>,
    wall_time: bool,
) -> PyResult<(String, Bound<'py, PyList>)> {
    use ttlog_analysis::series::{collect, SeriesSpec, Settings as SeriesSettings};
    use ttlog_analysis::trial_plot::{describe, plot as draw, PlotSettings, TimeAxis, WIDTH};
    let Some(format) = ImageFormat::of(out.as_ref()) else {
        return Err(PyValueError::new_err(format!(
            "{out}: a picture is .png or .svg"
        )));
    };
    if series.is_empty() {
        return Err(PyValueError::new_err("plot needs at least one series"));
    }
    let specs = series
        .iter()
        .map(|s| SeriesSpec::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(PyValueError::new_err)?;
    let settings = SeriesSettings {
        query: query(filter, since, until)?,
        raw_limit: WIDTH as usize * 2,
        buckets: WIDTH as usize,
    };
    let files = existing(&paths)?;
    let mut problems: Vec<Problem> = Vec::new();
    let collected = py.detach(|| {
        collect(&files, &specs, &settings, |path, e| {
            problems.push((path.display().to_string(), e.to_string(), e.offset()));
        })
    });
    if !problems.is_empty() {
        warn_damaged(py, &problems)?;
    }
    if let Some(unknown) = collected.unknown() {
        return Err(PyValueError::new_err(unknown.to_string()));
    }
    let plot_settings = PlotSettings {
        time: if wall_time {
            TimeAxis::Wall
        } else {
            TimeAxis::Relative
        },
    };
    py.detach(|| -> Result<(), String> {
        let bytes = draw(&collected, &plot_settings, format).map_err(|e| e.to_string())?;
        write_output(&out, &files, &bytes)
    })
    .map_err(PyValueError::new_err)?;
    Ok((
        describe(&collected, &plot_settings).to_string(),
        problems_list(py, &problems)?,
    ))
}

/// Writes the HTML report of a trial to `out` (`ttlog-view report`); returns the problems
/// met.
#[pyfunction]
#[pyo3(signature = (paths, out, filter, since, until, points))]
pub fn report<'py>(
    py: Python<'py>,
    paths: Vec<String>,
    out: String,
    filter: Option<Vec<String>>,
    since: Option<u64>,
    until: Option<u64>,
    points: Option<usize>,
) -> PyResult<Bound<'py, PyList>> {
    use ttlog_analysis::report::{report as build, ReportSettings};
    let lower = out.to_ascii_lowercase();
    if !(lower.ends_with(".html") || lower.ends_with(".htm")) {
        return Err(PyValueError::new_err(format!(
            "{out}: a report is an .html file"
        )));
    }
    let defaults = ReportSettings::default();
    let settings = ReportSettings {
        query: query(filter, since, until)?,
        point_budget: points.unwrap_or(defaults.point_budget),
        ..defaults
    };
    let files = existing(&paths)?;
    let mut problems: Vec<Problem> = Vec::new();
    let html = py.detach(|| {
        build(&files, &settings, |path, e| {
            problems.push((path.display().to_string(), e.to_string(), e.offset()));
        })
    });
    if !problems.is_empty() {
        warn_damaged(py, &problems)?;
    }
    py.detach(|| write_output(&out, &files, html.as_bytes()))
        .map_err(PyValueError::new_err)?;
    problems_list(py, &problems)
}
