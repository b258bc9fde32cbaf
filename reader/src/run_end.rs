//! How a run ended, as one file shows it: the trailer's `end` (SPEC.md 6), the last
//! `ttlog.end` event (SPEC.md 8.8), whether the file was closed, damaged, or is still held
//! by a live writer (SPEC.md 3, "The writer's lock").

use std::path::Path;

use ttlog_format::{level_bit, BlockKind, Level};

use crate::block::{decode_block, BlockContent};
use crate::event::EventKind;
use crate::file::BlockReader;
use crate::Error;

/// How a file's run ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunEnd {
    /// The file ends with a trailer and an end marker.
    pub closed: bool,
    /// The trailer's `end`: `clean`, `panic`, `exception`, `signal-SIGTERM`, `interrupted`…
    pub end: Option<String>,
    /// The message of the last `ttlog.end` event: the cause, in the run's own log.
    pub end_event: Option<String>,
    /// Some data could not be read (a last block cut short, as a kill leaves it, aside).
    pub damaged: bool,
    /// A live process holds the writer's lock: the run is still going.
    pub live: bool,
}

impl RunEnd {
    /// Reads what `path` says of how its run ended (every block whose level mask holds
    /// CRITICAL is decoded, the others only checked).
    pub fn of_file(path: &Path) -> Result<RunEnd, Error> {
        let mut blocks = BlockReader::open(path)?;
        let mut run = RunEnd::default();
        let critical = level_bit(Level::Critical as u8);
        while let Some(item) = blocks.next_block() {
            let block = match item {
                Ok(block) => block,
                // A block cut at the end is what a kill leaves, not damage.
                Err(Error::Truncated { .. }) => continue,
                Err(_) => {
                    run.damaged = true;
                    continue;
                }
            };
            if block.frame.level_mask.0 & critical == 0 && block.frame.kind == BlockKind::Data {
                continue;
            }
            match decode_block(&block.frame, block.payload) {
                Ok(BlockContent::Events(events)) => {
                    for e in events {
                        if matches!(e.kind, EventKind::Log) && e.target() == "ttlog.end" {
                            run.end_event = Some(e.message());
                        }
                    }
                }
                Ok(BlockContent::Trailer(t)) => run.end = t.end.clone(),
                Ok(BlockContent::Unknown(_)) => {}
                Err(_) => run.damaged = true,
            }
        }
        run.closed = blocks.closed_cleanly();
        run.live = !run.closed && ttlog_format::lock::is_being_written(path);
        Ok(run)
    }

    /// One line: `closed cleanly`, `ended by panic (closed)`, `being written (…)`, `not
    /// closed: the writer was killed (…)`, ….
    pub fn state(&self) -> String {
        if self.closed {
            return match self.end.as_deref() {
                None | Some("clean") => "closed cleanly".to_string(),
                Some(how) => format!("ended by {how} (closed)"),
            };
        }
        if self.live {
            "being written (a live process holds its lock)".to_string()
        } else if self.end_event.is_some() && !self.damaged {
            "ended by an error, not closed (the process died)".to_string()
        } else if self.damaged {
            "damaged".to_string()
        } else {
            "not closed: the writer was killed (no live process holds its lock)".to_string()
        }
    }
}
