//! `ttlog-view`: view, filter and convert ttlog files.
//!
//! Exit codes: 0 success, 1 error (a file could not be read at all), 2 usage error,
//! 3 finished but some data could not be read (truncated or damaged blocks).

mod exit;
mod output;
mod view;

use std::process::ExitCode;

use clap::Parser;

const AFTER_HELP: &str = "\
Examples:
  ttlog-view logs/demo.bin                  show events as text
  ttlog-view logs/*.bin --format json       all files merged by time, as JSON Lines
  ttlog-view run.bin --format csv > run.csv one row per event, one column per field

Exit codes:
  0  success
  1  error: a file is missing, unreadable, or not a ttlog file
  2  usage error: unknown flag or bad value
  3  finished, but some data could not be read (truncated file or damaged blocks);
     each problem is reported on stderr with its byte offset";

/// View ttlog files: events from all FILES merged by time.
#[derive(Parser, Debug)]
#[command(name = "ttlog-view", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// ttlog files to read (`.bin`).
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<std::path::PathBuf>,

    /// Output format.
    #[arg(long, short = 'F', value_enum, default_value_t = output::Format::Text)]
    pub format: output::Format,

    /// Colour text output: auto (when stdout is a terminal), always, never.
    #[arg(long, value_enum, default_value_t = output::Color::Auto)]
    pub color: output::Color,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(view::run(&cli))
}
