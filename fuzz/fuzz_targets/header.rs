//! Any bytes as a file header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ttlog_format::Header;

fuzz_target!(|data: &[u8]| {
    let _ = Header::decode(data);
});
