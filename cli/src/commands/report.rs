//! `report`: a trial as one self-contained HTML page (`ttlog_analysis::report`).

use std::path::PathBuf;

use clap::Args;
use ttlog_analysis::report::{report, ReportSettings};

use crate::args::{expand, SelectArgs};
use crate::exit::{usage, write_whole, Outcome, Status};

const AFTER_HELP: &str = "\
Examples:
  ttlog-view report logs/knee_trial.bin -o knee_trial.html
  ttlog-view report logs/run.*.bin -o run.html --since -10m

One HTML file that opens offline in any browser (its scripts and styles are inside it; no
network): the summary; how the run ended, with its traceback; a chart of every tracked
variable and numeric field (drawn by plotly.js, embedded; zoom and pan follow across charts,
hover for values, WARN/ERROR/CRITICAL events and snapshots as vertical lines); the events
table, filterable by level, target and text; the loop's timing; span durations. Every sample
is embedded while there are at most --points of them in all; past that, each series is
min-max decimated as it streams (every spike kept) and the page says so. A damaged or cut
file still gives a report, its problems listed (exit 3).

Exit codes: 0, 1 (a file unreadable), 2 (bad arguments), 3 (damaged data skipped).";

/// Arguments of `report`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct ReportArgs {
    /// Files to read (merged by time).
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,

    /// The page to write (.html).
    #[arg(short = 'o', long = "output", value_name = "PATH", required = true)]
    pub output: PathBuf,

    /// Samples embedded as they are, over all charts, before series are decimated.
    #[arg(long, value_name = "N", default_value_t = ReportSettings::default().point_budget)]
    pub points: usize,

    #[command(flatten)]
    pub select: SelectArgs,
}

pub fn run(args: &ReportArgs) -> Outcome {
    let query = args.select.query()?;
    if !args
        .output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
    {
        return Err(usage(format!(
            "{}: a report is an .html file",
            args.output.display()
        )));
    }
    let mut status = Status::default();
    let files = expand(&args.files);
    let settings = ReportSettings {
        query,
        point_budget: args.points,
        ..ReportSettings::default()
    };
    let html = report(&files, &settings, |path, e| {
        status.problem(&path.display().to_string(), e);
    });
    write_whole(&args.output, &files, html.as_bytes())?;
    Ok(status)
}
