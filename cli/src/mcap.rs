//! `convert --to mcap`: the selected events as one MCAP file (`ttlog-export`'s `mcap`):
//! logs on `/log` as `foxglove.Log`, tracked schemas as `/track/NAME` channels that plot.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use ttlog_export::McapWriter;
use ttlog_reader::Query;

use crate::exit::{commit_output, open_output, Status, USAGE};
use crate::pipeline::open_merged;

/// Converts `files` to an MCAP file at `output`; returns the exit code.
pub fn run(files: &[PathBuf], query: &Query, output: Option<&Path>, status: &mut Status) -> u8 {
    let Some(output) = output else {
        eprintln!("ttlog-view: --to mcap needs -o OUT (MCAP is not written to a terminal or pipe)");
        return USAGE;
    };
    let (pending, file) = match open_output(output, files, status) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let result = (|| {
        let mut writer = McapWriter::new(BufWriter::with_capacity(1 << 20, file))?;
        let (merged, names) = open_merged(files, query, status);
        for (source, item) in merged {
            match item {
                Ok(e) if query.matches(&e) => writer.push(&e)?,
                Ok(_) => {}
                Err(e) => status.problem(&names[source], &e),
            }
        }
        writer.finish()
    })();
    match result {
        Ok(_) => commit_output(pending, status),
        Err(e) => status.fail(format!("{}: {e}", output.display())),
    }
    status.code()
}
