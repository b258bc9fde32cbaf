//! The default command: print the events of one or more files, merged by time.

use std::io::{self, BufWriter};
use std::path::PathBuf;

use clap::Args;
use ttlog_reader::BlockReader;

use ttlog_export::Options;

use crate::args::{expand, field_list, SelectArgs};
use crate::commands::convert::export_to;
use crate::exit::{output_failed, Outcome, Status};
use crate::output::{columns, Color, Format, Formatter, Sink};
use crate::pipeline::{default_threads, write_lines_parallel, write_merged};

/// Arguments of the default command.
#[derive(Args, Debug)]
pub struct ViewArgs {
    /// ttlog files to read (`.bin`); globs are expanded.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Output format.
    #[arg(long, short = 'F', value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Show only these fields (comma-separated), and in CSV and table output, these columns.
    #[arg(long, value_name = "A,B")]
    pub fields: Option<String>,

    /// Colour text output: auto (when stdout is a terminal), always, never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

pub fn run(args: &ViewArgs) -> Outcome {
    let query = args.select.query()?;
    let files = expand(&args.files);
    let fields = field_list(&args.fields);
    // JSON and CSV are the export formats of the same names: the same bytes as `convert`.
    if let Some(to) = match args.format {
        Format::Json => Some("json"),
        Format::Csv => Some("csv"),
        Format::Text | Format::Table => None,
    } {
        let options = Options {
            fields,
            partition_by: None,
        };
        return export_to(&files, &query, to, None, &options, default_threads());
    }
    let formatter = Formatter::new(args.format, args.color, fields.clone());
    let cols = match args.format {
        Format::Table => columns(&fields, &files, &query),
        _ => Default::default(),
    };
    let out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut sink = match Sink::new(out, formatter, cols) {
        Ok(s) => s,
        Err(e) => return output_failed(&e, Status::default()),
    };
    let mut status = Status::default();
    // A snapshot's record comes before its events (in text and table output; JSON and CSV
    // keep one row per event, and `info`/`snapshots` give the record to scripts).
    for f in &files {
        if let Ok(r) = BlockReader::open(f) {
            if let Some(rec) = crate::commands::snapshots::record(r.header()) {
                out!("{}", crate::commands::snapshots::describe(&rec));
            }
        }
    }
    // One file as text: blocks decoded and formatted on every core, in file order.
    let parallel = files.len() == 1 && args.format == Format::Text;
    let result = if parallel {
        let formatter = Formatter::new(args.format, args.color, fields.clone());
        write_lines_parallel(
            &files[0],
            &query,
            &formatter,
            default_threads(),
            &mut sink,
            &mut status,
        )
    } else {
        write_merged(&files, &query, &mut sink, &mut status)
    };
    if let Err(e) = result.and_then(|()| sink.finish()) {
        return output_failed(&e, status);
    }
    Ok(status)
}
