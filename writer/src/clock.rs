//! The clock the hot path reads: the CPU's time-stamp counter through `quanta` where it is
//! usable, the OS monotonic clock otherwise. Raw readings are converted to nanoseconds since
//! the epoch by the writer thread, off the hot path.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();

fn clock() -> &'static quanta::Clock {
    CLOCK.get_or_init(quanta::Clock::new)
}

/// A raw clock reading: ticks of an unspecified unit.
#[inline(always)]
pub(crate) fn raw() -> u64 {
    clock().raw()
}

/// Converts raw readings to ns since the epoch, anchored at one moment where both the raw
/// clock and the wall clock were read.
#[derive(Clone, Debug)]
pub(crate) struct Anchor {
    raw: u64,
    /// Wall time at `raw`, ns since the epoch.
    pub wall_ns: u64,
    /// ns per 2^32 raw ticks, from quanta's calibration: one multiply per conversion
    /// instead of quanta's per-call scaling, on the writer thread's per-event path.
    ns_per_2_32_ticks: u64,
}

impl Anchor {
    pub(crate) fn now() -> Anchor {
        let raw = raw();
        Anchor {
            raw,
            wall_ns: wall_now_ns(),
            ns_per_2_32_ticks: clock().delta_as_nanos(raw, raw + (1 << 32)),
        }
    }

    /// ns since the epoch of a raw reading. Readings from before the anchor (possible when
    /// a core's counter lags another's) saturate to the anchor's time.
    #[inline]
    pub(crate) fn to_ns(&self, raw: u64) -> u64 {
        let ticks = raw.saturating_sub(self.raw);
        let ns = (u128::from(ticks) * u128::from(self.ns_per_2_32_ticks)) >> 32;
        self.wall_ns
            .saturating_add(u64::try_from(ns).unwrap_or(u64::MAX))
    }

    /// The raw ticks per second, measured against the anchor (informative, for the header).
    pub(crate) fn ticks_per_second(&self) -> Option<f64> {
        let now = raw();
        let ns = clock().delta_as_nanos(self.raw, now);
        (ns > 0).then(|| (now - self.raw) as f64 * 1e9 / ns as f64)
    }
}

/// Wall-clock time, ns since the epoch (0 if the system clock is before 1970).
pub(crate) fn wall_now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
