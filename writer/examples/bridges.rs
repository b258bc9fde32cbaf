//! One file for a program that logs three ways: through the `log` facade (with key-values,
//! as libraries do), through `tracing` (events inside nested spans, on several threads),
//! and through ttlog's own macros.
//!
//! ```text
//! cargo run --release -p ttlog --features log,tracing --example bridges -- --out /tmp/bridges.bin
//! ttlog-view /tmp/bridges.bin | head
//! ttlog-view /tmp/bridges.bin --filter 'target=ttlog.span'
//! ```

use std::path::PathBuf;

use tracing_subscriber::prelude::*;

/// A library module that knows only the `log` facade.
mod storage {
    pub fn save(key: &str, bytes: usize) {
        log::debug!(target: "storage", key = key, bytes = bytes; "saving");
        log::info!(target: "storage", key = key, bytes = bytes, ok = true; "saved {} bytes", bytes);
    }
}

const THREADS: usize = 4;
const REQUESTS: u64 = 250;

fn main() {
    let mut out = PathBuf::from("logs/bridges.bin");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().map(PathBuf::from).unwrap_or(out),
            "-h" | "--help" => {
                println!("usage: bridges [--out FILE]");
                return;
            }
            other => {
                eprintln!("bridges: unknown argument `{other}`");
                std::process::exit(2);
            }
        }
    }
    let guard = match ttlog::builder()
        .path(&out)
        .overwrite(true)
        .level(ttlog::Level::Debug)
        .log_bridge()
        .init()
    {
        Ok(g) => g,
        Err(e) => {
            eprintln!("bridges: {e}");
            std::process::exit(1);
        }
    };
    // Not `.init()`: with tracing-subscriber's `tracing-log` feature that would also claim
    // the `log` facade, which the log bridge above holds.
    let subscriber = tracing_subscriber::registry().with(ttlog::bridge::tracing::layer());
    if let Err(e) = tracing::subscriber::set_global_default(subscriber) {
        eprintln!("bridges: {e}");
        std::process::exit(1);
    }

    ttlog::info!(
        "bridges example: {} threads, {} requests each",
        THREADS,
        REQUESTS
    );
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            std::thread::Builder::new()
                .name(format!("worker-{t}"))
                .spawn(move || {
                    for r in 0..REQUESTS {
                        let request_id = t as u64 * 1_000 + r;
                        let span = tracing::info_span!("handle_request", request_id, worker = t);
                        let _in_request = span.enter();
                        tracing::debug!(path = "/joint/2", "request received");
                        {
                            let query = tracing::debug_span!("db_query", table = "gains");
                            let _in_query = query.enter();
                            tracing::info!(rows = 3_u64, cached = r % 2 == 0, "query done");
                        }
                        storage::save("gains", 64 + r as usize);
                        ttlog::debug!("ttlog macro inside request {}", request_id);
                    }
                })
                .expect("spawn a worker")
        })
        .collect();
    for w in workers {
        w.join().expect("a worker panicked");
    }
    tracing::warn!(threads = THREADS as u64, "all workers done");
    drop(guard);
    // Every event of this program: per request 2 tracing + 2 log + 1 ttlog event, and the
    // two span closes; plus the first and last events.
    let events = THREADS as u64 * REQUESTS * 5 + 2;
    let spans = THREADS as u64 * REQUESTS * 2;
    println!(
        "bridges: wrote {events} events and {spans} spans to {}",
        out.display()
    );
}
