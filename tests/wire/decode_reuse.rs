//! Decoding into a message kept across frames (prost's generated `clear()`, then `merge`), as
//! the `prost_decode_reuse` benchmark path does, gives the same message as a fresh decode:
//! nothing of the frame before leaks into the next one.

use bytes::Bytes;
use proptest::prelude::*;
use prost::Message;
use turms_wire::proto::TurmsNotification;
use turms_wire_test_support::data;

use crate::classify_props::notification;

/// Clears `reused`, merges `bytes` into it, and checks it against a fresh decode: the same
/// message (the same encoding), or an error where the fresh decode fails.
fn check_reuse(reused: &mut TurmsNotification, name: &str, bytes: &Bytes) {
    reused.clear();
    let merged = reused.merge(bytes.clone());
    match TurmsNotification::decode(bytes.clone()) {
        Ok(fresh) => {
            assert!(merged.is_ok(), "{name}: {merged:?}");
            // Compared by their encodings, which maps (`BTreeMap`s) make deterministic: a NaN
            // in a float field is not equal to itself.
            assert_eq!(reused.encode_to_vec(), fresh.encode_to_vec(), "{name}");
        }
        Err(_) => assert!(merged.is_err(), "{name} decoded only when reused"),
    }
}

#[test]
fn reused_message_decodes_every_vector_as_a_fresh_one() {
    let mut frames: Vec<(String, Bytes)> = data::vectors("notif")
        .into_iter()
        .map(|vector| (vector.name, vector.bytes))
        .collect();
    frames.extend(
        data::bad_index()
            .entries
            .into_iter()
            .map(|entry| (entry.name, entry.bytes)),
    );
    assert!(frames.len() > 500, "{} vectors", frames.len());
    // Forward, then backward: every vector follows two different ones.
    let mut reused = TurmsNotification::default();
    for (name, bytes) in frames.iter().chain(frames.iter().rev()) {
        check_reuse(&mut reused, name, bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn reused_message_decodes_as_a_fresh_one(
        before in notification(),
        after in notification(),
    ) {
        let mut reused = TurmsNotification::default();
        check_reuse(&mut reused, "before", &Bytes::from(before.encode_to_vec()));
        check_reuse(&mut reused, "after", &Bytes::from(after.encode_to_vec()));
        prop_assert_eq!(reused.encode_to_vec(), after.encode_to_vec());
    }
}
