//! The subcommands, one file each (`view` is the default command). Each takes its parsed
//! arguments and returns the exit code; shared pieces live beside this folder (`args`,
//! `exit`, `output`, `pipeline`).

pub mod convert;
pub mod info;
pub mod loop_timing;
pub mod mcap;
pub mod parquet;
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
