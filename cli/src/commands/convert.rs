//! `convert`: files to any format of `ttlog-export`'s registry (JSON Lines, CSV, Chrome
//! trace, Parquet, MCAP), with the viewer's filters, through the export job Python runs too.

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use ttlog_export::{export, Job, Options, Progress};

use crate::args::{expand, field_list, SelectArgs};
use crate::exit::{usage, Outcome, Status};
use crate::pipeline::default_threads;

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

/// The `--to` values: every format of `ttlog-export`'s registry, with its line of help.
fn formats() -> PossibleValuesParser {
    PossibleValuesParser::new(
        ttlog_export::FORMATS
            .iter()
            .map(|f| PossibleValue::new(f.name).help(f.about)),
    )
}

/// Arguments of `convert`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct ConvertArgs {
    /// Files to convert.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_parser = formats())]
    pub to: String,

    /// Output file (default: stdout; Parquet and MCAP need a file).
    #[arg(short = 'o', long, value_name = "OUT")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub select: SelectArgs,

    /// With --to json or csv: only these fields (comma-separated); in CSV, these columns
    /// in this order.
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

/// An export job's reports: damage into the status, progress on a spinner.
struct Report<'s> {
    status: &'s mut Status,
    bar: ProgressBar,
}

impl Progress for Report<'_> {
    fn problem(&mut self, path: &Path, error: &ttlog_reader::Error) {
        self.bar
            .suspend(|| self.status.problem(&path.display().to_string(), error));
    }

    fn advanced(&mut self, pass: u8, events: u64) {
        self.bar
            .set_message(if pass == 1 { "reading" } else { "writing" });
        self.bar.set_position(events);
    }
}

/// A spinner of events read, per pass, on stderr when it is a terminal and the input is
/// over 64 MiB.
fn progress_bar(files: &[PathBuf]) -> ProgressBar {
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    if !io::stderr().is_terminal() || total < 64 << 20 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}: {human_pos} events {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar
}

/// Runs the export job of `ttlog-export` for the format `--to` names.
pub fn run(args: &ConvertArgs) -> Outcome {
    let query = args.select.query()?;
    let files = expand(&args.files);
    let options = Options {
        fields: field_list(&args.fields),
        partition_by: args.partition_by.clone(),
    };
    let threads = args.threads.unwrap_or_else(default_threads);
    export_to(
        &files,
        &query,
        &args.to,
        args.output.as_deref(),
        &options,
        threads,
    )
}

/// Exports `files` in the format `to` to `output` (standard output when `None`), reporting
/// damage and progress on stderr: `convert`, and the viewer's JSON and CSV output.
pub fn export_to(
    files: &[PathBuf],
    query: &ttlog_reader::Query,
    to: &str,
    output: Option<&Path>,
    options: &Options,
    threads: usize,
) -> Outcome {
    let format =
        ttlog_export::format(to).ok_or_else(|| usage(format!("--to: unknown format `{to}`")))?;
    let sink = (format.sink)(options)?;
    let job = Job {
        files,
        query,
        output,
        threads,
    };
    let mut status = Status::default();
    let mut report = Report {
        status: &mut status,
        bar: progress_bar(files),
    };
    let result = export(&job, sink, &mut report);
    report.bar.finish_and_clear();
    match result {
        Ok(written) => {
            status.truncated(written.truncated);
            Ok(status)
        }
        Err(e) if e.is_broken_pipe() => Ok(status),
        Err(e) => Err(e.into()),
    }
}
