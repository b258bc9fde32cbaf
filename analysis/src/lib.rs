//! # ttlog-analysis
//!
//! What a researcher asks of a trial after it ran, computed on the reader's public API and
//! shared by `ttlog-view` and the Python package so that both give the same figures.
//!
//! - [`loop_timing`]: did a control loop keep its period, and when did it not: the periods
//!   between iteration starts (the rows of a tracked schema, the starts of a span, or the
//!   events a filter selects), their statistics with opensourceleg's `IterationStats`
//!   definitions, overruns, stalls, and the work time of a span body.
//! - [`loop_plot`]: the same as pictures (PNG or SVG, drawn by `plotters` with the font
//!   shipped in `fonts/`): the periods histogram and the period over time.
//! - [`summary`]: the first page of a trial: how the run ended and why, the last warnings,
//!   snapshots, every series with its count and range, the loop's timing, span durations.
//! - [`series`] and [`decimate`]: numeric series (tracked variables, fields of events) read
//!   in one streaming pass and min-max decimated as they stream; [`trial_plot`] draws them.
//! - [`report`]: a trial as one self-contained HTML page, its charts drawn by plotly.js.
//! - [`events`]: the one pass every analysis reads through (one file on every core, in file
//!   order; several merged by time).
//!
//! ```no_run
//! use ttlog_analysis::loop_timing::{analyse, Series, Settings};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let files = vec![std::path::PathBuf::from("logs/knee_trial.bin")];
//! let report = analyse(&files, &Series::Tracked, &Settings::default())?;
//! println!(
//!     "{:.1} Hz target, {:.2}% of {} iterations within 10 %",
//!     report.frequency_hz, report.within_tolerance_pct, report.iterations
//! );
//! let png = ttlog_analysis::loop_plot::histogram(&report, ttlog_analysis::loop_plot::ImageFormat::Png)?;
//! std::fs::write("periods.png", png)?;
//!
//! let query = ttlog_reader::Query::default();
//! let summary = ttlog_analysis::summary::summarize(&files, &query, |_, _| {});
//! println!("{}", ttlog_analysis::summary::text(&summary));
//! let html = ttlog_analysis::report::report(&files, &Default::default(), |_, _| {});
//! std::fs::write("knee_trial.html", html)?;
//! # Ok(())
//! # }
//! ```

pub mod decimate;
pub mod events;
pub mod every_series;
pub mod loop_plot;
pub mod loop_timing;
pub mod picture;
pub mod report;
pub mod series;
pub mod spans;
pub mod summary;
pub mod trial_plot;
