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
    /// The file was deleted and no later file of its series is there (yet): what it held
    /// was read; following waits for the path to appear again. Said once per deletion.
    Missing(PathBuf),
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
    /// The path was found missing and that was said.
    missing_said: bool,
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
            missing_said: false,
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
            Err(_) => {
                self.poll_gone(&mut out);
                return out;
            }
        };
        self.missing_said = false;
        let identity = file_identity(&meta);
        let end_of_data = self.pos + self.buf.len() as u64;
        if self.identity.is_some_and(|id| id != identity) {
            // Replaced: what the old file still held is read through its open handle.
            self.drain_open_file(&mut out);
            self.restart();
            out.push(Followed::Restarted(self.path.clone()));
        } else if meta.len() < end_of_data {
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
                self.move_to(next, &mut out);
            }
        }
        out
    }

    /// The followed path is gone (deleted by retention, or being replaced). What was
    /// written to it is still readable through the open handle; after that, following
    /// moves to the oldest later file of its series still there, and reports the files
    /// deleted before they could be read.
    fn poll_gone(&mut self, out: &mut Vec<Followed>) {
        self.drain_open_file(out);
        let Some(later) = oldest_later_in_series(&self.path) else {
            // Not a series, or nothing after it yet: look again next time.
            if !std::mem::replace(&mut self.missing_said, true) {
                out.push(Followed::Missing(self.path.clone()));
            }
            return;
        };
        if !self.closed {
            // The writer had not finished it: whatever was cut off is lost.
            if !self.buf.is_empty() || self.file.is_none() {
                self.report_cut(out);
            }
        }
        let mut next = next_in_series(&self.path);
        while let Some(missing) = next.filter(|p| *p != later) {
            out.push(Followed::Problem(Error::Deleted {
                path: missing.clone(),
            }));
            next = next_in_series(&missing);
        }
        self.move_to(later, out);
    }

    /// Reads and parses whatever the open (possibly deleted) file still holds.
    fn drain_open_file(&mut self, out: &mut Vec<Followed>) {
        if self.file.is_none() {
            return;
        }
        match self.read_new() {
            Ok(()) => self.parse(out),
            Err(e) => out.push(Followed::Problem(Error::Io(e))),
        }
    }

    fn report_cut(&mut self, out: &mut Vec<Followed>) {
        if self.file.is_none() && self.buf.is_empty() {
            out.push(Followed::Problem(Error::Deleted {
                path: self.path.clone(),
            }));
        } else if !self.buf.is_empty() {
            out.push(Followed::Problem(Error::Truncated {
                offset: self.pos,
                have: self.buf.len() as u64,
            }));
        }
    }

    fn move_to(&mut self, next: PathBuf, out: &mut Vec<Followed>) {
        self.path = next.clone();
        self.restart();
        out.push(Followed::Rotated(next));
        self.parse_after_rotation(out);
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
                        Ok(BlockContent::Events(events)) => {
                            out.extend(
                                events
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

/// A file name of a rotated series: `STEM.NNNNNN[.EXT]`.
struct SeriesName<'a> {
    stem: &'a str,
    seq: u64,
    ext: Option<&'a str>,
}

impl<'a> SeriesName<'a> {
    fn parse(name: &'a str) -> Option<SeriesName<'a>> {
        let (rest, ext) = match name.rsplit_once('.') {
            Some((r, e)) if !e.bytes().all(|b| b.is_ascii_digit()) => (r, Some(e)),
            _ => (name, None),
        };
        let (stem, digits) = rest.rsplit_once('.')?;
        if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(SeriesName {
            stem,
            seq: digits.parse().ok()?,
            ext,
        })
    }

    fn with_seq(&self, seq: u64) -> String {
        match self.ext {
            Some(ext) => format!("{}.{seq:06}.{ext}", self.stem),
            None => format!("{}.{seq:06}", self.stem),
        }
    }
}

/// `logs/run.000007.bin` → `logs/run.000008.bin`; `None` for a name outside a series.
pub fn next_in_series(path: &Path) -> Option<PathBuf> {
    let name = SeriesName::parse(path.file_name()?.to_str()?)?;
    Some(path.with_file_name(name.with_seq(name.seq.checked_add(1)?)))
}

/// The existing file of `path`'s series with the smallest number above `path`'s.
fn oldest_later_in_series(path: &Path) -> Option<PathBuf> {
    let name = SeriesName::parse(path.file_name()?.to_str()?)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let later = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let file = entry.file_name().into_string().ok()?;
            let other = SeriesName::parse(&file)?;
            (other.stem == name.stem && other.ext == name.ext && other.seq > name.seq)
                .then_some(other.seq)
        })
        .min()?;
    Some(path.with_file_name(name.with_seq(later)))
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
