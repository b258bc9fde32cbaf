//! Export: JSON Lines and CSV.
//!
//! The JSON schema (version 1), one object per event, keys in this order:
//!
//! | key | type | meaning |
//! |---|---|---|
//! | `ts` | string | RFC 3339 UTC with nanoseconds, `2026-11-22T03:06:36.123456789Z` |
//! | `level` | string | `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` |
//! | `target` | string | module path or explicit target |
//! | `thread` | string | thread name |
//! | `msg` | string | the message with its arguments and fields filled in |
//! | `fields` | object | the fields, in logged order |
//! | `file` | string | source file, when known |
//! | `line` | number | source line, when known |
//! | `spans` | array | the span chain, outermost first, when the event has one ([`Event::span_chain`]) |
//! | `truncated` | `true` | present only when the event's values were cut to the per-event bound (SPEC.md 8.7) |
//!
//! Values: integers and finite floats as numbers (floats always with a `.` or exponent), the
//! non-finite floats as the strings `"NaN"`, `"inf"`, `"-inf"`, text as strings, bytes as
//! strings of lower-case hex, arrays and maps as arrays and objects. Lost events appear as
//! WARN events of target `ttlog` with fields `dropped` and `reason`.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use crate::value::json_string;
use crate::{Callsite, Event, Value};
use ttlog_format::format_rfc3339;

thread_local! {
    /// The rendered message, reused between events.
    static MESSAGE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Appends `event` as one line of JSON (with its newline) to `out`. True when the event
/// was cut to the per-event bound (SPEC.md 8.7) and so has the key `"truncated":true`.
pub fn write_json_line(event: &Event, out: &mut String) -> bool {
    write_json_line_with_fields(event, event.fields(), out)
}

/// [`write_json_line`] with only `fields` in the `fields` object (a subset of the event's,
/// in the order given): the same schema, for tools that show chosen fields.
pub fn write_json_line_with_fields<'e>(
    event: &'e Event,
    fields: impl Iterator<Item = (&'e str, &'e Value)>,
    out: &mut String,
) -> bool {
    out.push_str("{\"ts\":\"");
    format_rfc3339(event.ts, out);
    out.push_str("\",\"level\":");
    json_string(out, &event.level_name());
    out.push_str(",\"target\":");
    json_string(out, event.target());
    out.push_str(",\"thread\":");
    json_string(out, &event.thread);
    out.push_str(",\"msg\":");
    MESSAGE.with(|m| {
        let mut msg = m.borrow_mut();
        msg.clear();
        event.write_message(&mut msg);
        json_string(out, &msg);
    });
    out.push_str(",\"fields\":{");
    let chain = event.span_chain();
    let mut first = true;
    let mut truncated = event.truncated;
    for (name, value) in fields {
        if chain.is_some_and(|c| std::ptr::eq(c, value)) {
            continue;
        }
        if !std::mem::take(&mut first) {
            out.push(',');
        }
        json_string(out, name);
        out.push(':');
        truncated |= value.write_json_cut(out);
    }
    out.push('}');
    if !event.callsite.file.is_empty() {
        out.push_str(",\"file\":");
        json_string(out, &event.callsite.file);
    }
    if event.callsite.line != 0 {
        out.push_str(",\"line\":");
        out.push_str(itoa::Buffer::new().format(event.callsite.line));
    }
    if let Some(chain @ Value::Array(_)) = chain {
        out.push_str(",\"spans\":");
        truncated |= chain.write_json_cut(out);
    }
    if truncated {
        out.push_str(",\"truncated\":true");
    }
    out.push_str("}\n");
    truncated
}

/// Most field columns an export gets (CSV, Parquet; the first names seen): the fields of a
/// row past them go, as one JSON object, into the column [`MORE_FIELDS`], so no value is
/// lost and neither memory nor width grows with the number of distinct field names.
pub const MAX_FIELD_COLUMNS: usize = 500;

/// The column holding, as a JSON object, the fields of a row that have no column of
/// their own (past [`MAX_FIELD_COLUMNS`]).
pub const MORE_FIELDS: &str = "more_fields";

/// The field columns of an export, gathered in the order names are first seen: at most
/// [`MAX_FIELD_COLUMNS`], and `more` when other names exist (their values then go to the
/// column [`MORE_FIELDS`]). Names past the cap are not kept, so memory does not grow with
/// their number.
#[derive(Clone, Debug, Default)]
pub struct FieldNames {
    /// One column per name, in this order.
    pub names: Vec<String>,
    /// Other field names exist.
    pub more: bool,
    seen: std::collections::HashSet<String>,
}

impl FieldNames {
    /// Exactly these columns, as a user chose them (no `more`).
    pub fn chosen(names: Vec<String>) -> FieldNames {
        FieldNames {
            names,
            ..FieldNames::default()
        }
    }

    /// Takes note of a field name.
    pub fn add(&mut self, name: &str) {
        if self.seen.contains(name) {
            return;
        }
        if self.names.len() >= MAX_FIELD_COLUMNS {
            self.more = true;
        } else {
            self.seen.insert(name.to_string());
            self.names.push(name.to_string());
        }
    }
}

/// The fixed columns of CSV output, before the field columns.
pub const CSV_FIXED_COLUMNS: [&str; 5] = ["ts", "level", "target", "thread", "msg"];

/// Writes events as CSV: a header row, then one row per event. Columns are `ts`, `level`,
/// `target`, `thread`, `msg`, then one per field name given, then `file` and `line`. A field
/// an event lacks is an empty cell; arrays and maps are JSON text.
pub struct CsvExporter<W: Write> {
    out: csv::Writer<W>,
    fields: Vec<String>,
    /// With a [`MORE_FIELDS`] column: the names that have columns of their own.
    more: Option<std::collections::HashSet<String>>,
    /// Per callsite (by address, the callsite held so the address stays its own), the
    /// position among its fields of each column's name: one lookup per row, not one
    /// search per cell. Cleared past [`MAX_CACHED_CALLSITES`].
    positions: HashMap<usize, (Arc<Callsite>, Vec<Option<usize>>)>,
    /// A cell's text, reused from cell to cell.
    cell: String,
}

/// Callsites whose column positions are kept (memory stays bounded over any number).
const MAX_CACHED_CALLSITES: usize = 4096;

impl<W: Write> CsvExporter<W> {
    /// Writes the header row for the given field columns.
    pub fn new(out: W, fields: Vec<String>) -> io::Result<CsvExporter<W>> {
        CsvExporter::with_more_fields(out, fields, false)
    }

    /// Writes the header row for the given field columns and, when `more`, a last column
    /// [`MORE_FIELDS`] holding each row's other fields as a JSON object (empty when none).
    pub fn with_more_fields(out: W, fields: Vec<String>, more: bool) -> io::Result<CsvExporter<W>> {
        let mut out = csv::Writer::from_writer(out);
        let header: Vec<&str> = CSV_FIXED_COLUMNS
            .iter()
            .copied()
            .chain(fields.iter().map(String::as_str))
            .chain(["file", "line"])
            .chain(more.then_some(MORE_FIELDS))
            .collect();
        out.write_record(&header).map_err(csv_io)?;
        Ok(CsvExporter {
            more: more.then(|| fields.iter().cloned().collect()),
            out,
            fields,
            positions: HashMap::new(),
            cell: String::new(),
        })
    }

    /// Writes one event as a row.
    pub fn write(&mut self, event: &Event) -> io::Result<()> {
        let CsvExporter {
            out,
            fields,
            more,
            positions,
            cell,
        } = self;
        cell.clear();
        format_rfc3339(event.ts, cell);
        out.write_field(cell.as_bytes()).map_err(csv_io)?;
        out.write_field(event.level_name().as_bytes())
            .map_err(csv_io)?;
        out.write_field(event.target()).map_err(csv_io)?;
        out.write_field(event.thread.as_bytes()).map_err(csv_io)?;
        cell.clear();
        event.write_message(cell);
        out.write_field(cell.as_bytes()).map_err(csv_io)?;
        if positions.len() >= MAX_CACHED_CALLSITES {
            positions.clear();
        }
        let (_, columns) = positions
            .entry(Arc::as_ptr(&event.callsite) as usize)
            .or_insert_with(|| {
                let names = &event.callsite.field_names;
                let columns = fields
                    .iter()
                    .map(|f| names.iter().position(|n| **n == **f))
                    .collect();
                (event.callsite.clone(), columns)
            });
        let start = event.callsite.n_args.min(event.values.len());
        for column in columns.iter() {
            cell.clear();
            if let Some(v) = column.and_then(|k| event.values.get(start + k)) {
                write_cell(v, cell);
            }
            out.write_field(cell.as_bytes()).map_err(csv_io)?;
        }
        out.write_field(event.callsite.file.as_bytes())
            .map_err(csv_io)?;
        match event.callsite.line {
            0 => out.write_field(b""),
            n => out.write_field(itoa::Buffer::new().format(n)),
        }
        .map_err(csv_io)?;
        if let Some(own) = more {
            cell.clear();
            for (name, value) in event.fields().filter(|(n, _)| !own.contains(*n)) {
                cell.push(if cell.is_empty() { '{' } else { ',' });
                json_string(cell, name);
                cell.push(':');
                value.write_json(cell);
            }
            if !cell.is_empty() {
                cell.push('}');
            }
            out.write_field(cell.as_bytes()).map_err(csv_io)?;
        }
        out.write_record(None::<&[u8]>).map_err(csv_io)
    }

    /// Flushes and returns the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        self.out
            .into_inner()
            .map_err(|e| io::Error::other(e.to_string()))
    }
}

/// Appends a value's cell text: text as itself, null as nothing, arrays and maps as JSON,
/// anything else as it displays.
fn write_cell(v: &Value, out: &mut String) {
    match v {
        Value::Text(t) => out.push_str(t),
        Value::Null => {}
        Value::Array(_) | Value::Map(_) => v.write_json(out),
        other => {
            use std::fmt::Write as _;
            let _ = write!(out, "{other}");
        }
    }
}

fn csv_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}
