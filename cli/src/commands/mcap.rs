//! `convert --to mcap`: the selected events as one MCAP file (`ttlog_export::write_mcap`):
//! logs on `/log` as `foxglove.Log`, tracked schemas on `/track/NAME` and each callsite's
//! numeric fields on `/TARGET/TEMPLATE`, channels that plot.

use std::path::{Path, PathBuf};

use ttlog_export::write_mcap;
use ttlog_reader::Query;

use crate::commands::parquet::{progress_bar, Report};
use crate::exit::{Status, USAGE};

/// Converts `files` to an MCAP file at `output`; returns the exit code.
pub fn run(files: &[PathBuf], query: &Query, output: Option<&Path>, status: &mut Status) -> u8 {
    let Some(output) = output else {
        eprintln!("ttlog-view: --to mcap needs -o OUT (MCAP is not written to a terminal or pipe)");
        return USAGE;
    };
    let mut report = Report {
        status,
        bar: progress_bar(files),
        passes: ["writing messages", "writing messages"],
    };
    let result = write_mcap(files, query, output, &mut report);
    report.finish(result)
}
