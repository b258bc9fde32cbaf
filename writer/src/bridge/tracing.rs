//! `tracing` → ttlog: a [`Layer`] that records `tracing` events with typed fields, and
//! spans, into the running logger. It composes with other layers (`fmt`, `EnvFilter`).
//!
//! ```
//! use tracing_subscriber::prelude::*;
//! # let dir = tempfile::tempdir().unwrap();
//! let _guard = ttlog::builder().path(dir.path().join("app.bin")).init().unwrap();
//! let subscriber = tracing_subscriber::registry().with(ttlog::bridge::tracing::layer());
//! tracing::subscriber::with_default(subscriber, || {
//!     let span = tracing::info_span!("handle_request", request_id = 7);
//!     let _entered = span.enter();
//!     tracing::info!(status = 200, "done in {} ms", 12);
//! });
//! ```
//!
//! What lands in the file:
//! - **Events**: one ttlog callsite per `tracing` callsite (made when `tracing` registers
//!   it), the `message` as the template's one value, every other field typed (integers,
//!   floats, bools and strings as themselves, `Debug` only where `tracing` offers nothing
//!   else). Each event inside a span has one more field, `spans`: its span chain, outermost
//!   first, each a map `{"name", "id", ...the span's fields}`, so a reader shows and filters
//!   by span context (`spans` holds `request_id`).
//! - **Spans**: when a span closes, one event of target `ttlog.span` whose message is the
//!   span's name, with fields `id` and `parent` (ttlog's span ids: unique in the process,
//!   never reused, 0 for none), `target`, `start_ns` (Unix ns), `duration_ns` (open to
//!   close), `busy_ns` (time entered), `fields` (a map of the span's fields, `record`ed
//!   ones included), `follows_from` (the ids it follows). `ttlog-view spans` summarises
//!   them.
//!
//! With the `log` bridge as well, install the subscriber with
//! `tracing::subscriber::set_global_default`, not `tracing_subscriber`'s `.init()`: with its
//! `tracing-log` feature, `.init()` also claims the `log` facade, which the bridge holds.
//!
//! Field names repeated in a span chain, or values recorded twice, are kept in order: a
//! reader sees every value.

use super::FastMap as HashMap;
use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
// The span timings read the TSC (quanta), as ttlog's own events do: four readings per
// span, each about a fifth of the OS clock's cost.
use quanta::Instant;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::literal_template;
use crate::bindings::{self, Callsite, CallsiteSpec};
use crate::{Encoder, Level};

/// Whether a layer was ever added to a subscriber: until then a `log` event looks for no
/// span at all (see `bridge::log_spans`).
pub(crate) static LAYER_ADDED: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// The layer; make it with [`layer`].
#[derive(Debug, Default)]
pub struct TtlogLayer {
    _private: (),
}

/// A layer that records `tracing` events and spans into the running ttlog logger.
pub fn layer() -> TtlogLayer {
    TtlogLayer::default()
}

fn level_of(level: &tracing_core::Level) -> Level {
    match *level {
        tracing_core::Level::ERROR => Level::Error,
        tracing_core::Level::WARN => Level::Warn,
        tracing_core::Level::INFO => Level::Info,
        tracing_core::Level::DEBUG => Level::Debug,
        _ => Level::Trace,
    }
}

/// A `tracing` callsite as ttlog knows it.
#[derive(Clone, Copy)]
struct Known {
    callsite: &'static Callsite,
    /// Index of the `message` field, when there is one.
    message: Option<usize>,
}

static SHARED: Mutex<Option<HashMap<usize, Known>>> = Mutex::new(None);

const HOT_BITS: u32 = 5;

thread_local! {
    static HOT: RefCell<[Option<(usize, Known)>; 1 << HOT_BITS]> =
        const { RefCell::new([None; 1 << HOT_BITS]) };
    static CACHE: RefCell<HashMap<usize, Known>> = RefCell::new(HashMap::default());
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

fn key(meta: &'static Metadata<'static>) -> usize {
    meta as *const Metadata<'static> as usize
}

fn make(meta: &'static Metadata<'static>) -> Known {
    let names: Vec<&str> = meta.fields().iter().map(|f| f.name()).collect();
    let message = names.iter().position(|&n| n == "message");
    let mut fields: Vec<&str> = names.iter().copied().filter(|&n| n != "message").collect();
    fields.push("spans");
    let template = if message.is_some() {
        "{}".to_string()
    } else {
        literal_template(meta.name())
    };
    let callsite = CallsiteSpec {
        level: level_of(meta.level()),
        target: meta.target(),
        file: meta.file().unwrap_or(""),
        line: meta.line().unwrap_or(0),
        template: &template,
        fields: &fields,
        positional: u32::from(message.is_some()),
    }
    .leak();
    Known { callsite, message }
}

/// The ttlog callsite of `meta`, made by `make` once per process: a small per-thread
/// table indexed by `meta`'s address (no hashing), then a per-thread map, in front of the
/// process-wide table whose lock is taken only on a thread's first use.
fn interned(meta: &'static Metadata<'static>, make: impl FnOnce() -> Known) -> Known {
    let k = key(meta);
    let slot = (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - HOT_BITS);
    if let Some(found) = HOT
        .try_with(|h| match h.try_borrow().ok()?[slot as usize] {
            Some((at, known)) if at == k => Some(known),
            _ => None,
        })
        .ok()
        .flatten()
    {
        return found;
    }
    let found = match CACHE
        .try_with(|c| c.try_borrow().ok().and_then(|c| c.get(&k).copied()))
        .ok()
        .flatten()
    {
        Some(found) => found,
        None => {
            let found = *SHARED
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get_or_insert_with(HashMap::default)
                .entry(k)
                .or_insert_with(make);
            let _ = CACHE.try_with(|c| {
                if let Ok(mut c) = c.try_borrow_mut() {
                    c.insert(k, found);
                }
            });
            found
        }
    };
    let _ = HOT.try_with(|h| {
        if let Ok(mut table) = h.try_borrow_mut() {
            table[slot as usize] = Some((k, found));
        }
    });
    found
}

/// The ttlog callsite of an event's `meta`.
fn known(meta: &'static Metadata<'static>) -> Known {
    interned(meta, || make(meta))
}

/// Per-thread buffers for one event's fields, reused: no allocation once grown.
#[derive(Default)]
struct Scratch {
    /// The CBOR of each field's value, back to back.
    bytes: Vec<u8>,
    /// Per field index, the range of its value in `bytes`.
    ranges: Vec<Option<(usize, usize)>>,
    /// The span chain.
    chain: ChainBuffers,
}

/// An event's span chain as one CBOR array (`chain`), built in reusable buffers: no
/// allocation per event once grown.
#[derive(Default)]
pub(crate) struct ChainBuffers {
    /// The chain's maps, innermost first as a scope gives them, and their ranges.
    maps: Vec<u8>,
    ranges: Vec<(usize, usize)>,
    /// The chain, outermost first.
    pub(crate) chain: Vec<u8>,
}

impl ChainBuffers {
    /// Writes the chain of `scope` (innermost first, as `tracing_subscriber` gives it)
    /// outermost first into `chain`; null when there is no scope.
    pub(crate) fn write<'a, R: LookupSpan<'a>>(
        &mut self,
        scope: Option<tracing_subscriber::registry::Scope<'a, R>>,
    ) {
        let ChainBuffers {
            maps,
            ranges,
            chain,
        } = self;
        maps.clear();
        ranges.clear();
        chain.clear();
        let Some(scope) = scope else {
            chain.push(0xf6);
            return;
        };
        for span in scope {
            let start = maps.len();
            match span.extensions().get::<SpanState>() {
                Some(state) => write_span_map(maps, span.name(), state),
                None => Encoder::new(maps).value(span.name()),
            }
            ranges.push((start, maps.len()));
        }
        ttlog_format::cbor::write_head(chain, 4, ranges.len() as u64);
        for &(a, b) in ranges.iter().rev() {
            chain.extend_from_slice(&maps[a..b]);
        }
    }
}

/// Where a visited field's value goes, once encoded.
trait Put {
    /// Encodes `field`'s value with `write` and keeps it.
    fn put(&mut self, field: &Field, write: impl FnOnce(&mut Encoder<'_>));
}

/// Encodes each visited field by the richest type `tracing` tells (`Debug` only where it
/// offers nothing else), and hands it to a [`Put`].
struct Typed<P>(P);

impl<P: Put> Visit for Typed<P> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.put(field, |e| e.value(&value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.put(field, |e| e.value(&value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.put(field, |e| e.value(&value));
    }
    fn record_i128(&mut self, field: &Field, value: i128) {
        self.0.put(field, |e| e.value(&value));
    }
    fn record_u128(&mut self, field: &Field, value: u128) {
        self.0.put(field, |e| e.value(&value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.put(field, |e| e.value(&value));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.put(field, |e| e.value(value));
    }
    fn record_bytes(&mut self, field: &Field, value: &[u8]) {
        self.0.put(field, |e| e.value(&serde_bytes_like(value)));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.put(field, |e| e.display(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // `message` arrives here as `format_args!`: its Debug is its text.
        self.0.put(field, |e| e.debug(value));
    }
}

/// An event's fields: each value's CBOR into `bytes`, its range indexed by the field's index.
struct ByIndex<'a> {
    bytes: &'a mut Vec<u8>,
    ranges: &'a mut Vec<Option<(usize, usize)>>,
}

impl Put for ByIndex<'_> {
    fn put(&mut self, field: &Field, write: impl FnOnce(&mut Encoder<'_>)) {
        let start = self.bytes.len();
        write(&mut Encoder::new(self.bytes));
        let i = field.index();
        if self.ranges.len() <= i {
            self.ranges.resize(i + 1, None);
        }
        self.ranges[i] = Some((start, self.bytes.len()));
    }
}

/// An event's fields written straight into the event, for callsites whose `message` (if
/// any) is the first field: right as long as `tracing` visits the fields in index order,
/// which [`in_order`](Self::in_order) says afterwards. A field with no value is written as
/// null (an empty text for the message), as the by-index path does.
struct InOrder<'e, 'b> {
    enc: &'e mut Encoder<'b>,
    next: usize,
    message_first: bool,
    in_order: bool,
}

impl InOrder<'_, '_> {
    /// Writes the placeholders of fields `next..to`, which had no value.
    fn fill_to(&mut self, to: usize) {
        while self.next < to {
            if self.next == 0 && self.message_first {
                self.enc.value("");
            } else {
                self.enc.value(&());
            }
            self.next += 1;
        }
    }
}

impl Put for InOrder<'_, '_> {
    fn put(&mut self, field: &Field, write: impl FnOnce(&mut Encoder<'_>)) {
        let i = field.index();
        if !self.in_order || i < self.next {
            self.in_order = false;
            return;
        }
        self.fill_to(i);
        write(self.enc);
        self.next = i + 1;
    }
}

/// Bytes serialized as a CBOR byte string, not an array of integers.
fn serde_bytes_like(b: &[u8]) -> impl serde::Serialize + '_ {
    struct Bytes<'a>(&'a [u8]);
    impl serde::Serialize for Bytes<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    Bytes(b)
}

/// What the layer keeps of an open span, in the span's extensions.
struct SpanState {
    id: u64,
    parent: u64,
    start: Instant,
    start_ns: u64,
    /// `busy` so far, and when the span was last entered (nesting counted once).
    busy_ns: u64,
    entered: Option<Instant>,
    depth: u32,
    /// The span's fields as CBOR map entries (key, value, key, value...), and their count.
    entries: Vec<u8>,
    n_entries: u64,
    follows_from: Vec<u64>,
}

static NEXT_SPAN: AtomicU64 = AtomicU64::new(1);

/// A span's fields: map entries (name, value) appended to `out`, counted in `n`.
struct Entries<'a> {
    out: &'a mut Vec<u8>,
    n: &'a mut u64,
}

impl Put for Entries<'_> {
    fn put(&mut self, field: &Field, write: impl FnOnce(&mut Encoder<'_>)) {
        Encoder::new(self.out).value(field.name());
        write(&mut Encoder::new(self.out));
        *self.n += 1;
    }
}

fn unix_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Appends `{"name": .., "id": .., fields...}` for one span of an event's chain.
fn write_span_map(out: &mut Vec<u8>, name: &str, state: &SpanState) {
    ttlog_format::cbor::write_head(out, 5, 2 + state.n_entries);
    let mut enc = Encoder::new(out);
    enc.value("name");
    enc.value(name);
    enc.value("id");
    enc.value(&state.id);
    out.extend_from_slice(&state.entries);
}

impl<S> Layer<S> for TtlogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_layer(&mut self, _: &mut S) {
        LAYER_ADDED.store(true, Ordering::Relaxed);
    }

    fn register_callsite(
        &self,
        meta: &'static Metadata<'static>,
    ) -> tracing_core::subscriber::Interest {
        if meta.is_event() {
            known(meta);
        }
        tracing_core::subscriber::Interest::always()
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let parent = span
            .parent()
            .and_then(|p| p.extensions().get::<SpanState>().map(|s| s.id))
            .unwrap_or(0);
        let mut state = SpanState {
            id: NEXT_SPAN.fetch_add(1, Ordering::Relaxed),
            parent,
            start: Instant::now(),
            start_ns: unix_ns(),
            busy_ns: 0,
            entered: None,
            depth: 0,
            entries: Vec::new(),
            n_entries: 0,
            follows_from: Vec::new(),
        };
        attrs.record(&mut Typed(Entries {
            out: &mut state.entries,
            n: &mut state.n_entries,
        }));
        span.extensions_mut().insert(state);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(state) = ext.get_mut::<SpanState>() {
            values.record(&mut Typed(Entries {
                out: &mut state.entries,
                n: &mut state.n_entries,
            }));
        }
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: Context<'_, S>) {
        let Some(other) = ctx
            .span(follows)
            .and_then(|s| s.extensions().get::<SpanState>().map(|s| s.id))
        else {
            return;
        };
        if let Some(span) = ctx.span(id) {
            if let Some(state) = span.extensions_mut().get_mut::<SpanState>() {
                state.follows_from.push(other);
            }
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(state) = span.extensions_mut().get_mut::<SpanState>() {
                state.depth += 1;
                if state.depth == 1 {
                    state.entered = Some(Instant::now());
                }
            }
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(state) = span.extensions_mut().get_mut::<SpanState>() {
                state.depth = state.depth.saturating_sub(1);
                if state.depth == 0 {
                    if let Some(at) = state.entered.take() {
                        state.busy_ns += u64::try_from(at.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    }
                }
            }
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        let meta = span.metadata();
        let Some(state) = span.extensions_mut().remove::<SpanState>() else {
            return;
        };
        let callsite = span_callsite(meta);
        if !bindings::enabled(callsite) {
            return;
        }
        let duration = u64::try_from(state.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let mut fields = Vec::with_capacity(state.entries.len() + 9);
        ttlog_format::cbor::write_head(&mut fields, 5, state.n_entries);
        fields.extend_from_slice(&state.entries);
        bindings::emit(callsite, |enc| {
            enc.value(&state.id);
            enc.value(&state.parent);
            enc.value(meta.target());
            enc.value(&state.start_ns);
            enc.value(&duration);
            enc.value(&state.busy_ns);
            enc.encoded_by_us(&fields);
            enc.value(&state.follows_from);
        });
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        if !bindings::level_may_be_enabled(level_of(meta.level())) {
            return;
        }
        let known = known(meta);
        if !bindings::enabled(known.callsite) {
            return;
        }
        let record = |scratch: &mut Scratch| {
            let Scratch {
                bytes,
                ranges,
                chain,
            } = scratch;
            chain.write(ctx.event_scope(event));
            let spans = &chain.chain;
            let n = meta.fields().len();
            bindings::emit(known.callsite, |enc| {
                // The usual case (every event of `tracing`'s macros): `message` first and
                // the fields visited in their order, each encoded where it belongs.
                let mark = enc.len();
                if known.message.unwrap_or(0) == 0 {
                    let mut direct = Typed(InOrder {
                        enc: &mut *enc,
                        next: 0,
                        message_first: known.message.is_some(),
                        in_order: true,
                    });
                    event.record(&mut direct);
                    let mut direct = direct.0;
                    if direct.in_order {
                        direct.fill_to(n);
                        enc.encoded_by_us(spans);
                        return;
                    }
                    enc.truncate(mark);
                }
                // Otherwise each value is kept by its index and written in the callsite's
                // order: the message, then the other fields.
                bytes.clear();
                ranges.clear();
                ranges.resize(n, None);
                event.record(&mut Typed(ByIndex { bytes, ranges }));
                let item = |i: usize| ranges.get(i).copied().flatten().map(|(a, b)| &bytes[a..b]);
                if let Some(m) = known.message {
                    match item(m) {
                        Some(b) => enc.encoded_by_us(b),
                        None => enc.value(""),
                    }
                }
                for i in 0..n {
                    if Some(i) == known.message {
                        continue;
                    }
                    match item(i) {
                        Some(b) => enc.encoded_by_us(b),
                        None => enc.value(&()),
                    }
                }
                enc.encoded_by_us(spans);
            });
        };
        // An event dispatched while another is being encoded (from a field's `Debug`, under a
        // dispatcher that allows it; `tracing`'s own drops such events) finds the thread's
        // buffers in use: it gets fresh ones rather than being lost.
        let done = SCRATCH
            .try_with(|cell| match cell.try_borrow_mut() {
                Ok(mut scratch) => {
                    record(&mut scratch);
                    true
                }
                Err(_) => false,
            })
            .unwrap_or(false);
        if !done {
            record(&mut Scratch::default());
        }
    }
}

/// The callsite of a span's close event: one per span callsite.
fn span_callsite(meta: &'static Metadata<'static>) -> &'static Callsite {
    let make = || Known {
        callsite: CallsiteSpec {
            level: level_of(meta.level()),
            target: "ttlog.span",
            file: meta.file().unwrap_or(""),
            line: meta.line().unwrap_or(0),
            template: &literal_template(meta.name()),
            fields: &ttlog_format::SPAN_RECORD_FIELDS,
            positional: 0,
        }
        .leak(),
        message: None,
    };
    interned(meta, make).callsite
}
