//! `recover`: copy every readable block of a damaged file into a clean one.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use ttlog_format::record::tag;
use ttlog_format::{BlockBuilder, BlockKind, EndMarker, Header};
use ttlog_reader::{decode_block, BlockContent, BlockReader};

use crate::exit::{failed, open_output, usage, Outcome, Status};

const AFTER_HELP: &str = "\
Every block that passes its checksums and decodes is copied unchanged (blocks are
self-contained), then a fresh trailer and end marker close the new file. A file whose
header is damaged is scanned for blocks from its first byte, under a new header.
Exit code 0 when nothing was lost, 3 when damaged data was left out, 1 when nothing could
be written, 2 when OUT is the input or any other ttlog log (never replaced; nothing is
written). OUT appears when complete (written beside it, then renamed).

Example:
  ttlog-view recover crashed.bin -o crashed.recovered.bin";

/// Arguments of `recover`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct RecoverArgs {
    /// The damaged file.
    #[arg(value_name = "IN")]
    pub input: PathBuf,

    /// Where to write the clean file.
    #[arg(short = 'o', long, value_name = "OUT")]
    pub output: PathBuf,
}

pub fn run(args: &RecoverArgs) -> Outcome {
    let mut status = Status::default();
    let name = args.input.display().to_string();
    // Never over the input, nor over any other log: recovering must not destroy data.
    ttlog_export::check_output(&args.output, std::slice::from_ref(&args.input))
        .map_err(|e| usage(format!("recover: {e}")))?;
    let mut blocks = match BlockReader::open(&args.input) {
        Ok(b) => b,
        Err(ttlog_reader::Error::Header(e)) => {
            eprintln!("ttlog-view: {name}: header unreadable ({e}); scanning for blocks");
            status.lost();
            match File::open(&args.input) {
                Ok(f) => BlockReader::headerless(f),
                Err(e) => {
                    return Err(failed(format!("{name}: {e}")));
                }
            }
        }
        Err(e) => {
            status.problem(&name, &e);
            return Ok(status);
        }
    };
    blocks.keep_stored(true);
    let mut header = blocks.header().clone();
    if header.session.is_empty() {
        header = Header::new("00000000000000000000000000000000");
        header.writer = Some("ttlog-view recover".into());
    }
    let mut bytes = Vec::new();
    header.encode(&mut bytes);
    let (pending, out) = open_output(&args.output, std::slice::from_ref(&args.input))?;
    let mut out = BufWriter::new(out);
    let mut offset = bytes.len() as u64;
    let (mut kept, mut events, mut dropped) = (0u64, 0u64, 0u64);
    let (mut min_ts, mut max_ts) = (u64::MAX, 0u64);
    let mut offsets = Vec::new();
    let write = |data: &[u8], out: &mut BufWriter<File>| out.write_all(data);
    if let Err(e) = write(&bytes, &mut out) {
        return Err(failed(format!("{}: {e}", args.output.display())));
    }
    while let Some(item) = blocks.next_block() {
        let block = match item {
            Ok(b) => b,
            Err(e) => {
                status.problem(&name, &e);
                continue;
            }
        };
        match decode_block(&block.frame, block.payload) {
            Ok(BlockContent::Events(list)) => {
                for e in list {
                    if let ttlog_reader::EventKind::Dropped { count, .. } = e.kind {
                        dropped += count;
                    }
                }
                if let Err(e) = write(&block.stored, &mut out) {
                    return Err(failed(format!("{}: {e}", args.output.display())));
                }
                offsets.push(offset);
                offset += block.stored.len() as u64;
                kept += 1;
                events += u64::from(block.frame.event_count);
                if block.frame.record_count > 0 {
                    min_ts = min_ts.min(block.frame.min_ts);
                    max_ts = max_ts.max(block.frame.max_ts);
                }
            }
            // The old trailer describes the old file; a new one is written below.
            Ok(_) => {}
            Err(source) => status.problem(
                &name,
                &ttlog_reader::Error::BadBlock {
                    offset: block.offset,
                    source,
                },
            ),
        }
    }
    let int = |v: u64| ciborium::Value::Integer(v.into());
    let map = ciborium::Value::Map(vec![
        (ciborium::Value::Text("events".into()), int(events)),
        (ciborium::Value::Text("dropped".into()), int(dropped)),
        (ciborium::Value::Text("blocks".into()), int(kept)),
        (
            ciborium::Value::Text("min_ts".into()),
            int(if kept > 0 { min_ts } else { 0 }),
        ),
        (ciborium::Value::Text("max_ts".into()), int(max_ts)),
        (
            ciborium::Value::Text("block_offsets".into()),
            ciborium::Value::Array(offsets.iter().map(|&o| int(o)).collect()),
        ),
    ]);
    let mut body = Vec::new();
    let _ = ciborium::into_writer(&map, &mut body);
    let mut trailer = BlockBuilder::new();
    trailer.raw_record(tag::TRAILER, &body);
    let mut tail = Vec::new();
    trailer.finish(BlockKind::Trailer, &mut tail);
    tail.extend_from_slice(
        &EndMarker {
            trailer_offset: offset,
        }
        .encode(),
    );
    if let Err(e) = write(&tail, &mut out).and_then(|()| out.flush()) {
        return Err(failed(format!("{}: {e}", args.output.display())));
    }
    drop(out);
    pending.commit().map_err(failed)?;
    eprintln!(
        "ttlog-view: recovered {events} events in {kept} blocks into {}",
        args.output.display()
    );
    Ok(status)
}
