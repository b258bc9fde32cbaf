//! Writing events to an output in the chosen format.

use std::io::{self, IsTerminal, Write};

use clap::ValueEnum;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use ttlog_reader::{format_rfc3339, Event, FieldNames, Level, Value};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per event: time, level, target, thread, message, fields.
    Text,
    /// JSON Lines, one object per event (schema in the README).
    Json,
    /// CSV with a header row; one column per field name.
    Csv,
    /// A table (holds all rows in memory: for filtered or short output).
    Table,
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

/// Formats events into bytes; `Sink` adds where they go.
pub struct Formatter {
    format: Format,
    color: bool,
    fields: Option<Vec<String>>,
}

impl Formatter {
    pub fn new(format: Format, color: Color, fields: Option<Vec<String>>) -> Formatter {
        Formatter {
            format,
            color: match color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => format == Format::Text && io::stdout().is_terminal(),
            },
            fields,
        }
    }

    fn shown<'e>(&'e self, event: &'e Event) -> impl Iterator<Item = (&'e str, &'e Value)> + 'e {
        event.fields().filter(move |(name, _)| {
            self.fields
                .as_ref()
                .is_none_or(|keep| keep.iter().any(|k| k == name))
        })
    }

    /// Appends one event as text or JSON (with its newline). True when the event was cut
    /// to the per-event bound (SPEC.md 8.7) and is so marked.
    #[must_use]
    pub fn line(&self, event: &Event, out: &mut String) -> bool {
        match self.format {
            Format::Json => self.json(event, out),
            _ => self.text(event, out),
        }
    }

    fn json(&self, event: &Event, out: &mut String) -> bool {
        // The same schema, with only the chosen fields when --fields names some.
        ttlog_reader::write_json_line_with_fields(event, self.shown(event), out)
    }

    fn text(&self, event: &Event, line: &mut String) -> bool {
        use std::fmt::Write;
        format_rfc3339(event.ts, line);
        let level = event.level_name();
        let paint = match (self.color, event.level()) {
            (false, _) => "",
            (true, Some(Level::Critical)) => "\x1b[1;37;41m",
            (true, Some(Level::Error)) => "\x1b[1;31m",
            (true, Some(Level::Warn)) => "\x1b[33m",
            (true, Some(Level::Info)) => "\x1b[32m",
            (true, Some(Level::Debug)) => "\x1b[34m",
            (true, _) => "\x1b[2m",
        };
        let reset = if self.color { "\x1b[0m" } else { "" };
        let _ = write!(line, " {paint}{level:>5}{reset} {}", event.target());
        if !event.thread.is_empty() {
            let _ = write!(line, " [{}]", event.thread);
        }
        line.push(' ');
        let chain = event.span_chain();
        if let Some(Value::Array(spans)) = chain {
            write_span_chain(spans, line);
        }
        event.write_message(line);
        for (name, value) in self.shown(event) {
            if chain.is_some_and(|c| std::ptr::eq(c, value)) {
                continue;
            }
            let _ = write!(line, " {name}=");
            write_text_value(value, &[' ', '"', '='], line);
        }
        if event.truncated {
            line.push_str(" [truncated]");
        }
        line.push('\n');
        event.truncated
    }
}

/// A value in a text line: text quoted when empty or holding one of `special` (it would
/// read ambiguously).
fn write_text_value(value: &Value, special: &[char], line: &mut String) {
    use std::fmt::Write;
    match value {
        Value::Text(t) if t.contains(special) || t.is_empty() => {
            let _ = write!(line, "{:?}", &**t);
        }
        other => {
            let _ = write!(line, "{other}");
        }
    }
}

/// The span chain before the message, as `tracing`'s own text output shows it:
/// `outer{a=1}:inner{b=2}: `, each span's name and its fields (not its id).
fn write_span_chain(spans: &[Value], line: &mut String) {
    const SPECIAL: &[char] = &[' ', '"', '=', '{', '}', ':'];
    for (i, span) in spans.iter().enumerate() {
        if i > 0 {
            line.push(':');
        }
        let Value::Map(entries) = span else {
            write_text_value(span, SPECIAL, line);
            continue;
        };
        let fields: Vec<&(Value, Value)> = entries
            .iter()
            .filter(|(k, _)| !matches!(k, Value::Text(t) if &**t == "name" || &**t == "id"))
            .collect();
        match entries.first() {
            Some((Value::Text(k), Value::Text(name))) if &**k == "name" => line.push_str(name),
            _ => line.push('?'),
        }
        if !fields.is_empty() {
            line.push('{');
            for (j, (k, v)) in fields.into_iter().enumerate() {
                if j > 0 {
                    line.push(' ');
                }
                match k {
                    Value::Text(t) => line.push_str(t),
                    other => write_text_value(other, SPECIAL, line),
                }
                line.push('=');
                write_text_value(v, SPECIAL, line);
            }
            line.push('}');
        }
    }
    if !spans.is_empty() {
        line.push_str(": ");
    }
}

/// Where formatted events go.
pub enum Sink<W: Write> {
    Lines {
        out: W,
        formatter: Formatter,
        line: String,
    },
    Table {
        out: W,
        table: Box<Table>,
        columns: Vec<String>,
    },
}

impl<W: Write> Sink<W> {
    /// A sink for `format`: lines of text or JSON, or a table whose field columns are
    /// `columns`. (CSV, and JSON from `view`, are written by the export job of
    /// `ttlog-export`, as `convert` writes them.)
    pub fn new(out: W, formatter: Formatter, columns: FieldNames) -> io::Result<Sink<W>> {
        let csv_columns = columns.names;
        Ok(match formatter.format {
            Format::Text | Format::Json | Format::Csv => Sink::Lines {
                out,
                formatter,
                line: String::new(),
            },
            Format::Table => {
                let mut table = Table::new();
                table
                    .load_preset(UTF8_FULL_CONDENSED)
                    .set_content_arrangement(ContentArrangement::Dynamic);
                let mut header = vec![
                    "time".to_string(),
                    "level".into(),
                    "target".into(),
                    "thread".into(),
                    "message".into(),
                ];
                header.extend(csv_columns.iter().cloned());
                table.set_header(header);
                Sink::Table {
                    out,
                    table: Box::new(table),
                    columns: csv_columns,
                }
            }
        })
    }

    /// Writes one event; true when it was cut to the per-event bound (SPEC.md 8.7).
    pub fn write(&mut self, event: &Event) -> io::Result<bool> {
        match self {
            Sink::Lines {
                out,
                formatter,
                line,
            } => {
                line.clear();
                let truncated = formatter.line(event, line);
                out.write_all(line.as_bytes())?;
                Ok(truncated)
            }
            Sink::Table { table, columns, .. } => {
                let mut ts = String::new();
                format_rfc3339(event.ts, &mut ts);
                let mut row = vec![
                    ts,
                    event.level_name().into_owned(),
                    event.target().to_string(),
                    event.thread.to_string(),
                    event.message(),
                ];
                for c in columns.iter() {
                    row.push(event.field(c).map(|v| v.to_string()).unwrap_or_default());
                }
                table.add_row(row);
                Ok(event.truncated)
            }
        }
    }

    /// Writes pre-formatted bytes (from parallel formatting).
    pub fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Sink::Lines { out, .. } => out.write_all(bytes),
            _ => Ok(()),
        }
    }

    pub fn finish(self) -> io::Result<()> {
        match self {
            Sink::Lines { mut out, .. } => out.flush(),
            Sink::Table { mut out, table, .. } => {
                writeln!(out, "{table}")?;
                out.flush()
            }
        }
    }
}

/// Field names for the table output's columns: the chosen ones, or the field names of
/// every callsite in `files` whose level the query may select. The table needs its header
/// before its first row; reading only callsite definitions keeps this first pass cheap.
///
/// At most [`MAX_FIELD_COLUMNS`](ttlog_reader::MAX_FIELD_COLUMNS) names, the first seen
/// ([`FieldNames`]).
pub fn columns(
    chosen: &Option<Vec<String>>,
    files: &[std::path::PathBuf],
    query: &ttlog_reader::Query,
) -> FieldNames {
    use ttlog_format::record::{tag, CallsiteDef, Records};
    if let Some(c) = chosen {
        return FieldNames::chosen(c.clone());
    }
    let mut names = FieldNames::default();
    let mask = query.level_mask();
    for path in files {
        let Ok(mut blocks) = ttlog_reader::BlockReader::open(path) else {
            continue;
        };
        let q = query.clone();
        blocks.set_block_filter(Box::new(move |f| q.block_may_match(f)));
        while let Some(block) = blocks.next_block() {
            let Ok(block) = block else { continue };
            for record in Records::new(&block.payload).flatten() {
                if record.tag != tag::CALLSITE {
                    continue;
                }
                let Ok(c) = CallsiteDef::parse(record.body) else {
                    continue;
                };
                if !mask.has(c.level) {
                    continue;
                }
                for name in c.field_names {
                    names.add(name);
                }
            }
        }
    }
    names
}
