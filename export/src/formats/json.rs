//! JSON Lines: one object per event, the schema of
//! [`write_json_line`](ttlog_reader::write_json_line) (version 1, in the README), with only
//! the chosen fields when `fields` names some.

use ttlog_reader::Event;

use crate::formats::Format;
use crate::sink::{Lines, Out, Outputs, Sink, Source, Written};
use crate::JobError;

/// `--to json`.
pub const FORMAT: Format = Format {
    name: "json",
    about: "JSON Lines, one object per event (schema in the README)",
    sink: |options| {
        options.only("json", &["fields"])?;
        Ok(Box::new(Json {
            lines: JsonLines {
                fields: options.fields.clone(),
            },
            out: None,
            line: String::new(),
            written: Written::default(),
        }))
    },
};

/// The text of one event.
#[derive(Clone, Debug)]
struct JsonLines {
    fields: Option<Vec<String>>,
}

impl Lines for JsonLines {
    fn line(&self, event: &Event, out: &mut String) -> bool {
        match &self.fields {
            None => ttlog_reader::write_json_line(event, out),
            Some(keep) => ttlog_reader::write_json_line_with_fields(
                event,
                event
                    .fields()
                    .filter(|(name, _)| keep.iter().any(|k| k == name)),
                out,
            ),
        }
    }
}

struct Json {
    lines: JsonLines,
    out: Option<Out>,
    line: String,
    written: Written,
}

impl Json {
    fn put(&mut self, text: &str) -> Result<(), JobError> {
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        out.write_all(text.as_bytes())
    }
}

impl Sink for Json {
    fn open(&mut self, outputs: &mut Outputs<'_>) -> Result<(), JobError> {
        self.out = Some(outputs.main()?);
        Ok(())
    }

    fn write(&mut self, _source: Source<'_>, event: &Event) -> Result<(), JobError> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        let cut = self.lines.line(event, &mut line);
        self.written.events += 1;
        self.written.truncated += u64::from(cut);
        let result = self.put(&line);
        self.line = line;
        result
    }

    fn lines(&self) -> Option<Box<dyn Lines>> {
        Some(Box::new(self.lines.clone()))
    }

    fn write_text(&mut self, text: &str, events: u64, truncated: u64) -> Result<(), JobError> {
        self.written.events += events;
        self.written.truncated += truncated;
        self.put(text)
    }

    fn finish(mut self: Box<Self>) -> Result<Written, JobError> {
        if let Some(out) = self.out.as_mut() {
            out.flush()?;
        }
        Ok(self.written)
    }
}
