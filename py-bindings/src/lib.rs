//! Python bindings of ttlog (module `ttlog._ttlog`; the package `ttlog` wraps it).
//!
//! The logging methods are implemented here, not in Python, so a call costs one Python-to-
//! Rust transition: look up the statement's callsite (`callsites`), convert the values to
//! CBOR into the thread's staging ring (`emit`), return. The level methods are raw
//! `METH_FASTCALL` methods (`ffi::fastcall`; `ffi` holds the crate's only `unsafe`) so that
//! CPython builds no tuple or dict per call. `logger` is the `Logger` class, `schema` its
//! rows, `levels` the one level table, `errors` the exceptions; tracking (`tracking`) and
//! the reader (`reader`, `columns`) are their own modules. This file only registers.

mod analysis;
mod callsites;
mod columns;
mod csv_rows;
mod emit;
mod errors;
#[allow(unsafe_code)]
mod ffi;
mod levels;
mod logger;
mod reader;
mod schema;
mod span;
mod template;
mod tracking;
mod values;

use pyo3::prelude::*;

pub(crate) use errors::Error;
pub(crate) use logger::Logger;

/// The native module.
#[pymodule]
fn _ttlog(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<Logger>()?;
    ffi::fastcall::install::<Logger>(py)?;
    m.add_class::<schema::Schema>()?;
    m.add_class::<span::Span>()?;
    m.add_class::<reader::Reader>()?;
    m.add_function(wrap_pyfunction!(reader::export, m)?)?;
    m.add_function(wrap_pyfunction!(reader::parse_time, m)?)?;
    m.add_function(wrap_pyfunction!(reader::expand_paths, m)?)?;
    m.add_function(wrap_pyfunction!(columns::columns, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::loop_stats, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::summary, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::plot, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::report, m)?)?;
    m.add_function(wrap_pyfunction!(reader::snapshot_record, m)?)?;
    m.add_function(wrap_pyfunction!(logger::claim_run_files, m)?)?;
    m.add_function(wrap_pyfunction!(reader::run_end, m)?)?;
    m.add_function(wrap_pyfunction!(levels::level_method, m)?)?;
    m.add_function(wrap_pyfunction!(levels::level_name, m)?)?;
    m.add("Error", py.get_type::<errors::Error>())?;
    m.add(
        "CorruptFileError",
        py.get_type::<errors::CorruptFileError>(),
    )?;
    m.add(
        "DamagedDataWarning",
        py.get_type::<errors::DamagedDataWarning>(),
    )?;
    Ok(())
}
