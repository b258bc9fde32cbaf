//! Reading blocks from a byte stream: header first, then one checked block at a time,
//! skipping damage and reporting it.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use ttlog_format::{find_sync, EndMarker, FormatError, Frame, Header, SYNC};

use crate::block::{decode_block, BlockContent, BlockEvents};
use crate::trailer::Trailer;
use crate::{Error, Event};

const READ_CHUNK: usize = 256 << 10;

/// One block that passed its checks, with its payload decompressed.
#[derive(Clone, Debug)]
pub struct RawBlock {
    /// Byte offset of the block's frame in the file.
    pub offset: u64,
    /// The frame.
    pub frame: Frame,
    /// The raw (decompressed) payload.
    pub payload: Vec<u8>,
    /// The block exactly as stored (frame and payload), when
    /// [`BlockReader::keep_stored`] asked for it; empty otherwise.
    pub stored: Vec<u8>,
}

/// Decides from its frame whether a data block is worth decompressing.
pub type BlockFilter = Box<dyn FnMut(&Frame) -> bool + Send>;

/// Reads the blocks of a ttlog stream from any [`Read`], in order.
///
/// Damage never stops it: a block that fails a check, bytes that are not a block, and a
/// block cut off by the end of the stream are each reported once as an [`Error`] item, and
/// reading goes on at the next valid block (SPEC.md section 9).
pub struct BlockReader<R> {
    src: R,
    buf: Vec<u8>,
    start: usize,
    base: u64,
    eof: bool,
    header: Header,
    header_len: u64,
    finished: bool,
    closed_cleanly: bool,
    /// After a bad block, the bytes up to the next sync marker belong to it: not reported
    /// again as garbage.
    quiet_skip: bool,
    /// The last block read was a trailer: an end marker, or a stub of one, may follow.
    after_trailer: bool,
    scratch: Vec<u8>,
    keep_stored: bool,
    filter: Option<BlockFilter>,
    skipped_blocks: u64,
}

impl BlockReader<File> {
    /// Opens the file at `path` and reads its header.
    pub fn open(path: impl AsRef<Path>) -> Result<BlockReader<File>, Error> {
        BlockReader::new(File::open(path)?)
    }
}

impl<R: Read> BlockReader<R> {
    /// Reads the header from `src`; fails if it is not a readable ttlog header.
    pub fn new(src: R) -> Result<BlockReader<R>, Error> {
        let mut r = BlockReader::blank(src);
        r.fill(64)?;
        loop {
            match Header::decode(&r.buf[r.start..]) {
                Ok((header, len)) => {
                    r.header = header;
                    r.header_len = len as u64;
                    r.start += len;
                    return Ok(r);
                }
                Err(FormatError::Incomplete { needed }) if !r.eof => r.fill(needed)?,
                Err(e) => return Err(Error::Header(e)),
            }
        }
    }

    /// Reads `src` as a sequence of blocks with no header, as when the header is damaged:
    /// anything before the first sync marker is skipped quietly. [`header`](Self::header) is
    /// then empty.
    pub fn headerless(src: R) -> BlockReader<R> {
        BlockReader {
            quiet_skip: true,
            ..BlockReader::blank(src)
        }
    }

    /// Reads `src`, already positioned at byte `offset` of a file whose header was read
    /// elsewhere, as blocks from there on: what [`new`](Self::new) would report from that
    /// offset, when it is where a block starts.
    pub fn resume(src: R, offset: u64) -> BlockReader<R> {
        BlockReader {
            base: offset,
            ..BlockReader::blank(src)
        }
    }

    /// A reader at byte 0 that has read nothing.
    fn blank(src: R) -> BlockReader<R> {
        BlockReader {
            src,
            buf: Vec::new(),
            start: 0,
            base: 0,
            eof: false,
            header: Header::default(),
            header_len: 0,
            finished: false,
            closed_cleanly: false,
            quiet_skip: false,
            after_trailer: false,
            scratch: Vec::new(),
            keep_stored: false,
            filter: None,
            skipped_blocks: 0,
        }
    }

    /// Keep each block's stored bytes in [`RawBlock::stored`] (for copying blocks out).
    pub fn keep_stored(&mut self, keep: bool) {
        self.keep_stored = keep;
    }

    /// Skips data blocks whose frame `filter` rejects, without checking or decompressing
    /// their payload. Trailer and unknown blocks always pass.
    pub fn set_block_filter(&mut self, filter: BlockFilter) {
        self.filter = Some(filter);
    }

    /// Data blocks skipped by the block filter so far.
    pub fn skipped_blocks(&self) -> u64 {
        self.skipped_blocks
    }

    /// The file's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Bytes taken by the header.
    pub fn header_len(&self) -> u64 {
        self.header_len
    }

    /// True once the end marker of a cleanly closed file was read.
    pub fn closed_cleanly(&self) -> bool {
        self.closed_cleanly
    }

    /// Byte offset of the next byte to be read.
    pub fn position(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Ensures `want` unread bytes are buffered, unless the stream ends first.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        if self.buf.len() - self.start >= want || self.eof {
            return Ok(());
        }
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.base += self.start as u64;
            self.start = 0;
        }
        while self.buf.len() < want && !self.eof {
            let len = self.buf.len();
            let grow = READ_CHUNK.max(want - len);
            self.buf.resize(len + grow, 0);
            match self.src.read(&mut self.buf[len..]) {
                Ok(0) => {
                    self.buf.truncate(len);
                    self.eof = true;
                }
                Ok(n) => self.buf.truncate(len + n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => self.buf.truncate(len),
                Err(e) => {
                    self.buf.truncate(len);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// The next block, a report of skipped data, or `None` at the end.
    pub fn next_block(&mut self) -> Option<Result<RawBlock, Error>> {
        let result = self.next_inner();
        if matches!(result, Some(Err(Error::Io(_)))) {
            self.finished = true;
        }
        result
    }

    fn next_inner(&mut self) -> Option<Result<RawBlock, Error>> {
        loop {
            if self.finished {
                return None;
            }
            if let Err(e) = self.fill(Frame::LEN) {
                return Some(Err(e.into()));
            }
            let avail = &self.buf[self.start..];
            let offset = self.position();
            if avail.is_empty() {
                self.finished = true;
                return None;
            }
            if self.eof && EndMarker::decode(avail).is_some() {
                self.closed_cleanly = true;
                self.finished = true;
                return None;
            }
            if self.eof && self.after_trailer && avail.len() < EndMarker::LEN {
                // The file was cut inside its end marker: every block is intact.
                self.finished = true;
                return None;
            }
            match Frame::decode(avail) {
                Ok(frame) => {
                    let need = frame.block_len();
                    if let Err(e) = self.fill(need) {
                        return Some(Err(e.into()));
                    }
                    let avail = &self.buf[self.start..];
                    if avail.len() < need {
                        self.finished = true;
                        return Some(Err(Error::Truncated {
                            offset,
                            have: avail.len() as u64,
                        }));
                    }
                    if frame.kind == ttlog_format::BlockKind::Data {
                        if let Some(filter) = self.filter.as_mut() {
                            if !filter(&frame) {
                                self.start += need;
                                self.skipped_blocks += 1;
                                self.quiet_skip = false;
                                continue;
                            }
                        }
                    }
                    let stored = if self.keep_stored {
                        avail[..need].to_vec()
                    } else {
                        Vec::new()
                    };
                    match frame.decode_payload(&avail[Frame::LEN..need], &mut self.scratch) {
                        Ok(raw) => {
                            let payload = raw.to_vec();
                            self.start += need;
                            self.quiet_skip = false;
                            self.after_trailer = frame.kind == ttlog_format::BlockKind::Trailer;
                            return Some(Ok(RawBlock {
                                offset,
                                frame,
                                payload,
                                stored,
                            }));
                        }
                        Err(source) => return Some(Err(self.bad_block(offset, source))),
                    }
                }
                Err(FormatError::Incomplete { .. }) => {
                    // Fewer than a frame's bytes left, and they start like a sync marker.
                    self.finished = true;
                    return Some(Err(Error::Truncated {
                        offset,
                        have: avail.len() as u64,
                    }));
                }
                Err(FormatError::BadSync) => {
                    let skipped = match self.skip_to_sync() {
                        Ok(n) => n,
                        Err(e) => return Some(Err(e.into())),
                    };
                    if !std::mem::replace(&mut self.quiet_skip, false) {
                        return Some(Err(Error::Garbage {
                            offset,
                            len: skipped,
                        }));
                    }
                }
                Err(source) => return Some(Err(self.bad_block(offset, source))),
            }
        }
    }

    /// Reports a bad block and steps past its sync marker, so the search for the next block
    /// starts inside it (a bad length must not make us skip good blocks).
    fn bad_block(&mut self, offset: u64, source: FormatError) -> Error {
        self.start += SYNC.len().min(self.buf.len() - self.start);
        self.quiet_skip = true;
        Error::BadBlock { offset, source }
    }

    /// Advances to the next sync marker (or the end); returns the bytes skipped.
    fn skip_to_sync(&mut self) -> io::Result<u64> {
        let mut skipped = 0u64;
        loop {
            let avail = &self.buf[self.start..];
            if let Some(p) = find_sync(avail, 0).filter(|&p| avail.len() - p >= SYNC.len()) {
                self.start += p;
                return Ok(skipped + p as u64);
            }
            // No whole marker: drop all but the last 7 bytes, which may begin one.
            let keep = if self.eof {
                0
            } else {
                (SYNC.len() - 1).min(avail.len())
            };
            let n = avail.len() - keep;
            self.start += n;
            skipped += n as u64;
            if self.eof {
                return Ok(skipped);
            }
            let have = self.buf.len() - self.start;
            self.fill(have + READ_CHUNK)?;
        }
    }
}

/// Iterates the events of a stream, block by block. Each block's events come in time order;
/// blocks come in file order. Skipped data is reported as `Err` items between the events.
pub struct Events<R> {
    blocks: BlockReader<R>,
    current: Option<Box<BlockEvents>>,
    trailer: Option<Trailer>,
}

impl<R: Read> Events<R> {
    /// Events of the blocks `blocks` will read.
    pub fn new(blocks: BlockReader<R>) -> Events<R> {
        Events {
            blocks,
            current: None,
            trailer: None,
        }
    }

    /// The file's header.
    pub fn header(&self) -> &Header {
        self.blocks.header()
    }

    /// The trailer, once it was read (only in a cleanly closed file, at its end).
    pub fn trailer(&self) -> Option<&Trailer> {
        self.trailer.as_ref()
    }

    /// The block reader underneath.
    pub fn blocks(&self) -> &BlockReader<R> {
        &self.blocks
    }

    /// The block reader underneath, to set a block filter.
    pub fn blocks_mut(&mut self) -> &mut BlockReader<R> {
        &mut self.blocks
    }
}

impl Events<File> {
    /// Opens the file at `path` and reads its header.
    pub fn open(path: impl AsRef<Path>) -> Result<Events<File>, Error> {
        Ok(Events::new(BlockReader::open(path)?))
    }
}

impl<R: Read> Events<R> {
    /// The next event in file order of blocks (time order within each), as `next` gives
    /// it, but as [`BlockEvents::next_shaped`] gives it: for a tool that needs the shapes of
    /// values, not the values (an export's column types), at a fraction of the cost.
    /// Damage is reported as `next` reports it.
    pub fn next_shaped(
        &mut self,
        shapes: &mut Vec<crate::Shape>,
        whole: impl Fn(&crate::Callsite, &[crate::Shape]) -> bool,
    ) -> Option<Result<crate::Shaped, Error>> {
        loop {
            if let Some(e) = self
                .current
                .as_mut()
                .and_then(|c| c.next_shaped(shapes, &whole))
            {
                return Some(Ok(e));
            }
            self.current = None;
            match self.next_block()? {
                Ok(()) => {}
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// Reads the next block into `current` (or the trailer); `None` at the end.
    fn next_block(&mut self) -> Option<Result<(), Error>> {
        let block = match self.blocks.next_block()? {
            Ok(b) => b,
            Err(e) => return Some(Err(e)),
        };
        match decode_block(&block.frame, block.payload) {
            Ok(BlockContent::Events(events)) => self.current = Some(events),
            Ok(BlockContent::Trailer(t)) => self.trailer = Some(t),
            Ok(BlockContent::Unknown(_)) => {}
            Err(source) => {
                return Some(Err(Error::BadBlock {
                    offset: block.offset,
                    source,
                }))
            }
        }
        Some(Ok(()))
    }
}

impl<R: Read> Iterator for Events<R> {
    type Item = Result<Event, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(e) = self.current.as_mut().and_then(Iterator::next) {
                return Some(Ok(e));
            }
            self.current = None;
            if let Err(e) = self.next_block()? {
                return Some(Err(e));
            }
        }
    }
}
