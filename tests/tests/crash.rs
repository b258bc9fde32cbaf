//! Crash safety, tested on child processes that panic, exit, or are killed.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ciborium::Value as C;
use ttlog_reader::{Error, Events, Value};

fn crasher(mode: &str, dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crasher"))
        .args([mode, dir.to_str().unwrap()])
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

fn snapshots(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("snapshots"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn info(path: &Path) -> BTreeMap<String, C> {
    let events = Events::open(path).unwrap();
    let Some(C::Map(entries)) = events.header().extra("snapshot").cloned() else {
        panic!("{} has no snapshot record", path.display());
    };
    entries
        .into_iter()
        .map(|(k, v)| (k.as_text().unwrap().to_string(), v))
        .collect()
}

fn text<'a>(m: &'a BTreeMap<String, C>, k: &str) -> &'a str {
    m.get(k).and_then(C::as_text).unwrap_or("")
}

/// All events of a file; panics on any problem but a block cut at the end.
fn events(path: &Path) -> Vec<ttlog_reader::Event> {
    let mut out = Vec::new();
    for item in Events::open(path).unwrap() {
        match item {
            Ok(e) => out.push(e),
            Err(Error::Truncated { .. }) => {}
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    out
}

#[test]
fn panic_in_main_writes_a_snapshot_and_keeps_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let out = crasher("panic-main", dir.path());
    assert_eq!(out.status.code(), Some(101));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Our hook, then the previous (default) hook's message.
    assert!(
        stderr.contains("ttlog: panic snapshot written to"),
        "{stderr}"
    );
    assert!(stderr.contains("boom in main"), "{stderr}");
    let snaps = snapshots(dir.path());
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    let i = info(&snaps[0]);
    assert_eq!(text(&i, "reason"), "panic");
    assert_eq!(text(&i, "message"), "boom in main");
    assert_eq!(text(&i, "thread"), "main");
    assert!(text(&i, "file").ends_with("crasher.rs"));
    assert!(
        text(&i, "backtrace").contains("crasher"),
        "backtrace: {}",
        text(&i, "backtrace")
    );
    assert!(snaps[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .contains("-panic.bin"));
    assert_eq!(events(&snaps[0]).len(), 3000);
    // The cause is in the run's own log too (SPEC.md 8.8): a last CRITICAL event, and the
    // trailer's end.
    let main = events(&dir.path().join("main.bin"));
    assert_eq!(main.len(), 3001);
    let end = main.last().unwrap();
    assert_eq!(end.level(), Some(ttlog::Level::Critical));
    assert_eq!(end.target(), "ttlog.end");
    assert_eq!(end.message(), "panic in thread main: boom in main");
    assert!(end
        .field("file")
        .and_then(Value::as_str)
        .unwrap()
        .ends_with("crasher.rs"));
    assert!(end
        .field("backtrace")
        .and_then(Value::as_str)
        .unwrap()
        .contains("crasher"));
    assert_eq!(
        end.field("snapshot").and_then(Value::as_str),
        Some(snaps[0].to_str().unwrap())
    );
    assert_eq!(end.field("ends_run"), Some(&Value::Bool(true)));
    assert_eq!(
        trailer_end(&dir.path().join("main.bin")).as_deref(),
        Some("panic")
    );
}

/// The `end` of a file's trailer (SPEC.md 6).
fn trailer_end(path: &Path) -> Option<String> {
    let mut reader = Events::open(path).unwrap();
    for _ in reader.by_ref() {}
    reader.trailer().and_then(|t| t.end.clone())
}

#[test]
fn panic_in_another_thread_names_it_and_the_program_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let out = crasher("panic-thread", dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snaps = snapshots(dir.path());
    assert_eq!(snaps.len(), 1);
    let i = info(&snaps[0]);
    assert_eq!(text(&i, "thread"), "worker-2");
    assert!(text(&i, "message").contains("index out of bounds"), "{i:?}");
    let main: Vec<String> = events(&dir.path().join("main.bin"))
        .iter()
        .map(|e| e.message())
        .collect();
    assert!(main.contains(&"about to fail".to_string()));
    assert_eq!(main.last().map(String::as_str), Some("main goes on"));
    // The thread's end is in the log; the run survived it and ended clean.
    let ends: Vec<_> = events(&dir.path().join("main.bin"))
        .into_iter()
        .filter(|e| e.target() == "ttlog.end")
        .collect();
    assert_eq!(ends.len(), 1);
    assert_eq!(
        ends[0].field("thread").and_then(Value::as_str),
        Some("worker-2")
    );
    assert_eq!(ends[0].field("ends_run"), Some(&Value::Bool(false)));
    assert_eq!(
        trailer_end(&dir.path().join("main.bin")).as_deref(),
        Some("clean")
    );
}

#[test]
fn a_panic_in_the_writer_thread_is_snapshotted_and_logging_never_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let out = crasher("panic-writer", dir.path());
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "still running\n");
    let snaps = snapshots(dir.path());
    assert_eq!(snaps.len(), 1);
    let i = info(&snaps[0]);
    assert_eq!(text(&i, "thread"), "ttlog-writer");
    assert!(text(&i, "message").contains("injected panic"));
    // The main log stays readable up to its last block.
    let _ = events(&dir.path().join("main.bin"));
}

#[test]
fn two_panics_at_once_give_two_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let out = crasher("panic-two", dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snaps = snapshots(dir.path());
    assert_eq!(snaps.len(), 2, "{snaps:?}");
    let mut threads: Vec<String> = snaps
        .iter()
        .map(|p| text(&info(p), "thread").to_string())
        .collect();
    threads.sort();
    assert_eq!(threads, ["t1", "t2"]);
    for p in &snaps {
        // Every event logged; the later snapshot may also hold the other panic's end event.
        let logged = events(p)
            .iter()
            .filter(|e| e.target() != "ttlog.end")
            .count();
        assert_eq!(logged, 1000);
    }
    // No temporary files are left behind.
    assert!(std::fs::read_dir(dir.path().join("snapshots"))
        .unwrap()
        .flatten()
        .all(|e| !e.file_name().to_string_lossy().ends_with(".tmp")));
}

#[test]
fn process_exit_and_a_forgotten_guard_still_close_the_log() {
    for (mode, code) in [("exit", 7), ("forget", 0)] {
        let dir = tempfile::tempdir().unwrap();
        let out = crasher(mode, dir.path());
        assert_eq!(out.status.code(), Some(code), "{mode}");
        let path = dir.path().join("main.bin");
        let mut reader = Events::open(&path).unwrap();
        let n = reader.by_ref().filter(|e| e.is_ok()).count();
        assert_eq!(
            n, 2000,
            "{mode}: every event logged before exit is in the file"
        );
        assert!(
            reader.blocks().closed_cleanly(),
            "{mode}: trailer written at exit"
        );
    }
}

#[test]
fn memory_only_and_file_level_keep_details_for_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let out = crasher("memory-only", dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("main.bin").exists());
    let snap = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert_eq!(text(&info(&snap), "reason"), "checkpoint");
    assert_eq!(events(&snap).len(), 500);

    let dir = tempfile::tempdir().unwrap();
    let out = crasher("file-level", dir.path());
    assert_eq!(out.status.code(), Some(0));
    let snap = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let levels = |p: &Path| {
        let mut h: HashMap<String, usize> = HashMap::new();
        for e in events(p) {
            *h.entry(e.level_name().into_owned()).or_default() += 1;
        }
        h
    };
    let main = levels(&dir.path().join("main.bin"));
    assert_eq!(main.get("INFO"), Some(&100));
    assert_eq!(main.get("DEBUG"), None, "DEBUG stays out of the file");
    let snap = levels(&snap);
    assert_eq!(
        (snap.get("DEBUG"), snap.get("INFO")),
        (Some(&100), Some(&100))
    );
}

#[test]
fn signals_snapshot_then_sigterm_ends_the_process() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_crasher"))
        .args(["signals", dir.path().to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "ready");
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-USR1", &pid]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while snapshots(dir.path()).is_empty() {
        assert!(Instant::now() < deadline, "no SIGUSR1 snapshot");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIGUSR1 does not stop the program"
    );
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let status = child.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(15), "ended by SIGTERM as usual");
    let snaps = snapshots(dir.path());
    let reasons: Vec<String> = snaps
        .iter()
        .map(|p| text(&info(p), "reason").to_string())
        .collect();
    assert!(
        reasons.contains(&"signal-SIGUSR1".to_string()),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"signal-SIGTERM".to_string()),
        "{reasons:?}"
    );
    let mut reader = Events::open(dir.path().join("main.bin")).unwrap();
    assert!(reader.by_ref().all(|e| e.is_ok()));
    assert!(reader.blocks().closed_cleanly());
    assert_eq!(
        reader.trailer().and_then(|t| t.end.as_deref()),
        Some("signal-SIGTERM")
    );
    let end = events(&dir.path().join("main.bin"))
        .into_iter()
        .find(|e| e.target() == "ttlog.end")
        .expect("an end event");
    assert_eq!(
        end.message(),
        "signal-SIGTERM in thread ttlog-signals: the process received SIGTERM"
    );
}

/// SIGKILL at many moments: every time, the file reads back cleanly (at most a cut last
/// block), and each thread's events are exactly a prefix of what it logged: nothing lost
/// before the last complete block, nothing garbled.
#[test]
fn sigkill_at_random_moments_leaves_a_readable_prefix() {
    const KILLS: u64 = 24;
    let mut report = Vec::new();
    for k in 0..KILLS {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_crasher"))
            .args(["kill-loop", dir.path().to_str().unwrap()])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "ready");
        // Spread over 1 ms to 200 ms, deterministic but irregular.
        let wait = 1 + (k * 7919 % 200);
        std::thread::sleep(Duration::from_millis(wait));
        child.kill().unwrap();
        child.wait().unwrap();
        let path = dir.path().join("main.bin");
        let mut per_thread: HashMap<i128, Vec<i128>> = HashMap::new();
        let mut cut = 0;
        for item in Events::open(&path).unwrap() {
            match item {
                Ok(e) => {
                    let (Some(Value::Int(t)), Some(Value::Int(s))) =
                        (e.field("thread"), e.field("seq"))
                    else {
                        panic!("bad event {e:?}")
                    };
                    per_thread.entry(*t).or_default().push(*s);
                }
                Err(Error::Truncated { .. }) => cut += 1,
                Err(e) => panic!("kill {k} after {wait} ms: {e}"),
            }
        }
        let mut total = 0;
        for (t, mut seqs) in per_thread {
            seqs.sort();
            let n = seqs.len() as i128;
            assert_eq!(
                seqs,
                (0..n).collect::<Vec<_>>(),
                "kill {k}: thread {t} has gaps"
            );
            total += n;
        }
        report.push(format!(
            "{wait} ms: {total} events{}",
            if cut > 0 { ", last block cut" } else { "" }
        ));
    }
    eprintln!("SIGKILL points ({KILLS}): {}", report.join("; "));
}

#[test]
fn a_full_disk_is_reported_once_and_the_program_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mount = dir.path().join("small");
    std::fs::create_dir(&mount).unwrap();
    let mounted = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "size=128k",
            "tmpfs",
            mount.to_str().unwrap(),
        ])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a small tmpfs here (needs root)");
        return;
    }
    let out = crasher("disk-full", &mount);
    let _ = Command::new("umount").arg(&mount).status();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("ttlog: writing").count(), 1, "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let nums: Vec<u64> = stdout
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let (written, dropped, errors) = (nums[0], nums[1], nums[2]);
    assert!(errors > 0 && dropped > 0, "{stdout}");
    assert_eq!(
        written + dropped,
        300_000,
        "every event is written or counted: {stdout}"
    );
}

#[test]
fn a_forked_child_neither_hangs_nor_writes_into_its_parents_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_crasher"))
        .args(["fork", dir.path().to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A hang is the failure this test is about: give up after 60 s rather than wait forever.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the forked child hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let messages = |p: &Path| -> Vec<String> {
        events(p)
            .iter()
            .map(|e| e.callsite.template.to_string())
            .collect()
    };
    let parent = messages(&dir.path().join("main.bin"));
    assert_eq!(
        parent.len(),
        200,
        "the parent's 200 events, none of the child's"
    );
    assert!(parent.iter().all(|m| m.starts_with("parent")));
    let child_log = messages(&dir.path().join("child.bin"));
    assert_eq!(child_log, vec!["child, own logger".to_string(); 10]);
}

#[test]
fn a_rerun_moves_the_crashed_run_aside_and_its_snapshot_still_finds_it() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(crasher("panic-main", dir.path()).status.code(), Some(101));
    let first = snapshots(dir.path());
    let out = crasher("panic-main", dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("held an earlier run; moved it to"),
        "{stderr}"
    );
    // main.bin is the second run; the first is beside it under its start time.
    let main = dir.path().join("main.bin");
    let aside: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p != &main)
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(events(&aside[0]).len(), 3001);
    assert_eq!(events(&main).len(), 3001);
    // The first snapshot names where its main log went, found by session.
    let header = Events::open(&first[0]).unwrap().header().clone();
    let Some(C::Map(rec)) = ttlog_reader::snapshot_record(&header) else {
        panic!("no record");
    };
    let get = |k: &str| {
        rec.iter()
            .find(|(key, _)| key.as_text() == Some(k))
            .and_then(|(_, v)| v.as_text())
            .map(str::to_string)
    };
    assert_eq!(get("main_log"), Some(aside[0].display().to_string()));
    assert_eq!(get("main_log_recorded"), Some(main.display().to_string()));
}
