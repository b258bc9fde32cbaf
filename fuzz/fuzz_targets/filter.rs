//! Any text as a filter expression: parse it, and show the error's pointer when it fails.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ttlog_reader::Filter;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = Filter::parse(text) {
        let _ = e.to_string();
        let _ = e.pointer();
    }
});
