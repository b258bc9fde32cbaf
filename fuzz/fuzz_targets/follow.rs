//! Any bytes, appended to a file in pieces while a `Follower` polls it (what
//! `ttlog-view tail -f` does), then the file replaced and deleted: never a panic or a hang.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use ttlog_reader::{Follower, Query};

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("ttlog-fuzz-follow-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("run.000001.bin");
    let _ = std::fs::remove_file(&path);
    let Ok(mut file) = std::fs::File::create(&path) else {
        return;
    };
    let mut f = Follower::new(&path, 0, Query::default());
    // The first byte sets the piece size; the rest is the file, appended piece by piece.
    let (piece, rest) = match data.split_first() {
        Some((&p, rest)) => (usize::from(p).max(1) * 16, rest),
        None => return,
    };
    for chunk in rest.chunks(piece) {
        if file.write_all(chunk).is_err() {
            return;
        }
        let _ = f.poll();
    }
    // Replaced by a copy, then deleted with a later file of the series present.
    let _ = std::fs::write(&path, rest);
    let _ = f.poll();
    let _ = std::fs::write(dir.join("run.000002.bin"), rest);
    let _ = std::fs::remove_file(&path);
    let _ = f.poll();
    let _ = f.poll();
    let _ = std::fs::remove_file(dir.join("run.000002.bin"));
});
