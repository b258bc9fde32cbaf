//! `log` → ttlog: an implementation of [`log::Log`] that records every `log` event into
//! the running logger, with its level, target, module path, file, line, message and
//! structured key-values (typed where `log` says what they are).
//!
//! Install it with [`Builder::log_bridge`](crate::Builder::log_bridge), or [`install`]:
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! let _guard = ttlog::builder()
//!     .path(dir.path().join("app.bin"))
//!     .log_bridge()
//!     .init()
//!     .unwrap();
//! log::info!(target: "net", peer = "10.0.0.2", bytes = 512; "sent {} frames", 3);
//! ```
//!
//! Each `log` statement becomes one ttlog callsite, made at its first event and kept in a
//! per-thread cache keyed by where the statement is (file, line, level, and target, message
//! literal and key names compared), so a repeated statement costs a cache lookup plus the
//! formatting of its arguments. A message without arguments (`info!("ready")`) is stored
//! as the callsite's template and costs nothing per event. `log::max_level()` follows
//! ttlog's level rules, so `log`'s own macros skip what ttlog would not record.
//!
//! With the `tracing` feature as well, each event's last field is `spans`: the chain of the
//! current `tracing` span when the current subscriber is a `Registry` with ttlog's layer
//! (a library logging through `log` inside a request's span is shown in that span), null
//! otherwise (SPEC 8.6).

use super::FastMap as HashMap;
use std::cell::RefCell;
use std::fmt::Write as _;

use ::log::kv::{Key, Value, VisitSource};
use ::log::{LevelFilter, Log, Metadata, Record};

use super::{fnv, literal_template, FNV_START};
use crate::bindings::{self, Callsite, CallsiteSpec};
use crate::{Encoder, Error, Level};

/// The bridge; there is one, installed with [`install`].
pub struct LogBridge;

static BRIDGE: LogBridge = LogBridge;

/// Makes ttlog the `log` crate's logger. Idempotent: installing it again (a second logger
/// after the first was dropped) is a no-op. Fails with [`Error::InvalidConfig`] when another
/// `log` logger was installed first.
pub fn install() -> Result<(), Error> {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ours = *INSTALLED.get_or_init(|| ::log::set_logger(&BRIDGE).is_ok());
    if !ours {
        return Err(Error::InvalidConfig(
            "another logger is already installed for the `log` crate".into(),
        ));
    }
    crate::filter::listen(sync_max_level);
    sync_max_level();
    Ok(())
}

/// Sets `log::max_level` to the least severe level ttlog records now.
fn sync_max_level() {
    ::log::set_max_level(match crate::filter::least_severe_enabled() {
        None => LevelFilter::Off,
        Some(Level::Trace) => LevelFilter::Trace,
        Some(Level::Debug) => LevelFilter::Debug,
        Some(Level::Info) => LevelFilter::Info,
        Some(Level::Warn) => LevelFilter::Warn,
        Some(Level::Error) => LevelFilter::Error,
        // `log` has nothing above ERROR: none of its events would be recorded.
        Some(Level::Critical) => LevelFilter::Off,
    });
}

fn level_of(level: ::log::Level) -> Level {
    match level {
        ::log::Level::Error => Level::Error,
        ::log::Level::Warn => Level::Warn,
        ::log::Level::Info => Level::Info,
        ::log::Level::Debug => Level::Debug,
        ::log::Level::Trace => Level::Trace,
    }
}

impl Log for LogBridge {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        bindings::level_may_be_enabled(level_of(metadata.level()))
    }

    fn log(&self, record: &Record<'_>) {
        let level = level_of(record.level());
        if !bindings::level_may_be_enabled(level) {
            return;
        }
        let (callsite, dynamic) = match hot_callsite(record, level) {
            Some(cs) => (cs, false),
            None => match callsite_of(record, level) {
                Site::Own(cs) => {
                    remember_hot(record, cs);
                    (cs, false)
                }
                Site::Dynamic(cs) => (cs, true),
            },
        };
        if !bindings::enabled(callsite) {
            return;
        }
        let literal = !dynamic && record.args().as_str().is_some();
        bindings::emit(callsite, |enc| {
            if !literal {
                enc.formatted(*record.args());
            }
            let _ = record.key_values().visit(&mut Values { enc });
            if dynamic {
                enc.value(record.target());
            }
            #[cfg(feature = "tracing")]
            super::log_spans::write_current_chain(enc);
        });
    }

    fn flush(&self) {
        crate::flush(std::time::Duration::from_secs(5));
    }
}

/// Fields every `log` callsite has after its key-values: with the `tracing` feature, the
/// span chain (`spans`, SPEC 8.6; null outside spans).
#[cfg(feature = "tracing")]
const TRAILING: &[&str] = &["spans"];
#[cfg(not(feature = "tracing"))]
const TRAILING: &[&str] = &[];

/// Encodes each key-value as the richest type `log` tells.
struct Values<'e, 'b> {
    enc: &'e mut Encoder<'b>,
}

impl<'kvs> VisitSource<'kvs> for Values<'_, '_> {
    fn visit_pair(&mut self, _: Key<'kvs>, value: Value<'kvs>) -> Result<(), ::log::kv::Error> {
        if let Some(b) = value.to_bool() {
            self.enc.value(&b);
        } else if let Some(n) = value.to_i64() {
            self.enc.value(&n);
        } else if let Some(n) = value.to_u64() {
            self.enc.value(&n);
        } else if let Some(n) = value.to_i128() {
            self.enc.value(&n);
        } else if let Some(f) = value.to_f64() {
            self.enc.value(&f);
        } else if let Some(s) = value.to_borrowed_str() {
            self.enc.value(s);
        } else {
            self.enc.display(&value);
        }
        Ok(())
    }
}

/// Collects key names (for a new callsite) or hashes them (to find a known one).
struct Keys<F: FnMut(&str)>(F);

impl<'kvs, F: FnMut(&str)> VisitSource<'kvs> for Keys<F> {
    fn visit_pair(&mut self, key: Key<'kvs>, _: Value<'kvs>) -> Result<(), ::log::kv::Error> {
        (self.0)(key.as_str());
        Ok(())
    }
}

/// The last callsite seen at a statement's place, in a small per-thread table indexed by
/// the place: found by comparing what the record says (the static file's and message
/// literal's addresses, the line and level, and the target and key names as text) with
/// the callsite itself, so a repeated statement costs no hashing and no allocation.
#[derive(Clone, Copy)]
struct Hot {
    file: usize,
    line: u32,
    literal: usize,
    callsite: &'static Callsite,
}

const HOT_SLOTS: usize = 64;

thread_local! {
    static HOT: RefCell<[Option<Hot>; HOT_SLOTS]> = const { RefCell::new([None; HOT_SLOTS]) };
}

/// The record's place in [`HOT`], when its file name is static (from `log`'s macros).
#[inline]
fn hot_place(record: &Record<'_>) -> Option<(usize, usize, u32, usize)> {
    let file = record.file_static()?.as_ptr() as usize;
    let line = record.line().unwrap_or(0);
    let literal = record.args().as_str().map_or(0, |s| s.as_ptr() as usize);
    let mixed = (file as u64 ^ u64::from(line).rotate_left(32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    Some(((mixed >> 58) as usize, file, line, literal))
}

#[inline]
fn hot_callsite(record: &Record<'_>, level: Level) -> Option<&'static Callsite> {
    let (slot, file, line, literal) = hot_place(record)?;
    let hot = HOT
        .try_with(|h| h.try_borrow().ok().and_then(|h| h[slot]))
        .ok()
        .flatten()?;
    let cs = hot.callsite;
    (hot.file == file
        && hot.line == line
        && hot.literal == literal
        && cs.level == level
        && cs.target == record.target()
        && keys_are(
            record,
            &cs.fields[..cs.fields.len().saturating_sub(TRAILING.len())],
        ))
    .then_some(cs)
}

fn remember_hot(record: &Record<'_>, callsite: &'static Callsite) {
    if let Some((slot, file, line, literal)) = hot_place(record) {
        let _ = HOT.try_with(|h| {
            if let Ok(mut h) = h.try_borrow_mut() {
                h[slot] = Some(Hot {
                    file,
                    line,
                    literal,
                    callsite,
                });
            }
        });
    }
}

/// Whether the record's key names are `fields`, in order.
#[inline]
fn keys_are(record: &Record<'_>, fields: &[&str]) -> bool {
    struct Same<'f> {
        fields: &'f [&'f str],
        at: usize,
        same: bool,
    }
    impl<'kvs> VisitSource<'kvs> for Same<'_> {
        fn visit_pair(&mut self, key: Key<'kvs>, _: Value<'kvs>) -> Result<(), ::log::kv::Error> {
            self.same &= self.fields.get(self.at) == Some(&key.as_str());
            self.at += 1;
            Ok(())
        }
    }
    let mut same = Same {
        fields,
        at: 0,
        same: true,
    };
    let _ = record.key_values().visit(&mut same);
    same.same && same.at == fields.len()
}

/// Where a statement is: the static file's address when `log` gives one (the usual case,
/// from its macros), else the file's text; the line and the level.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Place {
    file: usize,
    line: u32,
    level: Level,
}

/// A callsite made for one statement, with what must match for a record to share it.
struct Known {
    target: Box<str>,
    /// The message literal's address, or 0 for a formatted message.
    literal: usize,
    keys: u64,
    callsite: &'static Callsite,
}

/// Statements seen by this thread; every thread also shares the process-wide table below,
/// consulted (under its lock) only on a thread's first event of a statement.
const MAX_PER_PLACE: usize = 64;

thread_local! {
    static CACHE: RefCell<HashMap<Place, Vec<Known>>> = RefCell::new(HashMap::default());
}

static SHARED: std::sync::Mutex<Option<HashMap<Place, Vec<Known>>>> = std::sync::Mutex::new(None);

fn keys_hash(record: &Record<'_>) -> u64 {
    // The key names, each followed by a separator.
    let mut h = FNV_START;
    let _ = record
        .key_values()
        .visit(&mut Keys(|k: &str| h = fnv(h, k.bytes().chain([0xff]))));
    h
}

fn place_of(record: &Record<'_>, level: Level) -> Place {
    let file = match record.file_static() {
        Some(f) => f.as_ptr() as usize,
        // A file name that is not static: identify it by its text.
        None => record
            .file()
            .map_or(0, |f| fnv(FNV_START, f.bytes()) as usize | 1),
    };
    Place {
        file,
        line: record.line().unwrap_or(0),
        level,
    }
}

fn find(list: &[Known], target: &str, literal: usize, keys: u64) -> Option<&'static Callsite> {
    list.iter()
        .find(|k| k.literal == literal && k.keys == keys && &*k.target == target)
        .map(|k| k.callsite)
}

/// Which callsite an event uses, and whether its target goes in a field.
#[derive(Clone, Copy)]
enum Site {
    /// The statement's own callsite.
    Own(&'static Callsite),
    /// The place's shared callsite for targets or messages computed at run time (more
    /// than [`MAX_PER_PLACE`] at one place): the message is formatted, and the target is
    /// the last field, `log.target`, so nothing is lost and nothing leaks per call.
    Dynamic(&'static Callsite),
}

/// The callsite of `record`'s statement, made on its first event.
fn callsite_of(record: &Record<'_>, level: Level) -> Site {
    let place = place_of(record, level);
    let literal = record.args().as_str().map_or(0, |s| s.as_ptr() as usize);
    let keys = keys_hash(record);
    let target = record.target();
    let cached = CACHE
        .try_with(|c| {
            c.try_borrow()
                .ok()
                .and_then(|c| c.get(&place).and_then(|l| find(l, target, literal, keys)))
        })
        .ok()
        .flatten();
    if let Some(cs) = cached {
        return Site::Own(cs);
    }
    let callsite = {
        let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        let list = shared
            .get_or_insert_with(HashMap::default)
            .entry(place.clone())
            .or_default();
        match find(list, target, literal, keys) {
            Some(cs) => cs,
            None => {
                if list.len() >= MAX_PER_PLACE {
                    return Site::Dynamic(dynamic_callsite(record, level, keys));
                }
                let cs = make_callsite(record, level);
                list.push(Known {
                    target: target.into(),
                    literal,
                    keys,
                    callsite: cs,
                });
                cs
            }
        }
    };
    let _ = CACHE.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            let list = c.entry(place).or_default();
            if list.len() < MAX_PER_PLACE {
                list.push(Known {
                    target: target.into(),
                    literal,
                    keys,
                    callsite,
                });
            }
        }
    });
    Site::Own(callsite)
}

/// The shared callsite of a place whose targets or messages vary at run time, per level
/// and key names; made once.
fn dynamic_callsite(record: &Record<'_>, level: Level, keys: u64) -> &'static Callsite {
    static DYNAMIC: std::sync::Mutex<Option<HashMap<(Place, u64), &'static Callsite>>> =
        std::sync::Mutex::new(None);
    let place = place_of(record, level);
    let mut table = DYNAMIC.lock().unwrap_or_else(|e| e.into_inner());
    let callsite: &mut &'static Callsite = table
        .get_or_insert_with(HashMap::default)
        .entry((place, keys))
        .or_insert_with(|| {
            let mut names: Vec<String> = Vec::new();
            let _ = record
                .key_values()
                .visit(&mut Keys(|k: &str| names.push(k.to_string())));
            let mut fields: Vec<&str> = names.iter().map(String::as_str).collect();
            fields.push("log.target");
            fields.extend(TRAILING);
            CallsiteSpec {
                level,
                target: "log",
                file: record.file().unwrap_or(""),
                line: record.line().unwrap_or(0),
                template: "{}",
                fields: &fields,
                positional: 1,
            }
            .leak()
        });
    let callsite: &'static Callsite = callsite;
    callsite
}

fn make_callsite(record: &Record<'_>, level: Level) -> &'static Callsite {
    let mut keys: Vec<String> = Vec::new();
    let _ = record
        .key_values()
        .visit(&mut Keys(|k: &str| keys.push(k.to_string())));
    let mut fields: Vec<&str> = keys.iter().map(String::as_str).collect();
    fields.extend(TRAILING);
    // A message without arguments is the template itself (its braces escaped).
    let (template, positional) = match record.args().as_str() {
        Some(text) => (literal_template(text), 0),
        None => ("{}".to_string(), 1),
    };
    let mut file = record.file().unwrap_or("").to_string();
    if file.is_empty() {
        if let Some(module) = record.module_path() {
            let _ = write!(file, "<{module}>");
        }
    }
    CallsiteSpec {
        level,
        target: record.target(),
        file: &file,
        line: record.line().unwrap_or(0),
        template: &template,
        fields: &fields,
        positional,
    }
    .leak()
}
