//! `TurmsNotification::decode` and `TurmsRequest::decode` on arbitrary bytes: never a panic, and
//! whatever decodes re-encodes to bytes that decode to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;

use turms_wire_test_support::fuzz_checks;

fuzz_target!(|data: &[u8]| fuzz_checks::full_decode(data));
