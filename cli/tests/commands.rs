//! The subcommands and selection flags, tested as a process over the fixtures and over files
//! a live writer is appending to.

use std::io::{BufRead, BufReader, Read};

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{err, fixture, out, view};

/// The logger is process-wide: tests that start one take this lock first.
fn one_logger() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn expected(name: &str) -> Vec<String> {
    std::fs::read_to_string(fixture(name))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn filters_select_by_field_level_target_thread_and_time() {
    let threads = fixture("threads.bin");
    let all = expected("threads.jsonl");
    let o = view(&[&threads, "-f", "id>175", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let want: Vec<&String> = all
        .iter()
        .filter(|l| {
            l.split("\"id\":")
                .nth(1)
                .and_then(|r| r.split([',', '}']).next())
                .and_then(|n| n.parse::<i64>().ok())
                .is_some_and(|n| n > 175)
        })
        .collect();
    assert_eq!(out(&o).lines().collect::<Vec<_>>(), want);
    assert_eq!(want.len(), 5);

    let o = view(&[
        &threads,
        "-f",
        "level=DEBUG",
        "-f",
        "target=osl::*",
        "--format",
        "json",
    ]);
    assert_eq!(out(&o).lines().count(), 60);
    let o = view(&[
        &threads, "--level", "info", "--thread", "worker-1", "--format", "json",
    ]);
    assert_eq!(out(&o).lines().count(), 60);
    assert!(out(&o)
        .lines()
        .all(|l| l.contains("\"thread\":\"worker-1\"")));
    let o = view(&[
        &threads,
        "-f",
        "angle~~=^0\\.[0-4] or not exists(angle)",
        "--format",
        "json",
    ]);
    assert!(out(&o).lines().count() > 180);
    // First block spans 00:00:00.000 to 00:00:00.019; the time window keeps part of it.
    let o = view(&[
        &threads,
        "--since",
        "2026-11-22T00:00:00.010Z",
        "--until",
        "2026-11-22T00:00:00.0195Z",
        "--format",
        "json",
    ]);
    assert_eq!(out(&o).lines().count(), 40, "{}", err(&o));
    let o = view(&[&threads, "--since", "-1h"]);
    assert_eq!(
        out(&o),
        "",
        "fixtures are from 2026-11-22, not the last hour"
    );
    let o = view(&[&threads, "-f", "level=ERROR"]);
    assert_eq!((o.status.code(), out(&o).as_str()), (Some(0), ""));
}

#[test]
fn bad_filters_and_times_are_usage_errors_pointing_at_the_problem() {
    let threads = fixture("threads.bin");
    let o = view(&[&threads, "-f", "level>=LOUD"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        err(&o),
        "ttlog-view: bad filter `level>=LOUD` at character 8: unknown level `LOUD` (expected TRACE, DEBUG, INFO, WARN, ERROR or CRITICAL)\n  level>=LOUD\n         ^\n"
    );
    let o = view(&[&threads, "-f", "id=1 and (x>1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("`(` is never closed"));
    let o = view(&[&threads, "-f", "msg~~=(unclosed"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("bad regular expression"), "{}", err(&o));
    let o = view(&[&threads, "--since", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("cannot read `yesterday` as a time"));
    let o = view(&[&threads, "--level", "loud"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn fields_table_and_csv_columns() {
    let one = fixture("one_event.bin");
    let o = view(&[&one, "--format", "json", "--fields", "torque"]);
    assert_eq!(
        out(&o),
        "{\"ts\":\"2026-11-22T00:00:00.000000001Z\",\"level\":\"INFO\",\"target\":\"robot::motor\",\"thread\":\"main\",\"msg\":\"motor stalled\",\"fields\":{\"torque\":1.5},\"file\":\"src/robot.rs\",\"line\":10}\n"
    );
    let o = view(&[&one, "--format", "text", "--fields", "joint"]);
    assert!(out(&o).ends_with("motor stalled joint=2\n"));
    let o = view(&[&one, "--format", "table"]);
    let table = out(&o);
    assert!(
        table.contains("motor stalled") && table.contains("torque") && table.contains("1.5"),
        "{table}"
    );
    let o = view(&[&one, "--format", "csv", "--fields", "torque,joint"]);
    assert!(out(&o).starts_with("ts,level,target,thread,msg,torque,joint,file,line\n"));
}

#[test]
fn tail_prints_the_last_events() {
    let all = expected("threads.jsonl");
    let o = view(&[
        "tail",
        "-n",
        "5",
        &fixture("threads.bin"),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        out(&o).lines().collect::<Vec<_>>(),
        all[all.len() - 5..].to_vec()
    );
    let o = view(&[
        "tail",
        "-n",
        "3",
        "--filter",
        "thread=worker-1",
        &fixture("threads.bin"),
        "--format",
        "json",
    ]);
    assert_eq!(out(&o).lines().count(), 3);
    assert!(out(&o).lines().all(|l| l.contains("worker-1")));
    // A truncated file: the complete blocks' last events, and the cut is reported.
    let cut = expected("truncated_mid_block.jsonl");
    let o = view(&[
        "tail",
        "-n",
        "2",
        &fixture("truncated_mid_block.bin"),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        out(&o).lines().collect::<Vec<_>>(),
        cut[cut.len() - 2..].to_vec()
    );
    assert!(err(&o).contains("file ends inside the block"));
}

#[test]
fn tail_follow_sees_new_events_and_rotation_from_a_live_writer() {
    let _lock = one_logger();
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("live.bin");
    let guard = ttlog::builder()
        .path(&base)
        .flush_interval(Duration::from_millis(20))
        .block_size(1024)
        .rotate_bytes(8 << 10)
        .init()
        .unwrap();
    ttlog::info!("before follow");
    assert!(guard.flush(Duration::from_secs(5)));
    let first = dir.path().join("live.000001.bin");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ttlog-view"))
        .args([
            "tail",
            "-n",
            "1",
            "-f",
            "--poll-ms",
            "20",
            "--format",
            "json",
        ])
        .arg(&first)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first_line = lines.next().unwrap().unwrap();
    assert!(first_line.contains("before follow"), "{first_line}");
    // Enough events to rotate several times; the follower must see every one, in order.
    for i in 0..2000u32 {
        ttlog::info!("followed", i = i, pad = "some text so that blocks fill up");
    }
    assert!(guard.flush(Duration::from_secs(5)));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut next = 0u32;
    while next < 2000 {
        assert!(
            Instant::now() < deadline,
            "follower stopped at event {next}"
        );
        let line = lines.next().unwrap().unwrap();
        assert!(
            line.contains(&format!("\"i\":{next},")),
            "expected {next}: {line}"
        );
        next += 1;
    }
    assert!(guard.stats().files > 1, "the writer rotated");
    drop(guard);
    // Ctrl-C ends it cleanly.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("following"), "{stderr}");
}

#[test]
fn convert_writes_json_and_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("t.jsonl");
    let o = view(&[
        "convert",
        &fixture("threads.bin"),
        "--to",
        "json",
        "-o",
        json.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        std::fs::read_to_string(&json).unwrap(),
        std::fs::read_to_string(fixture("threads.jsonl")).unwrap()
    );
    let csv = dir.path().join("t.csv");
    let o = view(&[
        "convert",
        &fixture("threads.bin"),
        "--to",
        "csv",
        "-o",
        csv.to_str().unwrap(),
        "-f",
        "level=DEBUG",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("ts,level,target,thread,msg,angle,file,line\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 61);
    let o = view(&["convert", &fixture("threads.bin"), "--to", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = view(&[
        "convert",
        &fixture("threads.bin"),
        "--to",
        "json",
        "-o",
        "/nonexistent/dir/x.jsonl",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("/nonexistent/dir/x.jsonl"));
}

#[test]
fn info_tells_a_file_being_written_from_one_whose_writer_was_killed() {
    let dir = tempfile::tempdir().unwrap();
    // A file with no end marker: a closed one without its trailer block and end marker.
    let whole = std::fs::read(fixture("threads.bin")).unwrap();
    let trailer = whole
        .windows(8)
        .rposition(|w| w == b"\xF0TTBLK\r\n")
        .unwrap();
    let path = dir.path().join("cut.bin");
    std::fs::write(&path, &whole[..trailer]).unwrap();
    let state = || {
        let o = view(&["info", path.to_str().unwrap(), "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
        v[0]["state"].as_str().unwrap().to_string()
    };
    assert!(state().contains("killed"), "{}", state());
    // A live writer holds the file's lock (SPEC.md 3): here, this test process.
    let held = std::fs::File::open(&path).unwrap();
    held.try_lock().unwrap();
    assert!(state().contains("being written"), "{}", state());
    drop(held);
    assert!(state().contains("killed"), "{}", state());
}

#[test]
fn info_summarizes_files() {
    let o = view(&[
        "info",
        &fixture("threads.bin"),
        &fixture("truncated_mid_block.bin"),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v[0]["events"], 240);
    assert_eq!(v[0]["state"], "closed cleanly");
    assert_eq!(v[0]["levels"]["DEBUG"], 60);
    assert_eq!(v[0]["threads"]["worker-2"], 60);
    assert_eq!(v[0]["session"], "00000000000000000000000000000005");
    assert_eq!(v[1]["events"], 160);
    // Its last block cut short is what a kill leaves, not damage (reported, exit 3).
    assert_eq!(
        v[1]["state"],
        "not closed: the writer was killed (no live process holds its lock)"
    );
    let o = view(&["info", &fixture("dropped.bin")]);
    assert!(out(&o).contains("1565 events in 3 records"), "{}", out(&o));
}

#[test]
fn verify_reports_each_problem_with_its_offset() {
    let o = view(&["verify", &fixture("threads.bin")]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        out(&o).contains("OK: 4 blocks, 240 events, closed cleanly"),
        "{}",
        out(&o)
    );
    let o = view(&[
        "verify",
        &fixture("corrupt_payload.bin"),
        &fixture("garbage_between_blocks.bin"),
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(err(&o).contains("skipped damaged block at byte 929: block payload checksum mismatch"));
    assert!(err(&o).contains("skipped 315 bytes of non-block data at byte 929"));
    let o = view(&["verify", &fixture("not_ttlog.bin")]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn recover_writes_a_clean_file_with_every_readable_event() {
    let dir = tempfile::tempdir().unwrap();
    let fixed = dir.path().join("fixed.bin");
    let o = view(&[
        "recover",
        &fixture("corrupt_payload.bin"),
        "-o",
        fixed.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    let v = view(&["verify", fixed.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", err(&v));
    let o = view(&[fixed.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        out(&o).lines().collect::<Vec<_>>(),
        expected("corrupt_payload.jsonl")
    );
    // A log is never written over: not the input, not an earlier recovery.
    let before = std::fs::read(&fixed).unwrap();
    let o = view(&[
        "recover",
        &fixture("threads.bin"),
        "-o",
        fixed.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("holds a ttlog log"), "{}", err(&o));
    assert_eq!(std::fs::read(&fixed).unwrap(), before);
    let again = dir.path().join(".").join("fixed.bin");
    let o = view(&[
        "recover",
        fixed.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert_eq!(std::fs::read(&fixed).unwrap(), before);
    // A clean input loses nothing.
    let clean = dir.path().join("clean.bin");
    let o = view(&[
        "recover",
        &fixture("threads.bin"),
        "-o",
        clean.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    // No header: blocks are still found.
    let mut bytes = std::fs::read(fixture("threads.bin")).unwrap();
    bytes[0] = b'X';
    let broken = dir.path().join("noheader.bin");
    std::fs::write(&broken, bytes).unwrap();
    let found = dir.path().join("found.bin");
    let o = view(&[
        "recover",
        broken.to_str().unwrap(),
        "-o",
        found.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3));
    let o = view(&[found.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out(&o).lines().count(), 240);
}

#[test]
fn stats_of_a_numeric_field() {
    let o = view(&[
        "stats",
        "duration_ms",
        &fixture("threads.bin"),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v[0]["count"], 180);
    assert_eq!(v[0]["min"], 0.0);
    assert_eq!(v[0]["max"], 12.0);
    let o = view(&["stats", "id", "--by", "thread", &fixture("threads.bin")]);
    let table = out(&o);
    assert!(
        table.contains("worker-1") && table.contains("main"),
        "{table}"
    );
}

#[test]
fn stats_says_how_many_values_it_skipped_and_why() {
    let _lock = one_logger();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rows.bin");
    let guard = ttlog::builder().path(&path).init().unwrap();
    for tick in 0..842u32 {
        // Rows as Python tracking writes them: a failed read is null, its error beside it.
        if tick % 100 == 7 {
            let errors = std::collections::BTreeMap::from([("temp", "RuntimeError('offline')")]);
            ttlog::info!(target: "ttlog.track", "tracked", temp = None::<f64>, read_errors = errors);
        } else if tick == 500 {
            ttlog::info!(target: "ttlog.track", "tracked", temp = "n/a");
        } else {
            ttlog::info!(target: "ttlog.track", "tracked", temp = 20.0 + f64::from(tick) / 100.0);
        }
    }
    drop(guard);
    let file = path.to_str().unwrap();
    let o = view(&["stats", "temp", file, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v[0]["count"], 832);
    assert_eq!(v[0]["skipped"]["failed_reads"], 9);
    assert_eq!(v[0]["skipped"]["not_numbers"], 1);
    assert!(
        err(&o).contains("10 value(s) of `temp` skipped: 9 failed read(s)"),
        "{}",
        err(&o)
    );
    let o = view(&["stats", "temp", file]);
    let table = out(&o);
    assert!(
        table.contains("skipped") && table.contains("832"),
        "{table}"
    );
}

#[test]
fn a_closed_pipe_on_the_parallel_path_ends_quietly() {
    let _lock = one_logger();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    let guard = ttlog::builder().path(&path).init().unwrap();
    for i in 0..200_000u32 {
        ttlog::info!("filler", i = i);
    }
    drop(guard);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ttlog-view"))
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let start = Instant::now();
    let status = child.wait().unwrap();
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
}

#[test]
fn snapshots_are_listed_newest_first_and_shown_with_their_record() {
    let _lock = one_logger();
    let dir = tempfile::tempdir().unwrap();
    let snaps = dir.path().join("snapshots");
    let guard = ttlog::builder()
        .path(dir.path().join("run.bin"))
        .snapshot_dir(&snaps)
        .init()
        .unwrap();
    ttlog::info!("before the first");
    let first = guard.snapshot("first checkpoint").unwrap();
    ttlog::info!("before the second");
    let second = ttlog::request_snapshot("second").unwrap();
    drop(guard);
    assert_ne!(first, second);
    let o = view(&["snapshots", snaps.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v[0]["reason"], "second");
    assert_eq!(v[1]["reason"], "first checkpoint");
    assert_eq!(v[0]["thread"], v[1]["thread"]);
    let o = view(&[second.to_str().unwrap()]);
    let text = out(&o);
    assert!(text.starts_with("=== snapshot: second in thread"), "{text}");
    assert!(
        text.contains("before the first") && text.contains("before the second"),
        "{text}"
    );
    let o = view(&["info", second.to_str().unwrap()]);
    assert!(out(&o).contains("SNAPSHOT"));
    // Snapshots live apart from the logs: a glob over the logs does not repeat them.
    let o = view(&[
        &format!("{}/*.bin", dir.path().display()),
        "--format",
        "json",
    ]);
    assert_eq!(out(&o).lines().count(), 2);
}

#[test]
fn spans_filters_summary_and_chrome_trace() {
    let spans = fixture("spans.bin");
    let count = |filter: &str| {
        let o = view(&[&spans, "-f", filter, "--format", "json"]);
        assert_eq!(o.status.code(), Some(0), "{filter}: {}", err(&o));
        out(&o).lines().count()
    };
    // The event inside both spans, and the span record of that name.
    assert_eq!(count("span=db_query"), 2);
    assert_eq!(count("span=handle_request"), 2);
    assert_eq!(count("span.request_id=7"), 2);
    assert_eq!(count("span.table=gains and target=app"), 1);
    // `spans` fields that are not a chain (not last; not an array) are in no span.
    assert_eq!(count("span!=db_query"), 4);
    assert_eq!(count("exists(span)"), 3);
    assert_eq!(count("span~~=^handle"), 2);
    assert_eq!(count("span~=query"), 2);
    let bad = view(&[&spans, "-f", "span>a"]);
    assert_eq!(bad.status.code(), Some(2));

    let o = view(&["spans", &spans, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let summary: serde_json::Value = serde_json::from_str(out(&o).trim()).unwrap();
    assert_eq!(
        summary,
        serde_json::json!([
            {"name": "db_query", "count": 1, "p50_ns": 1500, "p99_ns": 1500, "max_ns": 1500, "busy_p50_ns": 1000},
            {"name": "handle_request", "count": 1, "p50_ns": 3000, "p99_ns": 3000, "max_ns": 3000, "busy_p50_ns": 2500},
        ])
    );

    let o = view(&["convert", &spans, "--to", "chrome-trace"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let trace: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let slices: Vec<_> = events.iter().filter(|e| e["ph"] == "X").collect();
    assert_eq!(slices.len(), 2);
    let outer = slices
        .iter()
        .find(|e| e["name"] == "handle_request")
        .unwrap();
    assert_eq!(outer["dur"].as_f64(), Some(3.0));
    assert_eq!(outer["args"]["request_id"], 7);
    assert_eq!(events.iter().filter(|e| e["ph"] == "i").count(), 4);
    assert!(events
        .iter()
        .any(|e| e["ph"] == "M" && e["args"]["name"] == "worker-0"));
}

#[test]
fn convert_to_parquet_needs_an_output_and_reports_damage() {
    let dir = tempfile::tempdir().unwrap();
    let o = view(&["convert", &fixture("threads.bin"), "--to", "parquet"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("-o"));
    let out_path = dir.path().join("t.parquet");
    let o = view(&[
        "convert",
        &fixture("threads.bin"),
        "--to",
        "parquet",
        "-o",
        out_path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let bytes = std::fs::read(&out_path).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    // Damaged input: every readable event exported, the damage reported, exit 3.
    let damaged = dir.path().join("d.parquet");
    let o = view(&[
        "convert",
        &fixture("corrupt_payload.bin"),
        "--to",
        "parquet",
        "-o",
        damaged.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(err(&o).contains("damaged block at byte"), "{}", err(&o));
}

#[test]
fn convert_never_writes_over_an_input_or_a_log_and_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("run.bin");
    std::fs::copy(fixture("threads.bin"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let by_other_path = dir.path().join(".").join("run.bin");
    for to in ["json", "csv", "parquet", "mcap", "chrome-trace"] {
        for out_path in [&input, &by_other_path] {
            let o = view(&[
                "convert",
                input.to_str().unwrap(),
                "--to",
                to,
                "-o",
                out_path.to_str().unwrap(),
            ]);
            assert_eq!(o.status.code(), Some(2), "{to}: {}", err(&o));
            assert!(
                err(&o).contains("is one of the inputs"),
                "{to}: {}",
                err(&o)
            );
            assert_eq!(std::fs::read(&input).unwrap(), before, "{to}");
        }
    }
    // Another log is refused too; an earlier export is replaced, and nothing partial stays.
    let to_json = |out: &std::path::Path| {
        view(&[
            "convert",
            input.to_str().unwrap(),
            "--to",
            "json",
            "-o",
            out.to_str().unwrap(),
        ])
    };
    let other_log = dir.path().join("other.bin");
    std::fs::copy(fixture("levels.bin"), &other_log).unwrap();
    let o = to_json(&other_log);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let json = dir.path().join("run.jsonl");
    std::fs::write(&json, "old").unwrap();
    let o = to_json(&json);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        std::fs::read_to_string(&json).unwrap(),
        out(&view(&[input.to_str().unwrap(), "--format", "json"]))
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".partial")), "{names:?}");
}

/// `ttlog-view info run.bin | head` and the like: a closed pipe ends every command quietly
/// (exit 0), never with a panic (101) from printing.
#[test]
fn a_closed_pipe_ends_every_printing_command_quietly() {
    let file = common::fixture("threads.bin");
    for args in [
        vec!["info", file.as_str()],
        vec!["info", file.as_str(), "--format", "json"],
        vec!["verify", file.as_str()],
        vec!["stats", "id", file.as_str()],
        vec!["spans", file.as_str()],
        vec![file.as_str()],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ttlog-view"))
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `loop` at the process boundary: figures from a schema's rows, pictures, and the errors
/// a researcher can make (a series that is not there, a picture that is not .png/.svg, a
/// picture over its own input).
#[test]
fn loop_gives_period_figures_pictures_and_clear_errors() {
    use common::hostile::{rows_file, write, TS};
    let dir = tempfile::tempdir().unwrap();
    let ms = 1_000_000u64;
    // 1 kHz with one 10 ms stall after iteration 50, and a 1.2 ms overrun at 80.
    let mut starts = Vec::new();
    let mut t = TS;
    for i in 0..200 {
        starts.push(t);
        t += match i {
            50 => 10 * ms,
            80 => 1_200_000,
            _ => ms,
        };
    }
    let file = write(dir.path(), "rows.bin", &rows_file(&starts));
    let o = view(&[
        "loop",
        &file,
        "--series",
        "knee",
        "--frequency",
        "1000",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let r: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(r["iterations"], 199);
    assert_eq!(r["within_tolerance"], 197);
    assert_eq!(r["overruns"], 2);
    assert_eq!(r["stalls"], 1);
    assert_eq!(r["stall_list"][0]["period_ns"], 10 * ms);
    assert_eq!(r["period_ns"]["max"], 10 * ms);
    // Estimated frequency, said so.
    let o = view(&["loop", &file, "--series", "knee"]);
    assert!(
        out(&o).contains("1000 Hz (estimated from the median period)"),
        "{}",
        out(&o)
    );
    // Every period as CSV.
    let o = view(&["loop", &file, "--series", "knee", "--format", "csv"]);
    assert_eq!(out(&o).lines().count(), 200);
    // Pictures: PNG and SVG, whole.
    let png = dir.path().join("h.png");
    let svg = dir.path().join("t.svg");
    let o = view(&[
        "loop",
        &file,
        "--series",
        "knee",
        "--plot",
        png.to_str().unwrap(),
        "--timeline",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(std::fs::read(&png)
        .unwrap()
        .starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    // Errors: exit 2 with what to do.
    let o = view(&["loop", &file]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("these files have: knee"), "{}", err(&o));
    let o = view(&["loop", &file, "--series", "knee", "--plot", "x.jpg"]);
    assert_eq!(o.status.code(), Some(2));
    let o = view(&["loop", &file, "--series", "knee", "--plot", &file]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        std::fs::metadata(&file).unwrap().len() > 100,
        "the input is untouched"
    );
    let o = view(&["loop", &file, "--series", "knee", "--frequency", "0"]);
    assert_eq!(o.status.code(), Some(2));
}
