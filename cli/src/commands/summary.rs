//! `summary`: the first page of a trial (`ttlog_analysis::summary`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use ttlog_analysis::summary::{summarize, text};

use crate::args::{expand, SelectArgs};
use crate::exit::{Outcome, Status};

const AFTER_HELP: &str = "\
Examples:
  ttlog-view summary logs/knee_trial.bin
  ttlog-view summary logs/run.*.bin --format json | jq .end

What it shows: the files (and how each ended: closed cleanly, ended by an exception,
panic or signal, still being written, killed), service, host, session, first and last time
and duration; how the run ended with its cause, place, traceback and snapshot; events by
level, drops and damage; the last warnings and errors; the snapshots beside the log; each
tracked schema (rows, rate) and variable (count, min, max), and the numeric fields of
events, each named as `ttlog-view plot` takes it; the loop's timing (the `tracked` schema,
else the schema with the most rows); span durations. A damaged or cut file still gives a
summary, its problems listed (exit 3).

Exit codes: 0, 1 (a file unreadable), 2 (bad arguments), 3 (damaged data skipped).";

/// Output formats of `summary`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// Text for a person.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `summary`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct SummaryArgs {
    /// Files to read (merged by time).
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

pub fn run(args: &SummaryArgs) -> Outcome {
    let query = args.select.query()?;
    let mut status = Status::default();
    let files = expand(&args.files);
    let summary = summarize(&files, &query, |path, e| {
        status.problem(&path.display().to_string(), e);
    });
    match args.format {
        SummaryFormat::Text => out!("{}", text(&summary)),
        SummaryFormat::Json => outln!("{summary}"),
    }
    Ok(status)
}
