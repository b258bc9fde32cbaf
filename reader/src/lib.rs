//! # ttlog-reader
//!
//! Reads files written by the `ttlog` logger (format: `format-spec/SPEC.md`): iterate their
//! events, survive damage, merge files by time, and export JSON Lines or CSV.
//!
//! - [`Events`] iterates one file's events. Damage does not stop it: a block that fails its
//!   checksums or does not decode is skipped whole and reported as an `Err` item naming its
//!   byte offset; a file cut off mid-block (its writer was killed) yields every complete
//!   block and then reports the cut. [`Error::is_data_loss`] tells such reports from errors
//!   that stop the file.
//! - [`BlockReader`] is the layer below: checked, decompressed blocks, for tools that work
//!   per block (parallel decoding, recovery, summaries). [`decode_block`] decodes one block
//!   with no I/O.
//! - [`Merge`] interleaves several files by timestamp.
//! - [`select`] hands out the events a [`Query`] selects from any number of files, with the
//!   problems met reading them: one file decoded on several threads, several merged by time.
//! - [`write_json_line`] and [`CsvExporter`] export events.
//! - [`Filter`] parses filter expressions (`level>=WARN and joint=2`); [`Query`] combines
//!   them with a time window and thread names, and tells from a block's frame alone whether
//!   it can hold a match, so non-matching blocks are never decompressed.
//! - [`last_events`] reads the last events of a file from its end; [`Follower`] then reads
//!   what a writer appends, through rotation and truncation.
//!
//! ```no_run
//! use ttlog_reader::{write_json_line, Events};
//!
//! fn main() -> Result<(), ttlog_reader::Error> {
//!     let mut out = String::new();
//!     for item in Events::open("logs/demo.bin")? {
//!         match item {
//!             Ok(event) if event.level_name() == "ERROR" => {
//!                 println!("{} {}", event.target(), event.message());
//!                 write_json_line(&event, &mut out);
//!             }
//!             Ok(_) => {}
//!             Err(skipped) => eprintln!("warning: {skipped}"),
//!         }
//!     }
//!     print!("{out}");
//!     Ok(())
//! }
//! ```

mod block;
mod error;
mod event;
mod export;
mod file;
mod filter;
mod follow;
mod ids;
mod main_log;
mod merge;
mod parallel;
mod paths;
mod query;
mod render;
mod run_end;
mod select;
mod tail;
mod trailer;
mod value;

pub use block::{
    decode_block, decode_block_levels, BlockContent, BlockEvents, Elem, Shape, Shaped,
};
pub use error::Error;
pub use event::{Callsite, Event, EventKind};
pub use export::{
    write_json_line, write_json_line_with_fields, CsvExporter, FieldNames, CSV_FIXED_COLUMNS,
    MAX_FIELD_COLUMNS, MORE_FIELDS,
};
pub use file::{BlockFilter, BlockReader, Events, RawBlock};
pub use filter::{Filter, FilterError};
pub use follow::{next_in_series, Followed, Follower};
pub use main_log::{find_main_log, snapshot_record};
pub use merge::Merge;
pub use parallel::{default_threads, for_each_block_parallel, MAX_IN_FLIGHT_BYTES};
pub use paths::expand_paths;
pub use query::{Query, Selected};
pub use render::{render, MAX_MESSAGE_LEN, MAX_WIDTH, TRUNCATION_MARK};
pub use run_end::RunEnd;
pub use select::{select, Inputs, Selection};
pub use tail::{last_events, Tail};
pub use trailer::Trailer;
pub use ttlog_format::lock::is_being_written;
pub use ttlog_format::{format_rfc3339, parse_rfc3339};
pub use ttlog_format::{
    DropReason, Header, Level, EVENT_VALUE_BUDGET, MAX_KEY_TEXT, SPAN_RECORD_FIELDS, SPAN_TARGET,
};
pub use value::{json_string, Value};

/// Reads every event of the file at `path`, with the reports of skipped data.
///
/// Fails only when the file cannot be opened or has no readable header.
pub fn read_all(path: impl AsRef<std::path::Path>) -> Result<(Vec<Event>, Vec<Error>), Error> {
    let mut events = Vec::new();
    let mut problems = Vec::new();
    for item in Events::open(path)? {
        match item {
            Ok(e) => events.push(e),
            Err(e) if e.is_data_loss() => problems.push(e),
            Err(e) => return Err(e),
        }
    }
    Ok((events, problems))
}

// Readers move to worker threads (parallel scans, a viewer's reader thread): that they stay
// `Send` (and the shared ones `Sync`) is part of the API, checked at compile time.
const _: fn() = || {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<BlockReader<std::fs::File>>();
    send::<Events<std::fs::File>>();
    send::<BlockEvents>();
    send::<Event>();
    send::<Follower>();
    send::<Tail>();
    send::<Merge<Events<std::fs::File>>>();
    send::<Error>();
    sync::<Query>();
    sync::<Filter>();
    sync::<Event>();
    sync::<Value>();
};
