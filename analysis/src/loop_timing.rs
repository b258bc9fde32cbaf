//! Loop timing: the periods between a control loop's iteration starts, and what a
//! researcher asks of them after a trial: did the loop keep its period, and when not.
//!
//! Iteration starts come from a [`Series`]: the rows of a tracked schema (`update()` rows
//! are schema `tracked`), the starts of a span (`start_ns` of its span records, SPEC.md
//! 8.6; the span's `busy_ns` is then the work time of an iteration), or every event a
//! filter selects. The definitions follow opensourceleg's `IterationStats`: a period is
//! *within tolerance* when `|period - ideal| <= tolerance * ideal`, and the jitter is the
//! population standard deviation. Percentiles interpolate linearly between the two
//! nearest ranks, as numpy's `percentile` does by default, so a numpy computation over the
//! same times gives the same figures.
//!
//! Memory: 8 bytes per iteration (16 with a span's work time), at most
//! [`MAX_ITERATIONS`]; the events shown around stalls are at most [`MAX_NOTABLE`].

use std::path::{Path, PathBuf};

use serde_json::{json, Value as J};
use ttlog_reader::{format_rfc3339, Event, Level, Query, Value};

/// Most iterations read; a longer series is an error that says so, so that memory stays
/// bounded (8 bytes each: 512 MiB at most) whatever a file holds.
pub const MAX_ITERATIONS: usize = 1 << 26;
/// Most WARN-or-worse events kept to show around stalls.
pub const MAX_NOTABLE: usize = 10_000;
/// Most stalls listed one by one (all are counted).
pub const MAX_STALLS_LISTED: usize = 100;
/// Overruns listed, the worst first.
pub const WORST_LISTED: usize = 10;
/// Events shown around each stall listed.
pub const EVENTS_PER_STALL: usize = 5;

/// Where the iteration starts of a loop come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Series {
    /// `update()` rows (tracked schema `tracked`).
    Tracked,
    /// The rows of the tracked schema of this name.
    Schema(String),
    /// The starts of the spans of this name; their busy time is the work per iteration.
    Span(String),
    /// Every event the settings' query selects.
    Events,
}

impl Series {
    /// Parses `tracked`, `span=NAME`, `events` or a schema's name.
    pub fn parse(text: &str) -> Series {
        match text {
            "tracked" => Series::Tracked,
            "events" => Series::Events,
            _ => match text.strip_prefix("span=") {
                Some(name) => Series::Span(name.to_string()),
                None => Series::Schema(text.to_string()),
            },
        }
    }

    /// How the series is named on the command line.
    pub fn name(&self) -> String {
        match self {
            Series::Tracked => "tracked".into(),
            Series::Schema(s) => s.clone(),
            Series::Span(s) => format!("span={s}"),
            Series::Events => "events".into(),
        }
    }

    /// The iteration start (and work time) this series takes from `event`, if any.
    fn start_of(&self, event: &Event) -> Option<(u64, Option<u64>)> {
        let name = match self {
            Series::Tracked => "tracked",
            Series::Schema(s) => s.as_str(),
            Series::Span(s) => {
                if event.target() != "ttlog.span" || &*event.callsite.template != s.as_str() {
                    return None;
                }
                let start = uint(event.field("start_ns"))?;
                return Some((start, uint(event.field("busy_ns"))));
            }
            Series::Events => return Some((event.ts, None)),
        };
        (event.target() == "ttlog.track" && &*event.callsite.template == name)
            .then_some((event.ts, None))
    }
}

fn uint(v: Option<&Value>) -> Option<u64> {
    match v {
        Some(Value::Int(n)) => u64::try_from(*n).ok(),
        _ => None,
    }
}

/// How to judge the periods.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The loop's target frequency; `None` estimates it from the median period.
    pub frequency_hz: Option<f64>,
    /// A period is within tolerance when it is within this fraction of the ideal (0.1).
    pub tolerance: f64,
    /// A gap of more than this many ideal periods is a stall (3).
    pub stall_periods: f64,
    /// Which events count (time window, threads, filters).
    pub query: Query,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            frequency_hz: None,
            tolerance: 0.1,
            stall_periods: 3.0,
            query: Query::default(),
        }
    }
}

/// An event shown beside a stall.
#[derive(Clone, Debug, PartialEq)]
pub struct Notable {
    /// When, ns since the epoch.
    pub ts: u64,
    /// Its level's name.
    pub level: String,
    /// Its target.
    pub target: String,
    /// Its message.
    pub message: String,
}

/// One period that went wrong: it started at `start` and lasted `period` ns.
#[derive(Clone, Debug, PartialEq)]
pub struct Late {
    /// Start of the iteration, ns since the epoch.
    pub start: u64,
    /// Its period, ns.
    pub period: u64,
    /// For a stall: the WARN-or-worse events from its start to one period after its end.
    pub events: Vec<Notable>,
}

/// Summary figures of a set of durations, in ns.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    /// Mean.
    pub mean: f64,
    /// Population standard deviation (the jitter, for periods).
    pub std: f64,
    /// Least.
    pub min: u64,
    /// Greatest.
    pub max: u64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
}

impl Figures {
    /// The figures of `xs`, which must not be empty; `xs` is sorted in place.
    fn of(xs: &mut [u64]) -> Figures {
        let n = xs.len() as f64;
        let mean = xs.iter().map(|&x| x as f64).sum::<f64>() / n;
        let var = xs.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
        xs.sort_unstable();
        Figures {
            mean,
            std: var.sqrt(),
            min: xs[0],
            max: xs[xs.len() - 1],
            p50: percentile(xs, 50.0),
            p90: percentile(xs, 90.0),
            p99: percentile(xs, 99.0),
            p999: percentile(xs, 99.9),
        }
    }
}

/// The `p`th percentile of sorted `xs`, interpolated linearly between the nearest ranks
/// (numpy's default method).
pub fn percentile(xs: &[u64], p: f64) -> f64 {
    let rank = p / 100.0 * (xs.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    let frac = rank - lo as f64;
    xs[lo] as f64 + (xs[hi] as f64 - xs[lo] as f64) * frac
}

/// What [`analyse`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopReport {
    /// The series read.
    pub series: String,
    /// The target frequency, Hz.
    pub frequency_hz: f64,
    /// Whether it was estimated (from the median period) rather than given.
    pub frequency_estimated: bool,
    /// The ideal period, ns.
    pub ideal_ns: f64,
    /// The tolerance used, as a fraction of the ideal period.
    pub tolerance: f64,
    /// Iteration starts found.
    pub starts: usize,
    /// Periods between them (`starts - 1`).
    pub iterations: usize,
    /// First and last start, ns since the epoch.
    pub first: u64,
    /// Last start.
    pub last: u64,
    /// The periods' figures.
    pub period: Figures,
    /// Periods within tolerance of the ideal.
    pub within_tolerance: usize,
    /// The same, in percent of the periods.
    pub within_tolerance_pct: f64,
    /// Periods longer than the ideal by more than the tolerance.
    pub overruns: usize,
    /// The longest periods, at most [`WORST_LISTED`], the worst first.
    pub worst: Vec<Late>,
    /// Gaps of more than `stall_periods` ideal periods.
    pub stalls: usize,
    /// The first [`MAX_STALLS_LISTED`] stalls, in time order, with the events around them.
    pub stall_list: Vec<Late>,
    /// A span body's work time per iteration (its busy time), when the series is a span.
    pub work: Option<Figures>,
    /// Each iteration's start, sorted, for further analysis.
    pub start_times: Vec<u64>,
}

impl LoopReport {
    /// The periods, ns: `start_times` differenced.
    pub fn periods(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.start_times.windows(2).map(|w| (w[0], w[1] - w[0]))
    }
}

/// Why there are no loop figures.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoopError {
    /// Fewer than two iteration starts: no period.
    TooFew {
        /// The series.
        series: String,
        /// Starts found.
        found: usize,
        /// The series the files do have, to choose from.
        available: Vec<String>,
    },
    /// The median period is 0: iterations do not follow each other in time.
    NotPeriodic {
        /// The series.
        series: String,
    },
    /// More than [`MAX_ITERATIONS`] iterations.
    TooMany {
        /// The series.
        series: String,
    },
    /// A frequency or tolerance that cannot be used.
    BadSetting(String),
}

impl std::fmt::Display for LoopError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoopError::TooFew {
                series,
                found,
                available,
            } => {
                write!(
                    f,
                    "series `{series}` has {found} iteration start(s): loop timing needs at least two"
                )?;
                if available.is_empty() {
                    write!(f, "; these files hold no tracked rows or spans")?;
                } else {
                    write!(f, "; these files have: {}", available.join(", "))?;
                }
                write!(f, " (or choose events: --series events -f 'msg=tick')")
            }
            LoopError::NotPeriodic { series } => write!(
                f,
                "series `{series}` is not periodic: most of its iterations start at the same time; give --frequency"
            ),
            LoopError::TooMany { series } => write!(
                f,
                "series `{series}` has more than {MAX_ITERATIONS} iterations: narrow it with --since/--until"
            ),
            LoopError::BadSetting(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for LoopError {}

/// Reads `files` merged by time and computes the loop timing of `series`. Damage met on
/// the way is passed to `problem` and the rest is read.
pub fn analyse_with(
    files: &[PathBuf],
    series: &Series,
    settings: &Settings,
    mut problem: impl FnMut(&Path, &ttlog_reader::Error),
) -> Result<LoopReport, LoopError> {
    if let Some(f) = settings.frequency_hz {
        if !(f.is_finite() && f > 0.0) {
            return Err(LoopError::BadSetting(format!(
                "--frequency must be a positive number of Hz, not {f}"
            )));
        }
    }
    let tol = settings.tolerance;
    if !(tol.is_finite() && tol >= 0.0) {
        return Err(LoopError::BadSetting(format!(
            "--tolerance must be a fraction of the period (0.1 is 10 %), not {tol}"
        )));
    }
    // Every event in the window is read: notable events count whatever the series filter.
    let window = Query {
        since: settings.query.since,
        until: settings.query.until,
        ..Query::default()
    };
    let selected = window.open(files, &mut problem);
    let paths = selected.paths;
    let mut starts: Vec<u64> = Vec::new();
    let mut work: Vec<u64> = Vec::new();
    let mut notable: Vec<Notable> = Vec::new();
    let mut available = std::collections::BTreeSet::new();
    for (source, item) in selected.events {
        let event = match item {
            Ok(e) => e,
            Err(e) => {
                problem(&paths[source], &e);
                continue;
            }
        };
        if !window.matches(&event) {
            continue;
        }
        if event.target() == "ttlog.track" {
            available.insert(event.callsite.template.to_string());
        } else if event.target() == "ttlog.span" {
            available.insert(format!("span={}", event.callsite.template));
        }
        if settings.query.matches(&event) {
            if let Some((start, busy)) = series.start_of(&event) {
                if starts.len() >= MAX_ITERATIONS {
                    return Err(LoopError::TooMany {
                        series: series.name(),
                    });
                }
                starts.push(start);
                if let Some(b) = busy {
                    work.push(b);
                }
                continue;
            }
        }
        let severe = event.level().is_some_and(|l| l >= Level::Warn) || event.callsite.level > 5;
        if severe && notable.len() < MAX_NOTABLE {
            notable.push(Notable {
                ts: event.ts,
                level: event.level_name().into_owned(),
                target: event.target().to_string(),
                message: event.message(),
            });
        }
    }
    report(series, settings, starts, work, notable, available)
}

/// [`analyse_with`], damage ignored.
pub fn analyse(
    files: &[PathBuf],
    series: &Series,
    settings: &Settings,
) -> Result<LoopReport, LoopError> {
    analyse_with(files, series, settings, |_, _| {})
}

/// The figures of the iteration `starts` (any order) and the work times of a span body.
pub fn report(
    series: &Series,
    settings: &Settings,
    mut starts: Vec<u64>,
    mut work: Vec<u64>,
    mut notable: Vec<Notable>,
    available: std::collections::BTreeSet<String>,
) -> Result<LoopReport, LoopError> {
    // Span records are written when spans close: their starts come in close order.
    starts.sort_unstable();
    notable.sort_by_key(|n| n.ts);
    if starts.len() < 2 {
        return Err(LoopError::TooFew {
            series: series.name(),
            found: starts.len(),
            available: available.into_iter().collect(),
        });
    }
    let mut periods: Vec<u64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    let period = Figures::of(&mut periods);
    let (frequency_hz, frequency_estimated) = match settings.frequency_hz {
        Some(f) => (f, false),
        None => {
            if period.p50 <= 0.0 {
                return Err(LoopError::NotPeriodic {
                    series: series.name(),
                });
            }
            let raw = 1e9 / period.p50;
            // A loop asked for 200 Hz or 1 kHz runs slightly off it: the nearest whole Hz
            // (or tenth of a Hz below 10 Hz) names what was meant.
            let rounded = if raw >= 10.0 {
                raw.round()
            } else {
                (raw * 10.0).round() / 10.0
            };
            (rounded, true)
        }
    };
    let ideal = 1e9 / frequency_hz;
    let tol = settings.tolerance * ideal;
    let within = periods
        .iter()
        .filter(|&&p| (p as f64 - ideal).abs() <= tol)
        .count();
    let unsorted: Vec<(u64, u64)> = starts.windows(2).map(|w| (w[0], w[1] - w[0])).collect();
    let overruns = unsorted
        .iter()
        .filter(|(_, p)| *p as f64 > ideal + tol)
        .count();
    let mut worst: Vec<(u64, u64)> = unsorted
        .iter()
        .copied()
        .filter(|(_, p)| *p as f64 > ideal + tol)
        .collect();
    worst.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    worst.truncate(WORST_LISTED);
    let stall_limit = settings.stall_periods * ideal;
    let stalls: Vec<(u64, u64)> = unsorted
        .iter()
        .copied()
        .filter(|(_, p)| *p as f64 > stall_limit)
        .collect();
    let around = |start: u64, period: u64| -> Vec<Notable> {
        let end = start.saturating_add(period).saturating_add(ideal as u64);
        let from = notable.partition_point(|n| n.ts < start);
        notable[from..]
            .iter()
            .take_while(|n| n.ts <= end)
            .take(EVENTS_PER_STALL)
            .cloned()
            .collect()
    };
    let n = periods.len();
    Ok(LoopReport {
        series: series.name(),
        frequency_hz,
        frequency_estimated,
        ideal_ns: ideal,
        tolerance: settings.tolerance,
        starts: starts.len(),
        iterations: n,
        first: starts[0],
        last: starts[starts.len() - 1],
        within_tolerance: within,
        within_tolerance_pct: within as f64 * 100.0 / n as f64,
        overruns,
        worst: worst
            .into_iter()
            .map(|(start, period)| Late {
                start,
                period,
                events: Vec::new(),
            })
            .collect(),
        stalls: stalls.len(),
        stall_list: stalls
            .iter()
            .take(MAX_STALLS_LISTED)
            .map(|&(start, period)| Late {
                start,
                period,
                events: around(start, period),
            })
            .collect(),
        work: (!work.is_empty()).then(|| Figures::of(&mut work)),
        period,
        start_times: starts,
    })
}

/// `ns` as RFC 3339 UTC with nanoseconds.
pub fn time(ns: u64) -> String {
    let mut s = String::new();
    format_rfc3339(ns, &mut s);
    s
}

fn figures_json(f: &Figures) -> J {
    json!({
        "mean": f.mean, "std": f.std, "min": f.min, "max": f.max,
        "p50": f.p50, "p90": f.p90, "p99": f.p99, "p99_9": f.p999,
    })
}

fn late_json(l: &Late) -> J {
    json!({
        "start": time(l.start), "start_ns": l.start, "period_ns": l.period,
        "events": l.events.iter().map(|n| json!({
            "ts": time(n.ts), "level": n.level, "target": n.target, "msg": n.message,
        })).collect::<Vec<_>>(),
    })
}

/// The report as JSON (`--format json`, and Python's `loop_stats`).
pub fn report_json(r: &LoopReport) -> J {
    json!({
        "series": r.series,
        "frequency_hz": r.frequency_hz,
        "frequency_estimated": r.frequency_estimated,
        "ideal_period_ns": r.ideal_ns,
        "tolerance": r.tolerance,
        "iterations": r.iterations,
        "first": time(r.first),
        "last": time(r.last),
        "period_ns": figures_json(&r.period),
        "within_tolerance": r.within_tolerance,
        "within_tolerance_pct": r.within_tolerance_pct,
        "overruns": r.overruns,
        "worst_overruns": r.worst.iter().map(late_json).collect::<Vec<_>>(),
        "stalls": r.stalls,
        "stall_list": r.stall_list.iter().map(late_json).collect::<Vec<_>>(),
        "work_ns": r.work.as_ref().map(figures_json),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(starts: Vec<u64>, hz: Option<f64>) -> LoopReport {
        let settings = Settings {
            frequency_hz: hz,
            ..Settings::default()
        };
        report(
            &Series::Tracked,
            &settings,
            starts,
            Vec::new(),
            vec![Notable {
                ts: 5_000_000,
                level: "WARN".into(),
                target: "t".into(),
                message: "in the stall".into(),
            }],
            Default::default(),
        )
        .unwrap()
    }

    #[test]
    fn periods_by_the_definitions_of_iteration_stats() {
        // 1 kHz: periods 1.0, 1.0, 1.05, 0.85 ms, then a 6 ms stall, then 1.0 ms.
        let ms = 1_000_000u64;
        let starts = vec![
            0,
            ms,
            2 * ms,
            3 * ms + ms / 20,
            3 * ms + 9 * ms / 10,
            9 * ms + 9 * ms / 10,
            10 * ms + 9 * ms / 10,
        ];
        let r = figures(starts.clone(), Some(1000.0));
        assert_eq!(r.iterations, 6);
        let periods = [1.0, 1.0, 1.05, 0.85, 6.0, 1.0].map(|p: f64| p * 1e6);
        let mean = periods.iter().sum::<f64>() / 6.0;
        let std = (periods.iter().map(|p| (p - mean).powi(2)).sum::<f64>() / 6.0).sqrt();
        assert!((r.period.mean - mean).abs() < 1e-6);
        assert!((r.period.std - std).abs() < 1e-6);
        // |p - 1 ms| <= 0.1 ms: 1.0, 1.0, 1.05, 1.0 (0.85 and 6 are out).
        assert_eq!(r.within_tolerance, 4);
        assert_eq!(r.overruns, 1);
        assert_eq!(r.stalls, 1);
        assert_eq!(r.stall_list[0].start, 3 * ms + 9 * ms / 10);
        assert_eq!(r.stall_list[0].events[0].message, "in the stall");
        // Sorted periods 0.85 1 1 1 1.05 6: the median interpolates 1 and 1.
        assert_eq!(r.period.p50, 1e6);
        assert!((r.period.p90 - (1.05e6 + (6e6 - 1.05e6) * 0.5)).abs() < 1e-6);
        // Estimated from the median: 1000 Hz, and said so.
        let est = figures(starts, None);
        assert_eq!(est.frequency_hz, 1000.0);
        assert!(est.frequency_estimated);
    }

    #[test]
    fn too_few_or_not_periodic_is_an_error_not_a_nan() {
        let settings = Settings::default();
        let one = report(
            &Series::Tracked,
            &settings,
            vec![7],
            vec![],
            vec![],
            Default::default(),
        );
        assert!(matches!(one, Err(LoopError::TooFew { found: 1, .. })));
        let same = report(
            &Series::Tracked,
            &settings,
            vec![7, 7, 7],
            vec![],
            vec![],
            Default::default(),
        );
        assert!(matches!(same, Err(LoopError::NotPeriodic { .. })));
        assert_eq!(Series::parse("span=step"), Series::Span("step".into()));
        assert_eq!(Series::parse("knee"), Series::Schema("knee".into()));
    }
}
