//! The callsites of Python logging calls, made once per (level, template, argument count,
//! keyword names) and found again in a few nanoseconds.
//!
//! Two levels of cache:
//! - per thread, a small table keyed by the *identity* of the template string and of the
//!   keyword-names tuple. A call written in source passes the same two constant objects on
//!   every run (the literal and the compiler's kwnames tuple), so the usual call is found
//!   by comparing two pointers, with no lock and no hashing of text;
//! - per logger, a map keyed by value, behind a mutex, that also holds a strong reference
//!   to every object whose identity the thread tables remember (the literal of each call
//!   site with that text, up to a bound). An object kept alive
//!   cannot be freed, so its address cannot be reused by another string: a pointer match is
//!   sound. Entries of an older logger never match (each logger has its own `id`).
//!
//! Templates built at run time (f-strings) find their callsite by value. Past
//! [`MAX_TEMPLATES`] distinct templates the logger stops making callsites and formats such
//! messages eagerly instead ([`Resolved::Formatted`]), so memory stays bounded.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use ttlog::bindings::{Callsite, CallsiteSpec};
use ttlog::Level;

use crate::template::percent_to_braces;

/// Distinct templates one logger makes callsites for; later ones are formatted eagerly.
pub const MAX_TEMPLATES: usize = 10_000;

/// What a logging call resolves to.
pub enum Resolved {
    /// The call's own callsite: the arguments and keyword values are its values.
    Callsite(&'static Callsite),
    /// Too many templates: the message must be formatted now and stored as the one
    /// argument of this callsite, followed by the keyword values.
    Formatted(&'static Callsite),
}

/// The callsite cache's key is already a hash (Python's cached string hash): mixing it
/// once is enough, where SipHash showed up in profiles of the logging call.
#[derive(Default)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(u64::from(v));
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn write_isize(&mut self, v: isize) {
        self.write_u64(v as u64);
    }
}

type KeyHash = std::hash::BuildHasherDefault<KeyHasher>;

/// A callsite with the Python objects it was made for (kept alive, see the module docs).
struct Cached {
    /// The (template, keyword names) objects this callsite is known by: the pair that made
    /// it, then up to [`MAX_ALIASES`] equal pairs (the same text at other call sites, which
    /// the compiler gives objects of their own).
    objects: Vec<(Py<PyString>, Option<Py<PyTuple>>)>,
    n_args: usize,
    callsite: &'static Callsite,
}

/// Equal pairs remembered per callsite. Bounded because a message built at run time is a
/// new object on every call: past this, such calls find their callsite by value each time.
const MAX_ALIASES: usize = 8;

#[derive(Default)]
struct Map {
    /// By (level, template hash, number of arguments and keywords).
    entries: HashMap<(u8, isize, usize), Vec<Cached>, KeyHash>,
    count: usize,
    /// Callsites of eagerly formatted messages, by (level, keyword names).
    formatted: HashMap<(u8, Vec<String>), &'static Callsite>,
}

/// One logger's callsites.
pub struct Callsites {
    id: u32,
    target: String,
    /// A field every callsite ends with, whose value the caller adds (`spans`: the span
    /// chain of events logged inside Python spans, SPEC.md 8.6).
    trailing: Option<&'static str>,
    map: Mutex<Map>,
}

/// One entry of a thread's identity table.
#[derive(Clone, Copy)]
struct Slot {
    template: usize,
    keys: usize,
    /// The logger's id (0 for an empty slot).
    logger: u32,
    /// Level and argument count.
    tag: u64,
    callsite: Option<&'static Callsite>,
}

const SLOTS: usize = 64;

thread_local! {
    static TABLE: [Cell<Slot>; SLOTS] = const {
        [const { Cell::new(Slot { template: 0, keys: 0, logger: 0, tag: 0, callsite: None }) }; SLOTS]
    };
}

fn slot_index(template: usize, keys: usize) -> usize {
    let h = (template ^ keys.rotate_left(21)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h >> (usize::BITS - SLOTS.trailing_zeros())
}

impl Callsites {
    /// An empty cache for a logger whose messages have target `target`.
    pub fn new(target: String) -> Callsites {
        Callsites::with_trailing_field(target, None)
    }

    /// A cache whose callsites all end with the field `trailing`, after the call's own.
    pub fn with_trailing_field(target: String, trailing: Option<&'static str>) -> Callsites {
        static NEXT_ID: AtomicU32 = AtomicU32::new(1);
        Callsites {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            target,
            trailing,
            map: Mutex::new(Map::default()),
        }
    }

    /// The target of this logger's messages.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The callsite of a call with template `msg`, `n_args` %-arguments and keyword names
    /// `keys` (the call's kwnames tuple).
    pub fn resolve(
        &self,
        level: Level,
        msg: &Bound<'_, PyString>,
        n_args: usize,
        keys: Option<&Bound<'_, PyTuple>>,
    ) -> PyResult<Resolved> {
        let template = msg.as_ptr() as usize;
        let keys_ptr = keys.map_or(0, |k| k.as_ptr() as usize);
        let tag = (u64::from(level.as_u8()) << 56) | n_args as u64;
        let index = slot_index(template, keys_ptr);
        let hit = TABLE.with(|t| {
            let s = t[index].get();
            (s.logger == self.id && s.tag == tag && s.template == template && s.keys == keys_ptr)
                .then_some(s.callsite)
                .flatten()
        });
        if let Some(cs) = hit {
            return Ok(Resolved::Callsite(cs));
        }
        let (resolved, identical) = self.resolve_by_value(level, msg, n_args, keys)?;
        if let (Resolved::Callsite(cs), true) = (&resolved, identical) {
            let slot = Slot {
                template,
                keys: keys_ptr,
                logger: self.id,
                tag,
                callsite: Some(cs),
            };
            TABLE.with(|t| t[index].set(slot));
        }
        Ok(resolved)
    }

    /// The slow path: look up by value, making the callsite if it is new. Also says whether
    /// the cache holds these very objects, which is when a thread may remember them.
    fn resolve_by_value(
        &self,
        level: Level,
        msg: &Bound<'_, PyString>,
        n_args: usize,
        keys: Option<&Bound<'_, PyTuple>>,
    ) -> PyResult<(Resolved, bool)> {
        let py = msg.py();
        let n_keys = keys.map_or(0, |k| k.len());
        let key = (level.as_u8(), msg.hash()?, (n_keys << 16) | n_args);
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let same = |a: &Option<Py<PyTuple>>| match (a, keys) {
            (None, None) => true,
            (Some(a), Some(b)) => a.bind(py).is(b),
            _ => false,
        };
        if let Some(entries) = map.entries.get_mut(&key) {
            for e in entries.iter_mut().filter(|e| e.n_args == n_args) {
                if e.objects.iter().any(|(t, k)| t.bind(py).is(msg) && same(k)) {
                    return Ok((Resolved::Callsite(e.callsite), true));
                }
                let (template, names) = &e.objects[0];
                if template.bind(py).to_str()? != msg.to_str()? {
                    continue;
                }
                let equal_keys = match (names, keys) {
                    (None, None) => true,
                    (Some(a), Some(b)) => a.bind(py).as_any().eq(b)?,
                    _ => false,
                };
                if !equal_keys {
                    continue;
                }
                if e.objects.len() > MAX_ALIASES {
                    return Ok((Resolved::Callsite(e.callsite), false));
                }
                e.objects
                    .push((msg.clone().unbind(), keys.map(|k| k.clone().unbind())));
                return Ok((Resolved::Callsite(e.callsite), true));
            }
        }
        let names: Vec<String> = match keys {
            Some(k) => k
                .iter()
                .map(|n| n.extract::<String>())
                .collect::<PyResult<_>>()?,
            None => Vec::new(),
        };
        let refs: Vec<&str> = names
            .iter()
            .map(String::as_str)
            .chain(self.trailing)
            .collect();
        if map.count >= MAX_TEMPLATES {
            let cs = *map
                .formatted
                .entry((level.as_u8(), names.clone()))
                .or_insert_with(|| {
                    CallsiteSpec {
                        level,
                        target: &self.target,
                        file: "",
                        line: 0,
                        template: "{}",
                        fields: &refs,
                        positional: 1,
                    }
                    .leak()
                });
            return Ok((Resolved::Formatted(cs), false));
        }
        let template = percent_to_braces(msg.to_str()?);
        let callsite = CallsiteSpec {
            level,
            target: &self.target,
            file: "",
            line: 0,
            template: &template,
            fields: &refs,
            positional: n_args as u32,
        }
        .leak();
        map.count += 1;
        map.entries.entry(key).or_default().push(Cached {
            objects: vec![(msg.clone().unbind(), keys.map(|k| k.clone().unbind()))],
            n_args,
            callsite,
        });
        Ok((Resolved::Callsite(callsite), true))
    }
}

/// Callsites of messages that come with an explicit target and are already formatted
/// (stdlib records through `ttlog.Handler`), by (level, target, keyword names).
pub fn dynamic_callsite(level: Level, target: &str, keys: &[&str]) -> &'static Callsite {
    type DynamicKey = (u8, String, Vec<String>);
    static DYNAMIC: Mutex<Option<HashMap<DynamicKey, &'static Callsite>>> = Mutex::new(None);
    let mut map = DYNAMIC.lock().unwrap_or_else(|e| e.into_inner());
    let key = (
        level.as_u8(),
        target.to_string(),
        keys.iter().map(|k| k.to_string()).collect(),
    );
    map.get_or_insert_with(HashMap::new)
        .entry(key)
        .or_insert_with(|| {
            CallsiteSpec {
                level,
                target,
                file: "",
                line: 0,
                template: "{}",
                fields: keys,
                positional: 1,
            }
            .leak()
        })
}
