//! The default command: print the events of one or more files, merged by time.

use std::collections::BTreeSet;
use std::io;

use ttlog_reader::{Error, Events, Merge};

use crate::exit;
use crate::output::{Format, Sink};
use crate::Cli;

pub fn run(cli: &Cli) -> u8 {
    let mut sources = Vec::new();
    let mut failed = false;
    let mut lost = false;
    for path in &cli.files {
        match Events::open(path) {
            Ok(events) => sources.push((path, events)),
            Err(e) => {
                eprintln!("ttlog-view: {}: {}", path.display(), describe(&e));
                failed = true;
            }
        }
    }
    let csv_fields = if cli.format == Format::Csv {
        match field_columns(cli) {
            Ok(f) => f,
            Err(code) => return code,
        }
    } else {
        Vec::new()
    };
    let mut sink = match Sink::new(cli.format, cli.color, csv_fields) {
        Ok(s) => s,
        Err(e) => return io_failure(&e),
    };
    let names: Vec<_> = sources
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
    let merged = Merge::new(sources.into_iter().map(|(_, e)| e).collect());
    for (source, item) in merged {
        match item {
            Ok(event) => {
                if let Err(e) = sink.write(&event) {
                    return io_failure(&e);
                }
            }
            Err(e) => {
                eprintln!("ttlog-view: {}: {}", names[source], describe(&e));
                if e.is_data_loss() {
                    lost = true;
                } else {
                    failed = true;
                }
            }
        }
    }
    if let Err(e) = sink.finish() {
        return io_failure(&e);
    }
    // A file that could not be read at all outranks data lost in another.
    if failed {
        exit::ERROR
    } else if lost {
        exit::DATA_LOSS
    } else {
        exit::OK
    }
}

fn describe(e: &Error) -> String {
    match e {
        Error::Header(_) => format!("not a readable ttlog file: {e}"),
        _ => e.to_string(),
    }
}

/// CSV needs its columns before the first row: one pass over the files for field names.
fn field_columns(cli: &Cli) -> Result<Vec<String>, u8> {
    let mut names = Vec::new();
    let mut seen = BTreeSet::new();
    for path in &cli.files {
        let Ok(events) = Events::open(path) else {
            continue;
        };
        for event in events.flatten() {
            for (name, _) in event.fields() {
                if seen.insert(name.to_string()) {
                    names.push(name.to_string());
                }
            }
        }
    }
    Ok(names)
}

/// A closed pipe (`| head`) ends quietly with success; other write errors are errors.
fn io_failure(e: &io::Error) -> u8 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return exit::OK;
    }
    eprintln!("ttlog-view: writing output failed: {e}");
    exit::ERROR
}
