//! Reading shared by the commands that print or convert events.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ttlog_reader::{
    for_each_block_parallel, BlockContent, BlockEvents, BlockReader, Events, Merge, Query,
};

use crate::exit::Status;
use crate::output::{Formatter, Sink};

/// Opens `files` to be read merged by time, skipping blocks the query cannot match. Files
/// that cannot be opened are reported in `status` and left out. Returns the merge and the
/// name of each source.
pub fn open_merged(
    files: &[PathBuf],
    query: &Query,
    status: &mut Status,
) -> (Merge<Events<File>>, Vec<String>) {
    let (merged, names, _) = open_merged_with_headers(files, query, status);
    (merged, names)
}

/// [`open_merged`], with the header of each source as well.
pub fn open_merged_with_headers(
    files: &[PathBuf],
    query: &Query,
    status: &mut Status,
) -> (Merge<Events<File>>, Vec<String>, Vec<ttlog_reader::Header>) {
    let selected = query.open(files, |path, e| {
        status.problem(&path.display().to_string(), e);
    });
    let names = selected
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    (selected.events, names, selected.headers)
}

/// Writes the selected events of `files`, merged by time, to `sink`; calls `written` after
/// each event written.
pub fn write_merged<W: Write>(
    files: &[PathBuf],
    query: &Query,
    sink: &mut Sink<W>,
    status: &mut Status,
    mut written: impl FnMut(),
) -> io::Result<()> {
    let (merged, names) = open_merged(files, query, status);
    for (source, item) in merged {
        match item {
            Ok(event) if query.matches(&event) => {
                if sink.write(&event)? {
                    status.truncated(1);
                }
                written();
            }
            Ok(_) => {}
            Err(e) => status.problem(&names[source], &e),
        }
    }
    Ok(())
}

/// Most text one block's events are formatted into before it is written out: a block that
/// packs millions of tiny events is written in pieces, never held whole.
const TEXT_CHUNK: usize = 4 << 20;

/// Formats the next events of `events` that `query` selects into `text`, until it holds
/// about [`TEXT_CHUNK`] bytes or the events run out. Returns how many were cut to the
/// per-event bound.
fn format_some(
    events: &mut BlockEvents,
    query: &Query,
    formatter: &Formatter,
    text: &mut String,
) -> u64 {
    let mut truncated = 0;
    while text.len() < TEXT_CHUNK {
        let Some(e) = events.next() else { break };
        if query.matches(&e) && formatter.line(&e, text) {
            truncated += 1;
        }
    }
    truncated
}

/// Writes the selected events of one file as text or JSON lines, decoding and formatting
/// blocks on `threads` threads, in file order. Calls `progress` with the byte offset reached
/// after each block.
pub fn write_lines_parallel<W: Write>(
    path: &Path,
    query: &Query,
    formatter: &Formatter,
    threads: usize,
    sink: &mut Sink<W>,
    status: &mut Status,
    mut progress: impl FnMut(u64),
) -> io::Result<()> {
    let name = path.display().to_string();
    let mut blocks = match BlockReader::open(path) {
        Ok(b) => b,
        Err(e) => {
            status.problem(&name, &e);
            return Ok(());
        }
    };
    let q = query.clone();
    blocks.set_block_filter(Box::new(move |f| q.block_may_match(f)));
    let mask = query.level_mask();
    let mut result = Ok(());
    for_each_block_parallel(
        &mut blocks,
        threads,
        |block| {
            let end = block.offset + block.frame.block_len() as u64;
            match ttlog_reader::decode_block_levels(&block.frame, block.payload, mask) {
                Ok(BlockContent::Events(mut events)) => {
                    let mut text = String::new();
                    let cut = format_some(&mut events, query, formatter, &mut text);
                    Ok((text, cut, (!events.is_finished()).then_some(events), end))
                }
                Ok(_) => Ok((String::new(), 0, None, end)),
                Err(source) => Err(ttlog_reader::Error::BadBlock {
                    offset: block.offset,
                    source,
                }),
            }
        },
        |item| match item.and_then(|r| r) {
            Ok((mut text, cut, rest, end)) => {
                status.truncated(cut);
                let mut write = |text: &str| match sink.write_raw(text.as_bytes()) {
                    Ok(()) => true,
                    Err(e) => {
                        result = Err(e);
                        false
                    }
                };
                if !write(&text) {
                    return false;
                }
                // The rest of a block too large to format at once, piece by piece here.
                if let Some(mut rest) = rest {
                    while !rest.is_finished() {
                        text.clear();
                        let cut = format_some(&mut rest, query, formatter, &mut text);
                        status.truncated(cut);
                        if !write(&text) {
                            return false;
                        }
                    }
                }
                progress(end);
                true
            }
            Err(e) => {
                status.problem(&name, &e);
                true
            }
        },
    );
    result
}

/// Worker threads for decoding: every core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}
