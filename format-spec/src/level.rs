//! Event levels (SPEC.md section 8.2).

use std::fmt;
use std::str::FromStr;

/// How severe an event is. Ordered: `Trace < Debug < Info < Warn < Error < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Level {
    /// Very detailed tracing, usually off.
    Trace = 0,
    /// Information useful when debugging.
    Debug = 1,
    /// Normal operation worth recording.
    Info = 2,
    /// Something unexpected that the program survived.
    Warn = 3,
    /// Something failed.
    Error = 4,
    /// Something failed that ends the run or endangers it: an uncaught exception, a panic,
    /// a fatal signal, Python's `logging.CRITICAL` (SPEC.md 8.2).
    Critical = 5,
}

impl Level {
    /// Every level, least severe first.
    pub const ALL: [Level; 6] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Critical,
    ];

    /// The level with wire number `n`, if it is one of the six named.
    pub fn from_u8(n: u8) -> Option<Level> {
        Level::ALL.get(usize::from(n)).copied()
    }

    /// The wire number of this level.
    pub fn as_u8(self) -> u8 {
        self as u8
    }

    /// The upper-case name used in text and JSON output (`"INFO"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }

    /// The mask holding just this level.
    pub fn mask(self) -> LevelMask {
        LevelMask::of(self as u8)
    }
}

/// A set of wire levels as a block frame's `level_mask` holds it (SPEC.md 5.1): bit `n`
/// for level `n` from 0 to 6, bit 7 for every level from 7 to 255, so that no level is
/// without a bit and a block of such events is never skipped by its mask.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LevelMask(pub u8);

impl LevelMask {
    /// Every level.
    pub const ALL: LevelMask = LevelMask(0xff);
    /// No level.
    pub const NONE: LevelMask = LevelMask(0);

    /// The mask of wire level `n`.
    pub fn of(n: u8) -> LevelMask {
        LevelMask(level_bit(n))
    }

    /// Whether the mask includes wire level `n`.
    pub fn has(self, n: u8) -> bool {
        self.0 & level_bit(n) != 0
    }

    /// Whether the two masks share a level.
    pub fn intersects(self, other: LevelMask) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether the mask holds no level.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for LevelMask {
    type Output = LevelMask;
    fn bitor(self, other: LevelMask) -> LevelMask {
        LevelMask(self.0 | other.0)
    }
}

impl std::ops::BitOrAssign for LevelMask {
    fn bitor_assign(&mut self, other: LevelMask) {
        self.0 |= other.0;
    }
}

impl std::ops::BitAnd for LevelMask {
    type Output = LevelMask;
    fn bitand(self, other: LevelMask) -> LevelMask {
        LevelMask(self.0 & other.0)
    }
}

impl std::ops::Not for LevelMask {
    type Output = LevelMask;
    fn not(self) -> LevelMask {
        LevelMask(!self.0)
    }
}

/// The bit that stands for wire level `n` in a block frame's `level_mask` (SPEC.md 5.1):
/// bit `n` for levels 0 to 6, bit 7 for every level from 7 to 255, so that no level is
/// without a bit and a block of such events is never skipped by its mask.
pub fn level_bit(n: u8) -> u8 {
    1 << n.min(7)
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The error of parsing a level name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownLevel(pub String);

impl fmt::Display for UnknownLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown level `{}` (expected TRACE, DEBUG, INFO, WARN, ERROR or CRITICAL)",
            self.0
        )
    }
}

impl std::error::Error for UnknownLevel {}

impl FromStr for Level {
    type Err = UnknownLevel;

    /// Parses a level name in any case; `WARNING` is accepted for `WARN`, `FATAL` and `CRIT`
    /// for `CRITICAL`.
    fn from_str(s: &str) -> Result<Level, UnknownLevel> {
        match s.to_ascii_uppercase().as_str() {
            "TRACE" => Ok(Level::Trace),
            "DEBUG" => Ok(Level::Debug),
            "INFO" => Ok(Level::Info),
            "WARN" | "WARNING" => Ok(Level::Warn),
            "ERROR" => Ok(Level::Error),
            "CRITICAL" | "CRIT" | "FATAL" => Ok(Level::Critical),
            _ => Err(UnknownLevel(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_names() {
        assert!(Level::Trace < Level::Error);
        for l in Level::ALL {
            assert_eq!(Level::from_u8(l.as_u8()), Some(l));
            assert_eq!(l.as_str().parse::<Level>(), Ok(l));
        }
        assert_eq!(Level::from_u8(5), Some(Level::Critical));
        assert!(Level::Error < Level::Critical);
        assert_eq!(Level::from_u8(6), None);
        assert_eq!(level_bit(0), 1);
        assert_eq!(LevelMask(level_bit(4)), Level::Error.mask());
        assert!(LevelMask::of(200).has(7) && !LevelMask::of(6).has(7));
        assert_eq!(level_bit(7), 0x80);
        assert_eq!(level_bit(255), 0x80);
        assert!("loud".parse::<Level>().is_err());
    }
}
