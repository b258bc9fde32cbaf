//! Every numeric series of a trial at once, in the summary's own pass (the report draws
//! them all): each tracked variable (`schema.variable`) and each numeric field of ordinary
//! events (`field@target=T`), named as the summary and `ttlog-view plot` name them, each
//! decimated as it streams, with the WARN-or-worse markers.

use std::collections::HashMap;
use std::sync::Arc;

use ttlog_reader::{Callsite, Event, Value};

use crate::decimate::Decimator;
use crate::events::ByCallsite;
use crate::series::{keep_marker, number, quote, Marker, SeriesData};

/// Most series gathered (more are left out, counted): twice the report's charts, so that
/// the ones it draws are among them. Memory is at most this many times one series' bound,
/// `raw_limit × 16 + 2 × buckets × 80` bytes (about 0.6 MB with the report's defaults).
pub const MAX_SERIES: usize = 120;

/// The series gathered so far.
pub struct EverySeries {
    raw_limit: usize,
    buckets: usize,
    series: Vec<SeriesData>,
    at: HashMap<String, usize>,
    /// Per callsite, each field's series (the `Arc` held so its address is not reused).
    feeds: ByCallsite<(Arc<Callsite>, Vec<Option<usize>>)>,
    /// WARN-or-worse events, at most [`MAX_MARKERS`](crate::series::MAX_MARKERS).
    pub markers: Vec<Marker>,
    /// Markers past the cap.
    pub markers_dropped: u64,
    warns: usize,
    /// First and last time seen.
    pub span: Option<(u64, u64)>,
    /// Series left out past [`MAX_SERIES`].
    pub left_out: u64,
}

impl EverySeries {
    /// Keeps `raw_limit` samples of a series as they are, then `buckets` min-max buckets.
    pub fn new(raw_limit: usize, buckets: usize) -> EverySeries {
        EverySeries {
            raw_limit,
            buckets,
            series: Vec::new(),
            at: HashMap::new(),
            feeds: ByCallsite::default(),
            markers: Vec::new(),
            markers_dropped: 0,
            warns: 0,
            span: None,
            left_out: 0,
        }
    }

    fn name_of(cs: &Callsite, field: &str) -> Option<String> {
        match &*cs.target {
            "ttlog.span" | "ttlog.end" => None,
            _ if field == "read_errors" => None,
            "ttlog.track" => Some(format!(
                "{}.{}",
                quote(&cs.template, true),
                quote(field, false)
            )),
            target => Some(format!("{}@target={target}", quote(field, true))),
        }
    }

    /// Takes one event.
    pub fn add(&mut self, e: &Event) {
        self.span = Some(
            self.span
                .map_or((e.ts, e.ts), |(a, b)| (a.min(e.ts), b.max(e.ts))),
        );
        if let Some(m) = Marker::of(e) {
            keep_marker(
                &mut self.markers,
                &mut self.warns,
                &mut self.markers_dropped,
                m,
            );
        }
        let key = Arc::as_ptr(&e.callsite) as usize;
        if self.feeds.len() >= 4_096 && !self.feeds.contains_key(&key) {
            self.feeds.clear();
        }
        let Self {
            feeds,
            series,
            at,
            left_out,
            raw_limit,
            buckets,
            ..
        } = self;
        let slots = &mut feeds
            .entry(key)
            .or_insert_with(|| (e.callsite.clone(), vec![None; e.callsite.field_names.len()]))
            .1;
        let tracked = &*e.callsite.target == "ttlog.track";
        for ((name, v), slot) in e.fields().zip(slots.iter_mut()) {
            // Bools are series of tracked rows (0/1), not of events (flags, not measures).
            if matches!(v, Value::Bool(_)) && !tracked {
                continue;
            }
            let Some(x) = number(v) else {
                if let Some(at) = *slot {
                    series[at].skipped += 1;
                    series[at].matched += 1;
                }
                continue;
            };
            let index = match *slot {
                Some(index) => index,
                None => {
                    let Some(name) = Self::name_of(&e.callsite, name) else {
                        continue;
                    };
                    let index = match at.get(&name) {
                        Some(&index) => index,
                        None if series.len() < MAX_SERIES => {
                            series.push(SeriesData {
                                name: name.clone(),
                                values: Decimator::new(*raw_limit, *buckets),
                                skipped: 0,
                                matched: 0,
                            });
                            at.insert(name, series.len() - 1);
                            series.len() - 1
                        }
                        None => {
                            *left_out += 1;
                            continue;
                        }
                    };
                    *slot = Some(index);
                    index
                }
            };
            let data = &mut series[index];
            data.matched += 1;
            data.values.push(e.ts, x);
        }
    }

    /// The series named, in that order (those never seen left out).
    pub fn take(&mut self, names: &[String]) -> Vec<SeriesData> {
        names
            .iter()
            .filter_map(|n| self.at.get(n).map(|&at| self.series[at].clone()))
            .collect()
    }
}
