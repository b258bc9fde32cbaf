//! `loop`: did a control loop keep its period, and when did it not (`ttlog_analysis`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use ttlog_analysis::loop_timing::{
    analyse_with, report_json, time, LoopError, LoopReport, Series, Settings,
};

use crate::args::{expand, SelectArgs};
use crate::exit::{failed, usage, write_whole, Error, Outcome, Status};
use ttlog_analysis::loop_plot::{self, ImageFormat};

const AFTER_HELP: &str = "\
Examples:
  ttlog-view loop logs/knee_trial.bin                      # update() rows of ttlog.osl / ttlog
  ttlog-view loop run.bin --series knee --frequency 200    # a tracked schema's rows
  ttlog-view loop run.bin --series span=control_step       # span starts; busy time = work
  ttlog-view loop run.bin -f 'msg=tick' --series events    # any events a filter selects
  ttlog-view loop run.bin --format csv > periods.csv       # every period, for further work
  ttlog-view loop run.bin --plot hist.png --timeline timeline.png   # pictures (or .svg)

The period of an iteration is the time from its start to the next one's. The target
frequency is --frequency, or estimated from the median period (rounded to a whole Hz) and
said so. As in opensourceleg's IterationStats: a period is within tolerance when
|period - ideal| <= tolerance * ideal, and the jitter is the population standard deviation.
Percentiles interpolate between the nearest ranks, as numpy.percentile does. An overrun is
a period longer than ideal * (1 + tolerance); a stall, a gap of more than --stall-periods
ideal periods, listed with the WARN-or-worse events from its start to one period after it.
These are ttlog's figures from the times of the rows: SoftRealtimeLoop's own report (its
wake-up error against its schedule, a sample standard deviation) measures something else.

Exit codes: 0, 1 (a file unreadable), 2 (bad arguments, or a series with fewer than two
iterations: the series the files have are listed), 3 (damaged data skipped).";

/// Output formats of `loop`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LoopFormat {
    /// A summary table, the worst overruns and the stalls.
    Table,
    /// The same as one JSON object.
    Json,
    /// Every period: `start_ns,period_ns`, one row per iteration.
    Csv,
}

/// Arguments of `loop`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct LoopArgs {
    /// Files to read (merged by time).
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,

    /// Where iterations start: `tracked` (update() rows), a tracked schema's name,
    /// `span=NAME` (span starts), or `events` (every event -f selects).
    #[arg(long, default_value = "tracked")]
    pub series: String,

    /// The loop's target frequency in Hz (estimated from the median period when absent).
    #[arg(long, value_name = "HZ")]
    pub frequency: Option<f64>,

    /// Within tolerance: |period - ideal| <= TOLERANCE * ideal.
    #[arg(long, default_value_t = 0.1)]
    pub tolerance: f64,

    /// A gap of more than this many ideal periods is a stall.
    #[arg(long, default_value_t = 3.0, value_name = "N")]
    pub stall_periods: f64,

    /// Draw the periods histogram, with the tolerance band, to PATH (.png or .svg).
    #[arg(long, value_name = "PATH")]
    pub plot: Option<PathBuf>,

    /// Draw the period over time, overruns marked, to PATH (.png or .svg).
    #[arg(long, value_name = "PATH")]
    pub timeline: Option<PathBuf>,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = LoopFormat::Table)]
    pub format: LoopFormat,
}

/// A duration in ns as a person reads it.
fn human(ns: f64) -> String {
    if ns < 10_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 10_000_000.0 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 10_000_000_000.0 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

fn print_table(r: &LoopReport) {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(vec!["loop", &r.series]);
    let freq = if r.frequency_estimated {
        format!("{} Hz (estimated from the median period)", r.frequency_hz)
    } else {
        format!("{} Hz", r.frequency_hz)
    };
    let p = &r.period;
    let rows: Vec<(&str, String)> = vec![
        ("target", freq),
        ("ideal period", human(r.ideal_ns)),
        (
            "iterations",
            format!("{} ({} to {})", r.iterations, time(r.first), time(r.last)),
        ),
        ("mean period", human(p.mean)),
        ("jitter (std)", human(p.std)),
        (
            "min / max",
            format!("{} / {}", human(p.min as f64), human(p.max as f64)),
        ),
        (
            "p50 / p90 / p99 / p99.9",
            format!(
                "{} / {} / {} / {}",
                human(p.p50),
                human(p.p90),
                human(p.p99),
                human(p.p999)
            ),
        ),
        (
            "within tolerance",
            format!(
                "{} of {} ({:.2} %, ±{} %)",
                r.within_tolerance,
                r.iterations,
                r.within_tolerance_pct,
                r.tolerance * 100.0
            ),
        ),
        ("overruns", r.overruns.to_string()),
        ("stalls", r.stalls.to_string()),
    ];
    for (k, v) in rows {
        t.add_row(vec![k.to_string(), v]);
    }
    if let Some(w) = &r.work {
        t.add_row(vec![
            "work (busy) per iteration".to_string(),
            format!(
                "mean {}, p99 {}, max {} ({:.1} % of the period at the mean)",
                human(w.mean),
                human(w.p99),
                human(w.max as f64),
                w.mean * 100.0 / r.ideal_ns
            ),
        ]);
    }
    outln!("{t}");
    if !r.worst.is_empty() {
        outln!("worst overruns:");
        for l in &r.worst {
            outln!("  {}  {}", time(l.start), human(l.period as f64));
        }
    }
    if !r.stall_list.is_empty() {
        outln!("stalls (gaps over the stall limit):");
        for l in &r.stall_list {
            outln!("  {}  {}", time(l.start), human(l.period as f64));
            for n in &l.events {
                outln!(
                    "      {} {:>5} {} {}",
                    time(n.ts),
                    n.level,
                    n.target,
                    n.message
                );
            }
        }
        if r.stalls > r.stall_list.len() {
            outln!("  ... and {} more", r.stalls - r.stall_list.len());
        }
    }
}

/// Draws `picture` of `report` to `path`, through an output that never replaces an input
/// or a log and appears whole or not at all.
fn draw(
    path: &std::path::Path,
    inputs: &[PathBuf],
    report: &LoopReport,
    picture: fn(&LoopReport, ImageFormat) -> Result<Vec<u8>, ttlog_analysis::loop_plot::PlotError>,
) -> Result<(), Error> {
    let Some(format) = ImageFormat::of(path) else {
        return Err(usage(format!(
            "{}: a picture is .png or .svg",
            path.display()
        )));
    };
    let bytes = picture(report, format).map_err(failed)?;
    write_whole(path, inputs, &bytes)
}

pub fn run(args: &LoopArgs) -> Outcome {
    let query = args.select.query()?;
    for p in [&args.plot, &args.timeline].into_iter().flatten() {
        if ImageFormat::of(p).is_none() {
            return Err(usage(format!("{}: a picture is .png or .svg", p.display())));
        }
    }
    let settings = Settings {
        frequency_hz: args.frequency,
        tolerance: args.tolerance,
        stall_periods: args.stall_periods,
        query,
    };
    let mut status = Status::default();
    let files = expand(&args.files);
    let series = Series::parse(&args.series);
    let report = analyse_with(&files, &series, &settings, |path, e| {
        status.problem(&path.display().to_string(), e);
    });
    let report = match report {
        Ok(r) => r,
        Err(
            e @ (LoopError::TooFew { .. }
            | LoopError::BadSetting(_)
            | LoopError::NotPeriodic { .. }),
        ) => return Err(status.usage(e)),
        Err(e) => {
            return Err(failed(e));
        }
    };
    if let Some(p) = &args.plot {
        draw(p, &files, &report, loop_plot::histogram)?;
    }
    if let Some(p) = &args.timeline {
        draw(p, &files, &report, loop_plot::timeline)?;
    }
    match args.format {
        LoopFormat::Table => print_table(&report),
        LoopFormat::Json => outln!("{}", report_json(&report)),
        LoopFormat::Csv => {
            let mut text = String::from("start_ns,period_ns\n");
            for (start, period) in report.periods() {
                text.push_str(&format!("{start},{period}\n"));
                if text.len() > 1 << 16 {
                    out!("{text}");
                    text.clear();
                }
            }
            out!("{text}");
        }
    }
    Ok(status)
}
