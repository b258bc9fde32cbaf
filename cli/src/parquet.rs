//! `convert --to parquet`: the selected events as one Parquet table (`ttlog-export`), in two
//! streaming passes over the input: the first finds the fields and their types, the second
//! writes the rows. Memory stays bounded by one batch of rows, whatever the input's size.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use ttlog_export::{Columns, ParquetWriter};
use ttlog_reader::Query;

use crate::exit::{Status, USAGE};
use crate::pipeline::open_merged;

/// Converts `files` to a Parquet file at `output`; returns the exit code.
pub fn run(files: &[PathBuf], query: &Query, output: Option<&Path>, status: &mut Status) -> u8 {
    let Some(output) = output else {
        eprintln!(
            "ttlog-view: --to parquet needs -o OUT (Parquet is not written to a terminal or pipe)"
        );
        return USAGE;
    };
    // Pass 1: fields and types. Damage is reported here, once.
    let mut columns = Columns::default();
    let (merged, names) = open_merged(files, query, status);
    for (source, item) in merged {
        match item {
            Ok(e) if query.matches(&e) => columns.observe(&e),
            Ok(_) => {}
            Err(e) => status.problem(&names[source], &e),
        }
    }
    let file = match File::create(output) {
        Ok(f) => f,
        Err(e) => {
            status.fail(format!("{}: {e}", output.display()));
            return status.code();
        }
    };
    let result = (|| {
        let mut writer = ParquetWriter::new(BufWriter::with_capacity(1 << 20, file), &columns)?;
        // Pass 2: the same events; their problems were reported by pass 1.
        let mut quiet = Status::default();
        let (merged, _) = open_merged(files, query, &mut quiet);
        for (_, item) in merged {
            if let Ok(e) = item {
                if query.matches(&e) {
                    writer.push(&e)?;
                }
            }
        }
        writer.finish()
    })();
    if let Err(e) = result {
        status.fail(format!("{}: {e}", output.display()));
    }
    status.code()
}
