//! Per-call latency of `info!` with three fields, every call measured (not averaged over
//! bursts, which hides tails), and resident memory as the event count grows.
//!
//! ```text
//! cargo bench -p ttlog --bench latency
//! ```

use std::hint::black_box;
use std::time::Duration;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is expected.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("latency.bin");
    let guard = ttlog::builder().path(&path).init().expect("init");
    let clock = quanta::Clock::new();
    const N: usize = 1_000_000;
    let mut samples = vec![0u64; N];
    // Warm up: first-use registration and the ring's first pass.
    for i in 0..10_000u64 {
        ttlog::info!(
            "request handled",
            id = i,
            user_id = 7u64,
            duration_ms = 3u64
        );
    }
    let rss_start = rss_kib();
    for (i, slot) in samples.iter_mut().enumerate() {
        let i = i as u64;
        let t0 = clock.raw();
        ttlog::info!(
            "request handled",
            id = black_box(i),
            user_id = black_box(1000 + (i & 31)),
            duration_ms = black_box(i % 17)
        );
        let t1 = clock.raw();
        *slot = clock.delta_as_nanos(t0, t1);
    }
    let rss_1m = rss_kib();
    // The clock's own cost, to subtract.
    let mut empty = vec![0u64; 100_000];
    for slot in empty.iter_mut() {
        let t0 = clock.raw();
        let t1 = clock.raw();
        *slot = clock.delta_as_nanos(t0, t1);
    }
    empty.sort_unstable();
    let overhead = empty[empty.len() / 2];
    for i in 0..9_000_000u64 {
        ttlog::info!(
            "request handled",
            id = black_box(i),
            user_id = 7u64,
            duration_ms = 3u64
        );
    }
    guard.flush(Duration::from_secs(60));
    let rss_10m = rss_kib();
    let stats = guard.stats();
    drop(guard);
    samples.sort_unstable();
    let pct = |p: f64| samples[((N as f64 * p) as usize).min(N - 1)].saturating_sub(overhead);
    println!(
        "info! with 3 fields, {N} calls, each timed (clock overhead {overhead} ns subtracted):"
    );
    println!(
        "  p50 {} ns   p90 {} ns   p99 {} ns   p99.9 {} ns   p99.99 {} ns   max {} ns",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(0.999),
        pct(0.9999),
        samples[N - 1].saturating_sub(overhead)
    );
    println!(
        "resident memory: {rss_start} KiB before, {rss_1m} KiB after 1M events, {rss_10m} KiB after 10M"
    );
    println!(
        "events written {}, dropped {}, {} bytes on disk ({:.2} B/event)",
        stats.events_written,
        stats.events_dropped,
        stats.bytes_written,
        stats.bytes_written as f64 / stats.events_written.max(1) as f64
    );
}
