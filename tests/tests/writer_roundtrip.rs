//! The writer's output, read back: counts, values, levels, drops, flush, rotation, errors.

use std::collections::HashSet;
use std::time::Duration;

use proptest::prelude::*;
use ttlog::{critical, debug, error, info, trace, warn, Level, OnFull};
use ttlog_reader::{EventKind, Value};
use ttlog_tests::{one_logger_at_a_time, read_clean};

#[test]
fn many_threads_every_event_exactly_once() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("threads.bin");
    const THREADS: u64 = 8;
    const EACH: u64 = 25_000;
    let guard = ttlog::builder().path(&path).init().unwrap();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            std::thread::Builder::new()
                .name(format!("t{t}"))
                .spawn(move || {
                    for i in 0..EACH {
                        info!("tick", thread = t, seq = i);
                    }
                })
                .unwrap()
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let stats = guard.stats();
    drop(guard);
    let events = read_clean(&path);
    assert_eq!(events.len() as u64, THREADS * EACH);
    let mut seen = HashSet::new();
    for e in &events {
        let t = e.field("thread").unwrap().clone();
        let s = e.field("seq").unwrap().clone();
        let (Value::Int(t), Value::Int(s)) = (t, s) else {
            panic!("not ints")
        };
        assert_eq!(&*e.thread, format!("t{t}"));
        assert!(seen.insert((t, s)), "duplicate {t}/{s}");
    }
    assert_eq!(stats.events_dropped, 0);
    // Stats before the final flush may lag; the file is the truth.
    assert!(stats.events_written <= THREADS * EACH);
}

#[test]
fn messages_fields_and_metadata_round_trip() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fields.bin");
    #[derive(serde::Serialize)]
    struct Pose {
        x: f64,
        tags: Vec<&'static str>,
    }
    #[derive(Debug)]
    struct Opaque(#[allow(dead_code)] u8);
    let guard = ttlog::builder()
        .path(&path)
        .service("roundtrip")
        .level(Level::Trace)
        .init()
        .unwrap();
    let joint = 2;
    info!("motor stalled", joint = joint, torque = 1.5);
    warn!(target: "power", "battery at {}%", 17, volts = 11.1);
    debug!("joint {joint} at {pos:.2}", joint = joint, pos = 0.8125);
    error!("failed: {e}", e = %"disk full", code = ?Opaque(7), pose = Pose { x: 1.0, tags: vec!["a"] });
    trace!(
        "unicode ✓",
        name = "контроллер",
        none = None::<i32>,
        big = u64::MAX,
        neg = i64::MIN
    );
    drop(guard);

    let (events, problems) = ttlog_reader::read_all(&path).unwrap();
    assert!(problems.is_empty());
    let header = ttlog_reader::Events::open(&path).unwrap().header().clone();
    assert_eq!(header.service.as_deref(), Some("roundtrip"));
    assert_eq!(header.pid, Some(u64::from(std::process::id())));
    assert_eq!(header.session.len(), 32);

    let msgs: Vec<String> = events.iter().map(|e| e.message()).collect();
    assert_eq!(
        msgs,
        [
            "motor stalled",
            "battery at 17%",
            "joint 2 at 0.81",
            "failed: disk full",
            "unicode ✓"
        ]
    );
    assert_eq!(events[0].level(), Some(Level::Info));
    assert_eq!(events[0].field("torque"), Some(&Value::Float(1.5)));
    assert_eq!(events[0].target(), module_path!());
    assert_eq!(&*events[0].callsite.file, file!());
    assert!(events[0].callsite.line > 0);
    assert_eq!(events[1].target(), "power");
    assert_eq!(events[1].args(), [Value::Int(17)]);
    assert_eq!(
        events[3].field("code"),
        Some(&Value::Text("Opaque(7)".into()))
    );
    let mut pose = String::new();
    events[3].field("pose").unwrap().write_json(&mut pose);
    assert_eq!(pose, r#"{"x":1.0,"tags":["a"]}"#);
    assert_eq!(
        events[4].field("name").and_then(Value::as_str),
        Some("контроллер")
    );
    assert_eq!(events[4].field("none"), Some(&Value::Null));
    assert_eq!(events[4].field("big"), Some(&Value::Int(u64::MAX.into())));
    assert_eq!(events[4].field("neg"), Some(&Value::Int(i64::MIN.into())));
    let mut times: Vec<u64> = events.iter().map(|e| e.ts).collect();
    times.sort();
    assert_eq!(times, events.iter().map(|e| e.ts).collect::<Vec<_>>());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    assert!(events
        .iter()
        .all(|e| e.ts <= now && now - e.ts < 60_000_000_000));
}

#[test]
fn levels_filter_at_runtime_and_per_target() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("levels.bin");
    let evaluated = std::cell::Cell::new(0);
    let count = || {
        evaluated.set(evaluated.get() + 1);
        1
    };
    let guard = ttlog::builder()
        .path(&path)
        .filter("warn,motor=debug,motor::noisy=off")
        .unwrap()
        .init()
        .unwrap();
    info!("dropped by level", n = count());
    warn!("kept", n = count());
    debug!(target: "motor", "kept by target rule", n = count());
    debug!(target: "motor::pid", "kept by parent rule", n = count());
    error!(target: "motor::noisy", "off", n = count());
    ttlog::set_level(Some(Level::Info));
    info!("kept after set_level", n = count());
    ttlog::set_filter("error").unwrap();
    warn!("dropped after set_filter", n = count());
    drop(guard);
    let msgs: Vec<String> = read_clean(&path).iter().map(|e| e.message()).collect();
    assert_eq!(
        msgs,
        [
            "kept",
            "kept by target rule",
            "kept by parent rule",
            "kept after set_level"
        ]
    );
    // Arguments of disabled events are never evaluated.
    assert_eq!(evaluated.get(), 4);
    assert!(ttlog::set_filter("verbose").is_err());
}

/// CRITICAL (level 5, SPEC.md 8.2) end to end: the macro, a filter that keeps only it, its
/// name in text and JSON, and filters by name and by order.
#[test]
fn critical_is_a_level_above_error_end_to_end() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("critical.bin");
    let guard = ttlog::builder()
        .path(&path)
        .filter("critical")
        .unwrap()
        .init()
        .unwrap();
    error!("dropped: below the filter");
    critical!("over temperature", celsius = 91.5);
    drop(guard);
    let events = read_clean(&path);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].level(), Some(Level::Critical));
    assert_eq!(events[0].level_name(), "CRITICAL");
    let mut json = String::new();
    ttlog_reader::write_json_line(&events[0], &mut json);
    assert!(json.contains(r#""level":"CRITICAL""#), "{json}");
    for (filter, matches) in [
        ("level=CRITICAL", true),
        ("level>=ERROR", true),
        ("level>ERROR", true),
        ("level<=ERROR", false),
        ("level=fatal", true),
    ] {
        let f = ttlog_reader::Filter::parse(filter).unwrap();
        assert_eq!(f.matches(&events[0]), matches, "{filter}");
    }
}

#[test]
fn drop_policy_counts_and_records_every_loss() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drops.bin");
    const N: u64 = 200_000;
    let guard = ttlog::builder()
        .path(&path)
        .on_full(OnFull::Drop)
        .buffer_size(4096)
        .init()
        .unwrap();
    for i in 0..N {
        info!(
            "burst",
            i = i,
            payload = "some text to fill the ring quickly"
        );
    }
    drop(guard);
    let events = read_clean(&path);
    let logged = events.iter().filter(|e| e.kind == EventKind::Log).count() as u64;
    let dropped: u64 = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Dropped { count, .. } => Some(count),
            EventKind::Log => None,
        })
        .sum();
    assert!(dropped > 0, "a 4 KiB ring must overflow under a {N} burst");
    assert_eq!(
        logged + dropped,
        N,
        "every event is either in the file or counted as lost"
    );
}

#[test]
fn block_policy_loses_nothing_with_a_tiny_buffer() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("block.bin");
    const N: u64 = 100_000;
    let guard = ttlog::builder()
        .path(&path)
        .buffer_size(4096)
        .init()
        .unwrap();
    for i in 0..N {
        info!("burst", i = i);
    }
    let stats = guard.stats();
    drop(guard);
    let events = read_clean(&path);
    assert_eq!(events.len() as u64, N);
    assert_eq!(stats.events_dropped, 0);
}

#[test]
fn try_emit_hands_back_the_wait_and_loses_nothing() {
    use ttlog::bindings::{self, CallsiteSpec};
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("try.bin");
    const N: u64 = 50_000;
    let guard = ttlog::builder()
        .path(&path)
        .buffer_size(4096)
        .init()
        .unwrap();
    let cs = CallsiteSpec {
        level: ttlog::Level::Info,
        target: "bind",
        file: "",
        line: 0,
        template: "n {}",
        fields: &[],
        positional: 1,
    }
    .leak();
    let mut handed_back = 0;
    for i in 0..N {
        if !bindings::try_emit(cs, |enc| enc.value(&i)) {
            handed_back += 1;
            // Every other time the caller forgets: the next event pushes it first.
            if handed_back % 2 == 0 {
                bindings::finish_pending();
            }
        }
    }
    bindings::finish_pending();
    let stats = guard.stats();
    drop(guard);
    let events = read_clean(&path);
    assert!(handed_back > 0, "a 4 KiB ring never filled");
    assert_eq!(stats.events_dropped, 0);
    let seen: Vec<String> = events.iter().map(|e| e.message()).collect();
    let want: Vec<String> = (0..N).map(|i| format!("n {i}")).collect();
    assert_eq!(seen, want, "every event, once, in order");
}

#[test]
fn oversized_records_are_counted_not_staged() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("large.bin");
    let guard = ttlog::builder()
        .path(&path)
        .buffer_size(4096)
        .init()
        .unwrap();
    let big = "x".repeat(10_000);
    info!("too big", text = big.as_str());
    info!("fits");
    drop(guard);
    let events = read_clean(&path);
    assert_eq!(events.len(), 2);
    assert!(matches!(
        events
            .iter()
            .find(|e| e.kind != EventKind::Log)
            .unwrap()
            .kind,
        EventKind::Dropped {
            count: 1,
            reason: ttlog_reader::DropReason::TooLarge
        }
    ));
}

#[test]
fn flush_makes_events_readable_while_running() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.bin");
    let guard = ttlog::builder()
        .path(&path)
        .flush_interval(Duration::from_secs(3600))
        .init()
        .unwrap();
    for i in 0..10 {
        info!("live", i = i);
    }
    assert!(guard.flush(Duration::from_secs(5)));
    // The file has no trailer yet; it is still complete up to its last block.
    let events = read_clean(&path);
    assert_eq!(events.len(), 10);
    assert!(ttlog::flush(Duration::from_secs(5)));
    assert_eq!(ttlog::stats().unwrap().events_written, 10);
    drop(guard);
    assert!(ttlog::stats().is_none());
    assert!(!ttlog::flush(Duration::from_millis(10)));
}

#[test]
fn the_flush_interval_writes_partial_blocks() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("interval.bin");
    let guard = ttlog::builder()
        .path(&path)
        .flush_interval(Duration::from_millis(20))
        .init()
        .unwrap();
    info!("one");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while read_clean(&path).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "not written within 5 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(guard);
}

#[test]
fn second_init_is_an_error_and_reinit_after_drop_works() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let guard = ttlog::builder()
        .path(dir.path().join("a.bin"))
        .init()
        .unwrap();
    let second = ttlog::builder().path(dir.path().join("b.bin")).init();
    assert!(matches!(second, Err(ttlog::Error::AlreadyInitialized)));
    info!("into a");
    drop(guard);
    let guard = ttlog::builder()
        .path(dir.path().join("c.bin"))
        .init()
        .unwrap();
    info!("into c");
    drop(guard);
    assert_eq!(read_clean(&dir.path().join("a.bin"))[0].message(), "into a");
    assert_eq!(read_clean(&dir.path().join("c.bin"))[0].message(), "into c");
}

#[test]
fn bad_configuration_and_paths_are_errors_not_panics() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let under_a_file = ttlog::builder().path(file.join("log.bin")).init();
    assert!(
        matches!(under_a_file, Err(ttlog::Error::Io { .. })),
        "{under_a_file:?}"
    );
    assert!(matches!(
        ttlog::builder()
            .path(dir.path().join("x.bin"))
            .buffer_size(10)
            .init(),
        Err(ttlog::Error::InvalidConfig(_))
    ));
    assert!(matches!(
        ttlog::builder()
            .path(dir.path().join("x.bin"))
            .block_size(1 << 30)
            .init(),
        Err(ttlog::Error::InvalidConfig(_))
    ));
    assert!(matches!(
        ttlog::builder().filter("motor=loud"),
        Err(ttlog::Error::InvalidFilter(_))
    ));
    // The failed attempts left no logger behind.
    let ok = ttlog::builder().path(dir.path().join("ok.bin")).init();
    assert!(ok.is_ok());
}

#[test]
fn rotation_keeps_a_bounded_series_of_readable_files() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("run.bin");
    let guard = ttlog::builder()
        .path(&base)
        .block_size(1024)
        .rotate_bytes(4096)
        .max_files(3)
        .init()
        .unwrap();
    for i in 0..5_000u64 {
        info!("rotating", i = i, pad = "some padding to fill blocks");
    }
    assert!(guard.flush(std::time::Duration::from_secs(10)));
    let stats = guard.stats();
    drop(guard);
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        stats.files > 3,
        "expected several rotations, got {} ({stats:?})",
        stats.files
    );
    assert_eq!(files.len(), 3, "{files:?}");
    let mut last_seen = None;
    let mut session = None;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            name.starts_with("run.") && name.ends_with(".bin") && name.len() == 14,
            "{name}"
        );
        // At most one block (1 KiB raw, stored no larger) and a trailer past the limit.
        let size = std::fs::metadata(f).unwrap().len();
        assert!(size <= 4096 + 1200 + 200, "{name} is {size} bytes");
        let reader = ttlog_reader::Events::open(f).unwrap();
        let h = reader.header().clone();
        assert_eq!(*session.get_or_insert(h.session.clone()), h.session);
        let events: Vec<_> = reader.map(Result::unwrap).collect();
        assert!(!events.is_empty());
        let first = events[0].field("i").cloned();
        if let (Some(prev), Some(Value::Int(first))) = (last_seen, first) {
            assert_eq!(first, prev + 1, "files continue each other");
        }
        last_seen = match events.last().unwrap().field("i") {
            Some(Value::Int(i)) => Some(*i),
            _ => None,
        };
    }
    assert_eq!(last_seen, Some(4_999));
}

#[test]
fn a_value_that_logs_while_being_formatted_does_not_deadlock() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reentrant.bin");
    struct Loud;
    impl std::fmt::Display for Loud {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            info!("from inside Display");
            f.write_str("loud")
        }
    }
    let guard = ttlog::builder().path(&path).init().unwrap();
    info!("outer", v = %Loud);
    drop(guard);
    let mut msgs: Vec<String> = read_clean(&path).iter().map(|e| e.message()).collect();
    msgs.sort();
    assert_eq!(msgs, ["from inside Display", "outer"]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn arbitrary_values_round_trip(
        cases in proptest::collection::vec(
            (any::<i64>(), any::<u64>(), any::<f64>(), ".{0,40}", any::<bool>(),
             proptest::collection::vec(any::<i32>(), 0..5), proptest::option::of(any::<i16>())),
            1..40,
        )
    ) {
        let _lock = one_logger_at_a_time();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("prop.bin");
        let guard = ttlog::builder().path(&path).level(Level::Trace).init().unwrap();
        for (i, (a, b, c, d, e, f, g)) in cases.iter().enumerate() {
            trace!("case {}", i, a = a, b = b, c = c, d = d.as_str(), e = e, f = f, g = g);
        }
        drop(guard);
        let events = read_clean(&path);
        prop_assert_eq!(events.len(), cases.len());
        for (event, (a, b, c, d, e, f, g)) in events.iter().zip(&cases) {
            prop_assert_eq!(event.field("a"), Some(&Value::Int((*a).into())));
            prop_assert_eq!(event.field("b"), Some(&Value::Int((*b).into())));
            match event.field("c") {
                Some(Value::Float(x)) => prop_assert!(x.to_bits() == c.to_bits() || (x.is_nan() && c.is_nan())),
                other => prop_assert!(false, "c = {:?}", other),
            }
            prop_assert_eq!(event.field("d").and_then(Value::as_str), Some(d.as_str()));
            prop_assert_eq!(event.field("e"), Some(&Value::Bool(*e)));
            let list: Vec<Value> = f.iter().map(|&x| Value::Int(x.into())).collect();
            prop_assert_eq!(event.field("f"), Some(&Value::Array(list)));
            prop_assert_eq!(event.field("g"), Some(&g.map_or(Value::Null, |x| Value::Int(x.into()))));
        }
    }
}

#[test]
fn an_unwritable_snapshot_directory_is_an_error_not_a_crash() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let guard = ttlog::builder()
        .path(dir.path().join("run.bin"))
        .snapshot_dir(file.join("snapshots"))
        .init()
        .unwrap();
    info!("before");
    let err = ttlog::request_snapshot("checkpoint").unwrap_err();
    assert!(matches!(err, ttlog::Error::Snapshot { .. }), "{err}");
    assert!(err.to_string().contains("not-a-dir"), "{err}");
    info!("the program goes on");
    drop(guard);
    assert_eq!(read_clean(&dir.path().join("run.bin")).len(), 2);
    assert!(matches!(
        ttlog::request_snapshot("none running"),
        Err(ttlog::Error::NotRunning)
    ));
}

#[test]
fn a_snapshot_holds_every_event_logged_before_it() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let guard = ttlog::builder()
        .path(dir.path().join("main.bin"))
        .snapshot_dir(dir.path().join("snapshots"))
        .snapshot_on_panic(false)
        .init()
        .unwrap();
    // The last event before each request must be in the snapshot: the writer once read the
    // request after draining the rings, and missed what was logged in between.
    for round in 0..40u32 {
        for i in 0..50u32 {
            info!("step", round = round, i = i);
        }
        let snap = guard.snapshot("checkpoint").unwrap();
        let last = read_clean(&snap)
            .iter()
            .filter(|e| e.message() == "step")
            .count();
        assert_eq!(last, (round as usize + 1) * 50, "round {round}");
    }
}

#[test]
fn a_new_rotated_run_moves_the_earlier_series_aside_whole_and_its_retention_spares_it() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("run.bin");
    let run = |tag: &str| {
        let guard = ttlog::builder()
            .path(&base)
            .block_size(1024)
            .rotate_bytes(4096)
            .max_files(2)
            .init()
            .unwrap();
        for i in 0..2_000u64 {
            info!(
                "rotating",
                i = i,
                run = tag,
                pad = "some padding to fill blocks"
            );
        }
        drop(guard);
    };
    run("first");
    let names = |dir: &std::path::Path| {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    };
    let first = names(dir.path());
    assert_eq!(first.len(), 2, "{first:?}");
    run("second");
    let all = names(dir.path());
    // The second run's series starts again at 000001 under the configured name; the first
    // run's two files are kept, renamed with its start time, and not pruned.
    let (aside, series): (Vec<&String>, Vec<&String>) = all.iter().partition(|n| n.contains('T'));
    assert_eq!(aside.len(), 2, "{all:?}");
    assert_eq!(series.len(), 2, "{all:?}");
    for (old, moved) in first.iter().zip(&aside) {
        let seq = old.strip_prefix("run.").unwrap();
        assert!(moved.ends_with(seq), "{old} -> {moved}");
    }
    for n in &aside {
        let events = read_clean(&dir.path().join(n));
        assert!(events
            .iter()
            .all(|e| matches!(e.field("run"), Some(Value::Text(s)) if &**s == "first")));
    }
}
