//! `ServerFrame::classify` and `ClientFrame::classify` on arbitrary bytes: never a panic, and
//! whenever a full decode succeeds, classification succeeds and agrees with it.
#![no_main]

use libfuzzer_sys::fuzz_target;

use turms_wire_test_support::fuzz_checks;

fuzz_target!(|data: &[u8]| fuzz_checks::classify(data));
