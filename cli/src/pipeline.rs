//! Reading shared by the commands that print events: the selection of the reader
//! (`ttlog_reader::select`) and, for one file, the export crate's rendering on several
//! threads (`ttlog_export::lines`), into the viewer's sink.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use ttlog_reader::{Query, Selection};

use crate::exit::Status;
use crate::output::{Formatter, Sink};

/// Hands each event of `files` that `query` selects to `each` (merged by time; one file in
/// file order, decoded on every core); problems go to `status`.
pub fn for_each_selected(
    files: &[PathBuf],
    query: &Query,
    status: &mut Status,
    mut each: impl FnMut(&ttlog_reader::Event),
) {
    ttlog_reader::select(files, query, default_threads(), |item| {
        match item {
            Selection::Event { event, .. } => each(event),
            Selection::Problem { path, error } => {
                status.problem(&path.display().to_string(), error);
            }
            Selection::Opened { .. } => {}
        }
        true
    });
}

/// Writes the selected events of `files`, merged by time (one file: in file order), to
/// `sink`.
pub fn write_merged<W: Write>(
    files: &[PathBuf],
    query: &Query,
    sink: &mut Sink<W>,
    status: &mut Status,
) -> io::Result<()> {
    let mut result = Ok(());
    ttlog_reader::select(files, query, default_threads(), |item| match item {
        Selection::Event { event, .. } => match sink.write(event) {
            Ok(cut) => {
                status.truncated(u64::from(cut));
                true
            }
            Err(e) => {
                result = Err(e);
                false
            }
        },
        Selection::Problem { path, error } => {
            status.problem(&path.display().to_string(), error);
            true
        }
        Selection::Opened { .. } => true,
    });
    result
}

impl ttlog_export::Lines for Formatter {
    fn line(&self, event: &ttlog_reader::Event, out: &mut String) -> bool {
        Formatter::line(self, event, out)
    }
}

/// Writes the selected events of one file as text or JSON lines, decoding and formatting
/// blocks on `threads` threads, in file order.
pub fn write_lines_parallel<W: Write>(
    path: &Path,
    query: &Query,
    formatter: &Formatter,
    threads: usize,
    sink: &mut Sink<W>,
    status: &mut Status,
) -> io::Result<()> {
    use ttlog_export::lines::{for_each_rendered, Rendered};
    let name = path.display().to_string();
    let mut result = Ok(());
    for_each_rendered(path, query, formatter, threads, |item| match item {
        Rendered::Text {
            text, truncated, ..
        } => {
            status.truncated(truncated);
            match sink.write_raw(text.as_bytes()) {
                Ok(()) => true,
                Err(e) => {
                    result = Err(e);
                    false
                }
            }
        }
        Rendered::Opened(_) => true,
        Rendered::Problem(e) => {
            status.problem(&name, e);
            true
        }
    });
    result
}

pub use ttlog_reader::default_threads;
