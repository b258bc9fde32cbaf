//! The exceptions of the native module, and the one place where Rust errors become them.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyIOError, PyValueError};
use pyo3::prelude::*;

create_exception!(_ttlog, Error, PyException, "Base class of ttlog's errors.");
create_exception!(
    _ttlog,
    DamagedDataWarning,
    pyo3::exceptions::PyUserWarning,
    "Damaged data was skipped while reading (see the reader's `problems`)."
);
create_exception!(
    _ttlog,
    CorruptFileError,
    Error,
    "A ttlog file is damaged or not a ttlog file; `offset` is the byte offset, when known."
);

/// A writer error as Python sees it: a bad argument is a `ValueError`, anything else (an
/// I/O failure, a logger already open, a snapshot that could not be written) a
/// `ttlog.Error`.
pub(crate) fn writer_error(e: ttlog::Error) -> PyErr {
    match e {
        ttlog::Error::InvalidConfig(m) | ttlog::Error::InvalidFilter(m) => PyValueError::new_err(m),
        other => Error::new_err(other.to_string()),
    }
}

/// A reader error for the file at `path`: a missing file is `FileNotFoundError` (the
/// Python layer raises it as `ttlog.MissingFileError`), another I/O failure `OSError`, a
/// damaged file `ttlog.CorruptFileError` with `offset` set when known.
pub(crate) fn reader_error(path: &str, e: ttlog_reader::Error) -> PyErr {
    match e {
        ttlog_reader::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err((2, "No such file or directory", path.to_string()))
        }
        ttlog_reader::Error::Io(io) => PyIOError::new_err(format!("{path}: {io}")),
        other => corrupt(path, &other),
    }
}

/// A `CorruptFileError` with `offset` and `path` attributes.
pub(crate) fn corrupt(path: &str, e: &ttlog_reader::Error) -> PyErr {
    let offset = e.offset();
    let err = CorruptFileError::new_err(format!("{path}: {e}"));
    Python::attach(|py| {
        let value = err.value(py);
        let _ = value.setattr("offset", offset);
        let _ = value.setattr("path", path);
    });
    err
}
