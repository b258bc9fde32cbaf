//! MCAP out, for Foxglove and PlotJuggler:
//! - every log event as a `foxglove.Log` message on topic `/log`;
//! - each tracked schema (rows of target `ttlog.track`: Python `log.schema(...)` rows,
//!   `update()` rows as schema `tracked`) on its own channel `/track/NAME`, its JSON Schema
//!   typed from the first row (`number`, `integer`, `boolean`, `string`, … or null);
//! - each callsite of other events with numeric or boolean fields (a Rust control loop's
//!   `info!("tick", angle = a, torque = t)`) also on a channel of its own, named
//!   `/TARGET/TEMPLATE` from its target and message template (`/demo::control/tick`), with
//!   `@LINE` added when another callsite already has that name; its messages hold the time
//!   and those fields, typed, so they plot as time series. Its other fields stay in `/log`.
//!
//! Messages are JSON with a JSON Schema; log and publish times are the event's time; chunks
//! are LZ4-compressed. One pass, streaming. At most
//! [`MAX_FIELD_COLUMNS`](ttlog_reader::MAX_FIELD_COLUMNS) channels besides `/log` are made
//! (the first seen); rows of any other schema go to `/log` as messages, and other
//! callsites' values stay in `/log`'s text, so nothing is lost.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mcap::records::MessageHeader;
use mcap::{Compression, WriteOptions, Writer};
use ttlog_reader::{json_string, Callsite, Event, Level, Value};

use crate::formats::{needs_file, Format, Options};
use crate::sink::{Outputs, Sink, Source, Written};
use crate::{JobError, TRACK_TARGET};

/// The JSON Schema of `foxglove.Log` (Foxglove's schema for log messages).
const FOXGLOVE_LOG_SCHEMA: &str = r#"{"title":"foxglove.Log","description":"A log message","type":"object","properties":{"timestamp":{"type":"object","title":"time","properties":{"sec":{"type":"integer","minimum":0},"nsec":{"type":"integer","minimum":0,"maximum":999999999}}},"level":{"type":"integer","title":"foxglove.LogLevel","oneOf":[{"title":"UNKNOWN","const":0},{"title":"DEBUG","const":1},{"title":"INFO","const":2},{"title":"WARNING","const":3},{"title":"ERROR","const":4},{"title":"FATAL","const":5}]},"message":{"type":"string"},"name":{"type":"string"},"file":{"type":"string"},"line":{"type":"integer","minimum":0}}}"#;

/// Why an MCAP export failed.
#[derive(Debug)]
pub struct McapError(mcap::McapError);

impl std::fmt::Display for McapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "writing MCAP: {}", self.0)
    }
}

impl std::error::Error for McapError {}

impl From<mcap::McapError> for McapError {
    fn from(e: mcap::McapError) -> McapError {
        McapError(e)
    }
}

/// What an MCAP export wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct McapSummary {
    /// Messages on `/log`.
    pub log_messages: u64,
    /// Messages per tracked topic (`/track/NAME`).
    pub tracked: BTreeMap<String, u64>,
    /// Messages per callsite topic (`/TARGET/TEMPLATE`).
    pub callsites: BTreeMap<String, u64>,
}

/// A callsite as a channel knows it across blocks: target, template, file, line.
type CallsiteKey = (Arc<str>, Arc<str>, Arc<str>, u32);

/// A callsite's channel: its id, topic, and which fields it carries (their positions).
#[derive(Clone)]
struct CallsiteChannel {
    id: u16,
    topic: String,
    fields: Vec<usize>,
}

/// Writes events into one MCAP file.
pub struct McapWriter<W: Write + Seek> {
    writer: Writer<W>,
    log_channel: u16,
    track_channels: HashMap<String, u16>,
    /// Callsite channels by (target, template, file, line); `None`: no numeric field, or
    /// past the channel cap.
    callsite_channels: HashMap<CallsiteKey, Option<CallsiteChannel>>,
    topics: std::collections::HashSet<String>,
    /// The same by callsite address (held, so that the address is not reused).
    by_address: HashMap<usize, (Arc<Callsite>, Option<CallsiteChannel>)>,
    sequence: u32,
    json: String,
    summary: McapSummary,
}

/// `foxglove.LogLevel` of a ttlog level: TRACE is shown as DEBUG.
fn foxglove_level(event: &Event) -> u8 {
    match event.level() {
        Some(Level::Trace | Level::Debug) => 1,
        Some(Level::Info) => 2,
        Some(Level::Warn) => 3,
        Some(Level::Error) => 4,
        // CRITICAL and the unnamed levels above it: Foxglove's FATAL.
        Some(Level::Critical) | None => 5,
    }
}

/// The JSON Schema of a value's type (null allowed: a value may be missing in a later row).
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Float(_) => r#"{"type":["number","null"]}"#,
        Value::Int(_) => r#"{"type":["integer","null"]}"#,
        Value::Bool(_) => r#"{"type":["boolean","null"]}"#,
        Value::Text(_) | Value::Bytes(_) => r#"{"type":["string","null"]}"#,
        Value::Array(_) => r#"{"type":["array","null"]}"#,
        Value::Map(_) => r#"{"type":["object","null"]}"#,
        _ => "{}",
    }
}

fn push_time(out: &mut String, ts: u64) {
    out.push_str(&format!(
        "{{\"sec\":{},\"nsec\":{}}}",
        ts / 1_000_000_000,
        ts % 1_000_000_000
    ));
}

impl<W: Write + Seek> McapWriter<W> {
    /// A writer into `out` (it must seek, for the summary section).
    pub fn new(out: W) -> Result<McapWriter<W>, McapError> {
        let mut writer = WriteOptions::new()
            .compression(Some(Compression::Lz4))
            .profile("")
            .library(format!("ttlog-export {}", env!("CARGO_PKG_VERSION")))
            .create(out)?;
        let schema =
            writer.add_schema("foxglove.Log", "jsonschema", FOXGLOVE_LOG_SCHEMA.as_bytes())?;
        let log_channel = writer.add_channel(schema, "/log", "json", &BTreeMap::new())?;
        Ok(McapWriter {
            writer,
            log_channel,
            track_channels: HashMap::new(),
            callsite_channels: HashMap::new(),
            topics: std::collections::HashSet::new(),
            by_address: HashMap::new(),
            sequence: 0,
            json: String::new(),
            summary: McapSummary::default(),
        })
    }

    fn track_channel(&mut self, name: &str, event: &Event) -> Result<u16, McapError> {
        if let Some(&id) = self.track_channels.get(name) {
            return Ok(id);
        }
        // Every variable of the schema, any JSON type (a value may be null before it is
        // tracked); a later row with other variables still carries them.
        let mut schema = String::from(
            r#"{"type":"object","properties":{"timestamp":{"type":"object","properties":{"sec":{"type":"integer"},"nsec":{"type":"integer"}}}"#,
        );
        for (field, value) in event.fields() {
            schema.push(',');
            json_string(&mut schema, field);
            schema.push(':');
            schema.push_str(json_type(value));
        }
        schema.push_str("}}");
        let schema_id = self
            .writer
            .add_schema(name, "jsonschema", schema.as_bytes())?;
        let topic = format!("/track/{name}");
        let id = self
            .writer
            .add_channel(schema_id, &topic, "json", &BTreeMap::new())?;
        self.track_channels.insert(name.to_string(), id);
        Ok(id)
    }

    fn channels(&self) -> usize {
        self.track_channels.len() + self.topics.len()
    }

    /// The channel of `event`'s callsite, made at its first event with a numeric or boolean
    /// field.
    fn callsite_channel(&mut self, event: &Event) -> Result<Option<CallsiteChannel>, McapError> {
        let address = Arc::as_ptr(&event.callsite) as usize;
        if let Some((_, known)) = self.by_address.get(&address) {
            return Ok(known.clone());
        }
        if self.by_address.len() >= 4_096 {
            self.by_address.clear();
        }
        let cs = &event.callsite;
        let key = (
            cs.target.clone(),
            cs.template.clone(),
            cs.file.clone(),
            cs.line,
        );
        let found = match self.callsite_channels.get(&key) {
            Some(known) => known.clone(),
            None => {
                let made = self.make_callsite_channel(event)?;
                if self.callsite_channels.len() < 4 * ttlog_reader::MAX_FIELD_COLUMNS {
                    self.callsite_channels.insert(key, made.clone());
                }
                made
            }
        };
        self.by_address
            .insert(address, (event.callsite.clone(), found.clone()));
        Ok(found)
    }

    fn make_callsite_channel(
        &mut self,
        event: &Event,
    ) -> Result<Option<CallsiteChannel>, McapError> {
        let fields: Vec<usize> = event
            .fields()
            .enumerate()
            .filter(|(_, (_, v))| matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_)))
            .map(|(i, _)| i)
            .collect();
        if fields.is_empty() || self.channels() >= ttlog_reader::MAX_FIELD_COLUMNS {
            return Ok(None);
        }
        let cs = &event.callsite;
        let mut topic = format!("/{}/{}", cs.target, cs.template);
        if self.topics.contains(&topic) || topic == "/log" || topic.starts_with("/track/") {
            topic = format!("{topic}@{}", cs.line);
            let base = topic.clone();
            let mut n = 2;
            while self.topics.contains(&topic) {
                topic = format!("{base}#{n}");
                n += 1;
            }
        }
        let mut schema = String::from(
            r#"{"type":"object","properties":{"timestamp":{"type":"object","properties":{"sec":{"type":"integer"},"nsec":{"type":"integer"}}}"#,
        );
        let all: Vec<(&str, &Value)> = event.fields().collect();
        for &i in &fields {
            let (name, value) = all[i];
            schema.push(',');
            json_string(&mut schema, name);
            schema.push(':');
            schema.push_str(json_type(value));
        }
        schema.push_str("}}");
        let schema_id = self
            .writer
            .add_schema(&topic, "jsonschema", schema.as_bytes())?;
        let id = self
            .writer
            .add_channel(schema_id, &topic, "json", &BTreeMap::new())?;
        self.topics.insert(topic.clone());
        Ok(Some(CallsiteChannel { id, topic, fields }))
    }

    /// Adds one event: a tracked row to its schema's channel, anything else to `/log`, and
    /// an event's numeric and boolean fields also to its callsite's channel.
    pub fn push(&mut self, event: &Event) -> Result<(), McapError> {
        let mut json = std::mem::take(&mut self.json);
        json.clear();
        json.push_str("{\"timestamp\":");
        push_time(&mut json, event.ts);
        // At most MAX_FIELD_COLUMNS schemas get channels of their own (the first seen):
        // rows of others go to `/log`, so a file of many schema names cannot multiply
        // channels, schemas and the summary without bound.
        let tracked = (event.target() == TRACK_TARGET).then(|| event.message());
        let room = self.channels() < ttlog_reader::MAX_FIELD_COLUMNS;
        let tracked = tracked.filter(|name| self.track_channels.contains_key(name) || room);
        let channel = if let Some(name) = tracked {
            for (field, value) in event.fields() {
                json.push(',');
                json_string(&mut json, field);
                json.push(':');
                value.write_json(&mut json);
            }
            let id = self.track_channel(&name, event)?;
            *self
                .summary
                .tracked
                .entry(format!("/track/{name}"))
                .or_default() += 1;
            id
        } else {
            json.push_str(&format!(
                ",\"level\":{},\"message\":",
                foxglove_level(event)
            ));
            // The message as ttlog-view shows it: the rendered text, then the fields.
            let mut text = event.message();
            for (field, value) in event.fields() {
                text.push(' ');
                text.push_str(field);
                text.push('=');
                match value.as_str() {
                    Some(s) => text.push_str(s),
                    None => value.write_json(&mut text),
                }
            }
            json_string(&mut json, &text);
            json.push_str(",\"name\":");
            json_string(&mut json, event.target());
            json.push_str(",\"file\":");
            json_string(&mut json, &event.callsite.file);
            json.push_str(&format!(",\"line\":{}", event.callsite.line));
            self.summary.log_messages += 1;
            if event.target() != TRACK_TARGET {
                if let Some(channel) = self.callsite_channel(event)? {
                    self.write_values(event, &channel)?;
                }
            }
            self.log_channel
        };
        json.push('}');
        self.sequence = self.sequence.wrapping_add(1);
        let result = self.writer.write_to_known_channel(
            &MessageHeader {
                channel_id: channel,
                sequence: self.sequence,
                log_time: event.ts,
                publish_time: event.ts,
            },
            json.as_bytes(),
        );
        self.json = json;
        result.map_err(McapError)
    }

    /// The message of `event` on its callsite's channel: the time and the fields it carries
    /// (a field whose value is not a number or a boolean in this event is left out).
    fn write_values(&mut self, event: &Event, channel: &CallsiteChannel) -> Result<(), McapError> {
        let mut text = String::from("{\"timestamp\":");
        push_time(&mut text, event.ts);
        let all: Vec<(&str, &Value)> = event.fields().collect();
        for &i in &channel.fields {
            let Some((name, value)) = all.get(i) else {
                continue;
            };
            if !matches!(value, Value::Int(_) | Value::Float(_) | Value::Bool(_)) {
                continue;
            }
            text.push(',');
            json_string(&mut text, name);
            text.push(':');
            value.write_json(&mut text);
        }
        text.push('}');
        self.sequence = self.sequence.wrapping_add(1);
        *self
            .summary
            .callsites
            .entry(channel.topic.clone())
            .or_default() += 1;
        self.writer
            .write_to_known_channel(
                &MessageHeader {
                    channel_id: channel.id,
                    sequence: self.sequence,
                    log_time: event.ts,
                    publish_time: event.ts,
                },
                text.as_bytes(),
            )
            .map_err(McapError)
    }

    /// Writes the summary and the footer; returns what was written.
    pub fn finish(mut self) -> Result<McapSummary, McapError> {
        self.writer.finish()?;
        // Flushed here, not when dropped, so that a failed write (a full disk) is an error.
        self.writer
            .into_inner()
            .flush()
            .map_err(|e| McapError(mcap::McapError::Io(e)))?;
        Ok(self.summary)
    }
}

/// `--to mcap`.
pub const FORMAT: Format = Format {
    name: "mcap",
    about: "MCAP for Foxglove and PlotJuggler: logs on /log, tracked schemas on /track/NAME, \
            each callsite's numeric fields on /TARGET/TEMPLATE; needs -o",
    sink: |options: &Options| {
        options.only("mcap", &[])?;
        Ok(Box::new(McapSink {
            writer: None,
            path: PathBuf::new(),
            written: Written::default(),
        }))
    },
};

/// The MCAP writer behind the export job.
struct McapSink {
    writer: Option<McapWriter<BufWriter<File>>>,
    path: PathBuf,
    written: Written,
}

impl McapSink {
    fn failed(&self, e: &McapError) -> JobError {
        JobError::Failed(format!("{}: {e}", self.path.display()))
    }
}

impl Sink for McapSink {
    fn check(&self, dest: Option<&Path>) -> Result<(), JobError> {
        needs_file("mcap", "an MCAP file is indexed at its end", dest)
    }

    fn open(&mut self, outputs: &mut Outputs<'_>) -> Result<(), JobError> {
        let Some(path) = outputs.dest() else {
            return self.check(None);
        };
        self.path = path.to_path_buf();
        let file = outputs.create(path)?;
        let writer = McapWriter::new(BufWriter::with_capacity(1 << 20, file))
            .map_err(|e| self.failed(&e))?;
        self.writer = Some(writer);
        Ok(())
    }

    fn write(&mut self, _source: Source<'_>, event: &Event) -> Result<(), JobError> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let result = writer.push(event);
        self.written.events += 1;
        self.written.truncated += u64::from(event.truncated);
        result.map_err(|e| self.failed(&e))
    }

    fn finish(mut self: Box<Self>) -> Result<Written, JobError> {
        if let Some(writer) = self.writer.take() {
            writer.finish().map_err(|e| self.failed(&e))?;
        }
        Ok(self.written)
    }
}
