//! What a viewer selects: [`Query`].

use ttlog_format::{Frame, Level, LevelMask};

use crate::{Event, Filter};

/// What a viewer selects: filters that must all hold, a time window, thread names.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// Filters; every one must hold.
    pub filters: Vec<Filter>,
    /// Earliest time, ns since the epoch.
    pub since: Option<u64>,
    /// Latest time, ns since the epoch.
    pub until: Option<u64>,
    /// Thread names; an event must come from one of them (when not empty).
    pub threads: Vec<String>,
}

impl Query {
    /// True when the query selects everything.
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
            && self.since.is_none()
            && self.until.is_none()
            && self.threads.is_empty()
    }

    /// Whether `event` is selected.
    pub fn matches(&self, event: &Event) -> bool {
        self.since.is_none_or(|s| event.ts >= s)
            && self.until.is_none_or(|u| event.ts <= u)
            && (self.threads.is_empty() || self.threads.iter().any(|t| **t == *event.thread))
            && self.filters.iter().all(|f| f.matches(event))
    }

    /// The levels a selected event may have, as a level mask (loss reports count as WARN).
    pub fn level_mask(&self) -> LevelMask {
        self.filters
            .iter()
            .fold(LevelMask::ALL, |m, f| m & f.level_mask())
    }

    /// Whether a data block with this frame may hold a selected event; false means it can be
    /// skipped without decompressing it.
    pub fn block_may_match(&self, frame: &Frame) -> bool {
        if frame.event_count == 0 && frame.record_count > 0 {
            // Only loss reports or definitions: keep, so losses are always shown.
            return true;
        }
        if frame.level_mask.is_empty() && frame.event_count > 0 {
            // Events but no level bit: written before levels 8 to 255 had bit 7; read it.
            return true;
        }
        let mask = self.level_mask();
        // Loss reports are WARN events: a block with DROPPED records has more records than
        // events and must be kept whenever WARN may match.
        let has_losses = frame.record_count > frame.event_count;
        let levels_ok = frame.level_mask.intersects(mask)
            || (has_losses && mask.intersects(Level::Warn.mask()));
        levels_ok
            && self.since.is_none_or(|s| frame.max_ts >= s)
            && self.until.is_none_or(|u| frame.min_ts <= u)
    }
}

/// Files opened for a query: their events merged by time, and for each readable file
/// (in `paths` order, unreadable ones left out) its path and header.
pub struct Selected {
    /// The events, merged by time; each item names its source by index into `paths`.
    pub events: crate::Merge<crate::Events<std::fs::File>>,
    /// The readable files' paths.
    pub paths: Vec<std::path::PathBuf>,
    /// The readable files' headers.
    pub headers: Vec<crate::Header>,
}

impl Query {
    /// Opens `files`, each with this query's block filter (blocks that cannot match are not
    /// decompressed), merged by time. A file that cannot be opened goes to `unreadable`.
    pub fn open(
        &self,
        files: &[std::path::PathBuf],
        mut unreadable: impl FnMut(&std::path::Path, &crate::Error),
    ) -> Selected {
        let (mut sources, mut paths, mut headers) = (Vec::new(), Vec::new(), Vec::new());
        for path in files {
            match crate::Events::open(path) {
                Ok(mut events) => {
                    let q = self.clone();
                    events
                        .blocks_mut()
                        .set_block_filter(Box::new(move |f| q.block_may_match(f)));
                    headers.push(events.header().clone());
                    sources.push(events);
                    paths.push(path.clone());
                }
                Err(e) => unreadable(path, &e),
            }
        }
        Selected {
            events: crate::Merge::new(sources),
            paths,
            headers,
        }
    }
}
