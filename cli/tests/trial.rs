//! `summary`, `plot` and `report` at the process boundary, on a written trial, the demo's
//! kind of file and damaged fixtures.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use common::{err, fixture, out, view};

static ONE_LOGGER: Mutex<()> = Mutex::new(());

/// A trial: `rows` rows of tracked schema `knee` (angle, torque, a flag), a WARN every 500
/// rows, an ERROR at row 1,500, and a numeric field of ordinary events.
fn trial(dir: &Path, rows: u32) -> PathBuf {
    let _one = ONE_LOGGER.lock().unwrap_or_else(|e| e.into_inner());
    let path = dir.join("trial.bin");
    let guard = ttlog::builder().path(&path).init().unwrap();
    for i in 0..rows {
        let angle = f64::from(i % 200) / 100.0;
        ttlog::info!(target: "ttlog.track", "knee", angle = angle, torque = f64::from(i) * 0.01, ok = i % 2 == 0);
        if i % 500 == 499 {
            ttlog::warn!(target: "knee", "torque high", torque = f64::from(i) * 0.01);
        }
        if i == 1_500 {
            ttlog::error!(target: "knee", "encoder glitch");
        }
        if i % 100 == 0 {
            ttlog::info!(target: "motor", "current", amps = f64::from(i) / 1000.0);
        }
    }
    drop(guard);
    path
}

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_str(&out(o)).unwrap_or_else(|e| panic!("{e}: {}", out(o)))
}

#[test]
fn the_summary_agrees_with_info_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = trial(dir.path(), 2_000);
    let f = file.to_str().unwrap();
    let s = json(&view(&["summary", f, "--format", "json"]));
    let i = json(&view(&["info", f, "--format", "json"]));
    let i = &i[0];
    assert_eq!(s["events"], i["events"]);
    assert_eq!(s["levels"], i["levels"]);
    assert_eq!(s["session"], i["session"]);
    assert_eq!(s["host"], i["host"]);
    assert_eq!(s["first"], i["first"]);
    assert_eq!(s["last"], i["last"]);
    assert_eq!(s["end"]["state"], i["state"]);
    assert_eq!(s["files"][0]["state"], i["state"]);
    assert_eq!(s["end"]["state"], "closed cleanly");
    // Each series with what plot takes, and its figures.
    let knee = &s["tracked"][0];
    assert_eq!(knee["schema"], "knee");
    assert_eq!(knee["rows"], 2_000);
    let angle = &knee["variables"][0];
    assert_eq!(angle["series"], "knee.angle");
    assert_eq!(angle["count"], 2_000);
    assert_eq!(angle["min"], 0.0);
    assert_eq!(angle["max"], 1.99);
    let amps = s["numeric"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["series"] == "amps@target=motor")
        .unwrap();
    assert_eq!(amps["count"], 20);
    assert_eq!(s["last_warnings"].as_array().unwrap().len(), 5);
    assert_eq!(s["loop"]["series"], "knee");
    assert!(
        s["loop"]["iterations"].as_u64().unwrap() >= 1_999,
        "{}",
        s["loop"]
    );
    // The text form says the same.
    let text = out(&view(&["summary", f]));
    assert!(
        text.contains("closed cleanly") && text.contains("knee.angle"),
        "{text}"
    );
    assert!(text.contains("encoder glitch"), "{text}");
}

#[test]
fn a_plot_draws_the_series_asked_with_markers_and_decimates_long_ones() {
    let dir = tempfile::tempdir().unwrap();
    let file = trial(dir.path(), 20_000);
    let f = file.to_str().unwrap();
    let png = dir.path().join("knee.png");
    let o = view(&[
        "plot",
        f,
        "knee.angle",
        "amps@target=motor",
        "-o",
        png.to_str().unwrap(),
        "--describe",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let d = json(&o);
    let angle = &d["series"][0];
    assert_eq!(angle["name"], "knee.angle");
    assert_eq!(angle["samples"], 20_000);
    assert_eq!(angle["decimated"], true);
    // Min-max to about the pixel width: at most four points per bucket, 2x1200 buckets.
    assert!(angle["points"].as_u64().unwrap() <= 4 * 2 * 1_200, "{d}");
    assert_eq!(angle["min"], 0.0);
    assert_eq!(angle["max"], 1.99);
    let amps = &d["series"][1];
    assert_eq!(
        (amps["samples"].as_u64(), amps["decimated"].as_bool()),
        (Some(200), Some(false))
    );
    assert_eq!(d["markers"]["WARN"], 40);
    assert_eq!(d["markers"]["ERROR"], 1);
    assert!(d["start_ns"].as_u64() < d["end_ns"].as_u64());
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 1_200);
    // SVG, wall-clock axis.
    let svg = dir.path().join("knee.svg");
    let o = view(&[
        "plot",
        f,
        "knee.torque",
        "-o",
        svg.to_str().unwrap(),
        "--time",
        "wall",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("knee.torque"));
}

#[test]
fn a_series_the_file_does_not_have_is_a_usage_error_listing_those_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let file = trial(dir.path(), 100);
    let png = dir.path().join("x.png");
    let o = view(&[
        "plot",
        file.to_str().unwrap(),
        "knee.nothing",
        "-o",
        png.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = err(&o);
    assert!(e.contains("no such series: knee.nothing"), "{e}");
    assert!(
        e.contains("knee.angle") && e.contains("amps@target=motor"),
        "{e}"
    );
    assert!(!png.exists());
    let o = view(&[
        "plot",
        file.to_str().unwrap(),
        "knee",
        "-o",
        png.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let o = view(&["plot", file.to_str().unwrap(), "knee.angle", "-o", "x.gif"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
}

#[test]
fn the_report_is_one_offline_page_with_every_part() {
    let dir = tempfile::tempdir().unwrap();
    let file = trial(dir.path(), 2_000);
    let html = dir.path().join("trial.html");
    let o = view(&[
        "report",
        file.to_str().unwrap(),
        "-o",
        html.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let page = std::fs::read_to_string(&html).unwrap();
    // Self-contained: plotly.js inside, nothing fetched.
    assert!(page.contains("plotly.js v3"), "plotly.js is embedded");
    assert!(!page.contains("<script src=") && !page.contains("<link "));
    // One script of the library (the MathJax the crate's feature carries is left out).
    assert_eq!(
        page.matches("__webpack_modules__").count(),
        0,
        "MathJax is left out"
    );
    for part in [
        "id=\"summary\"",
        "id=\"end\"",
        "id=\"charts\"",
        "id=\"events-table\"",
        "id=\"loop\"",
    ] {
        assert!(page.contains(part), "{part}");
    }
    // One chart per series of more than one sample: knee's three (the flag as 0/1), the
    // torque of the warnings and motor's amps.
    assert_eq!(page.matches("class=\"chart\" id=\"chart-").count(), 5);
    assert!(page.contains("every sample is embedded"));
    // It never replaces an input.
    let o = view(&[
        "report",
        file.to_str().unwrap(),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let o = view(&["report", file.to_str().unwrap(), "-o", "x.txt"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_damaged_file_still_gives_a_summary_plot_and_report_with_its_problems() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture("truncated_mid_block.bin");
    let o = view(&["summary", &f, "--format", "json"]);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    let s = json(&o);
    assert!(s["problems_total"].as_u64().unwrap() > 0);
    assert!(s["events"].as_u64().unwrap() > 0);
    let html = dir.path().join("t.html");
    let o = view(&["report", &f, "-o", html.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", err(&o));
    assert!(std::fs::read_to_string(&html)
        .unwrap()
        .contains("class=\"bad\""));
    let available = json(&view(&["summary", &f, "--format", "json"]))["series_available"].clone();
    if let Some(series) = available
        .as_array()
        .and_then(|a| a.first())
        .and_then(|v| v.as_str())
    {
        let png = dir.path().join("t.png");
        let o = view(&["plot", &f, series, "-o", png.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(3), "{}", err(&o));
        assert!(png.exists());
    }
}
