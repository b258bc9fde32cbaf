//! The one export job every format runs, from `ttlog-view convert` and from Python alike:
//! the selection (query, time range), the prepass a format asks for, progress, damage
//! reporting (each problem once), and outputs that never replace an input or a log and
//! appear whole or not at all. Memory is bounded by the format's buffers and the reader's
//! blocks in flight, whatever the input's size.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use ttlog_reader::{
    decode_block, for_each_block_parallel, select, BlockContent, BlockEvents, BlockReader,
    Callsite, Event, Query, Selection, Shape, Shaped,
};

use crate::lines::write_lines_parallel;
use crate::sink::{Outputs, Prepass, Sink, Source, Written};
use crate::OutputError;

/// Why an export job stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum JobError {
    /// The output, or an option, was refused before anything was written (one of the
    /// inputs, a ttlog log, a non-empty directory for a dataset, an option the format
    /// does not take): a usage error.
    Refused(String),
    /// Writing an output failed; nothing was put in place.
    Write {
        /// The file, or `None` for standard output.
        path: Option<PathBuf>,
        /// The error.
        error: std::io::Error,
    },
    /// The format failed otherwise (its encoder's error); nothing was put in place.
    Failed(String),
}

impl JobError {
    /// A failed write to `path`.
    pub fn write(path: &Path, error: std::io::Error) -> JobError {
        JobError::Write {
            path: Some(path.to_path_buf()),
            error,
        }
    }

    /// Whether the output was a pipe its reader closed (`convert ... | head`): not a
    /// failure of the export.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, JobError::Write { error, .. } if error.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::Refused(m) | JobError::Failed(m) => f.write_str(m),
            JobError::Write {
                path: Some(p),
                error,
            } => write!(f, "{}: {error}", p.display()),
            JobError::Write { path: None, error } => write!(f, "writing output failed: {error}"),
        }
    }
}

impl std::error::Error for JobError {}

impl From<OutputError> for JobError {
    fn from(e: OutputError) -> JobError {
        match e {
            OutputError::Io(path, error) => JobError::Write {
                path: Some(path),
                error,
            },
            refused => JobError::Refused(refused.to_string()),
        }
    }
}

/// What an export job reports as it goes: damage met in the input (each problem once) and
/// progress.
pub trait Progress {
    /// A file could not be read, or part of one was skipped.
    fn problem(&mut self, path: &Path, error: &ttlog_reader::Error);
    /// `events` events read so far in pass `pass` (1, or 2 after a prepass); called every
    /// 65,536 events.
    fn advanced(&mut self, _pass: u8, _events: u64) {}
}

/// Progress is reported every this many events.
const PROGRESS_EVERY: u64 = 65_536;

/// What to export: the inputs, the selection, and where.
#[derive(Clone, Copy, Debug)]
pub struct Job<'a> {
    /// The input files (patterns already expanded).
    pub files: &'a [PathBuf],
    /// Which events.
    pub query: &'a Query,
    /// The destination, or `None` for standard output.
    pub output: Option<&'a Path>,
    /// Worker threads decoding a single input.
    pub threads: usize,
}

/// Runs `sink` over the events `job` selects; returns what was written. Damage goes to
/// `progress` and does not stop the job; an output refused, or a write that fails, does,
/// and then nothing is put in place.
pub fn export(
    job: &Job<'_>,
    mut sink: Box<dyn Sink>,
    progress: &mut dyn Progress,
) -> Result<Written, JobError> {
    if let Some(path) = job.output {
        crate::check_output(path, job.files).map_err(JobError::from)?;
    }
    sink.check(job.output)?;
    let prepass = sink.prepass();
    let reported = match prepass {
        Prepass::None => false,
        Prepass::Shapes(whole) if job.query.is_empty() => {
            shapes(job.files, whole, job.threads, sink.as_mut(), progress);
            true
        }
        Prepass::Shapes(_) => {
            let mut seen = 0u64;
            let mut opened = Vec::new();
            select(job.files, job.query, job.threads, |item| {
                match item {
                    Selection::Opened { path, header, .. } => {
                        opened.push((path.to_path_buf(), header.clone()));
                    }
                    Selection::Event { source, event } => {
                        seen += 1;
                        if seen.is_multiple_of(PROGRESS_EVERY) {
                            progress.advanced(1, seen);
                        }
                        sink.observe(source_of(&opened, source), event);
                    }
                    Selection::Problem { path, error } => progress.problem(path, error),
                }
                true
            });
            true
        }
    };
    let pass = if matches!(prepass, Prepass::None) {
        1
    } else {
        2
    };
    let mut outputs = Outputs::new(job.output, job.files);
    sink.open(&mut outputs)?;
    if job.files.len() == 1 && sink.lines().is_some() {
        write_lines_parallel(job, sink.as_mut(), pass, reported, progress)?;
    } else {
        write_events(job, sink.as_mut(), pass, reported, progress)?;
    }
    let written = sink.finish()?;
    outputs.commit()?;
    Ok(written)
}

/// The [`Source`] of input `index`, from the inputs opened so far (`select` announces an
/// input before its events; were it not so, the source would be nameless, not a panic).
fn source_of(opened: &[(PathBuf, ttlog_reader::Header)], index: usize) -> Source<'_> {
    static NAMELESS: std::sync::OnceLock<(PathBuf, ttlog_reader::Header)> =
        std::sync::OnceLock::new();
    let (path, header) = opened
        .get(index)
        .unwrap_or_else(|| NAMELESS.get_or_init(Default::default));
    Source {
        index,
        path,
        header,
    }
}

/// The write pass: every selected event to the sink, in order.
fn write_events(
    job: &Job<'_>,
    sink: &mut dyn Sink,
    pass: u8,
    reported: bool,
    progress: &mut dyn Progress,
) -> Result<(), JobError> {
    let mut result = Ok(());
    let mut seen = 0u64;
    let mut opened = Vec::new();
    select(job.files, job.query, job.threads, |item| match item {
        Selection::Event { source, event } => {
            seen += 1;
            if seen.is_multiple_of(PROGRESS_EVERY) {
                progress.advanced(pass, seen);
            }
            match sink.write(source_of(&opened, source), event) {
                Ok(()) => true,
                Err(e) => {
                    result = Err(e);
                    false
                }
            }
        }
        Selection::Opened {
            source,
            path,
            header,
        } => {
            sink.input(Source {
                index: source,
                path,
                header,
            });
            opened.push((path.to_path_buf(), header.clone()));
            true
        }
        Selection::Problem { path, error } => {
            if !reported {
                progress.problem(path, error);
            }
            true
        }
    });
    result
}

/// A [`Prepass::Shapes`] prepass: each file in block order (column types do not depend
/// on order; names come in the order of their first event, as in the write pass of one
/// file), values walked for their shapes instead of decoded. The walking is done on
/// `threads` workers, a chunk of events at a time, the sink fed in order on this thread.
fn shapes(
    files: &[PathBuf],
    whole: fn(&Callsite, &[Shape]) -> bool,
    threads: usize,
    sink: &mut dyn Sink,
    progress: &mut dyn Progress,
) {
    let mut seen = 0u64;
    let mut index = 0;
    for path in files {
        let mut blocks = match BlockReader::open(path) {
            Ok(blocks) => blocks,
            Err(e) => {
                progress.problem(path, &e);
                continue;
            }
        };
        let header = blocks.header().clone();
        let source = Source {
            index,
            path,
            header: &header,
        };
        index += 1;
        if threads <= 1 {
            // One core: walking here costs less than handing chunks between threads.
            while let Some(block) = blocks.next_block() {
                let walked = block.and_then(|block| {
                    decode_block(&block.frame, block.payload).map_err(|source| {
                        ttlog_reader::Error::BadBlock {
                            offset: block.offset,
                            source,
                        }
                    })
                });
                match walked {
                    Ok(BlockContent::Events(mut events)) => {
                        Walked::rest(&mut events, whole, source, sink, progress, &mut seen);
                    }
                    Ok(_) => {}
                    Err(e) => progress.problem(path, &e),
                }
            }
            continue;
        }
        for_each_block_parallel(
            &mut blocks,
            threads,
            |block| match decode_block(&block.frame, block.payload) {
                Ok(BlockContent::Events(mut events)) => {
                    let chunk = Walked::of(&mut events, whole);
                    Ok((chunk, (!events.is_finished()).then_some(events)))
                }
                Ok(_) => Ok((Walked::default(), None)),
                Err(source) => Err(ttlog_reader::Error::BadBlock {
                    offset: block.offset,
                    source,
                }),
            },
            |item| {
                match item.and_then(|r| r) {
                    Ok((chunk, rest)) => {
                        chunk.feed(source, sink, progress, &mut seen);
                        // The rest of a block larger than a chunk, walked here.
                        if let Some(mut rest) = rest {
                            Walked::rest(&mut rest, whole, source, sink, progress, &mut seen);
                        }
                    }
                    Err(e) => progress.problem(path, &e),
                }
                true
            },
        );
    }
}

/// Events walked for their shapes before the rest of a block is handed to the caller's
/// thread (a block of the format's largest size never has all its shapes in memory).
const WALK_CHUNK: usize = 4_096;

/// A chunk of a block's events, by shape.
#[derive(Default)]
struct Walked {
    items: Vec<WalkedItem>,
    /// The shapes of every item's values, each item's at its range.
    shapes: Vec<Shape>,
}

enum WalkedItem {
    /// A log event's callsite, and where its values' shapes are.
    Values(Arc<Callsite>, std::ops::Range<usize>),
    /// An event given whole.
    Event(Event),
}

impl Walked {
    /// The next events of `events`, at most [`WALK_CHUNK`].
    fn of(events: &mut BlockEvents, whole: fn(&Callsite, &[Shape]) -> bool) -> Walked {
        let mut chunk = Walked::default();
        let mut shapes = Vec::new();
        while chunk.items.len() < WALK_CHUNK {
            match events.next_shaped(&mut shapes, whole) {
                Some(Shaped::Values(callsite)) => {
                    let start = chunk.shapes.len();
                    chunk.shapes.extend_from_slice(&shapes);
                    chunk
                        .items
                        .push(WalkedItem::Values(callsite, start..chunk.shapes.len()));
                }
                Some(Shaped::Event(e)) => chunk.items.push(WalkedItem::Event(e)),
                None => break,
            }
        }
        chunk
    }

    /// Walks the rest of `events` here, a chunk at a time, into the sink.
    fn rest(
        events: &mut BlockEvents,
        whole: fn(&Callsite, &[Shape]) -> bool,
        source: Source<'_>,
        sink: &mut dyn Sink,
        progress: &mut dyn Progress,
        seen: &mut u64,
    ) {
        loop {
            let chunk = Walked::of(events, whole);
            if chunk.items.is_empty() {
                break;
            }
            chunk.feed(source, sink, progress, seen);
        }
    }

    /// Hands the chunk to the sink, counting the events in `seen`.
    fn feed(
        &self,
        source: Source<'_>,
        sink: &mut dyn Sink,
        progress: &mut dyn Progress,
        seen: &mut u64,
    ) {
        for item in &self.items {
            *seen += 1;
            if seen.is_multiple_of(PROGRESS_EVERY) {
                progress.advanced(1, *seen);
            }
            match item {
                WalkedItem::Values(callsite, range) => {
                    let all = self.shapes.get(range.clone()).unwrap_or_default();
                    let fields = all.get(callsite.n_args..).unwrap_or_default();
                    sink.observe_shapes(source, callsite, fields);
                }
                WalkedItem::Event(e) => sink.observe(source, e),
            }
        }
    }
}
