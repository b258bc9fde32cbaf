//! Hostile files through every subcommand, as a process under a memory limit: no panic,
//! no abort, no hang, no unbounded memory, and every problem reported (exit 3).

mod common;

use common::hostile::{
    assert_no_crash, bomb_file, header, levels_file, nested_keys_file, string_refs_file,
    templates_file, tiny_items_file, view_limited, wide_file, write,
};
use common::{err, fixture, out, view};

/// Every subcommand that reads events, with its arguments after the file.
const READERS: &[&[&str]] = &[
    &["view"],
    &["view", "--format", "json"],
    &["view", "--format", "csv"],
    &["tail", "-n", "3"],
    &["tail", "-n", "3", "--format", "json"],
    &["info"],
    &["verify"],
    &["stats"],
    &["summary"],
    &["summary", "--format", "json"],
];

fn run_all(file: &str, what: &str) -> Vec<std::process::Output> {
    let mut outs = Vec::new();
    for cmd in READERS {
        let mut args: Vec<&str> = Vec::new();
        if cmd[0] != "view" {
            args.push(cmd[0]);
        }
        if cmd[0] == "stats" {
            args.push("x");
        }
        args.push(file);
        args.extend(&cmd[1..]);
        let o = view_limited(&args);
        assert_no_crash(&o, &format!("{what}: {cmd:?}"));
        outs.push(o);
    }
    let dir = tempfile::tempdir().unwrap();
    for to in ["json", "csv"] {
        let dest = dir.path().join(format!("out.{to}"));
        let o = view_limited(&["convert", file, "--to", to, "-o", dest.to_str().unwrap()]);
        assert_no_crash(&o, &format!("{what}: convert --to {to}"));
    }
    let dest = dir.path().join("rec.bin");
    let o = view_limited(&["recover", file, "-o", dest.to_str().unwrap()]);
    assert_no_crash(&o, &format!("{what}: recover"));
    let dest = dir.path().join("report.html");
    let o = view_limited(&["report", file, "-o", dest.to_str().unwrap()]);
    assert_no_crash(&o, &format!("{what}: report"));
    for series in ["x@level>=TRACE", "a.b"] {
        let dest = dir.path().join("plot.png");
        let o = view_limited(&["plot", file, series, "-o", dest.to_str().unwrap()]);
        assert_no_crash(&o, &format!("{what}: plot {series}"));
    }
    outs
}

#[test]
fn huge_widths_and_precisions_render_clamped_in_every_command() {
    let dir = tempfile::tempdir().unwrap();
    // 1.5 as a CBOR half float, and a short text.
    let float: &[u8] = &[0xf9, 0x3e, 0x00];
    let text: &[u8] = &[0x62, b'a', b'b'];
    let templates = [
        "v={:.70000}",
        "v={:99999999999}",
        "v={:18446744073709551615}",
        "v={:99999999999999999999999999}",
        "v={:.1000000000e}",
        "v={:1000000000}",
        "v={:#0999999999x}",
        "v={0:.65536}{0:.65535}",
    ];
    let file = write(dir.path(), "w.bin", &templates_file(&templates, &[float]));
    let outs = run_all(&file, "float widths");
    let json = out(&outs[1]);
    assert_eq!(json.lines().count(), templates.len(), "{}", err(&outs[1]));
    for line in json.lines() {
        // Clamped to 4096 characters per placeholder: bounded lines.
        assert!(line.len() < 3 * 4096 + 300, "{}", line.len());
    }
    assert_eq!(outs[1].status.code(), Some(0));
    let file = write(dir.path(), "t.bin", &templates_file(&templates, &[text]));
    let outs = run_all(&file, "text widths");
    assert_eq!(outs[1].status.code(), Some(0), "{}", err(&outs[1]));
    // One template repeating a placeholder 200,000 times: one message, cut at 1 MiB.
    let many = "{0:4096}".repeat(200_000);
    let file = write(dir.path(), "m.bin", &templates_file(&[&many], &[text]));
    let outs = run_all(&file, "repeated placeholders");
    let json = out(&outs[1]);
    assert!(json.len() < (1 << 20) + 4096, "{}", json.len());
    assert!(json.contains("…[message truncated]"));
}

#[test]
fn an_lz4_bomb_is_read_whole_within_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, events) = bomb_file(2);
    assert!(bytes.len() < 200_000, "{}", bytes.len());
    let file = write(dir.path(), "bomb.bin", &bytes);
    // Every command, under the limit; output discarded by the commands' own means.
    for args in [
        vec!["info", &file, "--format", "json"],
        vec!["verify", &file],
        vec![&file, "-f", "msg=nothing"],
        vec!["tail", "-n", "2", &file],
    ] {
        let o = view_limited(&args);
        assert_no_crash(&o, &format!("{args:?}"));
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", err(&o));
    }
    let o = view_limited(&["info", &file, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v[0]["events"], events);
    let o = view_limited(&["tail", "-n", "2", &file]);
    assert_eq!(out(&o).lines().count(), 2);
    let dest = dir.path().join("bomb.jsonl");
    let o = view_limited(&[
        "convert",
        &file,
        "--to",
        "json",
        "-o",
        dest.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

#[test]
fn levels_above_error_are_shown_everywhere_never_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let levels = [0u8, 1, 2, 3, 4, 5, 7, 8, 200, 255];
    let file = write(dir.path(), "lv.bin", &levels_file(&levels));
    let o = view(&[&file, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let shown: Vec<String> = out(&o)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["level"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        shown,
        [
            "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "CRITICAL", "LEVEL7", "LEVEL8", "LEVEL200",
            "LEVEL255"
        ]
    );
    // Higher is more severe: level>=ERROR selects 4 and everything above.
    let o = view(&[&file, "-f", "level>=ERROR"]);
    assert_eq!(out(&o).lines().count(), 6, "{}", out(&o));
    let o = view(&[&file, "-l", "warn"]);
    assert_eq!(out(&o).lines().count(), 7, "{}", out(&o));
    let o = view(&["tail", "-n", "20", &file]);
    assert_eq!(out(&o).lines().count(), 10);
    assert!(out(&o).contains("LEVEL255"));
    let o = view(&["info", &file, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v[0]["events"], 10);
    assert_eq!(v[0]["levels"]["LEVEL200"], 1);
    let o = view(&[&file, "--format", "csv"]);
    assert_eq!(out(&o).lines().count(), 11);
}

#[test]
fn tail_reports_damage_and_cuts_as_view_does() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("threads.bin")).unwrap();
    let offsets: Vec<u64> = {
        let mut r = ttlog_reader::BlockReader::new(std::io::Cursor::new(bytes.clone())).unwrap();
        std::iter::from_fn(|| r.next_block())
            .map(|b| b.unwrap().offset)
            .collect()
    };
    // A flipped bit in the last data block's frame CRC.
    let last_data = offsets[offsets.len() - 2] as usize;
    let mut damaged = bytes.clone();
    damaged[last_data + 8] ^= 1;
    let file = write(dir.path(), "crc.bin", &damaged);
    let tail = view(&["tail", "-n", "20", &file]);
    let whole = view(&[&file]);
    assert_eq!(tail.status.code(), Some(3), "{}", err(&tail));
    assert_eq!(whole.status.code(), Some(3));
    assert!(
        err(&tail).contains(&format!("byte {last_data}")),
        "{}",
        err(&tail)
    );
    assert_eq!(err(&tail), err(&whole));
    // Cut inside the first block's frame.
    let first = offsets[0] as usize;
    let file = write(dir.path(), "cut.bin", &bytes[..first + 20]);
    let tail = view(&["tail", &file]);
    assert_eq!(tail.status.code(), Some(3), "{}", err(&tail));
    assert!(err(&tail).contains("file ends inside the block"));
    assert_eq!(err(&tail), err(&view(&[&file])));
}

#[test]
fn a_header_of_any_legal_size_is_read_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = ttlog_format::Header::new("0123456789abcdef0123456789abcdef");
    h.extra
        .push(("note".into(), ciborium::Value::Text("x".repeat(900 * 1024))));
    let mut bytes = Vec::new();
    h.encode(&mut bytes);
    let events = levels_file(&[2, 3]);
    bytes.extend_from_slice(&events[header().len()..]);
    let file = write(dir.path(), "big-header.bin", &bytes);
    for args in [
        vec!["tail", &file],
        vec![&file],
        vec!["info", &file],
        vec!["verify", &file],
    ] {
        let o = view(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", err(&o));
    }
    assert_eq!(out(&view(&["tail", &file])).lines().count(), 2);
}

#[test]
fn verify_notices_a_block_cut_out_of_a_closed_file() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("threads.bin")).unwrap();
    let mut r = ttlog_reader::BlockReader::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let offsets: Vec<usize> = std::iter::from_fn(|| r.next_block())
        .map(|b| b.unwrap().offset as usize)
        .collect();
    // Remove the second data block whole: every remaining block is intact.
    let mut spliced = bytes[..offsets[1]].to_vec();
    spliced.extend_from_slice(&bytes[offsets[2]..]);
    let file = write(dir.path(), "spliced.bin", &spliced);
    let o = view(&["verify", &file]);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(err(&o).contains("trailer"), "{}", err(&o));
    assert!(err(&o).contains("data blocks"), "{}", err(&o));
    let o = view(&["verify", &fixture("threads.bin")]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

/// Every reading command and export on one amplifying file, under the memory limit:
/// returns the JSON view's output.
fn amplified(file: &str, what: &str) -> String {
    let outs = run_all(file, what);
    let dir = tempfile::tempdir().unwrap();
    for to in ["parquet", "mcap", "chrome-trace"] {
        let dest = dir.path().join(format!("out.{to}"));
        let o = view_limited(&["convert", file, "--to", to, "-o", dest.to_str().unwrap()]);
        assert_no_crash(&o, &format!("{what}: convert --to {to}"));
    }
    for o in &outs[..5] {
        // view and tail: the cut is said, and counts as data not shown whole.
        assert_eq!(o.status.code(), Some(3), "{what}: {}", err(o));
        assert!(err(o).contains("per-event bound"), "{what}: {}", err(o));
    }
    out(&outs[1])
}

#[test]
fn references_to_one_large_string_are_cut_to_the_event_budget() {
    let dir = tempfile::tempdir().unwrap();
    // 200,000 references to one 500 kB string: 100 GB of JSON when written out whole.
    let file = write(dir.path(), "refs.bin", &string_refs_file(200_000, 500_000));
    let json = amplified(&file, "string references");
    let line = json.lines().next().unwrap();
    assert!(line.len() < 2 << 20, "{}", line.len());
    assert!(
        line.ends_with(",\"truncated\":true}"),
        "{}",
        &line[line.len() - 80..]
    );
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    // The budget (1 Mi units) holds the array (1) and two references (1 for the integer,
    // 500,000 for the text, each), not a third: the array keeps its first two, whole.
    let many = v["fields"]["many"].as_array().unwrap();
    assert_eq!(many.len(), 2);
    assert!(many.iter().all(|t| t.as_str().unwrap().len() == 500_000));
}

#[test]
fn an_array_of_sixteen_million_tiny_items_is_cut_to_the_event_budget() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, n) = tiny_items_file();
    let file = write(dir.path(), "items.bin", &bytes);
    let json = amplified(&file, "tiny items");
    let v: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    let items = v["fields"]["items"].as_array().unwrap();
    // The array itself costs one unit; its first items fill the rest, in order.
    assert_eq!(items.len() as u64, ttlog_reader::EVENT_VALUE_BUDGET - 1);
    assert!((items.len() as u64) < n);
    assert!(items.iter().all(|i| i == 1));
    assert_eq!(v["truncated"], true);
}

#[test]
fn keys_nested_in_keys_cannot_double_their_escaping() {
    let dir = tempfile::tempdir().unwrap();
    // 62 levels of map keys that are maps: 2^62 bytes shown naively.
    let file = write(dir.path(), "keys.bin", &nested_keys_file(62));
    let outs = run_all(&file, "nested keys");
    let json = out(&outs[1]);
    assert_eq!(outs[1].status.code(), Some(3), "{}", err(&outs[1]));
    let line = json.lines().next().unwrap();
    assert!(line.len() < 8 * 1024, "{}", line.len());
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["truncated"], true);
    // A shallow key is shown whole, and nothing is cut.
    let file = write(dir.path(), "key.bin", &nested_keys_file(2));
    let o = view_limited(&[&file, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(!out(&o).contains("truncated"), "{}", out(&o));
}

#[test]
fn a_new_field_name_per_event_keeps_exports_narrow_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000u64;
    let file = write(dir.path(), "wide.bin", &wide_file(n));
    let cap = ttlog_reader::MAX_FIELD_COLUMNS;
    let csv = dir.path().join("wide.csv");
    let o = view_limited(&["convert", &file, "--to", "csv", "-o", csv.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let mut rows = csv::Reader::from_path(&csv).unwrap();
    let header = rows.headers().unwrap().clone();
    // ts, level, target, thread, msg, the first names, file, line, more_fields.
    assert_eq!(header.len(), 5 + cap + 3);
    assert_eq!(&header[header.len() - 1], "more_fields");
    let mut count = 0u64;
    for (i, row) in rows.records().enumerate() {
        let row = row.unwrap();
        let more = &row[header.len() - 1];
        if i < cap {
            assert_eq!(&row[5 + i], "1.5");
            assert_eq!(more, "");
        } else {
            assert_eq!(more, format!("{{\"sensor_{i}\":1.5}}"));
        }
        count += 1;
    }
    assert_eq!(count, n);
    // The CSV is a few MB, not the 10 GB of a column per name.
    assert!(std::fs::metadata(&csv).unwrap().len() < 64 << 20);
    for to in ["parquet", "mcap"] {
        let dest = dir.path().join(format!("wide.{to}"));
        let o = view_limited(&["convert", &file, "--to", to, "-o", dest.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{to}: {}", err(&o));
        assert!(std::fs::metadata(&dest).unwrap().len() < 64 << 20);
    }
}

/// Writes the hostile files to `$TTLOG_HOSTILE_DIR`, for measuring by hand (the figures in
/// the README): `TTLOG_HOSTILE_DIR=/tmp/h cargo test -p ttlog-view --test hostile -- --ignored`.
#[test]
#[ignore]
fn write_hostile_files_for_measurement() {
    let dir = std::path::PathBuf::from(std::env::var("TTLOG_HOSTILE_DIR").unwrap());
    std::fs::create_dir_all(&dir).unwrap();
    write(&dir, "bomb1.bin", &bomb_file(1).0);
    write(&dir, "bomb8.bin", &bomb_file(8).0);
    write(&dir, "refs.bin", &string_refs_file(200_000, 500_000));
    write(&dir, "items.bin", &tiny_items_file().0);
    write(&dir, "keys.bin", &nested_keys_file(62));
    write(&dir, "wide.bin", &wide_file(100_000));
    let text: &[u8] = &[0x62, b'a', b'b'];
    write(
        &dir,
        "widths.bin",
        &templates_file(
            &["{:1000000000}", "{:.70000}", &"{0:4096}".repeat(200_000)],
            &[text],
        ),
    );
}
