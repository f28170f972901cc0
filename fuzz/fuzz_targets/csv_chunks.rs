//! cargo-fuzz target: `satori_data::fuzz_targets::csv_chunks` (panics on a broken promise).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = satori_data::fuzz_targets::csv_chunks(data);
});
