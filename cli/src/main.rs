//! `ttlog-view`: view, filter, follow, convert, summarize, verify and recover ttlog files.
//!
//! Exit codes: 0 success, 1 error (a file could not be read at all), 2 usage error or bad
//! filter, 3 finished but some data could not be read (truncated or damaged blocks).

#[macro_use]
mod exit;
mod args;
mod commands;
mod output;
mod pipeline;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::{
    convert, info, loop_timing, plot, recover, report, snapshots, spans, stats, summary, tail,
    verify, view,
};

const AFTER_HELP: &str = "\
Examples:
  ttlog-view logs/demo.bin                        show events as text
  ttlog-view logs/*.bin --filter level=ERROR      errors from every file, merged by time
  ttlog-view run.bin -f 'level>=WARN and target=motor::*' --since -10m
  ttlog-view run.bin -f 'torque>1.5 or msg~~=stall' --format json
  ttlog-view tail -n 20 -f logs/run.bin           last 20 events, then follow
  ttlog-view convert run.bin --to csv -o run.csv  for pandas or a spreadsheet
  ttlog-view info logs/*.bin                      what each file holds
  ttlog-view stats torque --by target run.bin     min, max, mean, percentiles
  ttlog-view snapshots logs/snapshots             crash snapshots, newest first
  ttlog-view spans run.bin                        span durations by name (tracing bridge)
  ttlog-view convert run.bin --to chrome-trace -o run.json   a timeline for ui.perfetto.dev
  ttlog-view loop knee_trial.bin                  did the control loop keep its period
  ttlog-view summary knee_trial.bin               how the trial ended, what each series did
  ttlog-view plot knee_trial.bin tracked.Knee.angle -o knee.png   series as a picture
  ttlog-view report knee_trial.bin -o trial.html  one offline page: summary, charts, events

Filters (-f, repeatable, all must hold):
  level=ERROR  level>=WARN  target=motor  target=motor::*  thread=main
  field=value  field!=value  field>N  >=  <  <=   (numbers compare as numbers)
  field~=substring  field~~=regex  msg~~=regex  field?=value (also when absent)
  exists(field)   and  or  not  ( )   values with spaces in quotes: mode='hold pos'
  span=NAME  span.FIELD=value   (events inside a tracing span, and span records)

Exit codes:
  0  success
  1  error: a file is missing, unreadable, or not a ttlog file
  2  usage error: unknown flag, bad value or bad filter
  3  finished, but some data could not be read (truncated file or damaged blocks);
     each problem is reported on stderr with its byte offset";

/// View ttlog files: events from all FILES merged by time, filtered and formatted.
#[derive(Parser, Debug)]
#[command(
    name = "ttlog-view",
    version,
    about,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    view: view::ViewArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the last events of files, and follow them as they grow.
    Tail(tail::TailArgs),
    /// Convert files to JSON Lines, CSV, Parquet, MCAP or a Chrome trace.
    Convert(convert::ConvertArgs),
    /// Summarize what files hold: time range, events by level, target and thread, sizes.
    Info(info::InfoArgs),
    /// Check every block's checksums and structure, reporting problems with byte offsets.
    Verify(verify::VerifyArgs),
    /// Write a clean file holding every event that can still be read from a damaged one.
    Recover(recover::RecoverArgs),
    /// Count, min, max, mean and percentiles of a numeric field, optionally grouped.
    Stats(stats::StatsArgs),
    /// List snapshot files (from panics, signals, requests), newest first.
    Snapshots(snapshots::SnapshotsArgs),
    /// How long spans took, by name (span records of the tracing bridge).
    Spans(spans::SpansArgs),
    /// Did a control loop keep its period: period statistics, overruns and stalls.
    Loop(loop_timing::LoopArgs),
    /// The first page of a trial: how it ended and why, what went wrong, every series.
    Summary(summary::SummaryArgs),
    /// Draw series of a trial (tracked variables, numeric fields) to a PNG or SVG.
    Plot(plot::PlotArgs),
    /// Write a trial as one self-contained HTML page: summary, charts, events, loop, spans.
    Report(report::ReportArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let outcome = match cli.command {
        None => view::run(&cli.view),
        Some(Command::Tail(a)) => tail::run(&a),
        Some(Command::Convert(a)) => convert::run(&a),
        Some(Command::Info(a)) => info::run(&a),
        Some(Command::Verify(a)) => verify::run(&a),
        Some(Command::Recover(a)) => recover::run(&a),
        Some(Command::Stats(a)) => stats::run(&a),
        Some(Command::Snapshots(a)) => snapshots::run(&a),
        Some(Command::Spans(a)) => spans::run(&a),
        Some(Command::Loop(a)) => loop_timing::run(&a),
        Some(Command::Summary(a)) => summary::run(&a),
        Some(Command::Plot(a)) => plot::run(&a),
        Some(Command::Report(a)) => report::run(&a),
    };
    // Problems with the data were reported as they were met; an error that stopped the
    // command is printed here, once.
    let code = match outcome {
        Ok(status) => status.code(),
        Err(e) => {
            eprintln!("ttlog-view: {e}");
            e.code()
        }
    };
    ExitCode::from(code)
}
