//! The TCP framing decoder on arbitrary bytes in arbitrary reads: never a panic, and the same
//! frames and end whatever the cutting.
#![no_main]

use libfuzzer_sys::fuzz_target;

use turms_wire_test_support::fuzz_checks;

fuzz_target!(|data: &[u8]| fuzz_checks::framing(data));
