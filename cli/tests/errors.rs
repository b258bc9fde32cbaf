//! Every error a command stops with, at the process boundary: its exit code (2 usage, 1
//! failure, 3 when data was lost on the way) and its message, printed once by `main` as
//! `ttlog-view: MESSAGE`, with nothing written where nothing should be.

use std::path::Path;

mod common;

use common::{err as stderr, fixture, view};

/// Runs `args`; checks the exit code, that the message holds `says`, and that the error
/// was printed once.
fn fails(args: &[&str], code: i32, says: &str) {
    let out = view(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(err.contains(says), "{args:?}: wanted {says:?} in: {err}");
    let first = err
        .lines()
        .find(|l| l.contains(says))
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        err.lines().filter(|l| **l == *first).count(),
        1,
        "{args:?}: printed more than once: {err}"
    );
}

#[test]
fn usage_errors_exit_2_with_their_message() {
    let one = fixture("one_event.bin");
    let other = fixture("threads.bin");
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let full = dir.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("part"), b"x").unwrap();
    let full = full.to_string_lossy().into_owned();
    let a_file = out("a_file");
    std::fs::write(&a_file, b"x").unwrap();
    // A log named like a report.
    let log_html = out("run.html");
    std::fs::copy(&one, &log_html).unwrap();
    let cases: &[(&[&str], &str)] = &[
        // Selection, shared by every command that reads events.
        (&[&one, "-f", "level>>"], "level>>"),
        (&[&one, "--level", "LOUD"], "--level: unknown level `LOUD`"),
        (
            &[&one, "--since", "yesterday"],
            "--since: cannot read `yesterday`",
        ),
        (
            &["stats", "x", &one, "--until", "soon"],
            "--until: cannot read `soon`",
        ),
        // convert: outputs and options refused before anything is written.
        (
            &["convert", &one, "--to", "parquet"],
            "parquet output needs a file (-o OUT)",
        ),
        (
            &["convert", &one, "--to", "mcap"],
            "mcap output needs a file (-o OUT)",
        ),
        (
            &["convert", &one, "--to", "json", "--partition-by", "host"],
            "partition_by (--partition-by) does not apply to json output",
        ),
        (
            &[
                "convert",
                &one,
                "--to",
                "mcap",
                "--fields",
                "a",
                "-o",
                &out("x.mcap"),
            ],
            "fields (--fields) does not apply to mcap output",
        ),
        (
            &[
                "convert",
                &one,
                "--to",
                "parquet",
                "--partition-by",
                "planet",
                "-o",
                &out("d"),
            ],
            "unknown partition key `planet`",
        ),
        (
            &[
                "convert",
                &one,
                "--to",
                "parquet",
                "--partition-by",
                ",",
                "-o",
                &out("d"),
            ],
            "names no key",
        ),
        (
            &["convert", &one, "--to", "csv", "-o", &one],
            "is one of the inputs",
        ),
        (
            &["convert", &one, "--to", "json", "-o", &other],
            "holds a ttlog log",
        ),
        (
            &[
                "convert",
                &one,
                "--to",
                "parquet",
                "--partition-by",
                "host",
                "-o",
                &full,
            ],
            "holds files already",
        ),
        (
            &[
                "convert",
                &one,
                "--to",
                "parquet",
                "--partition-by",
                "host",
                "-o",
                &a_file,
            ],
            "is a file",
        ),
        (&["convert", &one, "--to", "yaml"], "invalid value 'yaml'"),
        // Other commands.
        (
            &["tail", &one, "--format", "csv"],
            "tail prints text or json",
        ),
        (
            &["plot", &one, "x.y", "-o", &out("p.jpg")],
            "a picture is .png or .svg",
        ),
        (
            &["plot", &one, "-o", &out("p.png")],
            "plot needs FILES then SERIES",
        ),
        (
            &["plot", &one, "no.such", "-o", &out("p.png")],
            "no such series: no.such",
        ),
        (
            &["report", &one, "-o", &out("r.txt")],
            "a report is an .html file",
        ),
        (
            &["report", &log_html, "-o", &log_html],
            "is one of the inputs",
        ),
        (&["report", &one, "-o", &log_html], "holds a ttlog log"),
        (
            &["loop", &one, "--plot", &out("l.gif")],
            "a picture is .png or .svg",
        ),
        (&["loop", &one], "loop timing needs at least two"),
        (&["recover", &one, "-o", &one], "recover:"),
        (&["recover", &one, "-o", &other], "holds a ttlog log"),
    ];
    for (args, says) in cases {
        fails(args, 2, says);
    }
    // Nothing was written by any of them.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 3, "{left:?}");
}

#[test]
fn a_series_missing_from_a_damaged_file_exits_3_not_2() {
    // The damage may be why the series is missing: the exit code says data was lost.
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("p.png");
    fails(
        &[
            "plot",
            &fixture("corrupt_payload.bin"),
            "no.such",
            "-o",
            png.to_str().unwrap(),
        ],
        3,
        "no such series: no.such",
    );
    assert!(!png.exists());
}

#[test]
fn failures_exit_1_with_their_message() {
    let one = fixture("one_event.bin");
    let missing = "/nonexistent/dir/out";
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "convert",
                &one,
                "--to",
                "json",
                "-o",
                "/nonexistent/dir/x.json",
            ],
            "/nonexistent/dir",
        ),
        (
            &[
                "convert",
                &one,
                "--to",
                "parquet",
                "-o",
                "/nonexistent/dir/x.parquet",
            ],
            "/nonexistent/dir",
        ),
        (
            &[
                "convert",
                &one,
                "--to",
                "mcap",
                "-o",
                "/nonexistent/dir/x.mcap",
            ],
            "/nonexistent/dir",
        ),
        (
            &["report", &one, "-o", "/nonexistent/dir/r.html"],
            "/nonexistent/dir",
        ),
        (
            &["recover", &one, "-o", "/nonexistent/dir/r.bin"],
            "/nonexistent/dir",
        ),
        (&["view", "/nonexistent/run.bin"], "No such file"),
        (
            &[
                "convert",
                "/nonexistent/run.bin",
                "--to",
                "json",
                "-o",
                missing,
            ],
            "No such file",
        ),
    ];
    for (args, says) in cases {
        let args: Vec<&str> = args.iter().copied().filter(|a| *a != "view").collect();
        fails(&args, 1, says);
    }
    assert!(!Path::new(missing).exists());
}

#[test]
fn a_full_disk_is_a_failure_not_a_closed_pipe() {
    if !Path::new("/dev/full").exists() {
        eprintln!("SKIPPED: no /dev/full here");
        return;
    }
    for args in [
        &[fixture("threads.bin"), "--to".into(), "json".into()][..],
        &[fixture("threads.bin"), "--to".into(), "chrome-trace".into()][..],
    ] {
        let mut all = vec!["convert".to_string()];
        all.extend(args.iter().cloned());
        all.extend(["-o".into(), "/dev/full".into()]);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        fails(&all, 1, "No space left on device");
    }
}
