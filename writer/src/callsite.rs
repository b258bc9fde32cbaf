//! Callsites: one static per logging statement, registered once, then referred to by id.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use crate::filter;
use crate::Level;

/// One logging statement in the source. Created by the macros as a `static`; not meant to be
/// built by hand.
#[derive(Debug)]
pub struct Callsite {
    /// The statement's level.
    pub level: Level,
    /// Its target (by default the module path).
    pub target: &'static str,
    /// Source file.
    pub file: &'static str,
    /// Source line.
    pub line: u32,
    /// Message template.
    pub template: &'static str,
    /// Field names, in value order.
    pub fields: &'static [&'static str],
    /// Number of positional message arguments.
    pub n_args: u32,
    /// 0 before registration, else the registry index + 1.
    id: AtomicU32,
    /// Cached filter decision: `generation << 1 | enabled`, 0 when never computed.
    interest: AtomicU32,
}

impl Callsite {
    /// A new, unregistered callsite.
    pub const fn new(
        level: Level,
        target: &'static str,
        file: &'static str,
        line: u32,
        template: &'static str,
        fields: &'static [&'static str],
        n_args: u32,
    ) -> Callsite {
        Callsite {
            level,
            target,
            file,
            line,
            template,
            fields,
            n_args,
            id: AtomicU32::new(0),
            interest: AtomicU32::new(0),
        }
    }

    /// The registry id of this callsite, registering it on first use.
    #[inline]
    pub(crate) fn id(&'static self) -> u32 {
        match self.id.load(Ordering::Acquire) {
            0 => self.register(),
            id => id - 1,
        }
    }

    #[cold]
    fn register(&'static self) -> u32 {
        let mut reg = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
        // Another thread may have won the race while we waited for the lock.
        let id = self.id.load(Ordering::Acquire);
        if id != 0 {
            return id - 1;
        }
        reg.push(self);
        let id = (reg.len() - 1) as u32;
        self.id.store(id + 1, Ordering::Release);
        id
    }

    /// Whether the target filter lets this callsite through, from the cache when the filter
    /// has not changed since it was computed.
    #[inline]
    pub(crate) fn target_enabled(&'static self) -> bool {
        let cached = self.interest.load(Ordering::Relaxed);
        let generation = filter::generation();
        if cached >> 1 == generation {
            return cached & 1 == 1;
        }
        let enabled = filter::target_allows(self.target, self.level);
        self.interest
            .store(generation << 1 | u32::from(enabled), Ordering::Relaxed);
        enabled
    }
}

static REGISTRY: Mutex<Vec<&'static Callsite>> = Mutex::new(Vec::new());

/// Copies registry entries from `known` onward into `into`: the writer thread's way of
/// learning new callsites without holding the lock while it works.
pub(crate) fn sync_registry(into: &mut Vec<&'static Callsite>) {
    let reg = REGISTRY.lock().unwrap_or_else(|e| e.into_inner());
    let known = into.len();
    into.extend_from_slice(&reg[known..]);
}
