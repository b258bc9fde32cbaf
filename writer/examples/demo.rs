//! Writes a realistic trace: worker threads serving requests at every level, with fields of
//! every type, and a 1 kHz control loop logging sensor values, then prints what it wrote.
//!
//! ```text
//! cargo run --release -p ttlog --example demo -- --out logs/demo.bin --events 100000 --threads 4
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use ttlog::{debug, error, info, trace, warn, Level};

#[derive(Serialize)]
struct Pose {
    x: f64,
    y: f64,
    theta: f64,
    frame: &'static str,
}

#[derive(Debug)]
enum Mode {
    Stance,
    Swing,
}

struct Args {
    out: String,
    events: u64,
    threads: u64,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        out: "logs/demo.bin".into(),
        events: 100_000,
        threads: 4,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--out" => args.out = value()?,
            "--events" => args.events = value()?.parse().map_err(|e| format!("--events: {e}"))?,
            "--threads" => {
                args.threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?
            }
            "-h" | "--help" => {
                println!("usage: demo [--out PATH] [--events N] [--threads T]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if args.threads == 0 {
        return Err("--threads must be at least 1".into());
    }
    Ok(args)
}

/// One worker's share of the events: mostly INFO requests, some of every other level.
fn worker(id: u64, events: u64) {
    for i in 0..events {
        let request = id * 1_000_000_000 + i;
        match i % 50 {
            0 => trace!(target: "app::cache", "cache probe", key = request % 977, hit = i % 3 != 0),
            1..=5 => debug!(
                target: "app::planner",
                "planned path in {} steps",
                i % 40 + 3,
                pose = Pose { x: i as f64 * 0.01, y: -0.5, theta: 1.25, frame: "odom" },
                waypoints = [0.0f32, 0.5, 1.0],
            ),
            6 => warn!(
                target: "app::requests",
                "slow request",
                id = request,
                duration_ms = 250 + i % 100,
                retry = None::<u32>,
            ),
            7 if i % 500 == 7 => error!(
                target: "app::storage",
                "write failed: {err}",
                err = %std::io::Error::other("disk quota exceeded"),
                bytes = b"\x00\x01payload".as_slice(),
                path = "/data/trial-07/frames.bin",
            ),
            _ => info!(
                target: "app::requests",
                "request handled",
                id = request,
                user_id = 1000 + (i % 37),
                duration_ms = 1 + (i * 7919) % 20,
            ),
        }
    }
}

/// A 1 kHz loop logging the sensor values a prosthesis controller would track.
fn control_loop(stop: &AtomicBool) -> u64 {
    let period = Duration::from_millis(1);
    let start = Instant::now();
    let mut ticks = 0u64;
    while !stop.load(Ordering::Relaxed) || ticks < 200 {
        let t = ticks as f64 / 1000.0;
        let angle = (t * 6.0).sin() * 0.6;
        debug!(
            target: "osl::knee",
            "tick",
            tick = ticks,
            angle = angle,
            velocity = (t * 6.0).cos() * 3.6,
            torque = angle * 12.5,
            mode = ?if angle > 0.0 { Mode::Swing } else { Mode::Stance },
        );
        ticks += 1;
        let next = start + period * ticks as u32;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    ticks
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("demo: {e}");
            std::process::exit(2);
        }
    };
    let guard = match ttlog::builder()
        .path(&args.out)
        .service("ttlog-demo")
        .level(Level::Trace)
        .init()
    {
        Ok(g) => g,
        Err(e) => {
            eprintln!("demo: {e}");
            std::process::exit(1);
        }
    };
    info!(
        "demo starting",
        events = args.events,
        threads = args.threads,
        out = args.out.as_str()
    );

    let stop = Arc::new(AtomicBool::new(false));
    let control = {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("control-1khz".into())
            .spawn(move || control_loop(&stop))
            .expect("spawn control loop")
    };
    let started = Instant::now();
    let per_thread = args.events / args.threads;
    let workers: Vec<_> = (0..args.threads)
        .map(|id| {
            let n = per_thread + u64::from(id < args.events % args.threads);
            std::thread::Builder::new()
                .name(format!("worker-{id}"))
                .spawn(move || worker(id, n))
                .expect("spawn worker")
        })
        .collect();
    for w in workers {
        w.join().expect("worker panicked");
    }
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let ticks = control.join().expect("control loop panicked");
    info!(
        "demo finished",
        worker_events = args.events,
        control_ticks = ticks
    );
    // An earlier run's file at `--out` is kept: this run may have written beside it.
    let written = guard
        .path()
        .map_or_else(|| args.out.clone(), |p| p.display().to_string());
    drop(guard);

    let total = args.events + ticks + 2;
    let rate = args.events as f64 / elapsed.as_secs_f64();
    println!(
        "wrote {total} events to {written} ({} from {} worker threads in {:.1} ms, {:.1} M events/s; {ticks} control-loop ticks)",
        args.events,
        args.threads,
        elapsed.as_secs_f64() * 1e3,
        rate / 1e6,
    );
}
