//! A program that logs and then fails in a chosen way, for the crash-safety tests.
//!
//! `crasher MODE DIR`: the main log is `DIR/main.bin`, snapshots go to `DIR/snapshots`.

use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use ttlog::{debug, info, Level};

fn log_from_threads(threads: u64, each: u64) {
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            std::thread::Builder::new()
                .name(format!("worker-{t}"))
                .spawn(move || {
                    for seq in 0..each {
                        info!("work", thread = t, seq = seq);
                    }
                })
                .unwrap()
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, dir) = (args[1].as_str(), Path::new(&args[2]));
    let builder = ttlog::builder()
        .path(dir.join("main.bin"))
        .snapshot_dir(dir.join("snapshots"))
        .flush_interval(Duration::from_millis(5));
    match mode {
        "panic-main" => {
            let _guard = builder.init().unwrap();
            log_from_threads(3, 1000);
            panic!("boom in main");
        }
        "panic-thread" => {
            let _guard = builder.init().unwrap();
            log_from_threads(3, 1000);
            let h = std::thread::Builder::new()
                .name("worker-2".into())
                .spawn(|| {
                    info!("about to fail");
                    let v: Vec<u32> = Vec::new();
                    v[3]
                })
                .unwrap();
            assert!(h.join().is_err());
            info!("main goes on");
        }
        "panic-writer" => {
            let _guard = builder.buffer_size(4096).init().unwrap();
            log_from_threads(2, 500);
            ttlog::bindings::inject_writer_panic();
            std::thread::sleep(Duration::from_millis(300));
            // The writer is gone: logging must neither block nor crash.
            for i in 0..100_000u32 {
                info!("after the writer died", i = i);
            }
            println!("still running");
        }
        "panic-two" => {
            let _guard = builder.init().unwrap();
            log_from_threads(2, 500);
            let barrier = Arc::new(Barrier::new(2));
            let handles: Vec<_> = (1..=2)
                .map(|n| {
                    let b = barrier.clone();
                    std::thread::Builder::new()
                        .name(format!("t{n}"))
                        .spawn(move || {
                            b.wait();
                            panic!("simultaneous panic {n}");
                        })
                        .unwrap()
                })
                .collect();
            for h in handles {
                assert!(h.join().is_err());
            }
        }
        "exit" => {
            let guard = builder
                .flush_interval(Duration::from_secs(3600))
                .init()
                .unwrap();
            log_from_threads(2, 1000);
            let _keep = &guard;
            std::process::exit(7);
        }
        "forget" => {
            let guard = builder
                .flush_interval(Duration::from_secs(3600))
                .init()
                .unwrap();
            log_from_threads(2, 1000);
            std::mem::forget(guard);
        }
        "kill-loop" => {
            let _guard = builder.block_size(2048).init().unwrap();
            println!("ready");
            log_from_threads(3, u64::MAX);
        }
        "fork" => {
            // The parent logs, forks, and goes on; the child inherits a logger whose writer
            // thread it does not have. The child must not hang (a 4 KiB ring with
            // OnFull::Block would fill at once), may open its own log, and exits.
            let guard = builder.buffer_size(4096).init().unwrap();
            for i in 0..100u32 {
                info!("parent before fork", i = i);
            }
            // SAFETY: fork in a test program; the child only runs code that takes no lock
            // the writer thread could hold (logging is off there) until it opens its own log.
            #[allow(unsafe_code)]
            let pid = unsafe { libc::fork() };
            assert!(pid >= 0, "fork failed");
            if pid == 0 {
                for i in 0..300_000u32 {
                    info!("child, inherited logger", i = i);
                }
                assert!(
                    !guard.flush(Duration::from_millis(100)),
                    "not the child's writer"
                );
                drop(guard);
                let own = ttlog::builder().path(dir.join("child.bin")).init().unwrap();
                for i in 0..10u32 {
                    info!("child, own logger", i = i);
                }
                drop(own);
                std::process::exit(0);
            }
            let mut status = 0;
            // SAFETY: waits for the child just forked; `status` is a valid out pointer.
            #[allow(unsafe_code)]
            let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
            assert_eq!(waited, pid);
            assert!(
                libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
                "child failed"
            );
            for i in 0..100u32 {
                info!("parent after fork", i = i);
            }
            drop(guard);
            println!("child exited cleanly");
        }
        "memory-only" => {
            let _guard = ttlog::builder()
                .memory_only()
                .snapshot_dir(dir.join("snapshots"))
                .level(Level::Debug)
                .init()
                .unwrap();
            for i in 0..500u32 {
                debug!("kept in memory", i = i);
            }
            let path = ttlog::request_snapshot("checkpoint").unwrap();
            println!("{}", path.display());
        }
        "file-level" => {
            let guard = builder
                .level(Level::Debug)
                .file_level(Level::Info)
                .init()
                .unwrap();
            for i in 0..100u32 {
                debug!("detail", i = i);
                info!("summary", i = i);
            }
            let path = guard.snapshot("checkpoint").unwrap();
            println!("{}", path.display());
        }
        "signals" => {
            let _guard = builder.snapshot_on_signals(true).init().unwrap();
            log_from_threads(2, 100);
            println!("ready");
            for i in 0.. {
                info!("waiting for signals", i = i);
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        "disk-full" => {
            let guard = builder.init().unwrap();
            for i in 0..300_000u32 {
                info!(
                    "filling the disk",
                    i = i,
                    pad = "0123456789abcdef0123456789abcdef"
                );
            }
            guard.flush(Duration::from_secs(10));
            let s = guard.stats();
            println!(
                "written {} dropped {} io_errors {}",
                s.events_written, s.events_dropped, s.io_errors
            );
        }
        other => panic!("unknown mode {other}"),
    }
}
