//! `convert`: files to JSON Lines or CSV, with the viewer's filters.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::{expand, field_list, SelectArgs};
use crate::exit::{commit_output, open_output, output_failed, Status};
use crate::output::{columns, Color, Format, Formatter, Sink};
use crate::pipeline::{default_threads, write_lines_parallel, write_merged};

const AFTER_HELP: &str = "\
Examples:
  ttlog-view convert run.bin --to json -o run.jsonl
  ttlog-view convert logs/*.bin --to csv -f 'target=osl::*' --fields angle,torque -o knee.csv
  ttlog-view convert run.bin --to json | jq .
  ttlog-view convert run.bin --to chrome-trace -o run.trace.json   (open in ui.perfetto.dev)
  ttlog-view convert logs/*.bin --to parquet -o run.parquet   (then query it with DuckDB)
  ttlog-view convert fleet/*/*.bin --to parquet --partition-by host,date -o dataset/
  ttlog-view convert trial.bin --to mcap -o trial.mcap   (open in Foxglove or PlotJuggler)

CSV columns are ts, level, target, thread, msg, one per field name (all that occur, or
--fields), then file and line. Several files are merged by time. A progress bar is shown
on stderr when it is a terminal.

-o never replaces an input or any ttlog log (exit 2, nothing written). The output is
written beside OUT and renamed to OUT when complete, so a failed or interrupted convert
leaves an earlier OUT as it was; a device or pipe (-o /dev/stdout) is written to directly.";

/// Target formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum To {
    /// JSON Lines (schema in the README).
    Json,
    /// CSV with a header row.
    Csv,
    /// Trace Event JSON for ui.perfetto.dev and chrome://tracing: span records as slices
    /// per thread, other events as instants.
    ChromeTrace,
    /// One Parquet table (DuckDB, Polars, pandas, Spark): typed columns, one per field;
    /// needs -o. Each tracked schema also gets its own table beside it,
    /// OUT_STEM.track.NAME.parquet (replaced like OUT).
    Parquet,
    /// MCAP for Foxglove and PlotJuggler: logs as foxglove.Log on /log, tracked schemas as
    /// /track/NAME channels; needs -o.
    Mcap,
}

/// Arguments of `convert`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct ConvertArgs {
    /// Files to convert.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum)]
    pub to: To,

    /// Output file (default: stdout).
    #[arg(short = 'o', long, value_name = "OUT")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Only these fields (comma-separated); in CSV, these columns in this order.
    #[arg(long, value_name = "A,B")]
    pub fields: Option<String>,

    /// With --to parquet: write a Hive-partitioned dataset into the directory -o names, by
    /// these keys in order (service, host, date), e.g. OUT/host=robot7/date=2026-11-23/.
    #[arg(long, value_name = "KEYS")]
    pub partition_by: Option<String>,

    /// Worker threads for decoding (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

pub fn run(args: &ConvertArgs) -> u8 {
    let query = match args.select.query() {
        Ok(q) => q,
        Err(code) => return code,
    };
    let files = expand(&args.files);
    let fields = field_list(&args.fields);
    let mut status = Status::default();
    if args.partition_by.is_some() && args.to != To::Parquet {
        eprintln!("ttlog-view: --partition-by applies to --to parquet only");
        return crate::exit::USAGE;
    }
    if args.to == To::Mcap {
        return crate::commands::mcap::run(&files, &query, args.output.as_deref(), &mut status);
    }
    if args.to == To::Parquet {
        return crate::commands::parquet::run(
            &files,
            &query,
            args.output.as_deref(),
            args.partition_by.as_deref(),
            &mut status,
        );
    }
    let mut pending = None;
    let out: Box<dyn Write> = match &args.output {
        Some(path) => match open_output(path, &files, &mut status) {
            Ok((p, f)) => {
                pending = Some(p);
                Box::new(BufWriter::with_capacity(1 << 20, f))
            }
            Err(code) => return code,
        },
        None => Box::new(BufWriter::with_capacity(1 << 20, io::stdout().lock())),
    };
    let format = match args.to {
        To::Json => Format::Json,
        To::Csv => Format::Csv,
        To::Parquet | To::Mcap => unreachable!("handled above"),
        To::ChromeTrace => {
            let mut out = out;
            let mut report = crate::commands::parquet::Report {
                status: &mut status,
                bar: indicatif::ProgressBar::hidden(),
                passes: ["", ""],
            };
            let result = ttlog_export::write_chrome_trace(&files, &query, &mut out, &mut report)
                .and_then(|()| out.flush());
            if let Err(e) = result {
                return output_failed(&e, &status);
            }
            if let Some(p) = pending {
                commit_output(p, &mut status);
            }
            return status.code();
        }
    };
    let cols = if format == Format::Csv {
        columns(&fields, &files, &query)
    } else {
        Default::default()
    };
    let mut sink = match Sink::new(
        out,
        Formatter::new(format, Color::Never, fields.clone()),
        cols,
    ) {
        Ok(s) => s,
        Err(e) => return output_failed(&e, &status),
    };
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let parallel = files.len() == 1 && format == Format::Json;
    let bar = progress(total, parallel);
    let result = if parallel {
        let formatter = Formatter::new(Format::Json, Color::Never, fields);
        let threads = args.threads.unwrap_or_else(default_threads);
        write_lines_parallel(
            &files[0],
            &query,
            &formatter,
            threads,
            &mut sink,
            &mut status,
            |end| bar.set_position(end),
        )
    } else {
        let mut written = 0u64;
        write_merged(&files, &query, &mut sink, &mut status, || {
            written += 1;
            if written.is_multiple_of(65_536) {
                bar.set_position(written);
            }
        })
    };
    bar.finish_and_clear();
    if let Err(e) = result.and_then(|()| sink.finish()) {
        return output_failed(&e, &status);
    }
    if let Some(p) = pending {
        commit_output(p, &mut status);
    }
    status.code()
}

/// Progress on stderr for work over 64 MiB when stderr is a terminal, hidden otherwise: a
/// bar of bytes read when blocks are read in order, else a count of events written.
fn progress(total: u64, by_bytes: bool) -> ProgressBar {
    if !io::stderr().is_terminal() || total < 64 << 20 {
        return ProgressBar::hidden();
    }
    if by_bytes {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {human_pos} events {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar
    }
}
