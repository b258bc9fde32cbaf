//! `convert --to mcap`: the selected events as one MCAP file (`ttlog-export`'s `mcap`):
//! logs on `/log` as `foxglove.Log`, tracked schemas as `/track/NAME` channels that plot.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use ttlog_export::McapWriter;
use ttlog_reader::Query;

use crate::exit::{Status, USAGE};
use crate::pipeline::open_merged;

/// Converts `files` to an MCAP file at `output`; returns the exit code.
pub fn run(files: &[PathBuf], query: &Query, output: Option<&Path>, status: &mut Status) -> u8 {
    let Some(output) = output else {
        eprintln!("ttlog-view: --to mcap needs -o OUT (MCAP is not written to a terminal or pipe)");
        return USAGE;
    };
    let file = match File::create(output) {
        Ok(f) => f,
        Err(e) => {
            status.fail(format!("{}: {e}", output.display()));
            return status.code();
        }
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
    if let Err(e) = result {
        status.fail(format!("{}: {e}", output.display()));
    }
    status.code()
}
