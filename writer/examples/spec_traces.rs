//! Writes the traces that hold the writer to SPEC.md beside the reader: a run that loses
//! events (`OnFull::Drop` on a small ring, flooded), a rotated series, and an asked-for
//! snapshot. `scripts/spec-traces` reads each with `fixtures/spec_reader.py` (a reader
//! written from SPEC.md alone) and with `ttlog-view`, and compares them byte for byte.
//!
//! ```text
//! cargo run -p ttlog --example spec_traces -- --dir /tmp/traces
//! ```

use std::path::PathBuf;

use ttlog::{info, warn, OnFull};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut dir = PathBuf::from("target/spec-traces");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--dir" => dir = args.next().map(PathBuf::from).ok_or("--dir needs a path")?,
            other => return Err(format!("spec_traces: unknown argument `{other}`").into()),
        }
    }
    std::fs::create_dir_all(&dir)?;
    {
        // Drops: a 16 KiB ring that four threads flood without waiting.
        let guard = ttlog::builder()
            .path(dir.join("drops.bin"))
            .overwrite(true)
            .service("spec-traces")
            .on_full(OnFull::Drop)
            .buffer_size(16 << 10)
            .snapshot_dir(dir.join("snapshots"))
            .init()?;
        std::thread::scope(|s| {
            for t in 0..4u32 {
                s.spawn(move || {
                    for i in 0..50_000u32 {
                        info!(
                            "flood",
                            thread = t,
                            i = i,
                            text = "some text to fill the ring"
                        );
                    }
                });
            }
        });
        warn!("asked for a snapshot", reason = "spec traces");
        guard.snapshot("spec-traces")?;
    }
    {
        // Rotation: a new file every 64 KiB, all kept.
        let _guard = ttlog::builder()
            .path(dir.join("rotated.bin"))
            .overwrite(true)
            .service("spec-traces")
            .rotate_bytes(64 << 10)
            .block_size(16 << 10)
            .init()?;
        for i in 0..40_000u32 {
            info!(
                "reading {}",
                i,
                angle = f64::from(i) * 0.001,
                ok = i % 7 != 0
            );
        }
    }
    println!("wrote {}", dir.display());
    Ok(())
}
