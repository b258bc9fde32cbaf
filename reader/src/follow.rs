//! Following a file that a writer is appending to, through rotation and truncation.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use ttlog_format::{find_sync, EndMarker, FormatError, Frame, Header, SYNC};

use crate::block::{decode_block, BlockContent};
use crate::{Error, Event, Query};

/// What a poll of a [`Follower`] found.
#[derive(Debug)]
pub enum Followed {
    /// A new event that the query selects.
    Event(Event),
    /// Data that could not be read.
    Problem(Error),
    /// The file was truncated or replaced; reading started again from its beginning.
    Restarted(PathBuf),
    /// The writer closed this file and the next file of its rotated series appeared;
    /// following goes on there.
    Rotated(PathBuf),
}

/// Reads whatever complete blocks were appended to a file since the last poll.
///
/// Never blocks: call [`poll`](Self::poll) on a timer. A block still being written is read
/// once it is complete. When the file shrinks or is replaced, reading restarts at its
/// beginning; when the writer closes it cleanly and the next file of its series
/// (`STEM.NNNNNN.EXT`) exists, following moves there.
pub struct Follower {
    path: PathBuf,
    file: Option<File>,
    identity: Option<(u64, u64)>,
    /// File offset of `buf[0]`.
    pos: u64,
    buf: Vec<u8>,
    header_done: bool,
    closed: bool,
    query: Query,
    scratch: Vec<u8>,
}

impl Follower {
    /// Follows `path` from byte `start`, which must be a block boundary (as
    /// [`last_events`](crate::last_events) gives), or 0 to read the whole file first.
    pub fn new(path: impl AsRef<Path>, start: u64, query: Query) -> Follower {
        Follower {
            path: path.as_ref().to_path_buf(),
            file: None,
            identity: None,
            pos: start,
            buf: Vec::new(),
            header_done: start > 0,
            closed: false,
            query,
            scratch: Vec::new(),
        }
    }

    /// The file being followed now.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn restart(&mut self) {
        self.file = None;
        self.identity = None;
        self.pos = 0;
        self.buf.clear();
        self.header_done = false;
        self.closed = false;
    }

    /// Reads what was appended since the last poll.
    pub fn poll(&mut self) -> Vec<Followed> {
        let mut out = Vec::new();
        let meta = match std::fs::metadata(&self.path) {
            Ok(m) => m,
            // Gone for now (rotated away, being replaced): look again next time.
            Err(_) => return out,
        };
        let identity = file_identity(&meta);
        let end_of_data = self.pos + self.buf.len() as u64;
        if self.identity.is_some_and(|id| id != identity) || meta.len() < end_of_data {
            self.restart();
            out.push(Followed::Restarted(self.path.clone()));
        }
        if self.file.is_none() {
            match File::open(&self.path) {
                Ok(f) => {
                    self.file = Some(f);
                    self.identity = Some(identity);
                }
                Err(_) => return out,
            }
        }
        if let Err(e) = self.read_new() {
            out.push(Followed::Problem(Error::Io(e)));
            return out;
        }
        self.parse(&mut out);
        if self.closed {
            if let Some(next) = next_in_series(&self.path).filter(|p| p.exists()) {
                self.path = next.clone();
                self.restart();
                out.push(Followed::Rotated(next));
                self.parse_after_rotation(&mut out);
            }
        }
        out
    }

    fn parse_after_rotation(&mut self, out: &mut Vec<Followed>) {
        if let Ok(f) = File::open(&self.path) {
            self.identity = f.metadata().ok().map(|m| file_identity(&m));
            self.file = Some(f);
            if let Err(e) = self.read_new() {
                out.push(Followed::Problem(Error::Io(e)));
                return;
            }
            self.parse(out);
        }
    }

    fn read_new(&mut self) -> std::io::Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        file.seek(SeekFrom::Start(self.pos + self.buf.len() as u64))?;
        file.read_to_end(&mut self.buf)?;
        Ok(())
    }

    fn consume(&mut self, n: usize) {
        self.buf.drain(..n);
        self.pos += n as u64;
    }

    fn parse(&mut self, out: &mut Vec<Followed>) {
        if !self.header_done {
            match Header::decode(&self.buf) {
                Ok((_, len)) => {
                    self.consume(len);
                    self.header_done = true;
                }
                Err(FormatError::Incomplete { .. }) => return,
                Err(e) => {
                    out.push(Followed::Problem(Error::Header(e)));
                    // Not a ttlog file (yet?): drop what we read and look again later.
                    let n = self.buf.len();
                    self.consume(n);
                    return;
                }
            }
        }
        loop {
            if self.buf.len() == EndMarker::LEN && EndMarker::decode(&self.buf).is_some() {
                self.closed = true;
                return;
            }
            match Frame::decode(&self.buf) {
                Ok(frame) => {
                    let need = frame.block_len();
                    if self.buf.len() < need {
                        return;
                    }
                    let offset = self.pos;
                    let decoded = frame
                        .decode_payload(&self.buf[Frame::LEN..need], &mut self.scratch)
                        .and_then(|raw| decode_block(&frame, raw));
                    match decoded {
                        Ok(BlockContent::Events(mut events)) => {
                            events.sort_by_key(|e| e.ts);
                            out.extend(
                                events
                                    .into_iter()
                                    .filter(|e| self.query.matches(e))
                                    .map(Followed::Event),
                            );
                        }
                        Ok(_) => {}
                        Err(source) => {
                            out.push(Followed::Problem(Error::BadBlock { offset, source }))
                        }
                    }
                    self.consume(need);
                }
                Err(FormatError::Incomplete { .. }) => return,
                Err(FormatError::BadSync) if self.buf.len() < SYNC.len() => return,
                Err(e) => {
                    // Skip to the next marker after this position.
                    let offset = self.pos;
                    let skip = find_sync(&self.buf, 1).unwrap_or(self.buf.len());
                    if !matches!(e, FormatError::BadSync) {
                        out.push(Followed::Problem(Error::BadBlock { offset, source: e }));
                    } else {
                        out.push(Followed::Problem(Error::Garbage {
                            offset,
                            len: skip as u64,
                        }));
                    }
                    self.consume(skip);
                    if self.buf.is_empty() {
                        return;
                    }
                }
            }
        }
    }
}

#[cfg(unix)]
fn file_identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn file_identity(meta: &std::fs::Metadata) -> (u64, u64) {
    (
        0,
        meta.created()
            .ok()
            .and_then(|t| t.elapsed().ok())
            .map_or(0, |d| d.as_secs()),
    )
}

/// `logs/run.000007.bin` → `logs/run.000008.bin`; `None` for a name outside a series.
pub fn next_in_series(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let (rest, ext) = match name.rsplit_once('.') {
        Some((r, e)) if !e.bytes().all(|b| b.is_ascii_digit()) => (r, Some(e)),
        _ => (name, None),
    };
    let (stem, digits) = rest.rsplit_once('.')?;
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let next: u64 = digits.parse::<u64>().ok()? + 1;
    let file = match ext {
        Some(ext) => format!("{stem}.{next:06}.{ext}"),
        None => format!("{stem}.{next:06}"),
    };
    Some(path.with_file_name(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_names() {
        assert_eq!(
            next_in_series(Path::new("logs/run.000007.bin")),
            Some(PathBuf::from("logs/run.000008.bin"))
        );
        assert_eq!(next_in_series(Path::new("logs/run.bin")), None);
        assert_eq!(next_in_series(Path::new("run.12.bin")), None);
    }
}
