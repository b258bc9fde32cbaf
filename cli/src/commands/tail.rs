//! `tail`: the last events of files, read from their ends, then optionally followed.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use ttlog_reader::{last_events, Error, Followed, Follower};

use crate::args::{expand, field_list, SelectArgs};
use crate::exit::{output_failed, usage, Outcome, Status};
use crate::output::{Color, Format, Formatter};

const AFTER_HELP: &str = "\
Examples:
  ttlog-view tail logs/run.bin                    the last 10 events
  ttlog-view tail -n 50 --filter 'level>=WARN' logs/run.bin
  ttlog-view tail -f logs/run.000001.bin          follow, through rotation, until Ctrl-C

Only the end of each file is read, so this is fast on files of any size. With --follow,
new events appear as the writer appends blocks (within its flush interval, 100 ms by
default); a truncated or replaced file is read again from its start, and when the writer
rotates to the next file of a series (run.000002.bin) following moves there. When retention
deletes the file being followed, the rest of it is still read, following moves to the
oldest later file of the series, and files deleted before they could be read are reported
(exit 3). Damage in the part of a file tail reads is reported as view reports it (exit 3).";

/// Arguments of `tail`. As in tail(1), `-f` follows here; filters are `--filter` only.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP, mut_arg("filters", |a| a.short(None)))]
pub struct TailArgs {
    /// Files to read.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,

    /// How many events to print from the end.
    #[arg(short = 'n', long = "lines", default_value_t = 10, value_name = "N")]
    pub count: usize,

    /// Keep printing new events as they are written, until Ctrl-C (-F is the same).
    #[arg(short = 'f', long, visible_short_alias = 'F')]
    pub follow: bool,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Output format (text or json).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Show only these fields (comma-separated).
    #[arg(long, value_name = "A,B")]
    pub fields: Option<String>,

    /// Colour text output: auto, always, never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// With --follow, how often to look for new data, in milliseconds.
    #[arg(long, default_value_t = 100, value_name = "MS")]
    pub poll_ms: u64,
}

pub fn run(args: &TailArgs) -> Outcome {
    let query = args.select.query()?;
    if matches!(args.format, Format::Csv | Format::Table) {
        return Err(usage("tail prints text or json"));
    }
    let formatter = Formatter::new(args.format, args.color, field_list(&args.fields));
    let files = expand(&args.files);
    let mut status = Status::default();
    let mut out = io::stdout().lock();
    let mut line = String::new();
    let mut followers = Vec::new();
    let mut all = Vec::new();
    for path in &files {
        let name = path.display().to_string();
        match last_events(path, args.count, &query) {
            Ok(tail) => {
                for p in &tail.problems {
                    // A block still being written is normal when following.
                    if !(args.follow && matches!(p, Error::Truncated { .. })) {
                        status.problem(&name, p);
                    }
                }
                all.extend(tail.events);
                followers.push(Follower::new(path, tail.resume_at, query.clone()));
            }
            Err(e) => status.problem(&name, &e),
        }
    }
    // Several files: the last N events overall, in time order.
    all.sort_by_key(|e| e.ts);
    let skip = all.len().saturating_sub(args.count);
    for e in &all[skip..] {
        line.clear();
        if formatter.line(e, &mut line) {
            status.truncated(1);
        }
        if let Err(e) = out.write_all(line.as_bytes()) {
            return output_failed(&e, status);
        }
    }
    if let Err(e) = out.flush() {
        return output_failed(&e, status);
    }
    if !args.follow {
        return Ok(status);
    }
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        // Without a handler Ctrl-C would still stop us, but mid-line.
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst));
    }
    while !stop.load(Ordering::SeqCst) {
        for f in &mut followers {
            let name = f.path().display().to_string();
            for item in f.poll() {
                match item {
                    Followed::Event(e) => {
                        line.clear();
                        if formatter.line(&e, &mut line) {
                            status.truncated(1);
                        }
                        if let Err(e) = out.write_all(line.as_bytes()) {
                            return output_failed(&e, status);
                        }
                    }
                    Followed::Problem(e) => status.problem(&name, &e),
                    Followed::Restarted(p) => {
                        eprintln!("ttlog-view: {}: file was truncated or replaced; reading it from the start", p.display());
                    }
                    Followed::Rotated(p) => eprintln!("ttlog-view: following {}", p.display()),
                    Followed::Missing(p) => eprintln!(
                        "ttlog-view: {} was deleted; waiting for it to appear again",
                        p.display()
                    ),
                }
            }
        }
        if let Err(e) = out.flush() {
            return output_failed(&e, status);
        }
        std::thread::sleep(Duration::from_millis(args.poll_ms.max(1)));
    }
    Ok(status)
}
