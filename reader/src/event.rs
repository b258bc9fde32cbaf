//! Events as the reader gives them.

use std::sync::{Arc, OnceLock};

use ttlog_format::{DropReason, Level};

use crate::render::render;
use crate::Value;

/// A logging statement, as defined in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Callsite {
    /// Level number (0 TRACE to 5 CRITICAL; others have no name, SPEC.md 8.2).
    pub level: u8,
    /// Target, usually the module path.
    pub target: Arc<str>,
    /// Source file, empty when unknown.
    pub file: Arc<str>,
    /// Source line, 0 when unknown.
    pub line: u32,
    /// Message template.
    pub template: Arc<str>,
    /// Number of positional message arguments.
    pub n_args: usize,
    /// Field names, in value order.
    pub field_names: Vec<Arc<str>>,
}

/// What an event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// An event logged by the application.
    Log,
    /// The writer's report that `count` events were lost. Shown as a WARN event of target
    /// `ttlog` with fields `dropped` and `reason`, so that every tool displays it.
    Dropped {
        /// Events lost.
        count: u64,
        /// Why.
        reason: DropReason,
    },
}

/// One event read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// ns since the Unix epoch.
    pub ts: u64,
    /// What the event records.
    pub kind: EventKind,
    /// Where it was logged.
    pub callsite: Arc<Callsite>,
    /// The name of the thread that logged it (empty when unknown).
    pub thread: Arc<str>,
    /// Positional arguments followed by field values, in the callsite's order.
    pub values: Vec<Value>,
    /// True when some of its values were cut to the per-event budget
    /// ([`EVENT_VALUE_BUDGET`](ttlog_format::EVENT_VALUE_BUDGET), SPEC.md 8.7): containers
    /// hold their first items, values with no room are null. JSON shows it as
    /// `"truncated":true`, and tools report it as data not shown whole.
    pub truncated: bool,
}

impl Event {
    /// The level, when it is one of the six named.
    pub fn level(&self) -> Option<Level> {
        Level::from_u8(self.callsite.level)
    }

    /// The level's name (`INFO`), or `LEVEL<n>` for an unknown number.
    pub fn level_name(&self) -> std::borrow::Cow<'static, str> {
        match self.level() {
            Some(l) => l.as_str().into(),
            None => format!("LEVEL{}", self.callsite.level).into(),
        }
    }

    /// The target (module path or explicit target).
    pub fn target(&self) -> &str {
        &self.callsite.target
    }

    /// The positional message arguments.
    pub fn args(&self) -> &[Value] {
        &self.values[..self.callsite.n_args.min(self.values.len())]
    }

    /// The fields, as `(name, value)` pairs in logged order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &Value)> + '_ {
        let start = self.callsite.n_args.min(self.values.len());
        self.callsite
            .field_names
            .iter()
            .map(|n| &**n)
            .zip(&self.values[start..])
    }

    /// The event's span chain slot (SPEC 8.6): its last field, when that field is named
    /// `spans` and holds an array (the chain, outermost span first) or null (a bridge
    /// event outside any span). JSON output shows it as the top-level key `spans` instead
    /// of a field (SPEC 8.4).
    pub fn span_chain(&self) -> Option<&Value> {
        let (name, value) = self.fields().last()?;
        (name == "spans" && matches!(value, Value::Array(_) | Value::Null)).then_some(value)
    }

    /// The value of the field called `name`.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// Appends the message, with its arguments and fields filled in, to `out`.
    pub fn write_message(&self, out: &mut String) {
        render(
            &self.callsite.template,
            self.args(),
            |name| self.field(name),
            out,
        );
    }

    /// The message with its arguments and fields filled in.
    pub fn message(&self) -> String {
        let mut s = String::new();
        self.write_message(&mut s);
        s
    }

    pub(crate) fn dropped(ts: u64, thread: Arc<str>, count: u64, reason: DropReason) -> Event {
        static CALLSITE: OnceLock<Arc<Callsite>> = OnceLock::new();
        let callsite = CALLSITE
            .get_or_init(|| {
                Arc::new(Callsite {
                    level: Level::Warn.as_u8(),
                    target: "ttlog".into(),
                    file: "".into(),
                    line: 0,
                    template: "{dropped} events were lost ({reason})".into(),
                    n_args: 0,
                    field_names: vec!["dropped".into(), "reason".into()],
                })
            })
            .clone();
        Event {
            ts,
            kind: EventKind::Dropped { count, reason },
            callsite,
            thread,
            values: vec![
                Value::Int(count.into()),
                Value::Text(reason.as_str().into()),
            ],
            truncated: false,
        }
    }
}
