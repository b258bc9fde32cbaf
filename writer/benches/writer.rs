//! Criterion benchmarks of the writer, with its peers measured side by side in the same run.
//!
//! ```text
//! cargo bench -p ttlog --bench writer
//! ```
//!
//! - `end_to_end/*`: one INFO event with a message and three fields (`id`, `user_id`,
//!   `duration_ms`), written to a file on disk, timed until the last event is in the file
//!   (each sample logs its events and then flushes). ttlog, `tracing` + `tracing-appender`
//!   JSON (non-blocking), and `slog-async` + `slog-json`, one producer thread each.
//! - `disabled`: an event below the level.
//! - At the end, bytes per event on disk for each library, and the ratios, are printed.

use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn ttlog_events(path: &Path, iters: u64) -> Duration {
    let guard = ttlog::builder().path(path).init().expect("init ttlog");
    let start = Instant::now();
    for i in 0..iters {
        ttlog::info!(
            "request handled",
            id = black_box(i),
            user_id = black_box(1000 + (i & 31)),
            duration_ms = black_box(i % 17)
        );
    }
    guard.flush(Duration::from_secs(60));
    let elapsed = start.elapsed();
    drop(guard);
    elapsed
}

fn tracing_events(path: &Path, iters: u64) -> Duration {
    let file = std::fs::File::create(path).expect("create");
    let (writer, guard) = tracing_appender::non_blocking(file);
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(writer)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let start = Instant::now();
    tracing::subscriber::with_default(subscriber, || {
        for i in 0..iters {
            tracing::info!(
                id = black_box(i),
                user_id = black_box(1000 + (i & 31)),
                duration_ms = black_box(i % 17),
                "request handled"
            );
        }
    });
    // Dropping the guard writes everything still queued.
    drop(guard);
    start.elapsed()
}

fn slog_events(path: &Path, iters: u64) -> Duration {
    use slog::Drain;
    let file = std::fs::File::create(path).expect("create");
    let json = slog_json::Json::default(std::io::BufWriter::new(file)).fuse();
    let drain = slog_async::Async::new(json)
        .chan_size(1 << 16)
        .overflow_strategy(slog_async::OverflowStrategy::Block)
        .build();
    let log = slog::Logger::root(drain.fuse(), slog::o!());
    let start = Instant::now();
    for i in 0..iters {
        slog::info!(log, "request handled";
            "id" => black_box(i),
            "user_id" => black_box(1000 + (i & 31)),
            "duration_ms" => black_box(i % 17));
    }
    // Dropping the logger and its async drain joins the worker after it drains.
    drop(log);
    start.elapsed()
}

fn end_to_end(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut group = c.benchmark_group("end_to_end");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.bench_function("ttlog", |b| {
        b.iter_custom(|iters| ttlog_events(&dir.path().join("ttlog.bin"), iters))
    });
    group.bench_function("tracing_appender_json", |b| {
        b.iter_custom(|iters| tracing_events(&dir.path().join("tracing.jsonl"), iters))
    });
    group.bench_function("slog_async_json", |b| {
        b.iter_custom(|iters| slog_events(&dir.path().join("slog.jsonl"), iters))
    });
    group.finish();
}

fn disabled(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let _guard = ttlog::builder()
        .path(dir.path().join("disabled.bin"))
        .init()
        .expect("init ttlog");
    c.bench_function("disabled_debug_call", |b| {
        b.iter(|| {
            ttlog::debug!(
                "not recorded",
                id = black_box(1u64),
                user_id = 2u64,
                duration_ms = 3u64
            )
        })
    });
}

/// Bytes per event on disk, and the ratios to the peers, for 1M events.
fn size_report(_: &mut Criterion) {
    const N: u64 = 1_000_000;
    let dir = tempfile::tempdir().expect("tempdir");
    type Run = fn(&Path, u64) -> Duration;
    let runs: [(&str, &str, Run); 3] = [
        ("ttlog", "ttlog.bin", ttlog_events),
        ("tracing-appender JSON", "tracing.jsonl", tracing_events),
        ("slog-async JSON", "slog.jsonl", slog_events),
    ];
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "\nbytes per event on disk, {N} events (id varying):");
    let mut ttlog_bytes = 0.0;
    for (name, file, run) in runs {
        let path = dir.path().join(file);
        let t = run(&path, N);
        let bytes = std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / N as f64;
        if name == "ttlog" {
            ttlog_bytes = bytes;
        }
        let _ = writeln!(
            out,
            "  {name:<22} {bytes:7.2} B/event  {:7.1} ns/event end to end  ({:.1}x ttlog's size)",
            t.as_nanos() as f64 / N as f64,
            bytes / ttlog_bytes
        );
    }
}

criterion_group!(benches, end_to_end, disabled, size_report);
criterion_main!(benches);
