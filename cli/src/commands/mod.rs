//! The subcommands, one file each (`view` is the default command). Each takes its parsed
//! arguments and returns an `exit::Outcome`: the tally of the problems it met and reported
//! as it went (exit 0, 1 or 3), or the `exit::Error` that stopped it, which `main` prints
//! once and maps to its exit code. Shared pieces live beside this folder (`args`, `exit`,
//! `output`, `pipeline`).

pub mod convert;
pub mod info;
pub mod loop_timing;
pub mod plot;
pub mod recover;
pub mod report;
pub mod snapshots;
pub mod spans;
pub mod stats;
pub mod summary;
pub mod tail;
pub mod verify;
pub mod view;
