//! Exit codes, as documented in `--help` and the README, and the tally that picks one.

use std::io;

/// Everything was read.
pub const OK: u8 = 0;
/// A file could not be read at all.
pub const ERROR: u8 = 1;
/// The command line was wrong.
pub const USAGE: u8 = 2;
/// Finished, but some data was skipped.
pub const DATA_LOSS: u8 = 3;

/// Why a command stopped before its end: returned by the command, printed once by `main`
/// (`ttlog-view: MESSAGE`) and mapped to its exit code there.
#[derive(Debug)]
pub enum Error {
    /// The command line was wrong: an unknown value, a bad filter, an output refused
    /// (exit 2). Nothing was written.
    Usage(String),
    /// The command line asked for what the files do not have (a series, a loop), found
    /// after some of their data could not be read, which may be why (exit 3).
    UsageAfterLoss(String),
    /// Something other than the input's data failed: writing an output, drawing (exit 1).
    Failed(String),
}

impl Error {
    /// The exit code.
    pub fn code(&self) -> u8 {
        match self {
            Error::Usage(_) => USAGE,
            Error::UsageAfterLoss(_) => DATA_LOSS,
            Error::Failed(_) => ERROR,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Usage(m) | Error::UsageAfterLoss(m) | Error::Failed(m) => f.write_str(m),
        }
    }
}

impl From<ttlog_export::JobError> for Error {
    fn from(e: ttlog_export::JobError) -> Error {
        match e {
            ttlog_export::JobError::Refused(m) => Error::Usage(m),
            other => failed(other),
        }
    }
}

/// A command's result: the tally of what it met (exit 0, 1 or 3), or why it stopped.
pub type Outcome = Result<Status, Error>;

/// A usage error (exit 2).
pub fn usage(message: impl std::fmt::Display) -> Error {
    Error::Usage(message.to_string())
}

/// A failure (exit 1).
pub fn failed(message: impl std::fmt::Display) -> Error {
    Error::Failed(message.to_string())
}

/// What went wrong during a command, reported on stderr as it happens.
#[derive(Default)]
pub struct Status {
    failed: bool,
    lost: bool,
    truncated: u64,
}

impl Status {
    /// Reports a problem with one file.
    pub fn problem(&mut self, file: &str, e: &ttlog_reader::Error) {
        match e {
            ttlog_reader::Error::Header(_) => {
                eprintln!("ttlog-view: {file}: not a readable ttlog file: {e}");
            }
            _ => eprintln!("ttlog-view: {file}: {e}"),
        }
        if e.is_data_loss() {
            self.lost = true;
        } else {
            self.failed = true;
        }
    }

    /// Reports a failure that is not about data (an output file, say).
    pub fn fail(&mut self, message: impl std::fmt::Display) {
        eprintln!("ttlog-view: {message}");
        self.failed = true;
    }

    /// Records that `n` events shown were cut to the per-event bound (SPEC.md 8.7): said
    /// once, on the first, and counted as data not shown whole (exit 3).
    pub fn truncated(&mut self, n: u64) {
        if n == 0 {
            return;
        }
        if self.truncated == 0 {
            eprintln!(
                "ttlog-view: an event's values were cut to the per-event bound of {} units \
                 (SPEC.md 8.7); such events are marked \"truncated\":true in JSON and \
                 [truncated] in text",
                ttlog_format::EVENT_VALUE_BUDGET
            );
        }
        self.truncated += n;
        self.lost = true;
    }

    /// A usage error found after reading: exit 3 when data was lost on the way, else 2.
    pub fn usage(&self, message: impl std::fmt::Display) -> Error {
        if self.lost {
            Error::UsageAfterLoss(message.to_string())
        } else {
            Error::Usage(message.to_string())
        }
    }

    /// Records that data was lost (already reported).
    pub fn lost(&mut self) {
        self.lost = true;
    }

    /// The exit code: an unreadable file outranks data lost in another.
    pub fn code(&self) -> u8 {
        if self.failed {
            ERROR
        } else if self.lost {
            DATA_LOSS
        } else {
            OK
        }
    }
}

/// The end of a command whose writing to its output failed: a closed pipe (`| head`) ends
/// quietly with the tally so far; another write error stops it (exit 1).
pub fn output_failed(e: &io::Error, status: Status) -> Outcome {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return Ok(status);
    }
    Err(Error::Failed(format!("writing output failed: {e}")))
}

/// Opens where an output goes ([`ttlog_export::OutputFile`]): refusing an input or a ttlog
/// log as the output is a usage error (exit 2), with nothing written.
pub fn open_output(
    path: &std::path::Path,
    inputs: &[std::path::PathBuf],
) -> Result<(ttlog_export::OutputFile, std::fs::File), Error> {
    ttlog_export::OutputFile::create(path, inputs).map_err(|e| {
        if e.is_refusal() {
            Error::Usage(e.to_string())
        } else {
            failed(e)
        }
    })
}

/// Writes `bytes` to `path` whole or not at all, never over an input or a log.
pub fn write_whole(
    path: &std::path::Path,
    inputs: &[std::path::PathBuf],
    bytes: &[u8],
) -> Result<(), Error> {
    use std::io::Write;
    let (pending, mut file) = open_output(path, inputs)?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(|e| Error::Failed(format!("{}: {e}", path.display())))?;
    drop(file);
    pending.commit().map_err(failed)
}

/// Writes to stdout. A closed pipe (`ttlog-view info run.bin | head`) ends the program
/// quietly with success, as `view` does, instead of the panic `println!` gives; another
/// write error is reported and ends it with [`ERROR`].
pub fn print_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if let Err(e) = io::stdout().lock().write_fmt(args) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(i32::from(OK));
        }
        eprintln!("ttlog-view: writing output failed: {e}");
        std::process::exit(i32::from(ERROR));
    }
}

/// `println!` through [`print_stdout`].
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::exit::print_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` through [`print_stdout`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::exit::print_stdout(format_args!($($arg)*))
    };
}
