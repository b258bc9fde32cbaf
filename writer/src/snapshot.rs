//! Snapshot files: the flight recorder's events and what happened, written atomically under
//! a name no other snapshot can have.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use ciborium::Value;
use ttlog_format::record::tag;
use ttlog_format::{BlockBuilder, BlockKind, EndMarker, Header};

use crate::clock::wall_now_ns;
use crate::recorder::Recorder;

/// Snapshots written by this process, for unique names.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// Why a snapshot was taken and what was known at that moment.
#[derive(Clone, Debug, Default)]
pub(crate) struct SnapshotInfo {
    /// `panic`, `signal-SIGTERM`, or the reason given to `request_snapshot`.
    pub reason: String,
    pub message: Option<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub thread: String,
    pub backtrace: Option<String>,
    pub time_ns: u64,
}

impl SnapshotInfo {
    pub(crate) fn new(reason: &str) -> SnapshotInfo {
        SnapshotInfo {
            reason: reason.to_string(),
            thread: current_thread_name(),
            time_ns: wall_now_ns(),
            ..SnapshotInfo::default()
        }
    }

    /// The snapshot record of a panic: message, location, thread, backtrace.
    pub(crate) fn from_panic(info: &std::panic::PanicHookInfo<'_>) -> SnapshotInfo {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "Box<dyn Any>".to_string());
        let mut s = SnapshotInfo::new("panic");
        s.message = Some(message);
        s.file = info.location().map(|l| l.file().to_string());
        s.line = info.location().map(|l| l.line());
        s.backtrace = Some(trim_backtrace(
            &std::backtrace::Backtrace::force_capture().to_string(),
        ));
        s
    }

    fn to_cbor(&self, seq: u64, events: usize, forgotten: u64, main_log: Option<&Path>) -> Value {
        // Every text is clipped so the header stays far below the format's 1 MiB: a
        // snapshot that no reader can open would lose the crash evidence it exists for.
        let text = |s: &str| Value::Text(clip(s, SHORT_TEXT, 0));
        let long = |s: &str, head: usize, tail: usize| Value::Text(clip(s, head, tail));
        let mut m = vec![
            (text("reason"), text(&self.reason)),
            (text("thread"), text(&self.thread)),
            (text("time_ns"), Value::Integer(self.time_ns.into())),
            (text("pid"), Value::Integer(std::process::id().into())),
            (text("seq"), Value::Integer(seq.into())),
            (text("events"), Value::Integer((events as u64).into())),
            (text("forgotten"), Value::Integer(forgotten.into())),
        ];
        if let Some(v) = &self.message {
            m.push((text("message"), long(v, MESSAGE_HEAD, MESSAGE_TAIL)));
        }
        if let Some(v) = &self.file {
            m.push((text("file"), text(v)));
        }
        if let Some(v) = &self.backtrace {
            m.push((text("backtrace"), long(v, BACKTRACE_HEAD, BACKTRACE_TAIL)));
        }
        if let Some(line) = self.line {
            m.push((text("line"), Value::Integer(line.into())));
        }
        if let Some(p) = main_log {
            m.push((text("main_log"), text(&p.display().to_string())));
        }
        Value::Map(m)
    }
}

/// Most bytes kept of a snapshot's reason, thread, file and log path.
const SHORT_TEXT: usize = 4096;
/// Bytes kept from the start and the end of a long message: its start says what failed.
const MESSAGE_HEAD: usize = 48 << 10;
const MESSAGE_TAIL: usize = 16 << 10;
/// Bytes kept of a long backtrace or traceback: its end is where it failed.
const BACKTRACE_HEAD: usize = 64 << 10;
const BACKTRACE_TAIL: usize = 192 << 10;

/// `s` whole when it has at most `head + tail` bytes (at least `head`); else its first
/// `head` and last `tail` bytes (at character boundaries) around a marker saying how much
/// was cut.
/// Cuts `s` to its first `head` and last `tail` bytes (at character boundaries), with a
/// marker between saying how much was cut and `why`.
pub(crate) fn clip_with(s: &str, head: usize, tail: usize, why: &str) -> String {
    if s.len() <= head + tail {
        return s.to_string();
    }
    let mut h = head;
    while !s.is_char_boundary(h) {
        h -= 1;
    }
    let mut t = s.len() - tail;
    while !s.is_char_boundary(t) {
        t += 1;
    }
    format!("{}\n…[{} bytes cut: {why}]…\n{}", &s[..h], t - h, &s[t..])
}

fn clip(s: &str, head: usize, tail: usize) -> String {
    clip_with(s, head, tail, "a snapshot header holds at most 1 MiB")
}

/// Drops the leading frames of the panic machinery and this hook, so the backtrace starts
/// where the application panicked.
fn trim_backtrace(bt: &str) -> String {
    const MACHINERY: [&str; 9] = [
        "ttlog::snapshot::",
        "ttlog::crash::",
        "std::panicking::",
        "core::panicking::",
        "std::sys::backtrace::",
        "rust_begin_unwind",
        "alloc::boxed::",
        "std::backtrace",
        "core::ops::function::",
    ];
    let mut frames: Vec<Vec<&str>> = Vec::new();
    for line in bt.lines() {
        let t = line.trim_start();
        let starts_frame = t
            .split_once(": ")
            .is_some_and(|(n, _)| n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty());
        match frames.last_mut() {
            Some(frame) if !starts_frame => frame.push(line),
            _ => frames.push(vec![line]),
        }
    }
    let skip = frames
        .iter()
        .take_while(|f| MACHINERY.iter().any(|m| f[0].contains(m)))
        .count();
    if skip == frames.len() {
        return bt.to_string();
    }
    frames[skip..]
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn current_thread_name() -> String {
    let t = std::thread::current();
    t.name()
        .map(str::to_string)
        .unwrap_or_else(|| format!("{:?}", t.id()))
}

/// `SERVICE-PID-20261122T030636.123456789Z-0001-REASON.bin`: unique per process (pid),
/// instant (ns) and call (sequence number).
fn file_name(service: &str, info: &SnapshotInfo, seq: u64) -> String {
    let mut ts = String::new();
    ttlog_format::format_rfc3339(info.time_ns, &mut ts);
    let ts: String = ts.chars().filter(|c| !matches!(c, '-' | ':')).collect();
    let clean = |s: &str| -> String {
        let s: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(40)
            .collect();
        if s.is_empty() {
            "snapshot".into()
        } else {
            s
        }
    };
    format!(
        "{}-{}-{ts}-{seq:04}-{}.bin",
        clean(service),
        std::process::id(),
        clean(&info.reason)
    )
}

/// Writes a snapshot file into `dir`: a temporary file, synced, renamed into place, and the
/// directory synced, so a reader never sees a partial snapshot and a crash mid-way leaves
/// only a `.tmp` file behind.
pub(crate) fn write_snapshot(
    dir: &Path,
    base: &Header,
    info: &SnapshotInfo,
    recorder: Option<&Recorder>,
    main_log: Option<&Path>,
) -> io::Result<PathBuf> {
    let seq = SEQUENCE.fetch_add(1, Ordering::Relaxed) + 1;
    let events = recorder.map_or(0, Recorder::events);
    let forgotten = recorder.map_or(0, |r| r.forgotten);
    let mut header = base.clone();
    header.created_ns = Some(wall_now_ns());
    header.rotation_seq = None;
    header.extra.retain(|(k, _)| k != "snapshot");
    header.extra.push((
        "snapshot".into(),
        info.to_cbor(seq, events, forgotten, main_log),
    ));
    let mut bytes = Vec::new();
    header.encode(&mut bytes);
    let mut offsets = Vec::new();
    for block in recorder.into_iter().flat_map(Recorder::blocks) {
        offsets.push(Value::Integer((bytes.len() as u64).into()));
        bytes.extend_from_slice(block);
    }
    // A trailer and end marker, as a cleanly closed file has.
    let trailer_at = bytes.len() as u64;
    let summary = Value::Map(vec![
        (
            Value::Text("events".into()),
            Value::Integer((events as u64).into()),
        ),
        (
            Value::Text("blocks".into()),
            Value::Integer((offsets.len() as u64).into()),
        ),
        (Value::Text("block_offsets".into()), Value::Array(offsets)),
    ]);
    let mut body = Vec::new();
    let _ = ciborium::into_writer(&summary, &mut body);
    let mut trailer = BlockBuilder::new();
    trailer.raw_record(tag::TRAILER, &body);
    trailer.finish(BlockKind::Trailer, &mut bytes);
    bytes.extend_from_slice(
        &EndMarker {
            trailer_offset: trailer_at,
        }
        .encode(),
    );

    fs::create_dir_all(dir)?;
    let name = file_name(base.service.as_deref().unwrap_or("ttlog"), info, seq);
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(&name);
    let mut file = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    let written = file.write_all(&bytes).and_then(|()| file.sync_all());
    if let Err(e) = written.and_then(|()| fs::rename(&tmp, &path)) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    // The rename is durable only once the directory itself is synced.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_clipped_at_both_ends_with_a_marker() {
        assert_eq!(clip("short", 4, 2), "short");
        let s = format!("{}{}", "é".repeat(1000), "z".repeat(1000));
        let c = clip(&s, 101, 50);
        assert!(c.starts_with("éé") && c.ends_with(&"z".repeat(50)), "{c}");
        assert!(c.contains("bytes cut"));
        assert!(c.len() < 300);
        let info = SnapshotInfo {
            reason: "r".repeat(2_000_000),
            message: Some("M".repeat(2_000_000)),
            backtrace: Some("B".repeat(3_000_000)),
            thread: "t".repeat(100_000),
            file: Some("f".repeat(100_000)),
            ..SnapshotInfo::default()
        };
        let mut header = Header::new("0".repeat(32));
        header
            .extra
            .push(("snapshot".into(), info.to_cbor(1, 0, 0, None)));
        let mut bytes = Vec::new();
        header.encode(&mut bytes);
        assert!(bytes.len() < 512 << 10, "{}", bytes.len());
        assert!(Header::decode(&bytes).is_ok());
    }

    #[test]
    fn backtrace_starts_at_the_application() {
        let bt = "   0: ttlog::snapshot::SnapshotInfo::from_panic\n             at ./writer/src/snapshot.rs:53:28\n   1: std::panicking::panic_with_hook\n   2: core::panicking::panic_fmt\n   3: crash::main::{{closure}}\n             at ./writer/examples/crash.rs:66:32\n   4: std::rt::lang_start";
        let t = trim_backtrace(bt);
        assert!(t.starts_with("   3: crash::main"), "{t}");
        assert!(t.contains("crash.rs:66:32") && t.contains("lang_start"));
    }
}
