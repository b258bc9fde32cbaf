//! `verify`: check every block, report every problem with its byte offset.

use std::path::PathBuf;

use clap::Args;
use ttlog_reader::{decode_block, BlockReader};

use crate::args::expand;
use crate::exit::Status;

const AFTER_HELP: &str = "\
Checks each block's frame and payload checksums, decompresses it and decodes every record.
Prints one line per file: OK with counts, or each problem with its byte offset.
Exit code 0 when every file is intact, 3 when a file has damaged or missing data, 1 when a
file cannot be read at all.

Example:
  ttlog-view verify logs/*.bin";

/// Arguments of `verify`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct VerifyArgs {
    /// Files to check.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,
}

pub fn run(args: &VerifyArgs) -> u8 {
    let mut status = Status::default();
    for path in expand(&args.files) {
        let name = path.display().to_string();
        let mut blocks = match BlockReader::open(&path) {
            Ok(b) => b,
            Err(e) => {
                status.problem(&name, &e);
                continue;
            }
        };
        let (mut good, mut events, mut problems) = (0u64, 0u64, 0u64);
        while let Some(item) = blocks.next_block() {
            match item.and_then(|b| {
                decode_block(&b.frame, &b.payload)
                    .map(|_| b.frame.event_count)
                    .map_err(|source| ttlog_reader::Error::BadBlock {
                        offset: b.offset,
                        source,
                    })
            }) {
                Ok(n) => {
                    good += 1;
                    events += u64::from(n);
                }
                Err(e) => {
                    problems += 1;
                    status.problem(&name, &e);
                }
            }
        }
        let closed = if blocks.closed_cleanly() {
            "closed cleanly"
        } else {
            "not closed cleanly"
        };
        if problems == 0 {
            println!("{name}: OK: {good} blocks, {events} events, {closed}");
        } else {
            println!(
                "{name}: {problems} problems; {good} good blocks with {events} events, {closed}"
            );
        }
    }
    status.code()
}
