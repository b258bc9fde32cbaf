//! Logs N events with three fields from one thread as fast as possible: a profiling target.
//! `cargo run --release -p ttlog --example hotloop -- N`
fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000_000);
    let dir = std::env::temp_dir().join("ttlog-hotloop");
    let guard = ttlog::builder()
        .path(dir.join("hot.bin"))
        .init()
        .expect("init");
    let start = std::time::Instant::now();
    for i in 0..n {
        ttlog::info!(
            "request handled",
            id = std::hint::black_box(i),
            user_id = 1000 + (i & 31),
            duration_ms = i % 17
        );
    }
    guard.flush(std::time::Duration::from_secs(60));
    let t = start.elapsed();
    println!("{:.1} ns/event end to end", t.as_nanos() as f64 / n as f64);
}
