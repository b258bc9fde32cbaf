//! Benchmarks of the writer (filled in below).
fn main() {}
