//! Logs for a while from several threads, then panics in one of them: what a failed trial
//! leaves behind.
//!
//! ```text
//! cargo run -p ttlog --example crash -- --dir /tmp/crash
//! ttlog-view snapshots /tmp/crash/snapshots
//! ttlog-view /tmp/crash/snapshots/*.bin | head -40
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ttlog::{debug, info, warn, Level};

fn main() {
    let mut dir = PathBuf::from("logs/crash");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--dir" => dir = args.next().map(PathBuf::from).unwrap_or(dir),
            "-h" | "--help" => {
                println!("usage: crash [--dir DIR]   (writes DIR/trial.bin and DIR/snapshots/)");
                return;
            }
            other => {
                eprintln!("crash: unknown argument `{other}`");
                std::process::exit(2);
            }
        }
    }
    let _guard = match ttlog::builder()
        .path(dir.join("trial.bin"))
        .service("knee-trial")
        .level(Level::Debug)
        .file_level(Level::Info) // DEBUG goes to the flight recorder only
        .init()
    {
        Ok(g) => g,
        Err(e) => {
            eprintln!("crash: {e}");
            std::process::exit(1);
        }
    };
    info!("trial started", subject = "S07", trial = 3);
    let start = Instant::now();
    let sensors = std::thread::Builder::new()
        .name("sensors".into())
        .spawn(move || {
            let mut tick = 0u64;
            while start.elapsed() < Duration::from_millis(300) {
                let angle = (tick as f64 / 100.0).sin() * 0.6;
                debug!(target: "osl::knee", "tick", tick = tick, angle = angle, torque = angle * 12.5);
                tick += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
        })
        .expect("spawn sensors");
    let controller = std::thread::Builder::new()
        .name("controller".into())
        .spawn(move || {
            let gains = [12.5, 11.0, 9.5];
            for step in 0.. {
                if start.elapsed() > Duration::from_millis(200) {
                    warn!(target: "osl::control", "torque limit near", step = step);
                    // The bug: stepping past the end of the gain schedule.
                    let gain = gains[step % 4];
                    info!("gain", gain = gain);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
        .expect("spawn controller");
    let _ = sensors.join();
    if controller.join().is_err() {
        eprintln!(
            "crash: the controller panicked; see {} and {}",
            dir.join("trial.bin").display(),
            dir.join("snapshots").display()
        );
        std::process::exit(1);
    }
}
