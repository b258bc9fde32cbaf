//! Writing events to stdout in the chosen format.

use std::io::{self, IsTerminal, Write};

use clap::ValueEnum;
use ttlog_reader::{format_rfc3339, write_json_line, CsvExporter, Event, Level};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per event: time, level, target, thread, message, fields.
    Text,
    /// JSON Lines, one object per event (schema in the README).
    Json,
    /// CSV with a header row; one column per field name.
    Csv,
}

/// When to colour text output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// When stdout is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Writes events in one format.
pub enum Sink {
    Text {
        out: io::BufWriter<io::Stdout>,
        color: bool,
        line: String,
    },
    Json {
        out: io::BufWriter<io::Stdout>,
        line: String,
    },
    Csv(Box<CsvExporter<io::BufWriter<io::Stdout>>>),
}

impl Sink {
    pub fn new(format: Format, color: Color, csv_fields: Vec<String>) -> io::Result<Sink> {
        let out = io::BufWriter::with_capacity(1 << 16, io::stdout());
        Ok(match format {
            Format::Text => Sink::Text {
                color: match color {
                    Color::Always => true,
                    Color::Never => false,
                    Color::Auto => io::stdout().is_terminal(),
                },
                out,
                line: String::new(),
            },
            Format::Json => Sink::Json {
                out,
                line: String::new(),
            },
            Format::Csv => Sink::Csv(Box::new(CsvExporter::new(out, csv_fields)?)),
        })
    }

    pub fn write(&mut self, event: &Event) -> io::Result<()> {
        match self {
            Sink::Text { out, color, line } => {
                line.clear();
                text_line(event, *color, line);
                out.write_all(line.as_bytes())
            }
            Sink::Json { out, line } => {
                line.clear();
                write_json_line(event, line);
                out.write_all(line.as_bytes())
            }
            Sink::Csv(csv) => csv.write(event),
        }
    }

    pub fn finish(self) -> io::Result<()> {
        match self {
            Sink::Text { mut out, .. } | Sink::Json { mut out, .. } => out.flush(),
            Sink::Csv(csv) => csv.finish()?.flush(),
        }
    }
}

fn text_line(event: &Event, color: bool, line: &mut String) {
    use std::fmt::Write;
    format_rfc3339(event.ts, line);
    let level = event.level_name();
    let paint = match (color, event.level()) {
        (false, _) => "",
        (true, Some(Level::Error)) => "\x1b[1;31m",
        (true, Some(Level::Warn)) => "\x1b[33m",
        (true, Some(Level::Info)) => "\x1b[32m",
        (true, Some(Level::Debug)) => "\x1b[34m",
        (true, _) => "\x1b[2m",
    };
    let reset = if color { "\x1b[0m" } else { "" };
    let _ = write!(line, " {paint}{level:>5}{reset} {}", event.target());
    if !event.thread.is_empty() {
        let _ = write!(line, " [{}]", event.thread);
    }
    line.push(' ');
    event.write_message(line);
    for (name, value) in event.fields() {
        let _ = write!(line, " {name}=");
        match value {
            ttlog_reader::Value::Text(t) if t.contains([' ', '"', '=']) || t.is_empty() => {
                let _ = write!(line, "{:?}", &**t);
            }
            other => {
                let _ = write!(line, "{other}");
            }
        }
    }
    line.push('\n');
}
