//! The process's running logger: at most one, published by `init` and withdrawn by the
//! guard, `process::exit` or a fatal signal. Logging threads find it here.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockWriteGuard, TryLockError};

use crate::shared::Shared;

static ACTIVE: RwLock<Option<Arc<Shared>>> = RwLock::new(None);
/// The running logger's generation (0: none), read by every event without a lock.
static ACTIVE_GENERATION: AtomicU64 = AtomicU64::new(0);
static NEXT_GENERATION: AtomicU64 = AtomicU64::new(1);

/// A generation number for a new logger.
pub(crate) fn next_generation() -> u64 {
    NEXT_GENERATION.fetch_add(1, Ordering::Relaxed)
}

/// The running logger's generation, 0 when none runs.
#[inline]
pub(crate) fn active_generation() -> u64 {
    ACTIVE_GENERATION.load(Ordering::Acquire)
}

/// The running logger of this process (not one inherited through `fork`).
pub(crate) fn active() -> Option<Arc<Shared>> {
    ACTIVE
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .filter(|s| s.is_ours())
}

/// The running logger, if it can be had without waiting (from a panic hook, which must
/// never block on a lock a dying thread may hold).
pub(crate) fn active_nonblocking() -> Option<Arc<Shared>> {
    let shared = match ACTIVE.try_read() {
        Ok(a) => a.clone(),
        Err(TryLockError::Poisoned(p)) => p.into_inner().clone(),
        Err(TryLockError::WouldBlock) => None,
    };
    shared.filter(|s| s.is_ours())
}

/// The registry, locked for a change; see [`Slot`].
pub(crate) fn lock() -> Slot {
    Slot(ACTIVE.write().unwrap_or_else(|e| e.into_inner()))
}

/// Runs `f` with the registry read-locked, so that no logger starts or stops meanwhile.
pub(crate) fn with_read_lock<T>(f: impl FnOnce(bool) -> T) -> T {
    let active = ACTIVE.read().unwrap_or_else(|e| e.into_inner());
    f(active.is_some())
}

/// The registry, write-locked.
pub(crate) struct Slot(RwLockWriteGuard<'static, Option<Arc<Shared>>>);

impl Slot {
    /// Whether a logger of this process runs.
    pub fn occupied(&self) -> bool {
        self.0.as_ref().is_some_and(|a| a.is_ours())
    }

    /// Makes `shared` the running logger.
    pub fn publish(mut self, shared: Arc<Shared>) {
        ACTIVE_GENERATION.store(shared.generation, Ordering::Release);
        *self.0 = Some(shared);
    }
}

/// How [`withdraw`] may wait for the registry lock.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Take the lock, waiting if need be (a guard being dropped).
    Block,
    /// Only try it (exit paths and forked children, where its holder may never return).
    Try,
}

/// Stops `shared` being the running logger, if it still is.
pub(crate) fn withdraw(shared: &Arc<Shared>, wait: Wait) {
    let mut active = match wait {
        Wait::Block => ACTIVE.write().unwrap_or_else(|e| e.into_inner()),
        Wait::Try => match ACTIVE.try_write() {
            Ok(a) => a,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return,
        },
    };
    if active.as_ref().is_some_and(|a| Arc::ptr_eq(a, shared)) {
        *active = None;
        ACTIVE_GENERATION.store(0, Ordering::Release);
    }
}
