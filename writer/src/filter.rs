//! Which events are recorded: a global level, per-target levels, and compile-time maximums.
//!
//! The hot path reads one atomic (the least severe level any rule enables) and, only when
//! per-target rules exist, a per-callsite cache that is recomputed after a rule changes.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering};
use std::sync::RwLock;

use crate::{Error, Level};

/// No level at all: every event is disabled.
const OFF: u8 = u8::MAX;

/// The least severe level that any rule enables; `OFF` when no logger is running.
static MIN_LEVEL: AtomicU8 = AtomicU8::new(OFF);
/// Whether per-target rules exist, so callsites must consult their cache.
static HAS_TARGET_RULES: AtomicBool = AtomicBool::new(false);
/// Bumped on every change of the rules, invalidating callsite caches. Starts at 1 so a
/// never-computed cache (0) never matches.
static GENERATION: AtomicU32 = AtomicU32::new(1);
static RULES: RwLock<Rules> = RwLock::new(Rules {
    default: Some(Level::Info),
    targets: Vec::new(),
});

/// The least severe level compiled in, from the `max_level_*` and `release_max_level_*`
/// cargo features; `None` when every level is compiled out (`max_level_off`).
pub const STATIC_MIN_LEVEL: Option<Level> = static_min_level();

const fn static_min_level() -> Option<Level> {
    let release = !cfg!(debug_assertions);
    if release && cfg!(feature = "release_max_level_off") {
        return None;
    }
    if release && cfg!(feature = "release_max_level_error") {
        return Some(Level::Error);
    }
    if release && cfg!(feature = "release_max_level_warn") {
        return Some(Level::Warn);
    }
    if release && cfg!(feature = "release_max_level_info") {
        return Some(Level::Info);
    }
    if release && cfg!(feature = "release_max_level_debug") {
        return Some(Level::Debug);
    }
    if release && cfg!(feature = "release_max_level_trace") {
        return Some(Level::Trace);
    }
    if cfg!(feature = "max_level_off") {
        None
    } else if cfg!(feature = "max_level_error") {
        Some(Level::Error)
    } else if cfg!(feature = "max_level_warn") {
        Some(Level::Warn)
    } else if cfg!(feature = "max_level_info") {
        Some(Level::Info)
    } else if cfg!(feature = "max_level_debug") {
        Some(Level::Debug)
    } else {
        Some(Level::Trace)
    }
}

/// A set of level rules: a default and per-target overrides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    /// The level for targets no rule names; `None` for off.
    pub default: Option<Level>,
    /// `(target prefix, level)`: a target matches when it equals the prefix or starts with
    /// `prefix::`. The longest matching prefix wins.
    pub targets: Vec<(String, Option<Level>)>,
}

impl std::str::FromStr for Rules {
    type Err = Error;

    /// Parses `info,motor=debug,net::http=off`: comma-separated, a bare level sets the
    /// default (`info` when none is given), `target=level` sets a target's level, `off`
    /// disables. An unknown level or an empty target is [`Error::InvalidFilter`].
    fn from_str(spec: &str) -> Result<Rules, Error> {
        let mut rules = Rules {
            default: Some(Level::Info),
            targets: Vec::new(),
        };
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                None => rules.default = parse_level(part)?,
                Some((target, level)) => {
                    let target = target.trim();
                    if target.is_empty() {
                        return Err(Error::InvalidFilter(format!(
                            "`{part}`: empty target before `=`"
                        )));
                    }
                    rules
                        .targets
                        .push((target.to_string(), parse_level(level.trim())?));
                }
            }
        }
        Ok(rules)
    }
}

impl Rules {
    fn level_for(&self, target: &str) -> Option<Level> {
        let mut best: Option<(usize, Option<Level>)> = None;
        for (prefix, level) in &self.targets {
            let matches = target == prefix
                || (target.starts_with(prefix.as_str())
                    && target[prefix.len()..].starts_with("::"));
            if matches && best.is_none_or(|(len, _)| prefix.len() >= len) {
                best = Some((prefix.len(), *level));
            }
        }
        best.map_or(self.default, |(_, l)| l)
    }

    /// The least severe level any rule enables (255 when none).
    pub(crate) fn min_level_enabled(&self) -> u8 {
        self.min_level()
    }

    fn min_level(&self) -> u8 {
        std::iter::once(self.default)
            .chain(self.targets.iter().map(|(_, l)| *l))
            .map(|l| l.map_or(OFF, Level::as_u8))
            .min()
            .unwrap_or(OFF)
    }
}

fn parse_level(s: &str) -> Result<Option<Level>, Error> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    s.parse::<Level>()
        .map(Some)
        .map_err(|e| Error::InvalidFilter(e.to_string()))
}

/// True when an event of `level` may be enabled: the first, cheapest check. The static
/// bound is a constant, so its comparison folds away.
#[inline(always)]
pub(crate) fn level_may_be_enabled(level: Level) -> bool {
    let compiled_in = match STATIC_MIN_LEVEL {
        Some(min) => level.as_u8() >= min.as_u8(),
        None => false,
    };
    compiled_in && level.as_u8() >= MIN_LEVEL.load(Ordering::Relaxed)
}

#[inline(always)]
pub(crate) fn has_target_rules() -> bool {
    HAS_TARGET_RULES.load(Ordering::Relaxed)
}

#[inline]
pub(crate) fn generation() -> u32 {
    GENERATION.load(Ordering::Relaxed) & (u32::MAX >> 1)
}

pub(crate) fn target_allows(target: &str, level: Level) -> bool {
    let rules = RULES.read().unwrap_or_else(|e| e.into_inner());
    rules.level_for(target).is_some_and(|min| level >= min)
}

/// Installs `rules`, and enables logging under them when `enable` (a logger is running).
pub(crate) fn install(rules: Rules, enable: bool) {
    let mut current = RULES.write().unwrap_or_else(|e| e.into_inner());
    HAS_TARGET_RULES.store(!rules.targets.is_empty(), Ordering::Relaxed);
    if enable {
        MIN_LEVEL.store(rules.min_level(), Ordering::Relaxed);
    }
    *current = rules;
    GENERATION.fetch_add(1, Ordering::Relaxed);
    drop(current);
    tell_listener();
}

/// Disables every event (no logger is running).
pub(crate) fn disable_all() {
    MIN_LEVEL.store(OFF, Ordering::Relaxed);
    tell_listener();
}

/// The least severe level any rule enables now; `None` when no event is recorded (no
/// logger running, or every rule off).
#[cfg_attr(not(feature = "log"), allow(dead_code))]
pub(crate) fn least_severe_enabled() -> Option<Level> {
    let min = MIN_LEVEL.load(Ordering::Relaxed);
    let compiled = STATIC_MIN_LEVEL?;
    Level::from_u8(min).map(|l| l.max(compiled))
}

/// Called after every change of what is enabled: a bridge whose facade keeps its own
/// maximum level (`log::max_level`) follows ttlog's through it.
static LISTENER: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Registers the one listener (a second registration is ignored).
#[cfg_attr(not(feature = "log"), allow(dead_code))]
pub(crate) fn listen(f: fn()) {
    let _ = LISTENER.set(f);
}

fn tell_listener() {
    if let Some(f) = LISTENER.get() {
        f();
    }
}

/// The rules in force.
pub(crate) fn current() -> Rules {
    RULES.read().unwrap_or_else(|e| e.into_inner()).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_match() {
        let r = "warn, motor=debug, motor::pid=off, net=ERROR"
            .parse::<Rules>()
            .unwrap();
        assert_eq!(r.level_for("app"), Some(Level::Warn));
        assert_eq!(r.level_for("motor"), Some(Level::Debug));
        assert_eq!(r.level_for("motor::joint"), Some(Level::Debug));
        assert_eq!(r.level_for("motor::pid"), None);
        assert_eq!(r.level_for("motorbike"), Some(Level::Warn));
        assert_eq!(r.min_level(), Level::Debug.as_u8());
        assert!("loud".parse::<Rules>().is_err());
        assert!("=info".parse::<Rules>().is_err());
    }
}
