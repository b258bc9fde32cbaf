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

/// A closed pipe (`| head`) ends quietly with success; other write errors are errors.
pub fn output_failed(e: &io::Error, status: &Status) -> u8 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return status.code();
    }
    eprintln!("ttlog-view: writing output failed: {e}");
    ERROR
}

/// Opens where an export goes ([`ttlog_export::OutputFile`]): refusing an input or a ttlog
/// log as the output is a usage error (exit 2), with nothing written.
pub fn open_output(
    path: &std::path::Path,
    inputs: &[std::path::PathBuf],
    status: &mut Status,
) -> Result<(ttlog_export::OutputFile, std::fs::File), u8> {
    ttlog_export::OutputFile::create(path, inputs).map_err(|e| {
        if e.is_refusal() {
            eprintln!("ttlog-view: {e}");
            USAGE
        } else {
            status.fail(&e);
            status.code()
        }
    })
}

/// Puts a finished export in place; a failure is reported in `status`.
pub fn commit_output(pending: ttlog_export::OutputFile, status: &mut Status) {
    if let Err(e) = pending.commit() {
        status.fail(&e);
    }
}

/// Writes `bytes` to `path` whole or not at all, never over an input or a log.
pub fn write_whole(
    path: &std::path::Path,
    inputs: &[std::path::PathBuf],
    bytes: &[u8],
    status: &mut Status,
) -> Result<(), u8> {
    use std::io::Write;
    let (pending, mut file) = open_output(path, inputs, status)?;
    if let Err(e) = file.write_all(bytes).and_then(|()| file.flush()) {
        status.fail(format!("{}: {e}", path.display()));
        return Err(status.code());
    }
    drop(file);
    commit_output(pending, status);
    Ok(())
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
