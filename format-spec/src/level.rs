//! Event levels (SPEC.md section 8.2).

use std::fmt;
use std::str::FromStr;

/// How severe an event is. Ordered: `Trace < Debug < Info < Warn < Error`.
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
}

impl Level {
    /// Every level, least severe first.
    pub const ALL: [Level; 5] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
    ];

    /// The level with wire number `n`, if it is one of the five defined.
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
        }
    }

    /// This level's bit in a block frame's `level_mask`.
    pub fn mask_bit(self) -> u8 {
        level_bit(self as u8)
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
            "unknown level `{}` (expected TRACE, DEBUG, INFO, WARN or ERROR)",
            self.0
        )
    }
}

impl std::error::Error for UnknownLevel {}

impl FromStr for Level {
    type Err = UnknownLevel;

    /// Parses a level name in any case; `WARNING` is accepted for `WARN`.
    fn from_str(s: &str) -> Result<Level, UnknownLevel> {
        match s.to_ascii_uppercase().as_str() {
            "TRACE" => Ok(Level::Trace),
            "DEBUG" => Ok(Level::Debug),
            "INFO" => Ok(Level::Info),
            "WARN" | "WARNING" => Ok(Level::Warn),
            "ERROR" => Ok(Level::Error),
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
        assert_eq!(Level::from_u8(5), None);
        assert_eq!(level_bit(0), 1);
        assert_eq!(level_bit(4), Level::Error.mask_bit());
        assert_eq!(level_bit(7), 0x80);
        assert_eq!(level_bit(255), 0x80);
        assert!("loud".parse::<Level>().is_err());
    }
}
