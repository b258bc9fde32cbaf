//! Reading the last events of a file from its end, without reading the whole file.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use ttlog_format::{find_sync, Frame, SYNC};

use crate::block::{decode_block_levels, BlockContent};
use crate::{BlockReader, Error, Event, Query};

/// What [`last_events`] found.
#[derive(Debug)]
pub struct Tail {
    /// The events, oldest first.
    pub events: Vec<Event>,
    /// Problems in the part of the file that was read (from the first block that could
    /// hold a returned event to the end), exactly as a reader of the whole file reports
    /// them there, in file order.
    pub problems: Vec<Error>,
    /// Where reading forward should go on to see only new data: the end of the last
    /// complete block, or the start of a block still being written.
    pub resume_at: u64,
}

/// Largest window read backwards at once while looking for blocks.
const MAX_WINDOW: u64 = 64 << 20;

/// The last `n` events of the file at `path` that `query` selects, oldest first, with the
/// problems met on the way.
///
/// A backward scan over block frames finds the block from which the last `n` selected
/// events are sure to follow; the file is then read forward from there, as every reader
/// reads it, so damage and a cut last block in that part are reported exactly as a
/// reader of the whole file reports them. The cost depends on `n`, not on the file's size.
pub fn last_events(path: &Path, n: usize, query: &Query) -> Result<Tail, Error> {
    let mut file = File::open(path)?;
    // Any header the format allows (up to 1 MiB of body), read as every reader reads it.
    let header_len = BlockReader::new(&mut file)?.header_len();
    let len = file.metadata()?.len();
    let start = if n == 0 {
        len
    } else {
        start_of_last(&mut file, header_len, len, n, query)?
    };
    file.seek(SeekFrom::Start(start))?;
    let mut blocks = BlockReader::resume(file, start);
    let q = query.clone();
    blocks.set_block_filter(Box::new(move |f| q.block_may_match(f)));
    let mask = query.level_mask();
    let mut events: VecDeque<Event> = VecDeque::with_capacity(n.min(1 << 16));
    let mut problems = Vec::new();
    let mut resume_at = start;
    while let Some(item) = blocks.next_block() {
        let block = match item {
            Ok(b) => b,
            Err(Error::Truncated { offset, have }) => {
                resume_at = offset;
                problems.push(Error::Truncated { offset, have });
                continue;
            }
            Err(e) if e.is_data_loss() => {
                problems.push(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        resume_at = block.offset + block.frame.block_len() as u64;
        match decode_block_levels(&block.frame, block.payload, mask) {
            Ok(BlockContent::Events(block_events)) => {
                for e in block_events.filter(|e| query.matches(e)) {
                    if events.len() == n {
                        events.pop_front();
                    }
                    events.push_back(e);
                }
            }
            Ok(_) => {}
            Err(source) => problems.push(Error::BadBlock {
                offset: block.offset,
                source,
            }),
        }
    }
    if blocks.closed_cleanly() {
        resume_at = blocks.position();
    }
    Ok(Tail {
        events: events.into(),
        problems,
        resume_at,
    })
}

/// The offset of the block from which the last `n` selected events follow: found by
/// scanning backwards for sync markers whose frame checks, and counting the selected
/// events of each such block. `header_len` when the whole file must be read.
fn start_of_last(
    file: &mut File,
    header_len: u64,
    len: u64,
    n: usize,
    query: &Query,
) -> Result<u64, Error> {
    let mut found = 0usize;
    let mut end = len;
    let mut window = 1u64 << 20;
    let mut scratch = Vec::new();
    let mask = query.level_mask();
    // Lowest offset of a block taken so far: blocks must not overlap it.
    let mut lowest = len;
    while end > header_len {
        let start = end.saturating_sub(window).max(header_len);
        let mut buf = vec![0u8; (end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf)?;
        let mut marks = Vec::new();
        let mut from = 0;
        while let Some(p) = find_sync(&buf, from) {
            marks.push(p);
            from = p + 1;
        }
        for &p in marks.iter().rev() {
            let offset = start + p as u64;
            let mut frame_bytes = [0u8; Frame::LEN];
            file.seek(SeekFrom::Start(offset))?;
            if read_up_to(file, &mut frame_bytes)? < Frame::LEN {
                continue;
            }
            let Ok(frame) = Frame::decode(&frame_bytes) else {
                continue;
            };
            let block_end = offset + frame.block_len() as u64;
            if block_end > lowest {
                // Runs past the block after it: a cut block, or a chance match. The
                // forward read reports whatever it is.
                continue;
            }
            lowest = offset;
            if frame.kind != ttlog_format::BlockKind::Data || !query.block_may_match(&frame) {
                continue;
            }
            let mut stored = vec![0u8; frame.stored_len as usize];
            file.read_exact(&mut stored)?;
            let Ok(raw) = frame.decode_payload(&stored, &mut scratch) else {
                continue;
            };
            if let Ok(BlockContent::Events(events)) = decode_block_levels(&frame, raw, mask) {
                found += events.filter(|e| query.matches(e)).take(n - found).count();
            }
            if found >= n {
                return Ok(offset);
            }
        }
        if start == header_len {
            break;
        }
        // Continue before the lowest block found; a block longer than the window makes the
        // next window larger.
        end = if lowest < end {
            lowest
        } else {
            start + SYNC.len() as u64
        };
        window = window.saturating_mul(2).min(MAX_WINDOW);
    }
    Ok(header_len)
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
