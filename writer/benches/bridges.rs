//! Criterion benchmarks of the `log` bridge and the `tracing` layer, with peers in the same
//! run, one producer thread, end to end to a file (each sample logs its events, then waits
//! until they are in the file).
//!
//! ```text
//! cargo bench -p ttlog --features log,tracing --bench bridges
//! ```
//!
//! - `log/*`: `log::info!("request handled id={} user_id={} duration_ms={}", ..)`, three
//!   formatted values: through ttlog's bridge, ftlog (blocking when full) and spdlog-rs
//!   (its own macro, async pool sink, blocking when full). ftlog is a `log::Log` too and the
//!   facade takes one logger per process, so its records are built as `log::info!` builds
//!   them and handed to it directly. `log/ttlog_bridge_kv` passes the three values as `log`
//!   key-values instead (`log::info!(id = .., ..; "request handled")`): typed, unformatted.
//! - `tracing/*`: `tracing::info!(id, user_id, duration_ms, "request handled")`: through
//!   ttlog's layer and through `tracing-appender` JSON, lossless (`lossy(false)`).
//! - `tracing/ttlog_in_2_spans`: the same event inside two nested entered spans.
//! - `tracing/ttlog_span_enter_exit`: creating, entering, leaving and closing a span (one
//!   span record written per iteration).
//! - At the end: bytes per event on disk, and every event read back.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use tracing_subscriber::prelude::*;

fn ttlog_guard(path: &Path) -> ttlog::Guard {
    ttlog::builder()
        .path(path)
        .overwrite(true)
        .log_bridge()
        .init()
        .expect("init ttlog")
}

fn finish(guard: ttlog::Guard, start: Instant) -> Duration {
    guard.flush(Duration::from_secs(60));
    let elapsed = start.elapsed();
    drop(guard);
    elapsed
}

fn log_ttlog(path: &Path, iters: u64) -> Duration {
    let guard = ttlog_guard(path);
    let start = Instant::now();
    for i in 0..iters {
        log::info!(
            "request handled id={} user_id={} duration_ms={}",
            black_box(i),
            black_box(1000 + (i & 31)),
            black_box(i % 17)
        );
    }
    finish(guard, start)
}

fn log_ttlog_kv(path: &Path, iters: u64) -> Duration {
    let guard = ttlog_guard(path);
    let start = Instant::now();
    for i in 0..iters {
        log::info!(
            id = black_box(i),
            user_id = black_box(1000 + (i & 31)),
            duration_ms = black_box(i % 17);
            "request handled"
        );
    }
    finish(guard, start)
}

fn log_ftlog(path: &Path, iters: u64) -> Duration {
    use log::Log;
    let logger = ftlog::builder()
        .root(ftlog::appender::FileAppender::builder().path(path).build())
        .bounded(100_000, true)
        .build()
        .expect("ftlog");
    let start = Instant::now();
    for i in 0..iters {
        let (a, b, c) = (black_box(i), black_box(1000 + (i & 31)), black_box(i % 17));
        logger.log(
            &log::Record::builder()
                .level(log::Level::Info)
                .target(module_path!())
                .module_path_static(Some(module_path!()))
                .file_static(Some(file!()))
                .line(Some(line!()))
                .args(format_args!(
                    "request handled id={a} user_id={b} duration_ms={c}"
                ))
                .build(),
        );
    }
    logger.flush();
    start.elapsed()
}

fn log_spdlog(path: &Path, iters: u64) -> Duration {
    use spdlog::sink::{AsyncPoolSink, FileSink, OverflowPolicy};
    use std::sync::Arc;
    let file = Arc::new(
        FileSink::builder()
            .path(path)
            .truncate(true)
            .build()
            .expect("spdlog file"),
    );
    let sink = Arc::new(
        AsyncPoolSink::builder()
            .overflow_policy(OverflowPolicy::Block)
            .sink(file)
            .build()
            .expect("spdlog async"),
    );
    let logger = spdlog::Logger::builder()
        .sink(sink)
        .build()
        .expect("spdlog logger");
    let start = Instant::now();
    for i in 0..iters {
        spdlog::info!(
            logger: logger,
            "request handled id={} user_id={} duration_ms={}",
            black_box(i),
            black_box(1000 + (i & 31)),
            black_box(i % 17)
        );
    }
    logger.flush();
    // Dropping the async sink waits for its queue to drain.
    drop(logger);
    start.elapsed()
}

fn tracing_ttlog(path: &Path, iters: u64, spans: bool) -> Duration {
    let guard = ttlog_guard(path);
    let subscriber = tracing_subscriber::registry().with(ttlog::bridge::tracing::layer());
    let start = Instant::now();
    tracing::subscriber::with_default(subscriber, || {
        let outer = spans.then(|| tracing::info_span!("handle_request", request_id = 7_u64));
        let _o = outer.as_ref().map(|s| s.enter());
        let inner = spans.then(|| tracing::info_span!("db_query", table = "gains"));
        let _i = inner.as_ref().map(|s| s.enter());
        for i in 0..iters {
            tracing::info!(
                id = black_box(i),
                user_id = black_box(1000 + (i & 31)),
                duration_ms = black_box(i % 17),
                "request handled"
            );
        }
    });
    finish(guard, start)
}

fn tracing_ttlog_spans(path: &Path, iters: u64) -> Duration {
    let guard = ttlog_guard(path);
    let subscriber = tracing_subscriber::registry().with(ttlog::bridge::tracing::layer());
    let start = Instant::now();
    tracing::subscriber::with_default(subscriber, || {
        for i in 0..iters {
            let span = tracing::info_span!("step", i = black_box(i));
            let entered = span.enter();
            drop(black_box(entered));
        }
    });
    finish(guard, start)
}

fn tracing_appender_json(path: &Path, iters: u64) -> Duration {
    let file = std::fs::File::create(path).expect("create");
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .finish(file);
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
    drop(guard);
    start.elapsed()
}

type Run = fn(&Path, u64) -> Duration;

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &str, Run); 8] = [
        ("log", "ttlog_bridge", log_ttlog),
        ("log", "ttlog_bridge_kv", log_ttlog_kv),
        ("log", "ftlog", log_ftlog),
        ("log", "spdlog_rs", log_spdlog),
        ("tracing", "ttlog_layer", |p, n| tracing_ttlog(p, n, false)),
        ("tracing", "tracing_appender_json", tracing_appender_json),
        ("tracing", "ttlog_in_2_spans", |p, n| {
            tracing_ttlog(p, n, true)
        }),
        ("tracing", "ttlog_span_enter_exit", tracing_ttlog_spans),
    ];
    for group_name in ["log", "tracing"] {
        let mut group = c.benchmark_group(group_name);
        group.throughput(Throughput::Elements(1));
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(4));
        for (g, name, run) in cases {
            if g != group_name {
                continue;
            }
            let path = dir.path().join(format!("{name}.out"));
            group.bench_function(name, |b| b.iter_custom(|iters| run(&path, iters)));
        }
        group.finish();
    }
    // Size on disk and read-back for a fixed count.
    const N: u64 = 200_000;
    println!("\nbytes per event on disk, {N} events:");
    for (_, name, run) in cases {
        let path = dir.path().join(format!("{name}.size"));
        let t = run(&path, N);
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let read_back = if name.starts_with("ttlog") {
            let events = ttlog_reader::Events::open(&path)
                .map(|e| e.filter(|e| e.is_ok()).count())
                .unwrap_or(0);
            format!("{events} read back")
        } else {
            String::new()
        };
        println!(
            "  {name:<24} {:>8.2} B/event {:>8.1} ns/event end to end  {read_back}",
            bytes as f64 / N as f64,
            t.as_nanos() as f64 / N as f64
        );
    }
}

criterion_group!(bridges, benches);
criterion_main!(bridges);
