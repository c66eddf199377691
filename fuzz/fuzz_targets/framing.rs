//! The TCP framing decoder on arbitrary bytes in arbitrary reads: never a panic, and the same
//! frames and end whatever the cutting.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/fuzz_checks/mod.rs"]
mod fuzz_checks;

fuzz_target!(|data: &[u8]| fuzz_checks::framing(data));
