//! Helpers shared by the process-boundary tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// A fixture's path, as a string.
pub fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/v1")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Runs `ttlog-view` with `args`.
pub fn view(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ttlog-view"))
        .args(args)
        .output()
        .expect("run ttlog-view")
}

/// Standard output as text.
pub fn out(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Standard error as text.
pub fn err(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}
pub mod hostile;
