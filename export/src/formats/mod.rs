//! Every output format, one module each behind [`crate::Sink`], and the registry
//! that names them ([`FORMATS`]): `ttlog-view convert --to NAME` and Python's
//! `ttlog.export(..., to=NAME)` both look formats up here.
//!
//! Adding a format: a file here with a `Sink` and a [`Format`] constant, one line in
//! [`FORMATS`]; then its tests (a process-boundary test in `cli/tests/`, a Python one in
//! `py-bindings/tests/test_export.py`), its row in the README's export table, and a
//! `to_NAME` wrapper in `py-bindings/python/ttlog/_reading.py` if Python users should find
//! it by name.

pub mod chrome_trace;
pub mod csv;
pub mod json;
pub mod mcap;
pub mod parquet;

use crate::sink::Sink;
use crate::JobError;

/// The options a format may take; a format refuses one it does not take.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Only these fields, in this order (JSON, CSV).
    pub fields: Option<Vec<String>>,
    /// Partition keys, `service,host,date` (Parquet): a Hive-partitioned dataset.
    pub partition_by: Option<String>,
}

impl Options {
    /// Refuses the options `format` does not take (`takes`: the names it does).
    pub(crate) fn only(&self, format: &str, takes: &[&str]) -> Result<(), JobError> {
        let given = [
            ("fields", self.fields.is_some()),
            ("partition_by", self.partition_by.is_some()),
        ];
        for (name, set) in given {
            if set && !takes.contains(&name) {
                return Err(JobError::Refused(format!(
                    "{name} (--{}) does not apply to {format} output",
                    name.replace('_', "-")
                )));
            }
        }
        Ok(())
    }
}

/// A registered format.
#[derive(Clone, Copy, Debug)]
pub struct Format {
    /// The name `--to` and `to=` take.
    pub name: &'static str,
    /// One line for `--help`.
    pub about: &'static str,
    /// Makes its sink for these options.
    pub sink: fn(&Options) -> Result<Box<dyn Sink>, JobError>,
}

/// Every format, in the order `--help` lists them.
pub const FORMATS: &[Format] = &[
    json::FORMAT,
    csv::FORMAT,
    chrome_trace::FORMAT,
    parquet::FORMAT,
    mcap::FORMAT,
];

/// The format named `name`.
pub fn format(name: &str) -> Option<&'static Format> {
    FORMATS.iter().find(|f| f.name == name)
}

/// A format that is written to a file only: refuses standard output.
pub(crate) fn needs_file(
    name: &str,
    why: &str,
    dest: Option<&std::path::Path>,
) -> Result<(), JobError> {
    match dest {
        Some(_) => Ok(()),
        None => Err(JobError::Refused(format!(
            "{name} output needs a file (-o OUT): {why}"
        ))),
    }
}
