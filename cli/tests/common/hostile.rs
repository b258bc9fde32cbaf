//! Hostile but well-formed files (every checksum right), built here byte by byte, and
//! running `ttlog-view` under a memory limit.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use ttlog_format::{BlockBuilder, BlockKind, Header, Level};

/// Address space `ttlog-view` may use in these tests. Well above its documented peak (the
/// README's figures), well below what an unbounded reader needed on these files.
pub const MEMORY_LIMIT: u64 = 1 << 30;

pub const TS: u64 = 1_795_000_000_000_000_000;

/// A file's header bytes.
pub fn header() -> Vec<u8> {
    let mut h = Header::new("0123456789abcdef0123456789abcdef");
    h.service = Some("hostile".into());
    let mut out = Vec::new();
    h.encode(&mut out);
    out
}

/// A file holding one block per template, each with one event whose arguments are
/// `args` (CBOR items).
pub fn templates_file(templates: &[&str], args: &[&[u8]]) -> Vec<u8> {
    let mut out = header();
    let mut b = BlockBuilder::new();
    for (i, t) in templates.iter().enumerate() {
        b.thread(1, "main");
        b.callsite(
            0,
            Level::Info.as_u8(),
            1,
            args.len() as u32,
            "hostile",
            "",
            t,
            std::iter::empty(),
        );
        let values: Vec<u8> = args.concat();
        b.event(TS + i as u64, Level::Info.as_u8(), 0, 1, &values);
        b.finish(BlockKind::Data, &mut out);
    }
    out
}

/// An LZ4 bomb within the format's limits: `blocks` blocks of 16 MiB raw each, every one
/// packed with 5-byte events (no values), about 66 KB each on disk. Returns the bytes and
/// the number of events.
pub fn bomb_file(blocks: usize) -> (Vec<u8>, u64) {
    let mut out = header();
    let mut b = BlockBuilder::new();
    let mut events = 0;
    for _ in 0..blocks {
        b.thread(1, "t");
        b.callsite(
            0,
            Level::Info.as_u8(),
            0,
            0,
            "b",
            "",
            "x",
            std::iter::empty(),
        );
        while b.raw_len() + 5 <= 16 << 20 {
            b.event(TS, Level::Info.as_u8(), 0, 1, &[]);
            events += 1;
        }
        b.finish(BlockKind::Data, &mut out);
    }
    (out, events)
}

/// A file with one event at each of `levels` (wire level numbers).
pub fn levels_file(levels: &[u8]) -> Vec<u8> {
    let mut out = header();
    let mut b = BlockBuilder::new();
    b.thread(1, "main");
    for (i, &level) in levels.iter().enumerate() {
        b.callsite(
            i as u64,
            level,
            0,
            0,
            "lv",
            "",
            "level event",
            std::iter::empty(),
        );
        b.event(TS + i as u64, level, i as u64, 1, &[]);
    }
    b.finish(BlockKind::Data, &mut out);
    out
}

/// Runs `ttlog-view` with `args` and at most [`MEMORY_LIMIT`] of address space.
pub fn view_limited(args: &[&str]) -> Output {
    Command::new("prlimit")
        .arg(format!("--as={MEMORY_LIMIT}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_ttlog-view"))
        .args(args)
        .output()
        .expect("run prlimit ttlog-view")
}

/// Asserts the process ended by itself with one of ttlog-view's documented exit codes:
/// no panic (101), no abort or signal.
pub fn assert_no_crash(o: &Output, what: &str) {
    let code = o.status.code();
    assert!(
        matches!(code, Some(0..=3)),
        "{what}: exit {:?}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Writes `bytes` to `dir/name` and returns the path as a string.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

/// A CBOR head of `major` with argument `n`, in its shortest form.
pub fn cbor_head(major: u8, n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    ttlog_format::cbor::write_head(&mut out, major, n);
    out
}

/// One event whose one field is an array of `refs` string references (4 bytes each) to
/// one STRING of `text_len` bytes: a small file that renders, written out whole, to
/// `refs * text_len` bytes.
pub fn string_refs_file(refs: u64, text_len: usize) -> Vec<u8> {
    let mut out = header();
    let mut b = BlockBuilder::new();
    b.thread(1, "main");
    b.string(0, &"x".repeat(text_len));
    b.callsite(
        0,
        Level::Info.as_u8(),
        1,
        0,
        "amplify",
        "",
        "refs",
        ["many"].into_iter(),
    );
    let mut value = cbor_head(4, refs);
    for _ in 0..refs {
        value.extend_from_slice(&[0xd9, 0x74, 0x74, 0x00]);
    }
    b.event(TS, Level::Info.as_u8(), 0, 1, &value);
    b.finish(BlockKind::Data, &mut out);
    out
}

/// One event whose field is an array of as many 1-byte items (the integer 1) as one block
/// holds: about 16 million values from 16 MiB.
pub fn tiny_items_file() -> (Vec<u8>, u64) {
    let mut out = header();
    let mut b = BlockBuilder::new();
    b.thread(1, "main");
    b.callsite(
        0,
        Level::Info.as_u8(),
        1,
        0,
        "amplify",
        "",
        "items",
        ["items"].into_iter(),
    );
    let n = (16u64 << 20) - 200;
    let mut value = cbor_head(4, n);
    value.resize(value.len() + n as usize, 0x01);
    b.event(TS, Level::Info.as_u8(), 0, 1, &value);
    b.finish(BlockKind::Data, &mut out);
    (out, n)
}

/// One event whose field is a map keyed by a map keyed by a map… `depth` deep, the
/// innermost key a text of quotes: each level of keys-in-keys doubles the escaping of
/// JSON map keys that are not text, so shown naively it is 2^depth bytes.
pub fn nested_keys_file(depth: usize) -> Vec<u8> {
    let mut out = header();
    let mut b = BlockBuilder::new();
    b.thread(1, "main");
    b.callsite(
        0,
        Level::Info.as_u8(),
        1,
        0,
        "amplify",
        "",
        "keys",
        ["k"].into_iter(),
    );
    let mut key = cbor_head(3, 7);
    key.extend_from_slice(b"\"\\\"\\\"\\\"");
    for _ in 0..depth {
        let mut map = cbor_head(5, 1);
        map.extend_from_slice(&key);
        map.push(0x01);
        key = map;
    }
    b.event(TS, Level::Info.as_u8(), 0, 1, &key);
    b.finish(BlockKind::Data, &mut out);
    out
}

/// `events` events, each with a field name of its own (`sensor_0`, `sensor_1`, …), as a
/// program writes that puts ids in keys: a column per name would make an export as wide
/// as the file is long.
pub fn wide_file(events: u64) -> Vec<u8> {
    let mut out = header();
    let mut b = BlockBuilder::new();
    for i in 0..events {
        if i % 10_000 == 0 {
            if i > 0 {
                b.finish(BlockKind::Data, &mut out);
            }
            b.thread(1, "main");
        }
        let name = format!("sensor_{i}");
        b.callsite(
            i,
            Level::Info.as_u8(),
            1,
            0,
            "wide",
            "",
            "reading",
            [name.as_str()].into_iter(),
        );
        // The float 1.5 as a half.
        b.event(TS + i, Level::Info.as_u8(), i, 1, &[0xf9, 0x3e, 0x00]);
    }
    b.finish(BlockKind::Data, &mut out);
    out
}

/// Rows of tracked schema `knee` (target `ttlog.track`) starting at the given times.
pub fn rows_file(starts: &[u64]) -> Vec<u8> {
    let mut out = header();
    let mut b = BlockBuilder::new();
    b.thread(1, "control");
    b.callsite(
        0,
        Level::Info.as_u8(),
        0,
        0,
        "ttlog.track",
        "",
        "knee",
        ["angle"].into_iter(),
    );
    for &t in starts {
        b.event(t, Level::Info.as_u8(), 0, 1, &[0x01]);
    }
    b.finish(BlockKind::Data, &mut out);
    out
}
