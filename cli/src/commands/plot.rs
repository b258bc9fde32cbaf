//! `plot`: series of a trial as a picture (`ttlog_analysis::trial_plot`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use ttlog_analysis::picture::ImageFormat;
use ttlog_analysis::series::{collect, SeriesSpec, Settings};
use ttlog_analysis::trial_plot::{describe, plot, PlotSettings, TimeAxis, WIDTH};

use crate::args::{expand, SelectArgs};
use crate::exit::{failed, usage, write_whole, Outcome, Status};

const AFTER_HELP: &str = "\
Examples:
  ttlog-view plot logs/knee_trial.bin tracked.Knee.angle tracked.Knee.torque -o knee.png
  ttlog-view plot demo.bin 'torque@target=demo::control' -o torque.svg --time wall
  ttlog-view plot trial.bin 'tracked.`<__main__.SimKnee object at 0x7f>.winding_temperature`' -o t.png
  ttlog-view plot logs/run.*.bin knee.angle -o k.png --since 2026-12-06T10:00:00Z --describe

A series is SCHEMA.VARIABLE, a tracked variable split at the first dot (backticks quote a
part, as in filters), or FIELD@FILTER, a numeric field of the events the filter selects.
`ttlog-view summary` lists the series a file has. Each series gets a panel on a shared time
axis; WARN, ERROR and CRITICAL events (and snapshots) are vertical markers. Long series are
decimated by min-max to the picture's width as they stream, so every spike stays visible and
memory stays bounded however long the trial. --since/--until select the time; -f selects
the marked events and the events FIELD@FILTER series read (tracked rows by time only).
--describe prints what was drawn as JSON (series, points, ranges, markers).

Exit codes: 0, 1 (a file unreadable), 2 (bad arguments, or a series the files do not have:
the series they have are listed), 3 (damaged data skipped).";

/// How the time axis is labelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TimeArg {
    /// Seconds since the first event.
    Relative,
    /// UTC time of day.
    Wall,
}

/// Arguments of `plot`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct PlotArgs {
    /// The files to read (merged by time), then the series to draw: an argument that
    /// names an existing file or ends in `.bin` is a file, the others are series
    /// (SCHEMA.VARIABLE or FIELD@FILTER).
    #[arg(required = true, value_name = "FILES SERIES")]
    pub args: Vec<String>,

    /// The picture: PATH.png or PATH.svg.
    #[arg(short = 'o', long = "output", value_name = "PATH", required = true)]
    pub output: PathBuf,

    /// The time axis.
    #[arg(long, value_enum, default_value_t = TimeArg::Relative)]
    pub time: TimeArg,

    /// Print what was drawn as JSON.
    #[arg(long)]
    pub describe: bool,

    #[command(flatten)]
    pub select: SelectArgs,
}

pub fn run(args: &PlotArgs) -> Outcome {
    let query = args.select.query()?;
    let Some(format) = ImageFormat::of(&args.output) else {
        return Err(usage(format!(
            "{}: a picture is .png or .svg",
            args.output.display()
        )));
    };
    let (inputs, series): (Vec<&String>, Vec<&String>) = args
        .args
        .iter()
        .partition(|a| a.ends_with(".bin") || std::path::Path::new(a.as_str()).is_file());
    if inputs.is_empty() || series.is_empty() {
        return Err(usage(
            "plot needs FILES then SERIES (a .bin file, then e.g. tracked.Knee.angle)",
        ));
    }
    let specs = series
        .into_iter()
        .map(|s| SeriesSpec::parse(s).map_err(usage))
        .collect::<Result<Vec<_>, _>>()?;
    let mut status = Status::default();
    let inputs: Vec<PathBuf> = inputs.into_iter().map(PathBuf::from).collect();
    let files = expand(&inputs);
    let settings = Settings {
        query,
        raw_limit: WIDTH as usize * 2,
        buckets: WIDTH as usize,
    };
    let collected = collect(&files, &specs, &settings, |path, e| {
        status.problem(&path.display().to_string(), e);
    });
    if let Some(unknown) = collected.unknown() {
        return Err(status.usage(unknown));
    }
    let plot_settings = PlotSettings {
        time: match args.time {
            TimeArg::Relative => TimeAxis::Relative,
            TimeArg::Wall => TimeAxis::Wall,
        },
    };
    let bytes = plot(&collected, &plot_settings, format).map_err(failed)?;
    write_whole(&args.output, &files, &bytes)?;
    if args.describe {
        outln!("{}", describe(&collected, &plot_settings));
    }
    Ok(status)
}
