//! Events rendered to text on several threads, in file order: the fast path of one input
//! for a format whose events render to self-contained text (JSON Lines), and of the
//! viewer's text output.

use std::path::Path;

use ttlog_reader::{for_each_block_parallel, BlockContent, BlockEvents, BlockReader, Query};

use crate::job::{Job, JobError, Progress};
use crate::sink::{Lines, Sink};

/// Most text one block's events are rendered into before it is handed on: a block that
/// packs millions of tiny events is written in pieces, never held whole.
const TEXT_CHUNK: usize = 4 << 20;

/// A piece of one file's selected events, rendered.
#[derive(Debug)]
pub enum Rendered<'a> {
    /// Text for `events` events (`truncated` of them cut to the per-event bound).
    Text {
        /// The rendered events.
        text: &'a str,
        /// How many.
        events: u64,
        /// How many were cut to the per-event bound (SPEC.md 8.7).
        truncated: u64,
    },
    /// The file was opened: its header, before any text.
    Opened(&'a ttlog_reader::Header),
    /// The file could not be read, or data in it was skipped.
    Problem(&'a ttlog_reader::Error),
}

/// Renders the next events of `events` that `query` selects into `text`, until it holds
/// about [`TEXT_CHUNK`] bytes or the events run out. Returns (events, truncated).
fn render_some(
    events: &mut BlockEvents,
    query: &Query,
    lines: &dyn Lines,
    text: &mut String,
) -> (u64, u64) {
    let (mut n, mut truncated) = (0, 0);
    while text.len() < TEXT_CHUNK {
        let Some(e) = events.next() else { break };
        if query.matches(&e) {
            n += 1;
            if lines.line(&e, text) {
                truncated += 1;
            }
        }
    }
    (n, truncated)
}

/// Renders the events of the file at `path` that `query` selects with `lines`, decoding
/// and rendering blocks on `threads` threads, and hands the text to `each` in file order
/// (with the problems met). `each` returns false to stop.
pub fn for_each_rendered(
    path: &Path,
    query: &Query,
    lines: &dyn Lines,
    threads: usize,
    mut each: impl FnMut(Rendered<'_>) -> bool,
) {
    let mut blocks = match BlockReader::open(path) {
        Ok(b) => b,
        Err(e) => {
            each(Rendered::Problem(&e));
            return;
        }
    };
    if !each(Rendered::Opened(&blocks.header().clone())) {
        return;
    }
    let q = query.clone();
    blocks.set_block_filter(Box::new(move |f| q.block_may_match(f)));
    let mask = query.level_mask();
    for_each_block_parallel(
        &mut blocks,
        threads,
        |block| match ttlog_reader::decode_block_levels(&block.frame, block.payload, mask) {
            Ok(BlockContent::Events(mut events)) => {
                let mut text = String::new();
                let (n, cut) = render_some(&mut events, query, lines, &mut text);
                Ok((text, n, cut, (!events.is_finished()).then_some(events)))
            }
            Ok(_) => Ok((String::new(), 0, 0, None)),
            Err(source) => Err(ttlog_reader::Error::BadBlock {
                offset: block.offset,
                source,
            }),
        },
        |item| match item.and_then(|r| r) {
            Ok((mut text, events, truncated, rest)) => {
                if !each(Rendered::Text {
                    text: &text,
                    events,
                    truncated,
                }) {
                    return false;
                }
                // The rest of a block too large to render at once, piece by piece here.
                if let Some(mut rest) = rest {
                    while !rest.is_finished() {
                        text.clear();
                        let (events, truncated) = render_some(&mut rest, query, lines, &mut text);
                        if !each(Rendered::Text {
                            text: &text,
                            events,
                            truncated,
                        }) {
                            return false;
                        }
                    }
                }
                true
            }
            Err(e) => each(Rendered::Problem(&e)),
        },
    );
}

/// The write pass of a single input through the sink's [`Lines`].
pub(crate) fn write_lines_parallel(
    job: &Job<'_>,
    sink: &mut dyn Sink,
    pass: u8,
    reported: bool,
    progress: &mut dyn Progress,
) -> Result<(), JobError> {
    let Some(lines) = sink.lines() else {
        return Ok(());
    };
    let path = &job.files[0];
    let mut result = Ok(());
    let (mut seen, mut next_report) = (0u64, 1u64 << 16);
    for_each_rendered(
        path,
        job.query,
        lines.as_ref(),
        job.threads,
        |item| match item {
            Rendered::Text {
                text,
                events,
                truncated,
                ..
            } => {
                seen += events;
                if seen >= next_report {
                    progress.advanced(pass, seen);
                    next_report = seen + (1 << 16);
                }
                match sink.write_text(text, events, truncated) {
                    Ok(()) => true,
                    Err(e) => {
                        result = Err(e);
                        false
                    }
                }
            }
            Rendered::Opened(header) => {
                sink.input(crate::Source {
                    index: 0,
                    path,
                    header,
                });
                true
            }
            Rendered::Problem(e) => {
                if !reported {
                    progress.problem(path, e);
                }
                true
            }
        },
    );
    result
}
