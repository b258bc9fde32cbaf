//! Any bytes as a file read backwards by `last_events` (what `ttlog-view tail` does).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ttlog_reader::{last_events, Query};

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("ttlog-fuzz-tail-{}.bin", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    for n in [1, 20] {
        let _ = last_events(&path, n, &Query::default());
    }
});
