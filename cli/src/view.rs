//! The default command: print the events of one or more files, merged by time.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use ttlog_reader::{for_each_block_parallel, BlockContent, BlockReader, Events, Merge, Query};

use crate::args::{expand, field_list, SelectArgs};
use crate::exit::{output_failed, Status};
use crate::output::{columns, Color, Format, Formatter, Sink};

/// Arguments of the default command.
#[derive(Args, Debug)]
pub struct ViewArgs {
    /// ttlog files to read (`.bin`); globs are expanded.
    #[arg(required = true, value_name = "FILES")]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Output format.
    #[arg(long, short = 'F', value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Show only these fields (comma-separated), and in CSV and table output, these columns.
    #[arg(long, value_name = "A,B")]
    pub fields: Option<String>,

    /// Colour text output: auto (when stdout is a terminal), always, never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

pub fn run(args: &ViewArgs) -> u8 {
    let query = match args.select.query() {
        Ok(q) => q,
        Err(code) => return code,
    };
    let files = expand(&args.files);
    let fields = field_list(&args.fields);
    let formatter = Formatter::new(args.format, args.color, fields.clone());
    let cols = match args.format {
        Format::Csv | Format::Table => columns(&fields, &files, &query),
        _ => Vec::new(),
    };
    let out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut sink = match Sink::new(out, formatter, cols) {
        Ok(s) => s,
        Err(e) => return output_failed(&e, &Status::default()),
    };
    let mut status = Status::default();
    // A snapshot's record comes before its events (in text and table output; JSON and CSV
    // keep one row per event, and `info`/`snapshots` give the record to scripts).
    if matches!(args.format, Format::Text | Format::Table) {
        for f in &files {
            if let Ok(r) = BlockReader::open(f) {
                if let Some(rec) = crate::snapshots::record(r.header()) {
                    print!("{}", crate::snapshots::describe(&rec));
                }
            }
        }
    }
    let parallel = files.len() == 1 && matches!(args.format, Format::Text | Format::Json);
    let result = if parallel {
        one_file_parallel(&files[0], &query, &mut sink, &mut status, args)
    } else {
        merged(&files, &query, &mut sink, &mut status)
    };
    if let Err(e) = result.and_then(|()| sink.finish()) {
        return output_failed(&e, &status);
    }
    status.code()
}

/// Several files (or CSV/table output): events merged by time, one thread.
fn merged<W: Write>(
    files: &[PathBuf],
    query: &Query,
    sink: &mut Sink<W>,
    status: &mut Status,
) -> io::Result<()> {
    let mut sources = Vec::new();
    let mut names = Vec::new();
    for path in files {
        match Events::open(path) {
            Ok(mut events) => {
                let q = query.clone();
                events
                    .blocks_mut()
                    .set_block_filter(Box::new(move |f| q.block_may_match(f)));
                sources.push(events);
                names.push(path.display().to_string());
            }
            Err(e) => status.problem(&path.display().to_string(), &e),
        }
    }
    for (source, item) in Merge::new(sources) {
        match item {
            Ok(event) if query.matches(&event) => sink.write(&event)?,
            Ok(_) => {}
            Err(e) => status.problem(&names[source], &e),
        }
    }
    Ok(())
}

/// One file as text or JSON: blocks decoded and formatted on both cores, in file order.
fn one_file_parallel<W: Write>(
    path: &PathBuf,
    query: &Query,
    sink: &mut Sink<W>,
    status: &mut Status,
    args: &ViewArgs,
) -> io::Result<()> {
    let name = path.display().to_string();
    let mut blocks = match BlockReader::open(path) {
        Ok(b) => b,
        Err(e) => {
            status.problem(&name, &e);
            return Ok(());
        }
    };
    let q = query.clone();
    blocks.set_block_filter(Box::new(move |f| q.block_may_match(f)));
    let formatter = Formatter::new(args.format, args.color, field_list(&args.fields));
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut result = Ok(());
    for_each_block_parallel(
        &mut blocks,
        threads,
        |block| {
            let content =
                ttlog_reader::decode_block_levels(&block.frame, &block.payload, query.level_mask());
            let mut text = String::new();
            match content {
                Ok(BlockContent::Events(mut events)) => {
                    events.sort_by_key(|e| e.ts);
                    for e in events.iter().filter(|e| query.matches(e)) {
                        formatter.line(e, &mut text);
                    }
                    Ok(text)
                }
                Ok(_) => Ok(text),
                Err(source) => Err(ttlog_reader::Error::BadBlock {
                    offset: block.offset,
                    source,
                }),
            }
        },
        |item| match item.and_then(|r| r) {
            Ok(text) => match sink.write_raw(text.as_bytes()) {
                Ok(()) => true,
                Err(e) => {
                    result = Err(e);
                    false
                }
            },
            Err(e) => {
                status.problem(&name, &e);
                true
            }
        },
    );
    result
}
