//! Every conformance vector made by Google's protobuf decodes with prost to exactly the message
//! Google decoded, the proto3 JSON mapping (`turms_wire::json`) writes exactly what Google's
//! `MessageToDict` wrote, and every malformed message is rejected by both.
//!
//! Values are compared, not text (see `turms_wire_test_support::proto_json_eq` for what that allows).
//! The JSON mapping of the vectors' own bytes may differ from Google's only in the digits of a
//! subnormal `float`; a plain `-0.0` may go missing only where prost's encoder was on the way.

use std::collections::BTreeMap;

use prost::Message;
use prost_reflect::MessageDescriptor;
use serde_json::Value;
use turms_wire::json::{self, JsonError, MessageType, NOTIFICATION, REQUEST};
use turms_wire::proto::{TurmsNotification, TurmsRequest};

use turms_wire_test_support::data::{self, BadEntry};
use turms_wire_test_support::proto_json_eq::{compare_message, holds_nan, Comparison, Rule};

/// A top-level message type with its type in the JSON mapping.
trait Envelope: Message + prost::Name + Default + PartialEq + std::fmt::Debug {
    const TYPE: MessageType;
}

impl Envelope for TurmsNotification {
    const TYPE: MessageType = NOTIFICATION;
}

impl Envelope for TurmsRequest {
    const TYPE: MessageType = REQUEST;
}

fn descriptor<M: Envelope>() -> MessageDescriptor {
    M::TYPE.descriptor().clone()
}

/// What one check of one vector found.
#[derive(Default)]
struct Findings {
    failures: Vec<String>,
    /// Which vectors needed which comparison rule, per check.
    rules: BTreeMap<(&'static str, Rule), Vec<String>>,
    /// Vectors whose re-decoded message differs under `PartialEq` only because it holds a NaN.
    nan_inequal: Vec<String>,
}

impl Findings {
    fn record(&mut self, check: &'static str, name: &str, comparison: Comparison) {
        if comparison.is_equal() {
            for rule in comparison.rules {
                self.rules
                    .entry((check, rule))
                    .or_default()
                    .push(name.to_owned());
            }
        } else {
            self.failures.push(format!(
                "{name} ({check}): {}",
                comparison.differences.join("; ")
            ));
        }
    }

    fn fail(&mut self, check: &'static str, name: &str, why: impl std::fmt::Display) {
        self.failures.push(format!("{name} ({check}): {why}"));
    }

    fn summary(&self) -> String {
        let mut text = String::new();
        for ((check, rule), names) in &self.rules {
            text.push_str(&format!(
                "  {check}: {rule:?} needed by {} vectors: {}\n",
                names.len(),
                names.join(" ")
            ));
        }
        if !self.nan_inequal.is_empty() {
            text.push_str(&format!(
                "  NaN != NaN under PartialEq (compared as JSON values instead): {} vectors: {}\n",
                self.nan_inequal.len(),
                self.nan_inequal.join(" ")
            ));
        }
        text
    }
}

/// `again` is the same message as `original`: `PartialEq`, or, where a NaN makes `PartialEq`
/// false, equal JSON values.
fn same_message<M: Envelope>(
    descriptor: &MessageDescriptor,
    original: &M,
    again: &M,
    expected_json: &Value,
) -> Result<bool, String> {
    if again == original {
        return Ok(false);
    }
    if !holds_nan(descriptor, expected_json) {
        return Err(format!("{again:?} != {original:?}"));
    }
    let left = json::to_value(original).map_err(|e| e.to_string())?;
    let right = json::to_value(again).map_err(|e| e.to_string())?;
    let comparison = compare_message(descriptor, &left, &right);
    if comparison.is_equal() {
        Ok(true)
    } else {
        Err(comparison.differences.join("; "))
    }
}

fn check_vector<M: Envelope>(
    descriptor: &MessageDescriptor,
    name: &str,
    bin: &[u8],
    expected: &Value,
    findings: &mut Findings,
) {
    // 1. prost decodes the bytes to the expected message (seen through the JSON mapping of a
    //    prost re-encoding, so prost's view of the message is what is compared; the encoding
    //    drops a plain -0.0).
    let decoded = match M::decode(bin) {
        Ok(decoded) => decoded,
        Err(e) => return findings.fail("prost decode", name, e),
    };
    match json::to_value(&decoded) {
        Ok(actual) => findings.record(
            "prost",
            name,
            compare_message(descriptor, expected, &actual),
        ),
        Err(e) => findings.fail("prost", name, e),
    }

    // 2. The JSON mapping applied to the vector's own bytes (what the command line prints).
    match M::TYPE.bytes_to_value(bin) {
        Ok(actual) => findings.record("json", name, compare_message(descriptor, expected, &actual)),
        Err(e) => findings.fail("json", name, e),
    }

    // 3. encode -> decode gives the same message again.
    match M::decode(decoded.encode_to_vec().as_slice()) {
        Ok(again) => match same_message(descriptor, &decoded, &again, expected) {
            Ok(true) => findings.nan_inequal.push(name.to_owned()),
            Ok(false) => {}
            Err(why) => findings.fail("re-encode", name, why),
        },
        Err(e) => findings.fail("re-encode", name, e),
    }

    // 4. Google's JSON read back gives the message prost decoded.
    match json::from_value::<M>(expected) {
        Ok(parsed) => {
            if let Err(why) = same_message(descriptor, &decoded, &parsed, expected) {
                findings.fail("from JSON", name, why);
            }
        }
        Err(e) => findings.fail("from JSON", name, e),
    }
}

fn check_directory<M: Envelope>(dir: &str, expected_count: usize) -> Findings {
    let descriptor = descriptor::<M>();
    let vectors = data::vectors(dir);
    assert_eq!(vectors.len(), expected_count, "vectors in {dir}/");
    let empty = vectors.iter().filter(|v| v.bytes.is_empty()).count();
    assert!(empty >= 1, "{dir}/ has a zero-byte vector");
    let mut findings = Findings::default();
    for vector in &vectors {
        let (name, bin, expected) = (&vector.name, &vector.bytes[..], vector.message());
        if bin.is_empty() {
            assert_eq!(expected, &Value::Object(Default::default()), "{name}");
            assert_eq!(M::decode(bin).ok(), Some(M::default()), "{name}");
        }
        check_vector::<M>(&descriptor, name, bin, expected, &mut findings);
    }
    assert!(
        findings.failures.is_empty(),
        "{} failures over {} vectors in {dir}/:\n{}\nrules used:\n{}",
        findings.failures.len(),
        vectors.len(),
        findings.failures.join("\n"),
        findings.summary()
    );
    eprintln!(
        "{dir}/: {} vectors agree; tolerated differences:\n{}",
        vectors.len(),
        findings.summary()
    );
    findings
}

/// The only tolerated differences:
/// - a subnormal `float` is written by Google with at least 6 significant digits
///   (`1.4013e-45`), by serde_json with the fewest digits that round-trip (`1e-45`): a spelling
///   the proto3 JSON mapping leaves open;
/// - in the `prost` check only, a plain `float` or `double` of `-0.0` that Google writes (its
///   bits are not zero) is missing: prost's encoder, through which that check sees the
///   message, compares with `==` and drops it. The JSON mapping of the bytes writes it.
fn assert_only_open_spellings(dir: &str, findings: &Findings) {
    let other: Vec<String> = findings
        .rules
        .iter()
        .filter(|((check, rule), _)| {
            !matches!(
                (*check, rule),
                (_, Rule::SubnormalFloatDigits) | ("prost", Rule::NegativeZeroDefault)
            )
        })
        .map(|((check, rule), names)| format!("{check}: {rule:?}: {}", names.join(" ")))
        .collect();
    assert!(
        other.is_empty(),
        "{dir}/: differences beyond subnormal digits and prost's encoding of -0.0:\n{}",
        other.join("\n")
    );
}

#[test]
fn notifications_decode_to_the_expected_messages() {
    let findings = check_directory::<TurmsNotification>("notif", 516);
    assert_only_open_spellings("notif", &findings);
}

#[test]
fn requests_decode_to_the_expected_messages() {
    let findings = check_directory::<TurmsRequest>("req", 387);
    assert_only_open_spellings("req", &findings);
}

/// Google writes a plain `float` holding `-0.0` (two request vectors hold one); the JSON
/// mapping of the bytes writes it the same, `-0.0`, and only prost's re-encoding loses it.
#[test]
fn plain_negative_zeros_are_written_as_google_writes_them() {
    let vectors = data::vectors("req");
    let descriptor = descriptor::<TurmsRequest>();
    for (name, field) in [
        ("req/004.bin", "\"longitude\":-0.0"),
        ("req/068.bin", "\"latitude\":-0.0"),
    ] {
        let vector = vectors
            .iter()
            .find(|vector| vector.name == name)
            .unwrap_or_else(|| panic!("{name}"));
        let expected = vector.message();
        assert!(
            expected.to_string().contains(field),
            "Google wrote {expected}"
        );
        let text = REQUEST.bytes_to_json(&vector.bytes).expect("maps");
        assert!(text.contains(field), "{name}: {text}");
        let comparison = compare_message(
            &descriptor,
            expected,
            &REQUEST.bytes_to_value(&vector.bytes).unwrap(),
        );
        assert!(
            comparison.is_equal() && comparison.rules.is_empty(),
            "{name}: {comparison:?}"
        );

        let through_prost =
            json::to_value(&TurmsRequest::decode(&vector.bytes[..]).unwrap()).unwrap();
        assert!(
            !through_prost.to_string().contains(field),
            "{name}: {through_prost}"
        );
        let comparison = compare_message(&descriptor, expected, &through_prost);
        assert_eq!(
            comparison.rules.into_iter().collect::<Vec<_>>(),
            [Rule::NegativeZeroDefault]
        );
    }
}

/// The `layer: message` entries of `bad/INDEX.json`.
fn bad_entries() -> Vec<BadEntry> {
    data::bad_index()
        .entries
        .into_iter()
        .filter(|entry| entry.layer() == "message")
        .collect()
}

fn message_type(entry: &BadEntry) -> &str {
    entry.message_type().expect("message_type")
}

fn full_name(short: &str) -> String {
    format!("im.turms.proto.{short}")
}

/// What a full prost decode of the entry says: `Ok(JSON of the message)` or the error.
fn prost_decode(entry: &BadEntry) -> Result<Value, String> {
    let json = match message_type(entry) {
        "TurmsNotification" => TurmsNotification::decode(entry.bytes.clone())
            .map_err(|e| e.to_string())
            .map(|m| json::to_value(&m)),
        "TurmsRequest" => TurmsRequest::decode(entry.bytes.clone())
            .map_err(|e| e.to_string())
            .map(|m| json::to_value(&m)),
        other => panic!("{}: message_type {other}", entry.file),
    }?;
    json.map_err(|e| format!("decoded, but no JSON: {e}"))
}

/// Runs `body` on a thread with a large stack: the deepest entries are 100 000 levels of bytes
/// and 100 levels of JSON, and a debug build spends far more stack per level than a release one.
fn on_large_stack(body: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(body)
        .expect("spawn")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

#[test]
fn malformed_messages_are_rejected_and_edge_cases_accepted() {
    on_large_stack(|| {
        let entries = bad_entries();
        let errors = entries.iter().filter(|e| !e.expect_ok()).count();
        let oks = entries.iter().filter(|e| e.expect_ok()).count();
        assert_eq!((errors, oks), (44, 7), "message-layer entries (error, ok)");

        let mut failures = Vec::new();
        for entry in &entries {
            let prost = prost_decode(entry);
            let reflected = MessageType::named(&full_name(message_type(entry)))
                .and_then(|message_type| message_type.bytes_to_value(&entry.bytes));
            if !entry.expect_ok() {
                if let Ok(json) = &prost {
                    failures.push(format!("{}: prost accepted it as {json}", entry.file));
                }
                if let Ok(json) = &reflected {
                    failures.push(format!(
                        "{}: JSON mapping accepted it as {json}",
                        entry.file
                    ));
                }
                if let Err(other) = &reflected {
                    if !matches!(other, JsonError::Decode { .. }) {
                        failures.push(format!("{}: not a decode error: {other}", entry.file));
                    }
                }
                continue;
            }
            if entry.lenient() {
                // 064: field 1 (`timestamp`, int64) arrives with wire type 2. Google keeps it as
                // an unknown field; prost refuses a known field with the wrong wire type, and
                // so do we: a peer that sends it is broken, and silently dropping a field we
                // know would hide that. Both decoders here must say so.
                if prost.is_ok() {
                    failures.push(format!("{}: prost accepted a lenient entry", entry.file));
                }
                if reflected.is_ok() {
                    failures.push(format!(
                        "{}: JSON mapping accepted a lenient entry",
                        entry.file
                    ));
                }
                continue;
            }
            let descriptor = MessageType::named(&full_name(message_type(entry)))
                .expect("message type in schema")
                .descriptor()
                .clone();
            for (check, actual) in [
                ("prost", prost),
                ("json", reflected.map_err(|e| e.to_string())),
            ] {
                let actual = match actual {
                    Ok(actual) => actual,
                    Err(e) => {
                        failures.push(format!("{} ({check}): rejected: {e}", entry.file));
                        continue;
                    }
                };
                match &entry.message {
                    Some(expected) => {
                        let comparison = compare_message(&descriptor, expected, &actual);
                        // The JSON mapping writes a plain -0.0 as Google does.
                        let dropped_zero = check == "json"
                            && comparison.rules.contains(&Rule::NegativeZeroDefault);
                        if !comparison.is_equal() || dropped_zero {
                            failures.push(format!(
                                "{} ({check}): {}",
                                entry.file,
                                comparison.differences.join("; ")
                            ));
                        }
                    }
                    // 069 (200 000 empty custom_attributes) has no `message` in the index: the
                    // bytes are canonical, so prost's re-encoding must give them back exactly.
                    None => {
                        let again = TurmsNotification::decode(entry.bytes.clone())
                            .map(|m| m.encode_to_vec());
                        if again.as_deref().ok() != Some(&entry.bytes[..]) {
                            failures.push(format!("{} ({check}): re-encoding differs", entry.file));
                        }
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures over {} message-layer entries:\n{}",
            failures.len(),
            entries.len(),
            failures.join("\n")
        );
    });
}

#[test]
fn the_json_mapping_refuses_hostile_json() {
    on_large_stack(|| {
        // 100 000 nested Values as text: refused by the bracket count, before any parsing.
        let deep = format!(
            "{{\"custom_attributes\":{}{}}}",
            "[{\"list_value\":".repeat(100_000),
            "[]}]".repeat(100_000)
        );
        assert!(matches!(
            NOTIFICATION.json_to_dynamic(&deep),
            Err(JsonError::TooDeep { .. })
        ));
        // The same shape as a `Value` (10 000 levels; dropping a `Value` recurses too).
        // (Built by moving: `json!` would copy the growing tree at every level.)
        let wrap = |key: &str, inner: Value| {
            Value::Object(
                [(key.to_owned(), Value::Array(vec![inner]))]
                    .into_iter()
                    .collect(),
            )
        };
        let mut value = Value::Object(Default::default());
        for _ in 0..10_000 {
            value = wrap("list_value", value);
        }
        let value = wrap("custom_attributes", value);
        assert!(matches!(
            json::from_value::<TurmsNotification>(&value),
            Err(JsonError::TooDeep { .. })
        ));
        assert!(matches!(
            MessageType::named("im.turms.proto.NoSuchMessage"),
            Err(JsonError::UnknownMessageType(_))
        ));
    });
}

#[test]
fn the_deepest_messages_fit_the_default_thread_stack() {
    // 2 MiB is what `std::thread::spawn` and tokio's workers give. A debug build needs about
    // 768 KiB for the JSON mapping of 063 (100 levels) and 512 KiB to refuse 055 (100 000).
    let body = || {
        let at_limit = data::read(&data::conformance("bad/063.bin"));
        let hostile = data::read(&data::conformance("bad/055.bin"));
        let notification = TurmsNotification::decode(at_limit.as_slice()).expect("063 decodes");
        let json = NOTIFICATION
            .bytes_to_value(&at_limit)
            .expect("063 maps to JSON");
        let back: TurmsNotification = json::from_value(&json).expect("063 reads back from JSON");
        assert_eq!(back, notification);
        let text = NOTIFICATION
            .bytes_to_json(&at_limit)
            .expect("063 maps to JSON text");
        let again = NOTIFICATION.json_to_bytes(&text).expect("and from text");
        assert_eq!(again.len(), at_limit.len());
        assert!(TurmsNotification::decode(hostile.as_slice()).is_err());
        assert!(NOTIFICATION.bytes_to_value(&hostile).is_err());
    };
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(body)
        .expect("spawn")
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
}

#[test]
fn the_comparison_sees_every_kind_of_difference() {
    let descriptor = descriptor::<TurmsNotification>();
    let base = serde_json::json!({
        "request_id": "42",
        "code": 1000,
        "custom_attributes": [{ "float_value": 0.1 }, { "double_value": "NaN" }],
        "data": { "user_session": { "session_id": "s", "server_id": "" } },
        "relayed_request": {
            "update_user_online_status_request": { "user_status": "BUSY", "device_types": ["IOS", 77] }
        }
    });
    let same = compare_message(&descriptor, &base, &base.clone());
    assert!(
        same.is_equal() && same.rules.is_empty(),
        "{:?}",
        same.differences
    );

    let mutate = |pointer: &str, value: Option<Value>| {
        let mut copy = base.clone();
        let (parent, key) = pointer.rsplit_once('/').expect("pointer");
        let parent = copy.pointer_mut(parent).expect("parent exists");
        match (parent, value) {
            (Value::Object(map), Some(value)) => {
                map.insert(key.to_owned(), value);
            }
            (Value::Object(map), None) => {
                map.remove(key);
            }
            (Value::Array(items), Some(value)) => {
                items[key.parse::<usize>().expect("index")] = value
            }
            _ => panic!("bad mutation {pointer}"),
        }
        copy
    };
    let differs = [
        ("/request_id", Some(Value::from("43"))),
        ("/request_id", None),
        ("/code", Some(Value::from(1001))),
        (
            "/custom_attributes/0",
            Some(serde_json::json!({ "float_value": 0.100_000_01 })),
        ),
        (
            "/custom_attributes/1",
            Some(serde_json::json!({ "double_value": "Infinity" })),
        ),
        (
            "/custom_attributes/1",
            Some(serde_json::json!({ "double_value": 0.0 })),
        ),
        ("/data/user_session/server_id", None),
        ("/data/user_session/session_id", Some(Value::from("t"))),
        ("/data/user_session/unknown", Some(Value::from(1))),
        (
            "/relayed_request/update_user_online_status_request/user_status",
            Some(Value::from(3)),
        ),
        (
            "/relayed_request/update_user_online_status_request/device_types",
            Some(serde_json::json!(["IOS", 78])),
        ),
        (
            "/relayed_request/update_user_online_status_request/device_types",
            Some(serde_json::json!(["IOS"])),
        ),
    ];
    for (pointer, value) in differs {
        let mutated = mutate(pointer, value.clone());
        let comparison = compare_message(&descriptor, &base, &mutated);
        assert!(
            !comparison.is_equal(),
            "{pointer} = {value:?} went unnoticed"
        );
        let comparison = compare_message(&descriptor, &mutated, &base);
        assert!(
            !comparison.is_equal(),
            "{pointer} = {value:?} went unnoticed (swapped)"
        );
    }

    // And what is the same value spelled differently.
    let equal = [
        ("/request_id", Some(Value::from(42)), Rule::Int64AsInteger),
        (
            "/custom_attributes/0",
            Some(serde_json::json!({ "float_value": 0.100_000_001_490_116_12 })),
            Rule::FloatAsF32,
        ),
        (
            "/custom_attributes/0",
            Some(serde_json::json!({ "float_value": 1e-45 })),
            Rule::SubnormalFloatDigits,
        ),
    ];
    for (pointer, value, rule) in equal {
        let mutated = mutate(pointer, value.clone());
        let mut with_subnormal = base.clone();
        if rule == Rule::SubnormalFloatDigits {
            with_subnormal = mutate(
                pointer,
                Some(serde_json::json!({ "float_value": 1.4013e-45 })),
            );
        }
        let comparison = compare_message(&descriptor, &with_subnormal, &mutated);
        assert!(
            comparison.is_equal(),
            "{pointer}: {:?}",
            comparison.differences
        );
        assert_eq!(comparison.rules.into_iter().collect::<Vec<_>>(), [rule]);
    }
    let plain_negative_zero = serde_json::json!({
        "relayed_request": { "update_user_location_request": { "latitude": -0.0 } }
    });
    let omitted = serde_json::json!({
        "relayed_request": { "update_user_location_request": {} }
    });
    let comparison = compare_message(&descriptor, &plain_negative_zero, &omitted);
    assert!(comparison.is_equal(), "{:?}", comparison.differences);
    assert!(comparison.rules.contains(&Rule::NegativeZeroDefault));
    // A -0.0 with presence (a oneof member) must not vanish.
    let comparison = compare_message(
        &descriptor,
        &serde_json::json!({ "custom_attributes": [{ "float_value": -0.0 }] }),
        &serde_json::json!({ "custom_attributes": [{}] }),
    );
    assert!(!comparison.is_equal());
}
