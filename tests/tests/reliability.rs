//! Nothing lost, nothing destroyed: a restart writes the configured path and moves the
//! last run's log aside, a deleted or
//! replaced file is noticed before the next block, snapshots are always readable, and a
//! follower never stalls when retention deletes what it follows.

use std::time::Duration;

use ttlog::info;
use ttlog_reader::{Error, Followed, Follower, Query};
use ttlog_tests::{one_logger_at_a_time, read_clean};

fn count_events(path: &std::path::Path) -> usize {
    read_clean(path).len()
}

#[test]
fn a_restart_on_the_same_path_writes_there_and_moves_the_earlier_run_aside() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.bin");
    for run in 0..3u32 {
        let guard = ttlog::builder().path(&path).init().unwrap();
        for i in 0..(100 + run) {
            info!("run", run = run, i = i);
        }
        // The configured path holds the run just made.
        assert_eq!(guard.path(), Some(path.as_path()));
        drop(guard);
        assert_eq!(count_events(&path), 100 + run as usize);
    }
    // The earlier runs are beside it, named by their start time, whole.
    let mut aside: Vec<usize> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p != &path)
        .inspect(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let stamp = name
                .strip_prefix("trace.")
                .and_then(|r| r.strip_suffix(".bin"))
                .unwrap();
            assert!(stamp.starts_with("20") && stamp.contains('T'), "{name}");
        })
        .map(|p| count_events(&p))
        .collect();
    aside.sort();
    assert_eq!(aside, [100, 101]);
    // Asked for explicitly, the path is replaced.
    let guard = ttlog::builder().path(&path).overwrite(true).init().unwrap();
    info!("replaced");
    drop(guard);
    assert_eq!(count_events(&path), 1);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
}

#[test]
fn a_second_live_run_on_the_same_path_takes_the_next_name_and_moves_nothing() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.bin");
    // A live writer of the path (it holds the writer's lock; a second open file of this
    // process is as much another writer as another process).
    std::fs::write(&path, b"live data").unwrap();
    let other = std::fs::File::open(&path).unwrap();
    other.try_lock().unwrap();
    let guard = ttlog::builder().path(&path).init().unwrap();
    info!("second");
    assert_eq!(guard.path(), Some(dir.path().join("trace-2.bin").as_path()));
    drop(guard);
    drop(other);
    assert_eq!(std::fs::read(&path).unwrap(), b"live data");
    assert_eq!(count_events(&dir.path().join("trace-2.bin")), 1);
}

#[test]
fn an_empty_file_at_the_path_is_used_not_kept() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.bin");
    std::fs::write(&path, b"").unwrap();
    let guard = ttlog::builder().path(&path).init().unwrap();
    info!("one");
    assert_eq!(guard.path(), Some(path.as_path()));
    drop(guard);
    assert_eq!(count_events(&path), 1);
}

#[test]
fn a_deleted_log_file_is_noticed_before_the_next_block_and_nothing_is_lost() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.bin");
    let guard = ttlog::builder()
        .path(&path)
        .flush_interval(Duration::from_millis(5))
        .init()
        .unwrap();
    for i in 0..1000u32 {
        info!("before", i = i);
    }
    assert!(guard.flush(Duration::from_secs(5)));
    std::fs::remove_file(&path).unwrap();
    for i in 0..5000u32 {
        info!("after", i = i);
    }
    let stats = guard.stats();
    drop(guard);
    // Every event logged after the deletion is in the new file at the path.
    let events = read_clean(&path);
    assert_eq!(events.len(), 5000);
    assert!(events.iter().all(|e| e.message() == "after"));
    assert_eq!(stats.io_errors, 0);
    assert_eq!(stats.events_dropped, 0);
}

#[test]
fn a_replaced_log_file_is_kept_and_the_log_goes_on_beside_it() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.bin");
    let guard = ttlog::builder().path(&path).init().unwrap();
    info!("before");
    assert!(guard.flush(Duration::from_secs(5)));
    // Someone moves the log away and puts another file in its place.
    std::fs::rename(&path, dir.path().join("moved.bin")).unwrap();
    std::fs::write(&path, b"somebody else's data").unwrap();
    for i in 0..100u32 {
        info!("after", i = i);
    }
    drop(guard);
    assert_eq!(std::fs::read(&path).unwrap(), b"somebody else's data");
    assert_eq!(count_events(&dir.path().join("moved.bin")), 1);
    assert_eq!(count_events(&dir.path().join("trace-2.bin")), 100);
}

#[test]
fn a_snapshot_with_megabytes_of_message_is_readable() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let guard = ttlog::builder()
        .path(dir.path().join("main.bin"))
        .init()
        .unwrap();
    info!("before the crash");
    let huge = "M".repeat(2_000_000);
    let reason = "r".repeat(1_500_000);
    let backtrace = "frame\n".repeat(500_000);
    let path = ttlog::bindings::snapshot(ttlog::bindings::SnapshotDetails {
        reason: &reason,
        message: Some(&huge),
        backtrace: Some(&backtrace),
        thread: None,
    })
    .unwrap();
    drop(guard);
    let reader = ttlog_reader::Events::open(&path).unwrap();
    let snapshot = reader.header().extra("snapshot").cloned().unwrap();
    let text = format!("{snapshot:?}");
    assert!(text.contains("bytes cut"));
    let events: Vec<_> = reader.map(|e| e.unwrap()).collect();
    assert!(events.iter().any(|e| e.message() == "before the crash"));
}

#[test]
fn templates_with_huge_widths_from_the_macros_read_back() {
    let _lock = one_logger_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.bin");
    let guard = ttlog::builder().path(&path).init().unwrap();
    info!("v={:65535}", 1.5);
    info!("v={:.65535}", 1.5);
    info!("v={x:>65535}", x = "ab");
    drop(guard);
    for e in read_clean(&path) {
        let m = e.message();
        assert!(m.len() <= 2 + ttlog_reader::MAX_WIDTH + 2, "{}", m.len());
    }
}

/// A closed series file with `n` events, written by hand so the test controls the timing.
fn series_file(path: &std::path::Path, first: u32, n: u32) {
    let mut out = Vec::new();
    ttlog_format::Header::new("0123456789abcdef0123456789abcdef").encode(&mut out);
    let mut b = ttlog_format::BlockBuilder::new();
    b.thread(1, "main");
    b.callsite(0, 2, 0, 0, "s", "", "e{i}", ["i"].into_iter());
    for i in first..first + n {
        b.event(
            u64::from(i) + 1,
            2,
            0,
            1,
            &[
                0x1a,
                (i >> 24) as u8,
                (i >> 16) as u8,
                (i >> 8) as u8,
                i as u8,
            ],
        );
    }
    b.finish(ttlog_format::BlockKind::Data, &mut out);
    let mut t = ttlog_format::BlockBuilder::new();
    t.raw_record(ttlog_format::record::tag::TRAILER, &[0xa0]);
    let trailer_at = out.len() as u64;
    t.finish(ttlog_format::BlockKind::Trailer, &mut out);
    out.extend_from_slice(
        &ttlog_format::EndMarker {
            trailer_offset: trailer_at,
        }
        .encode(),
    );
    std::fs::write(path, out).unwrap();
}

#[test]
fn a_follower_behind_retention_reads_the_deleted_file_and_reports_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: u32| dir.path().join(format!("run.{n:06}.bin"));
    series_file(&p(1), 0, 10);
    let mut f = Follower::new(p(1), 0, Query::default());
    let first: Vec<Followed> = f.poll();
    assert_eq!(
        first
            .iter()
            .filter(|x| matches!(x, Followed::Event(_)))
            .count(),
        10
    );
    // Before the next poll the writer rotates twice and retention deletes 1 and 2.
    series_file(&p(2), 10, 10);
    series_file(&p(3), 20, 10);
    std::fs::remove_file(p(1)).unwrap();
    std::fs::remove_file(p(2)).unwrap();
    let mut seen = Vec::new();
    let mut deleted = Vec::new();
    for _ in 0..3 {
        for item in f.poll() {
            match item {
                Followed::Event(e) => seen.push(e.message()),
                Followed::Problem(Error::Deleted { path }) => deleted.push(path),
                Followed::Problem(other) => panic!("{other}"),
                _ => {}
            }
        }
    }
    assert_eq!(deleted, [p(2)], "the unread file is reported lost");
    let expected: Vec<String> = (20..30).map(|i| format!("e{i}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(f.path(), p(3));
}

#[test]
fn a_follower_reads_the_rest_of_its_file_through_the_handle_after_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: u32| dir.path().join(format!("run.{n:06}.bin"));
    // The follower has the file open, half read: simulate by following from the start of
    // a file that is complete, then deleting it before the next poll.
    series_file(&p(1), 0, 10);
    let mut f = Follower::new(p(1), 0, Query::default());
    let got = f.poll().len();
    assert!(got >= 10);
    series_file(&p(2), 10, 5);
    std::fs::remove_file(p(1)).unwrap();
    let items = f.poll();
    let events: Vec<String> = items
        .iter()
        .filter_map(|x| match x {
            Followed::Event(e) => Some(e.message()),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        (10..15).map(|i| format!("e{i}")).collect::<Vec<_>>()
    );
    assert!(items.iter().all(|x| !matches!(x, Followed::Problem(_))));
}
