//! Damaged files: whatever is cut or flipped, the reader never panics, returns only events
//! that were written, and reports what it skipped.

use std::io::Cursor;
use std::sync::OnceLock;

use proptest::prelude::*;
use ttlog::info;
use ttlog_reader::{last_events, write_json_line, BlockReader, Error, Events, Query};
use ttlog_tests::one_logger_at_a_time;

/// A file's bytes, its blocks' offsets, and each block's events as JSON lines.
type Sample = (Vec<u8>, Vec<u64>, Vec<Vec<String>>);

/// A writer-made file of several small blocks.
fn sample() -> &'static Sample {
    static SAMPLE: OnceLock<Sample> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let _lock = one_logger_at_a_time();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sample.bin");
        let guard = ttlog::builder()
            .path(&path)
            .block_size(1024)
            .init()
            .unwrap();
        for i in 0..400u32 {
            info!("sample {}", i, even = i % 2 == 0, label = "abcdefghij");
        }
        drop(guard);
        let bytes = std::fs::read(&path).unwrap();
        let mut offsets = Vec::new();
        let mut per_block = Vec::new();
        let mut reader = BlockReader::new(Cursor::new(bytes.clone())).unwrap();
        while let Some(block) = reader.next_block() {
            let block = block.unwrap();
            offsets.push(block.offset);
            if let ttlog_reader::BlockContent::Events(events) =
                ttlog_reader::decode_block(&block.frame, block.payload).unwrap()
            {
                per_block.push(events.map(|e| json(&e)).collect());
            } else {
                per_block.push(Vec::new());
            }
        }
        assert!(reader.closed_cleanly());
        assert!(
            offsets.len() >= 10,
            "want many blocks, got {}",
            offsets.len()
        );
        (bytes, offsets, per_block)
    })
}

fn json(e: &ttlog_reader::Event) -> String {
    let mut s = String::new();
    write_json_line(e, &mut s);
    s
}

/// Reads `bytes`, returning the events (as JSON) and the problems, or None when the header
/// itself is unreadable.
fn read(bytes: &[u8]) -> Option<(Vec<String>, Vec<Error>)> {
    let events = Events::new(BlockReader::new(Cursor::new(bytes.to_vec())).ok()?);
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for item in events {
        match item {
            Ok(e) => out.push(json(&e)),
            Err(e) => {
                assert!(e.is_data_loss(), "in-memory reads cannot fail with {e}");
                problems.push(e);
            }
        }
    }
    Some((out, problems))
}

#[test]
fn truncation_at_every_offset_yields_the_complete_blocks_before_it_and_tail_agrees() {
    let (bytes, offsets, per_block) = sample();
    let header_len = offsets[0] as usize;
    for cut in 0..=bytes.len() {
        let Some((events, problems)) = read(&bytes[..cut]) else {
            assert!(cut < header_len, "header unreadable at cut {cut}");
            assert!(tail(&bytes[..cut], 5).is_none(), "tail read a bad header");
            continue;
        };
        // tail: the same last events, and the cut reported exactly as a full read does.
        let (tailed, tail_problems) = tail(&bytes[..cut], 5).expect("the header reads");
        assert_eq!(tailed, last(&events, 5), "tail, cut at {cut}");
        let text = |ps: &[Error]| ps.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(text(&tail_problems), text(&problems), "tail, cut at {cut}");
        // Complete blocks before the cut: exactly their events, in order.
        let complete = offsets
            .iter()
            .enumerate()
            .filter(|(i, &o)| {
                let end = offsets.get(i + 1).map_or(bytes.len(), |&n| n as usize);
                (o as usize) < cut && end <= cut
            })
            .count();
        let expected: Vec<String> = per_block[..complete].concat();
        assert_eq!(events, expected, "cut at {cut}");
        // Only a cut inside a data block is a problem; a missing trailer or end marker is not.
        for p in &problems {
            assert!(matches!(p, Error::Truncated { .. }), "cut {cut}: {p}");
        }
        assert!(problems.len() <= 1);
    }
}

/// What `tail -n N` finds in `bytes`: its events (as JSON) and problems.
fn tail(bytes: &[u8], n: usize) -> Option<(Vec<String>, Vec<Error>)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.bin");
    std::fs::write(&path, bytes).unwrap();
    match last_events(&path, n, &Query::default()) {
        Ok(t) => Some((t.events.iter().map(json).collect(), t.problems)),
        Err(Error::Header(_)) => None,
        Err(e) => panic!("{e}"),
    }
}

fn last(events: &[String], n: usize) -> Vec<String> {
    events[events.len().saturating_sub(n)..].to_vec()
}

#[test]
fn tail_reports_a_damaged_last_block_and_exits_with_what_came_before() {
    let (bytes, offsets, per_block) = sample();
    let data_blocks = per_block.iter().filter(|b| !b.is_empty()).count();
    let last_block = offsets[data_blocks - 1] as usize;
    for at in [8, 9, 14, 20, 40, 60] {
        let mut damaged = bytes.clone();
        damaged[last_block + at] ^= 0x01;
        let (events, problems) = tail(&damaged, 20).unwrap();
        let before: Vec<String> = per_block[..data_blocks - 1].concat();
        assert_eq!(events, last(&before, 20), "byte {at}");
        assert!(
            problems.iter().any(
                |p| matches!(p, Error::BadBlock { offset, .. } if *offset as usize == last_block)
            ),
            "byte {at}: the damaged block must be reported: {problems:?}"
        );
        // The same report a full read makes.
        let (_, all_problems) = read(&damaged).unwrap();
        let text = |ps: &[Error]| ps.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(text(&problems), text(&all_problems), "byte {at}");
    }
}

#[test]
fn a_corrupt_block_is_skipped_alone_with_its_offset() {
    let (bytes, offsets, per_block) = sample();
    let data_blocks = per_block.iter().filter(|b| !b.is_empty()).count();
    for (i, &offset) in offsets.iter().enumerate().take(data_blocks) {
        for at in [8, 14, 20, 40, 60, 100] {
            let mut damaged = bytes.clone();
            damaged[offset as usize + at] ^= 0x55;
            let (events, problems) = read(&damaged).unwrap();
            let expected: Vec<String> = per_block
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, b)| b.iter().cloned())
                .collect();
            assert_eq!(events, expected, "block {i} byte {at}");
            assert!(
                matches!(problems.as_slice(), [Error::BadBlock { offset: o, .. }] if *o == offset),
                "block {i} byte {at}: {problems:?}"
            );
        }
    }
}

#[test]
fn a_non_ttlog_or_empty_file_is_refused_at_the_header() {
    for bad in [&b""[..], b"hello", b"\x89TTLOG\r\n\x07\x00", &[0u8; 100]] {
        assert!(matches!(
            BlockReader::new(Cursor::new(bad.to_vec())),
            Err(Error::Header(_))
        ));
    }
}

/// A writer-made file of about 2 MB in writer-sized (64 KiB) blocks, and its events.
fn large_sample() -> &'static (Vec<u8>, Vec<String>) {
    static SAMPLE: OnceLock<(Vec<u8>, Vec<String>)> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let _lock = one_logger_at_a_time();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("large.bin");
        let guard = ttlog::builder().path(&path).init().unwrap();
        for i in 0..150_000u32 {
            info!("large {}", i, joint = i % 7, torque = f64::from(i) * 0.5);
        }
        drop(guard);
        let bytes = std::fs::read(&path).unwrap();
        let (events, problems) = read(&bytes).unwrap();
        assert!(problems.is_empty());
        (bytes, events)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn a_large_file_cut_anywhere_reads_a_prefix_and_tail_agrees(at in any::<prop::sample::Index>()) {
        let (bytes, all) = large_sample();
        let cut = at.index(bytes.len() + 1);
        if let Some((events, problems)) = read(&bytes[..cut]) {
            prop_assert_eq!(&events[..], &all[..events.len()]);
            prop_assert!(problems.len() <= 1);
            let (tailed, tail_problems) = tail(&bytes[..cut], 50).unwrap();
            prop_assert_eq!(tailed, last(&events, 50));
            let text = |ps: &[Error]| ps.iter().map(|p| p.to_string()).collect::<Vec<_>>();
            prop_assert_eq!(text(&tail_problems), text(&problems));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_damage_never_panics_and_never_invents_events(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..8),
        splice in proptest::option::of((any::<prop::sample::Index>(), proptest::collection::vec(any::<u8>(), 0..200))),
    ) {
        let (bytes, _, per_block) = sample();
        let mut damaged = bytes.clone();
        for (at, mask) in &flips {
            let i = at.index(damaged.len());
            damaged[i] ^= mask;
        }
        if let Some((at, junk)) = &splice {
            let i = at.index(damaged.len());
            damaged.splice(i..i, junk.iter().copied());
        }
        let all: std::collections::HashSet<&String> = per_block.iter().flatten().collect();
        if let Some((events, problems)) = read(&damaged) {
            for e in &events {
                prop_assert!(all.contains(e), "invented event {}", e);
            }
            let (tailed, tail_problems) = tail(&damaged, 7).expect("the header read once");
            for e in &tailed {
                prop_assert!(all.contains(e), "tail invented event {}", e);
            }
            // Damage in the part tail reads is reported; without any, tail agrees with a
            // full read.
            if problems.is_empty() {
                prop_assert!(tail_problems.is_empty(), "{:?}", tail_problems);
            }
            if tail_problems.is_empty() {
                prop_assert_eq!(tailed, last(&events, 7));
            }
        }
    }
}
