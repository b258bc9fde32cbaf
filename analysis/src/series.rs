//! Numeric series of a trial, read in one streaming pass and decimated as they stream
//! (`decimate`), with the events a picture marks (WARN, ERROR, CRITICAL, snapshots).
//!
//! A series is named as `ttlog-view plot` takes it:
//! - `SCHEMA.VARIABLE`: a tracked variable (rows of target `ttlog.track`), split at the
//!   first dot: `knee.angle`, `tracked.Knee.angle` (schema `tracked`, variable
//!   `Knee.angle`). Backticks quote either part, as in filters:
//!   `` tracked.`<__main__.SimKnee object at 0x7f>.winding_temperature` ``.
//! - `FIELD@FILTER`: a numeric field of the events a filter selects, e.g.
//!   `torque@target=demo::control` or `angle@target=knee and msg~=tick`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ttlog_reader::{Callsite, Event, Filter, Level, Query, Value};

use crate::decimate::Decimator;
use crate::events::{for_each_event, ByCallsite};

/// Most series listed as available when a name is not found.
pub const MAX_AVAILABLE: usize = 500;
/// Most events marked on a picture (all are counted).
pub const MAX_MARKERS: usize = 5_000;

/// Which values a series reads.
#[derive(Clone, Debug)]
pub enum SeriesSpec {
    /// A tracked variable.
    Tracked {
        /// The schema (`tracked` for Python's `update()` rows).
        schema: String,
        /// The variable.
        variable: String,
    },
    /// A numeric field of the events a filter selects.
    Field {
        /// The field.
        field: String,
        /// The filter's text.
        filter_text: String,
        /// The filter.
        filter: Filter,
    },
}

/// Splits off a name: `` `quoted, ``doubled`` backticks` `` or text up to `stop`.
fn name_part(text: &str, stop: char) -> Result<(String, &str), String> {
    if let Some(rest) = text.strip_prefix('`') {
        let mut name = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '`' {
                if rest[i + 1..].starts_with('`') {
                    name.push('`');
                    chars.next();
                } else {
                    return Ok((name, &rest[i + 1..]));
                }
            } else {
                name.push(c);
            }
        }
        return Err(format!("unclosed backtick in series `{text}`"));
    }
    match text.find(stop) {
        Some(at) => Ok((text[..at].to_string(), &text[at..])),
        None => Ok((text.to_string(), "")),
    }
}

impl SeriesSpec {
    /// Parses a series name (module docs).
    pub fn parse(text: &str) -> Result<SeriesSpec, String> {
        let text = text.trim();
        let (first, rest) = name_part(text, if text.contains('@') { '@' } else { '.' })?;
        if let Some(filter_text) = rest.strip_prefix('@') {
            let filter = Filter::parse(filter_text)
                .map_err(|e| format!("series `{text}`: bad filter after @: {e}"))?;
            if first.is_empty() {
                return Err(format!("series `{text}` names no field before @"));
            }
            return Ok(SeriesSpec::Field {
                field: first,
                filter_text: filter_text.trim().to_string(),
                filter,
            });
        }
        let Some(after_dot) = rest.strip_prefix('.') else {
            return Err(format!(
                "series `{text}` is neither SCHEMA.VARIABLE (a tracked variable) nor FIELD@FILTER (a field of events)"
            ));
        };
        let (variable, tail) = if after_dot.starts_with('`') {
            name_part(after_dot, '\0')?
        } else {
            (after_dot.to_string(), "")
        };
        if first.is_empty() || variable.is_empty() || !tail.trim().is_empty() {
            return Err(format!(
                "series `{text}`: write SCHEMA.VARIABLE, backticks around a part with dots"
            ));
        }
        Ok(SeriesSpec::Tracked {
            schema: first,
            variable,
        })
    }

    /// The name as given back to the user (`schema.variable`, `field@filter`).
    pub fn name(&self) -> String {
        match self {
            SeriesSpec::Tracked { schema, variable } => {
                format!("{}.{}", quote(schema, true), quote(variable, false))
            }
            SeriesSpec::Field {
                field, filter_text, ..
            } => format!("{}@{filter_text}", quote(field, true)),
        }
    }

    /// The position among `cs`'s fields of the value this series reads from its events,
    /// or `None` when its events are none of this series' (a tracked row must be of the
    /// schema; any event may pass a filter, checked per event).
    fn field_of(&self, cs: &Callsite) -> Option<usize> {
        let name = match self {
            SeriesSpec::Tracked { schema, variable } => {
                if &*cs.target != "ttlog.track" || &*cs.template != schema {
                    return None;
                }
                variable
            }
            SeriesSpec::Field { field, .. } => field,
        };
        cs.field_names.iter().position(|f| &**f == name.as_str())
    }
}

/// A name written so that `parse` reads it back: in backticks when it holds what would
/// split it.
pub fn quote(name: &str, first: bool) -> String {
    let plain = !name.is_empty()
        && !name.starts_with('`')
        && !(first && (name.contains('.') || name.contains('@')));
    if plain {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// A value as a number on an axis: integers, floats, and bools as 0/1.
pub fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        other => other.as_f64(),
    }
}

/// Most bytes of a marker's message kept (markers are many; the events table and the
/// summary show messages whole up to their own bounds).
pub const MARKER_TEXT: usize = 1_000;

/// `s` cut to at most `max` bytes (at a character boundary), `…` marking a cut.
pub(crate) fn cut(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// An event a picture marks.
#[derive(Clone, Debug)]
pub struct Marker {
    /// Time, ns since the epoch.
    pub ts: u64,
    /// `WARN`, `ERROR`, `CRITICAL`, …
    pub level: String,
    /// Its target.
    pub target: String,
    /// Its message.
    pub message: String,
    /// The snapshot it names (an end event's `snapshot` field).
    pub snapshot: Option<String>,
}

impl Marker {
    /// The marker for `e` when it is WARN or worse.
    pub fn of(e: &Event) -> Option<Marker> {
        let severe = e.level().is_some_and(|l| l >= Level::Warn) || e.callsite.level > 5;
        severe.then(|| Marker {
            ts: e.ts,
            level: e.level_name().into_owned(),
            target: e.target().to_string(),
            message: cut(e.message(), MARKER_TEXT),
            snapshot: e
                .field("snapshot")
                .and_then(Value::as_str)
                .map(|s| cut(s.to_string(), MARKER_TEXT)),
        })
    }
}

/// Keeps `m` among `markers` within [`MAX_MARKERS`], at most half of them WARN (`warns`
/// counts those kept): the errors, criticals and snapshots of a run with thousands of
/// warnings are never the ones left out.
pub fn keep_marker(markers: &mut Vec<Marker>, warns: &mut usize, dropped: &mut u64, m: Marker) {
    let warn = m.level == "WARN" && m.snapshot.is_none();
    if markers.len() < MAX_MARKERS && (!warn || *warns < MAX_MARKERS / 2) {
        *warns += usize::from(warn);
        markers.push(m);
    } else {
        *dropped += 1;
    }
}

/// One series, read.
#[derive(Clone, Debug)]
pub struct SeriesData {
    /// Its name.
    pub name: String,
    /// Its samples, decimated as needed.
    pub values: Decimator,
    /// Its events whose value was missing or not a number.
    pub skipped: u64,
    /// Its events (numbers or not).
    pub matched: u64,
}

/// How series are read.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Time range, and the filters the marked events (and `FIELD@FILTER` series) must pass
    /// too; tracked rows are selected by time only.
    pub query: Query,
    /// Samples kept as they are, per series, before decimating.
    pub raw_limit: usize,
    /// Buckets per series once decimating (about the pixel width, or more).
    pub buckets: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            query: Query::default(),
            raw_limit: 4_000,
            buckets: 2_000,
        }
    }
}

/// Series read from a trial, and its markers.
#[derive(Clone, Debug)]
pub struct Collected {
    /// The series, in the order asked.
    pub series: Vec<SeriesData>,
    /// WARN-or-worse events, in time order (at most [`MAX_MARKERS`]).
    pub markers: Vec<Marker>,
    /// Markers not kept past the cap.
    pub markers_dropped: u64,
    /// The first and last time of any event read.
    pub span: Option<(u64, u64)>,
    /// The series the files have (tracked variables, numeric event fields), for a name
    /// that matched nothing.
    pub available: BTreeSet<String>,
}

/// A series that matched nothing.
#[derive(Debug)]
pub struct UnknownSeries {
    /// The names that matched no event.
    pub names: Vec<String>,
    /// The series the files have.
    pub available: Vec<String>,
}

impl std::fmt::Display for UnknownSeries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no such series: {}", self.names.join(", "))?;
        if self.available.is_empty() {
            write!(f, "; these files have no numeric series")
        } else {
            write!(f, "; these files have: {}", self.available.join(", "))
        }
    }
}

impl std::error::Error for UnknownSeries {}

impl Collected {
    /// An error naming the series that matched no event, when any did not.
    pub fn unknown(&self) -> Option<UnknownSeries> {
        let names: Vec<String> = self
            .series
            .iter()
            .filter(|s| s.matched == 0)
            .map(|s| s.name.clone())
            .collect();
        (!names.is_empty()).then(|| UnknownSeries {
            names,
            available: self.available.iter().cloned().collect(),
        })
    }
}

/// A callsite (held, so that its address stays its own), and the series it feeds: (series,
/// field position).
type Feeds = (Arc<Callsite>, Vec<(usize, usize)>);

/// Reads `specs` from `files` merged by time, in one pass. Damage met on the way goes to
/// `problem` and the rest is read.
pub fn collect(
    files: &[PathBuf],
    specs: &[SeriesSpec],
    settings: &Settings,
    problem: impl FnMut(&Path, &ttlog_reader::Error),
) -> Collected {
    collect_with(files, specs, settings, problem, |_| {})
}

/// [`collect`], every event in the time range also handed to `each` (the report's events
/// table is filled in the same pass).
pub fn collect_with(
    files: &[PathBuf],
    specs: &[SeriesSpec],
    settings: &Settings,
    mut problem: impl FnMut(&Path, &ttlog_reader::Error),
    mut each: impl FnMut(&Event),
) -> Collected {
    let window = Query {
        since: settings.query.since,
        until: settings.query.until,
        ..Query::default()
    };
    let mut out = Collected {
        series: specs
            .iter()
            .map(|s| SeriesData {
                name: s.name(),
                values: Decimator::new(settings.raw_limit, settings.buckets),
                skipped: 0,
                matched: 0,
            })
            .collect(),
        markers: Vec::new(),
        markers_dropped: 0,
        span: None,
        available: BTreeSet::new(),
    };
    // Which series each callsite feeds, and at which field: found once per callsite (the
    // `Arc` is held so that its address is not reused while it is a key).
    let mut feeds: ByCallsite<Feeds> = ByCallsite::default();
    let mut warns = 0;
    for_each_event(files, &window, &mut problem, |e| {
        if !window.matches(e) {
            return;
        }
        each(e);
        out.span = Some(
            out.span
                .map_or((e.ts, e.ts), |(a, b)| (a.min(e.ts), b.max(e.ts))),
        );
        let key = Arc::as_ptr(&e.callsite) as usize;
        if !feeds.contains_key(&key) {
            if feeds.len() >= 4_096 {
                feeds.clear();
            }
            note_available(&mut out.available, e);
            let list = specs
                .iter()
                .enumerate()
                .filter_map(|(i, spec)| spec.field_of(&e.callsite).map(|pos| (i, pos)))
                .collect();
            feeds.insert(key, (e.callsite.clone(), list));
        }
        let passes = settings.query.matches(e);
        for &(i, pos) in &feeds[&key].1 {
            let spec = &specs[i];
            if let SeriesSpec::Field { filter, .. } = spec {
                if !passes || !filter.matches(e) {
                    continue;
                }
            }
            let Some(v) = e.values.get(e.callsite.n_args + pos) else {
                continue;
            };
            let data = &mut out.series[i];
            data.matched += 1;
            match number(v) {
                Some(x) => data.values.push(e.ts, x),
                None => data.skipped += 1,
            }
        }
        if passes {
            if let Some(m) = Marker::of(e) {
                keep_marker(&mut out.markers, &mut warns, &mut out.markers_dropped, m);
            }
        }
    });
    out
}

/// Notes the series `e` offers: its tracked variables, or its numeric fields.
pub fn note_available(available: &mut BTreeSet<String>, e: &Event) {
    if available.len() >= MAX_AVAILABLE {
        return;
    }
    let tracked = e.target() == "ttlog.track";
    for (k, v) in e.fields() {
        if number(v).is_none() {
            continue;
        }
        let name = if tracked {
            format!("{}.{}", quote(&e.callsite.template, true), quote(k, false))
        } else {
            format!("{}@target={}", quote(k, true), filter_word(e.target()))
        };
        if available.len() < MAX_AVAILABLE {
            available.insert(name);
        }
    }
}

/// A target as a filter value: bare when the filter language reads it so, else quoted.
fn filter_word(target: &str) -> String {
    if !target.is_empty()
        && target
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '.' | '-' | '/'))
    {
        target.to_string()
    } else {
        format!("\"{}\"", target.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print_back() {
        for text in [
            "knee.angle",
            "tracked.Knee.angle",
            "tracked.`<__main__.SimKnee object at 0x7f>.winding_temperature`",
            "torque@target=demo::control",
            "`a.b`@msg~=tick",
        ] {
            let spec = SeriesSpec::parse(text).unwrap();
            let again = SeriesSpec::parse(&spec.name()).unwrap();
            assert_eq!(again.name(), spec.name(), "{text}");
        }
        match SeriesSpec::parse("tracked.Knee.angle").unwrap() {
            SeriesSpec::Tracked { schema, variable } => {
                assert_eq!(
                    (schema.as_str(), variable.as_str()),
                    ("tracked", "Knee.angle")
                )
            }
            other => panic!("{other:?}"),
        }
        match SeriesSpec::parse("tracked.`<x.y>.t`").unwrap() {
            SeriesSpec::Tracked { variable, .. } => assert_eq!(variable, "<x.y>.t"),
            other => panic!("{other:?}"),
        }
        for bad in ["angle", "knee.", "@level=WARN", "x@level>=LOUD", "`open"] {
            assert!(SeriesSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
