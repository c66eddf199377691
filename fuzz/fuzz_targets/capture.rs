//! The capture reader on arbitrary bytes as a capture file: never a panic, consistent events,
//! memory within the configured bounds (and libFuzzer's RSS limit: nothing allocated for what a
//! length field merely claims).
#![no_main]

use libfuzzer_sys::fuzz_target;

use turms_wire_test_support::capture_check;

fuzz_target!(|data: &[u8]| capture_check::capture(data));
