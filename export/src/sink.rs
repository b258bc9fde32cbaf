//! The one trait every output format implements ([`Sink`]), and what the export job hands
//! it: where each event came from ([`Source`]) and where it may write ([`Outputs`]).
//!
//! A format sees only selected events, in time order (file order for one file), and never
//! reads a file, opens an output of its own, or reports damage: the job
//! ([`export`](crate::export)) does those for every format alike.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ttlog_reader::{Callsite, Event, Header, Shape};

use crate::{JobError, OutputFile};

/// Where an event came from.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// Its input's index among the readable inputs (stable for the whole export).
    pub index: usize,
    /// Its input's path.
    pub path: &'a Path,
    /// Its input's header (service, host, session, ...).
    pub header: &'a Header,
}

/// What a format must see before it writes its first byte.
#[derive(Clone, Copy, Debug)]
pub enum Prepass {
    /// Nothing: events are written as they are read, in one pass.
    None,
    /// The callsite and the shapes of the fields of every event
    /// ([`Sink::observe_shapes`]), when every event is selected; an event for which the
    /// function, given its callsite and the shapes of its values (arguments, then fields),
    /// is true, and every event when the query selects, is decoded and goes to
    /// [`Sink::observe`]. Parquet's column types need no decoded value but a map's keys.
    Shapes(fn(&Callsite, &[Shape]) -> bool),
}

/// Renders one event as a self-contained piece of text (a line of JSON). A format that
/// has one lets the job render on several threads; it must render exactly what
/// [`Sink::write`] would write.
pub trait Lines: Send + Sync {
    /// Appends `event`'s text to `out`; true when its values were cut to the per-event
    /// bound (SPEC.md 8.7).
    fn line(&self, event: &Event, out: &mut String) -> bool;
}

/// What an export wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// Events (rows, messages) written.
    pub events: u64,
    /// Events written whose values had been cut to the per-event bound (SPEC.md 8.7).
    pub truncated: u64,
}

/// An output format: one file under `formats/`, registered in
/// [`FORMATS`](crate::FORMATS). The job calls, in order: [`check`](Sink::check); the
/// [`prepass`](Sink::prepass) if any; [`open`](Sink::open); [`write`](Sink::write) (or
/// [`write_text`](Sink::write_text) with [`lines`](Sink::lines)) for every selected event;
/// [`finish`](Sink::finish).
pub trait Sink: Send {
    /// Refuses a destination this format cannot write (before anything is read); the job
    /// has already refused one that is an input or a log. By default: any, standard output
    /// included.
    fn check(&self, _dest: Option<&Path>) -> Result<(), JobError> {
        Ok(())
    }

    /// What the format must see first. By default: nothing.
    fn prepass(&self) -> Prepass {
        Prepass::None
    }

    /// One selected event of the prepass.
    fn observe(&mut self, _source: Source<'_>, _event: &Event) {}

    /// One event of a [`Prepass::Shapes`] prepass: its callsite and the shapes of its
    /// fields, in order.
    fn observe_shapes(
        &mut self,
        _source: Source<'_>,
        _callsite: &Arc<Callsite>,
        _fields: &[Shape],
    ) {
    }

    /// Opens the outputs, after the prepass.
    fn open(&mut self, outputs: &mut Outputs<'_>) -> Result<(), JobError>;

    /// An input of the write pass, opened: before its first event, for every readable
    /// input (in the order given), whether or not it has a selected event.
    fn input(&mut self, _source: Source<'_>) {}

    /// One selected event.
    fn write(&mut self, source: Source<'_>, event: &Event) -> Result<(), JobError>;

    /// The format's per-event text, when each event's output stands alone (asked after
    /// [`open`](Sink::open)).
    fn lines(&self) -> Option<Box<dyn Lines>> {
        None
    }

    /// Text [`lines`](Sink::lines) rendered, for `events` events (`truncated` of them cut).
    fn write_text(&mut self, _text: &str, _events: u64, _truncated: u64) -> Result<(), JobError> {
        Err(JobError::Failed("this format has no line text".into()))
    }

    /// Ends the outputs; the job then puts every file in place.
    fn finish(self: Box<Self>) -> Result<Written, JobError>;
}

/// Where a format writes: the destination given (a file, or standard output), and files
/// beside it. Every file is written beside its destination and put in place only when the
/// whole export has succeeded, never over an input or a ttlog log.
pub struct Outputs<'a> {
    dest: Option<&'a Path>,
    inputs: &'a [PathBuf],
    pending: Vec<OutputFile>,
}

/// Buffer of each output file.
const BUFFER: usize = 1 << 20;

impl<'a> Outputs<'a> {
    pub(crate) fn new(dest: Option<&'a Path>, inputs: &'a [PathBuf]) -> Outputs<'a> {
        Outputs {
            dest,
            inputs,
            pending: Vec::new(),
        }
    }

    /// The destination given: a path, or `None` for standard output.
    pub fn dest(&self) -> Option<&'a Path> {
        self.dest
    }

    /// The destination opened for writing: the file (written beside it until the export
    /// is whole) or standard output.
    pub fn main(&mut self) -> Result<Out, JobError> {
        Ok(match self.dest {
            Some(path) => Out {
                out: Box::new(BufWriter::with_capacity(BUFFER, self.create(path)?)),
                path: Some(path.to_path_buf()),
            },
            None => Out {
                out: Box::new(BufWriter::with_capacity(BUFFER, io::stdout())),
                path: None,
            },
        })
    }

    /// A file at `path` (the destination or one beside it), written beside it until the
    /// export is whole; refused when it is an input or holds a ttlog log.
    pub fn create(&mut self, path: &Path) -> Result<File, JobError> {
        let (pending, file) = OutputFile::create(path, self.inputs).map_err(JobError::from)?;
        self.pending.push(pending);
        Ok(file)
    }

    /// Puts every file in place.
    pub(crate) fn commit(self) -> Result<(), JobError> {
        for p in self.pending {
            p.commit().map_err(JobError::from)?;
        }
        Ok(())
    }
}

/// A new file at `path`, its directories made, written in place (a dataset's partition,
/// in a directory the export was given new or empty).
pub fn create_new(path: &Path) -> Result<File, JobError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| JobError::write(dir, e))?;
    }
    File::options()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| JobError::write(path, e))
}

/// A buffered output whose errors name it.
pub struct Out {
    out: Box<dyn Write + Send>,
    path: Option<PathBuf>,
}

impl Out {
    /// The error of a failed write to this output.
    pub fn error(&self, error: io::Error) -> JobError {
        JobError::Write {
            path: self.path.clone(),
            error,
        }
    }

    /// Writes all of `bytes`.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), JobError> {
        self.out.write_all(bytes).map_err(|e| self.error(e))
    }

    /// Flushes the buffer.
    pub fn flush(&mut self) -> Result<(), JobError> {
        self.out.flush().map_err(|e| self.error(e))
    }

    /// Where it goes: a path, or `None` for standard output.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

/// For an encoder that takes a `Write` (map its errors with [`JobError::Write`] and
/// [`path`](Out::path)).
impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
