//! cargo-fuzz target: `satori_data::fuzz_targets::parquet` (panics on a broken promise).
//!
//! The Parquet reader catches panics inside the `parquet` crate (some damaged files cause them)
//! and reports an error instead. libfuzzer-sys's panic hook aborts on every panic, caught or
//! not, so this target puts Rust's default hook back: a caught panic is then what it is for
//! satori's users (an error), and a panic that escapes the target still aborts the run.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static DEFAULT_HOOK: std::sync::Once = std::sync::Once::new();
    DEFAULT_HOOK.call_once(|| drop(std::panic::take_hook()));
    let _ = satori_data::fuzz_targets::parquet(data);
});
