//! Reading the last events of a file from its end, without reading the whole file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use ttlog_format::{find_sync, Frame, Header, SYNC};

use crate::block::{decode_block, BlockContent};
use crate::{Error, Event, Query};

/// What [`last_events`] found.
#[derive(Debug)]
pub struct Tail {
    /// The events, oldest first.
    pub events: Vec<Event>,
    /// Problems met while reading backwards.
    pub problems: Vec<Error>,
    /// Where reading forward should go on to see only new data: the end of the last
    /// complete block, or the start of a block still being written.
    pub resume_at: u64,
}

/// The last `n` events of the file at `path` that `query` selects, oldest first, with the
/// problems met on the way. Reads blocks backwards from the end, so the cost depends on `n`
/// and on how many blocks the query skips, not on the file's size.
pub fn last_events(path: &Path, n: usize, query: &Query) -> Result<Tail, Error> {
    let mut file = File::open(path)?;
    let mut head = vec![0u8; 64 << 10];
    let got = read_up_to(&mut file, &mut head)?;
    let header_len = match Header::decode(&head[..got]) {
        Ok((_, len)) => len as u64,
        Err(e) => return Err(Error::Header(e)),
    };
    let len = file.metadata()?.len();
    let mut found: Vec<Event> = Vec::new();
    let mut problems = Vec::new();
    let mut end = len;
    let mut window = 1u64 << 20;
    let mut scratch = Vec::new();
    let mut resume_at: Option<u64> = None;
    while end > header_len && (found.len() < n || resume_at.is_none()) {
        let start = end.saturating_sub(window).max(header_len);
        let mut buf = vec![0u8; (end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut buf)?;
        // Every sync marker in the window, last first; each is checked by its frame CRC.
        let mut marks = Vec::new();
        let mut from = 0;
        while let Some(p) = find_sync(&buf, from) {
            if buf.len() - p >= SYNC.len() {
                marks.push(p);
            }
            from = p + 1;
        }
        let mut lowest_block = end;
        for &p in marks.iter().rev() {
            let offset = start + p as u64;
            if offset >= lowest_block {
                continue;
            }
            let mut frame_bytes = [0u8; Frame::LEN];
            file.seek(SeekFrom::Start(offset))?;
            if read_up_to(&mut file, &mut frame_bytes)? < Frame::LEN {
                continue;
            }
            let Ok(frame) = Frame::decode(&frame_bytes) else {
                continue;
            };
            let block_end = offset + frame.block_len() as u64;
            if block_end > lowest_block {
                // Runs past the next block: a cut block at the end, or a chance match.
                if block_end > len && resume_at.is_none() {
                    problems.push(Error::Truncated {
                        offset,
                        have: len - offset,
                    });
                    resume_at = Some(offset);
                }
                continue;
            }
            resume_at.get_or_insert(block_end);
            lowest_block = offset;
            if found.len() >= n {
                break;
            }
            if frame.kind == ttlog_format::BlockKind::Data && !query.block_may_match(&frame) {
                continue;
            }
            let mut stored = vec![0u8; frame.stored_len as usize];
            file.read_exact(&mut stored)?;
            let decoded = frame
                .decode_payload(&stored, &mut scratch)
                .and_then(|raw| decode_block(&frame, raw));
            match decoded {
                Ok(BlockContent::Events(mut events)) => {
                    events.sort_by_key(|e| e.ts);
                    events.retain(|e| query.matches(e));
                    let keep = n - found.len();
                    let skip = events.len().saturating_sub(keep);
                    let mut tail: Vec<Event> = events.drain(skip..).collect();
                    tail.append(&mut found);
                    found = tail;
                }
                Ok(_) => {}
                Err(source) => problems.push(Error::BadBlock { offset, source }),
            }
            if found.len() >= n {
                break;
            }
        }
        if start == header_len {
            break;
        }
        // Continue before the lowest block found; a block longer than the window makes the
        // next window larger.
        end = if lowest_block < end {
            lowest_block
        } else {
            start + SYNC.len() as u64
        };
        window = window.saturating_mul(2).min(64 << 20);
    }
    problems.reverse();
    Ok(Tail {
        events: found,
        problems,
        resume_at: resume_at.unwrap_or(header_len),
    })
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
