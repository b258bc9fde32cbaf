//! CSV with a header row: `ts`, `level`, `target`, `thread`, `msg`, one column per field
//! name (the chosen ones, in order, or every name the selected events have, at most
//! [`MAX_FIELD_COLUMNS`](ttlog_reader::MAX_FIELD_COLUMNS), the first seen), `file`, `line`,
//! and `more_fields` (the other fields as a JSON object) when some name had no column. The
//! header needs the names first: a prepass finds them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use ttlog_reader::{Callsite, CsvExporter, Event, FieldNames, Shape};

use crate::formats::Format;
use crate::sink::{Out, Outputs, Prepass, Sink, Source, Written};
use crate::JobError;

/// `--to csv`.
pub const FORMAT: Format = Format {
    name: "csv",
    about: "CSV with a header row: a column per field (all that occur, or --fields)",
    sink: |options| {
        options.only("csv", &["fields"])?;
        Ok(Box::new(Csv {
            chosen: options.fields.is_some(),
            names: options
                .fields
                .clone()
                .map(FieldNames::chosen)
                .unwrap_or_default(),
            seen: HashMap::new(),
            out: None,
            path: None,
            written: Written::default(),
        }))
    },
};

/// Callsites whose names were taken, held so their addresses stay theirs; cleared past
/// this many, so memory stays bounded over any number of callsites.
const MAX_SEEN: usize = 1 << 16;

struct Csv {
    chosen: bool,
    names: FieldNames,
    seen: HashMap<usize, Arc<Callsite>>,
    out: Option<CsvExporter<Out>>,
    path: Option<PathBuf>,
    written: Written,
}

impl Csv {
    fn names_of(&mut self, callsite: &Arc<Callsite>) {
        let key = Arc::as_ptr(callsite) as usize;
        if self.seen.contains_key(&key) {
            return;
        }
        if self.seen.len() >= MAX_SEEN {
            self.seen.clear();
        }
        self.seen.insert(key, callsite.clone());
        for name in &callsite.field_names {
            self.names.add(name);
        }
    }

    fn failed(&self, error: std::io::Error) -> JobError {
        JobError::Write {
            path: self.path.clone(),
            error,
        }
    }
}

impl Sink for Csv {
    fn prepass(&self) -> Prepass {
        if self.chosen {
            Prepass::None
        } else {
            Prepass::Shapes(|_, _| false)
        }
    }

    fn observe(&mut self, _source: Source<'_>, event: &Event) {
        for (name, _) in event.fields() {
            self.names.add(name);
        }
    }

    fn observe_shapes(&mut self, _source: Source<'_>, callsite: &Arc<Callsite>, _: &[Shape]) {
        self.names_of(callsite);
    }

    fn open(&mut self, outputs: &mut Outputs<'_>) -> Result<(), JobError> {
        let out = outputs.main()?;
        self.path = out.path().map(Into::into);
        let names = std::mem::take(&mut self.names);
        self.seen = HashMap::new();
        let csv = CsvExporter::with_more_fields(out, names.names, names.more)
            .map_err(|e| self.failed(e))?;
        self.out = Some(csv);
        Ok(())
    }

    fn write(&mut self, _source: Source<'_>, event: &Event) -> Result<(), JobError> {
        let Some(csv) = self.out.as_mut() else {
            return Ok(());
        };
        let result = csv.write(event);
        self.written.events += 1;
        self.written.truncated += u64::from(event.truncated);
        result.map_err(|e| self.failed(e))
    }

    fn finish(mut self: Box<Self>) -> Result<Written, JobError> {
        if let Some(csv) = self.out.take() {
            let mut out = csv.finish().map_err(|e| self.failed(e))?;
            out.flush()?;
        }
        Ok(self.written)
    }
}
