//! Any bytes as a whole file: iterate every event, render it, export it as JSON.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use ttlog_reader::{write_json_line, BlockReader, Events};

fuzz_target!(|data: &[u8]| {
    let Ok(blocks) = BlockReader::new(Cursor::new(data)) else {
        return;
    };
    let mut line = String::new();
    for event in Events::new(blocks).flatten() {
        line.clear();
        write_json_line(&event, &mut line);
        let _ = event.message();
    }
});
