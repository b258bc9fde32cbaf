//! `verify`: check every block, report every problem with its byte offset.

use std::path::PathBuf;

use clap::Args;
use ttlog_reader::{decode_block, BlockContent, BlockReader, EventKind, Trailer};

use crate::args::expand;
use crate::exit::{Outcome, Status};

const AFTER_HELP: &str = "\
Checks each block's frame and payload checksums, decompresses it and decodes every record.
In a cleanly closed file, also checks the trailer against the blocks found: their number,
their events, the losses they report and their offsets, so a block cut out of the file is
noticed.
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

pub fn run(args: &VerifyArgs) -> Outcome {
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
        let mut found = Found::default();
        let mut problems = 0u64;
        let mut good = 0u64;
        let mut trailer = None;
        while let Some(item) = blocks.next_block() {
            let checked = item.and_then(|b| {
                let (offset, frame) = (b.offset, b.frame);
                decode_block(&frame, b.payload)
                    .map(|content| (offset, frame, content))
                    .map_err(|source| ttlog_reader::Error::BadBlock { offset, source })
            });
            good += u64::from(checked.is_ok());
            match checked {
                Ok((offset, frame, BlockContent::Events(events))) => {
                    found.offsets.push(offset);
                    found.events += u64::from(frame.event_count);
                    found.dropped += events
                        .map(|e| match e.kind {
                            EventKind::Dropped { count, .. } => count,
                            EventKind::Log => 0,
                        })
                        .sum::<u64>();
                }
                Ok((offset, _, BlockContent::Trailer(t))) => trailer = Some((offset, t)),
                Ok((_, _, BlockContent::Unknown(_))) => {}
                Err(e) => {
                    problems += 1;
                    status.problem(&name, &e);
                }
            }
        }
        if let Some((offset, t)) = &trailer {
            for detail in found.disagreements(t) {
                problems += 1;
                status.problem(
                    &name,
                    &ttlog_reader::Error::TrailerMismatch {
                        offset: *offset,
                        detail,
                    },
                );
            }
        }
        let closed = if blocks.closed_cleanly() {
            "closed cleanly"
        } else {
            "not closed cleanly"
        };
        let events = found.events;
        if problems == 0 {
            outln!("{name}: OK: {good} blocks, {events} events, {closed}");
        } else {
            outln!(
                "{name}: {problems} problems; {good} good blocks with {events} events, {closed}"
            );
        }
    }
    Ok(status)
}

/// What the data blocks that passed every check hold, to compare with a trailer.
#[derive(Default)]
struct Found {
    offsets: Vec<u64>,
    events: u64,
    dropped: u64,
}

impl Found {
    /// Each way the trailer's summary differs from the blocks found.
    fn disagreements(&self, t: &Trailer) -> Vec<String> {
        let mut out = Vec::new();
        let blocks = self.offsets.len() as u64;
        if t.blocks != blocks {
            out.push(format!("it says {} data blocks, found {blocks}", t.blocks));
        }
        if t.events != self.events {
            out.push(format!(
                "it says {} events, found {}",
                t.events, self.events
            ));
        }
        if t.dropped != self.dropped {
            out.push(format!(
                "it says {} events were lost, the loss reports found say {}",
                t.dropped, self.dropped
            ));
        }
        if !t.block_offsets.is_empty() && t.block_offsets != self.offsets {
            let missing: Vec<u64> = t
                .block_offsets
                .iter()
                .filter(|o| self.offsets.binary_search(o).is_err())
                .copied()
                .take(10)
                .collect();
            out.push(format!(
                "its block index differs from the blocks found (listed but not found at: {missing:?})"
            ));
        }
        out
    }
}
