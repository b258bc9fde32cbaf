//! `convert --to parquet`: the selected events as one Parquet table, or as a
//! Hive-partitioned dataset (`--partition-by service,host,date`): the job is
//! [`ttlog_export::write_parquet`]; this reports its problems and progress.

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use ttlog_export::{parse_partition_keys, write_parquet, JobError, Progress};
use ttlog_reader::Query;

use crate::exit::{Status, USAGE};

/// An export job's reports: damage into the status, progress on a spinner; `passes`
/// names what each pass does.
pub(crate) struct Report<'s> {
    pub status: &'s mut Status,
    pub bar: ProgressBar,
    pub passes: [&'static str; 2],
}

impl Progress for Report<'_> {
    fn problem(&mut self, path: &Path, error: &ttlog_reader::Error) {
        self.bar
            .suspend(|| self.status.problem(&path.display().to_string(), error));
    }
    fn advanced(&mut self, pass: u8, events: u64) {
        self.bar
            .set_message(self.passes[usize::from(pass.clamp(1, 2)) - 1]);
        self.bar.set_position(events);
    }
}

/// A spinner of events read, per pass, on stderr when it is a terminal and the input is
/// over 64 MiB.
pub(crate) fn progress_bar(files: &[PathBuf]) -> ProgressBar {
    use std::io::IsTerminal;
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    if !std::io::stderr().is_terminal() || total < 64 << 20 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}: {human_pos} events {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar
}

/// Converts `files` to Parquet at `output`: one file, or a dataset directory when
/// `partition_by` is given. Returns the exit code.
pub fn run(
    files: &[PathBuf],
    query: &Query,
    output: Option<&Path>,
    partition_by: Option<&str>,
    status: &mut Status,
) -> u8 {
    let Some(output) = output else {
        eprintln!(
            "ttlog-view: --to parquet needs -o OUT (Parquet is not written to a terminal or pipe)"
        );
        return USAGE;
    };
    let keys = match partition_by.map(parse_partition_keys).transpose() {
        Ok(keys) => keys.unwrap_or_default(),
        Err(e) => {
            eprintln!("ttlog-view: --partition-by: {e}");
            return USAGE;
        }
    };
    let mut report = Report {
        status,
        bar: progress_bar(files),
        passes: ["reading fields", "writing rows"],
    };
    let result = write_parquet(files, query, output, &keys, &mut report);
    report.finish(result)
}

impl Report<'_> {
    /// Ends an export job: the spinner cleared, a refused output a usage error (exit 2),
    /// a failure reported; returns the exit code.
    pub(crate) fn finish<T>(self, result: Result<T, JobError>) -> u8 {
        self.bar.finish_and_clear();
        match result {
            Ok(_) => {}
            Err(JobError::Refused(e)) => {
                eprintln!("ttlog-view: {e}");
                return USAGE;
            }
            Err(e) => self.status.fail(e),
        }
        self.status.code()
    }
}
