//! The JSON written straight from protobuf bytes is the JSON of the fully decoded message.
//!
//! `MessageType::bytes_to_json` writes the JSON from the bytes without decoding them into a
//! `DynamicMessage`, and decodes in full only what that writer leaves to it. The writer must
//! follow every rule of a full decode, so its output is compared with the full decode's
//! (`DynamicMessage::decode`, then `json::dynamic_to_string`) on:
//!
//! * every conformance vector and every malformed one;
//! * random messages of every type of the schema (the generator of `message_props`), as
//!   prost-reflect encodes them;
//! * the same bytes rewritten as other encoders may write them, at every level: fields in
//!   another order, packed lists unpacked or split, singular messages split in two occurrences
//!   (which merge), scalars and oneof members written again before the value that wins, map
//!   entries with their key and value swapped or repeated, unknown fields of every wire type,
//!   and two messages one after the other (which merge). The writer must handle all of this
//!   itself, never leaving it to the full decode;
//! * those bytes corrupted (a byte changed, inserted or removed, the end cut off): whatever the
//!   writer accepts, the full decode accepts with the same JSON, and whatever the full decode
//!   refuses, the writer leaves to it.

use std::fs;
use std::path::Path;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest::test_runner::FileFailurePersistence;
use prost::Message;
use prost_reflect::{DynamicMessage, Kind, MessageDescriptor};
use turms_wire::json::{self, MessageType};

use super::message_props::{random_messages, Sample, TABLE};
use turms_wire_test_support::message_descriptor as descriptor;
use turms_wire_test_support::rng::SplitMix64;

/// What the full decode writes, or its error.
fn full_decode(message_type: &MessageType, bytes: &[u8]) -> Result<String, String> {
    DynamicMessage::decode(message_type.descriptor().clone(), bytes)
        .map_err(|e| e.to_string())
        .and_then(|message| json::dynamic_to_string(&message).map_err(|e| e.to_string()))
}

/// The writer never disagrees with the full decode; `must_write` also requires it to write
/// the JSON itself.
fn check(message_type: &MessageType, bytes: &[u8], must_write: bool) -> Result<(), String> {
    let written = message_type.bytes_to_json_without_decoding(bytes);
    let decoded = full_decode(message_type, bytes);
    let hex = || bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    match (&written, &decoded) {
        (Some(written), Ok(decoded)) if written != decoded => Err(format!(
            "{message_type}: the writer wrote\n{written}\nthe full decode\n{decoded}\nfrom {}",
            hex()
        )),
        (Some(written), Err(error)) => Err(format!(
            "{message_type}: the writer wrote {written} where the full decode fails ({error}) \
             from {}",
            hex()
        )),
        (None, Ok(_)) if must_write => Err(format!(
            "{message_type}: the writer left valid bytes to the full decode: {}",
            hex()
        )),
        _ => {
            // Whatever the writer does, the public call gives the full decode's answer.
            let public = message_type.bytes_to_json(bytes).map_err(|e| e.to_string());
            match (&public, &decoded) {
                (Ok(a), Ok(b)) if a == b => Ok(()),
                (Err(_), Err(_)) => Ok(()),
                _ => Err(format!(
                    "{message_type}: bytes_to_json gives {public:?}, the full decode {decoded:?}"
                )),
            }
        }
    }
}

#[test]
fn conformance_vectors_are_written_as_the_full_decode_writes_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/conformance");
    let mut written = 0;
    for (dir, message_type) in [("notif", json::NOTIFICATION), ("req", json::REQUEST)] {
        let mut paths: Vec<_> = fs::read_dir(root.join(dir))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "bin"))
            .collect();
        paths.sort();
        assert!(paths.len() > 300, "{dir}: {} vectors", paths.len());
        for path in paths {
            let bytes = fs::read(&path).unwrap();
            check(&message_type, &bytes, true).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            written += 1;
        }
    }
    // The malformed and edge-case inputs, as either envelope: the writer leaves every error to
    // the full decode, and writes what it accepts as the full decode does.
    let bad = root.join("bad");
    for entry in fs::read_dir(&bad).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "bin") {
            let bytes = fs::read(&path).unwrap();
            for message_type in [json::NOTIFICATION, json::REQUEST] {
                check(&message_type, &bytes, false).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            }
        }
    }
    assert!(written > 900);
}

#[test]
fn edge_cases_of_the_decoder_rules() {
    let notification = json::NOTIFICATION;
    let value = MessageType::named("im.turms.proto.Value").unwrap();
    let status = MessageType::named("im.turms.proto.UserOnlineStatus").unwrap();
    let total = MessageType::named("im.turms.proto.MessagesWithTotal").unwrap();
    let settings = MessageType::named("im.turms.proto.UserSettings").unwrap();
    let conversation = MessageType::named("im.turms.proto.GroupConversation").unwrap();
    let cases: &[(&MessageType, &[u8], bool)] = &[
        // Empty.
        (&notification, b"", true),
        // request_id twice: the last wins.
        (&notification, &[0x20, 0x01, 0x20, 0x02], true),
        // Fields out of order.
        (
            &notification,
            &[0x28, 0xe8, 0x07, 0x20, 0x01, 0x08, 0x05],
            true,
        ),
        // An int32 holding 2^32 (a varint wider than 32 bits keeps the low bits): 0, and
        // `code` has presence, so it is written.
        (&notification, &[0x28, 0x80, 0x80, 0x80, 0x80, 0x10], true),
        // A plain int64 explicitly 0: not written.
        (&notification, &[0x08, 0x00], true),
        // A plain enum, int32 and bool holding 2^32 (low 32 bits 0): defaults, not written;
        // the bool is true.
        (&status, &[0x10, 0x80, 0x80, 0x80, 0x80, 0x10], true),
        (&status, &[0x10, 0xff, 0xff, 0xff, 0xff, 0x0f], true),
        (
            &total,
            &[
                0x08, 0x80, 0x80, 0x80, 0x80, 0x10, 0x10, 0x80, 0x80, 0x80, 0x80, 0x10,
            ],
            true,
        ),
        // Maps: entries without key or value, the same key twice (the last wins), a key
        // repeated within an entry, a value before its key, string values.
        (&settings, &[0x0a, 0x00, 0x0a, 0x03, 0x0a, 0x01, b'a'], true),
        (
            &conversation,
            &[
                0x12, 0x04, 0x08, 0x01, 0x10, 0x02, 0x12, 0x04, 0x08, 0x01, 0x10, 0x03,
            ],
            true,
        ),
        (
            &conversation,
            &[0x12, 0x06, 0x08, 0x05, 0x10, 0x02, 0x08, 0x7f, 0x12, 0x00],
            true,
        ),
        (&conversation, &[0x12, 0x04, 0x10, 0x02, 0x08, 0x01], true),
        // A map entry whose value is cut off.
        (&conversation, &[0x12, 0x03, 0x08, 0x01, 0x10], false),
        // Value: oneof int32 then string: the string wins; then int32 again: the int32 wins.
        (&value, &[0x08, 0x05, 0x3a, 0x01, b'x'], true),
        (&value, &[0x08, 0x05, 0x3a, 0x01, b'x', 0x08, 0x06], true),
        // A oneof member that loses is still decoded: invalid UTF-8 in it fails.
        (&value, &[0x3a, 0x01, 0xff, 0x08, 0x05], false),
        // list_value split into two occurrences, with a member between.
        (
            &value,
            &[0x42, 0x02, 0x08, 0x01, 0x08, 0x07, 0x42, 0x00],
            true,
        ),
        // float -0.0, NaN, +inf in the oneof.
        (&value, &[0x1d, 0x00, 0x00, 0x00, 0x80], true),
        (&value, &[0x1d, 0x00, 0x00, 0xc0, 0x7f], true),
        (&value, &[0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0xff], true),
        // Unknown fields of every wire type, between known ones.
        (
            &notification,
            &[
                0xf8, 0x07, 0x01, 0x20, 0x01, 0xf9, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0xfa, 0x07, 0x01,
                0x00, 0xfd, 0x07, 0, 0, 0, 0,
            ],
            true,
        ),
        // Unknown groups, nested, are skipped; an end that does not match fails.
        (
            &notification,
            &[0xfb, 0x07, 0x08, 0x01, 0x0b, 0x0c, 0xfc, 0x07, 0x20, 0x01],
            true,
        ),
        (&notification, &[0xfb, 0x07, 0xf4, 0x07], false),
        (&notification, &[0xfb, 0x07], false),
        (&notification, &[0xfc, 0x07], false),
        // Broken inputs.
        (&notification, &[0x20], false),
        (&notification, &[0x22, 0x01, 0x00], false),
        (&notification, &[0x3a, 0x05, 0x00], false),
        (&notification, &[0x00, 0x01], false),
        (
            &notification,
            &[
                0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
            true,
        ),
        (
            &notification,
            &[
                0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
            ],
            false,
        ),
        (
            &notification,
            &[
                0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
            ],
            false,
        ),
    ];
    for (i, (message_type, bytes, must_write)) in cases.iter().enumerate() {
        check(message_type, bytes, *must_write).unwrap_or_else(|e| panic!("case {i}: {e}"));
    }
}

// ---------------------------------------------------------------------------------------------
// Rewriting bytes as another encoder may write them

/// One field of a message's bytes.
struct Field {
    number: u32,
    wire_type: u8,
    /// The value's bytes: a varint, fixed bytes, or a delimited field's contents.
    value: Vec<u8>,
}

fn read_varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut value = 0;
    for shift in (0..70).step_by(7) {
        let byte = bytes[*at];
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            break;
        }
    }
    value
}

fn write_varint(value: u64, out: &mut Vec<u8>) {
    prost::encoding::encode_varint(value, out);
}

/// The fields of valid bytes.
fn fields(bytes: &[u8]) -> Vec<Field> {
    let mut at = 0;
    let mut fields = Vec::new();
    while at < bytes.len() {
        let key = read_varint(bytes, &mut at);
        let (number, wire_type) = ((key >> 3) as u32, (key & 7) as u8);
        let start = at;
        let value = match wire_type {
            0 => {
                read_varint(bytes, &mut at);
                bytes[start..at].to_vec()
            }
            1 => {
                at += 8;
                bytes[start..at].to_vec()
            }
            5 => {
                at += 4;
                bytes[start..at].to_vec()
            }
            2 => {
                let len = read_varint(bytes, &mut at) as usize;
                at += len;
                bytes[at - len..at].to_vec()
            }
            _ => unreachable!("valid bytes without groups"),
        };
        fields.push(Field {
            number,
            wire_type,
            value,
        });
    }
    fields
}

fn encode(fields: &[Field]) -> Vec<u8> {
    let mut out = Vec::new();
    for field in fields {
        write_varint(
            u64::from(field.number) << 3 | u64::from(field.wire_type),
            &mut out,
        );
        if field.wire_type == 2 {
            write_varint(field.value.len() as u64, &mut out);
        }
        out.extend_from_slice(&field.value);
    }
    out
}

/// The width of one packed element of `kind` (0: a varint), or `None` if it does not pack.
fn packed_width(kind: &Kind) -> Option<usize> {
    match kind {
        Kind::Double | Kind::Fixed64 | Kind::Sfixed64 => Some(8),
        Kind::Float | Kind::Fixed32 | Kind::Sfixed32 => Some(4),
        Kind::String | Kind::Bytes | Kind::Message(_) => None,
        _ => Some(0),
    }
}

/// The elements of a packed run.
fn unpack(value: &[u8], width: usize) -> Vec<Vec<u8>> {
    let mut at = 0;
    let mut elements = Vec::new();
    while at < value.len() {
        let start = at;
        if width == 0 {
            read_varint(value, &mut at);
        } else {
            at += width;
        }
        elements.push(value[start..at].to_vec());
    }
    elements
}

/// Valid bytes of `desc`, rewritten into other bytes of the same message: what the full decode
/// reads from them is the same message.
fn rewrite(desc: &MessageDescriptor, bytes: &[u8], rng: &mut SplitMix64) -> Vec<u8> {
    let mut out: Vec<Field> = Vec::new();
    for mut field in fields(bytes) {
        let Some(field_desc) = desc.get_field(field.number) else {
            out.push(field);
            continue;
        };
        match field_desc.kind() {
            Kind::Message(entry) if field_desc.is_map() => {
                // Key and value in either order, the key repeated first with another value.
                let mut parts = fields(&field.value);
                if rng.chance(50) {
                    parts.reverse();
                }
                let value_kind = entry.map_entry_value_field().kind();
                for part in &mut parts {
                    if part.number == 2 {
                        if let Kind::Message(value_desc) = &value_kind {
                            part.value = rewrite(value_desc, &part.value, rng);
                        }
                    }
                }
                if rng.chance(30) {
                    if let Some(key) = parts.iter().find(|part| part.number == 1) {
                        let copy = Field {
                            number: 1,
                            wire_type: key.wire_type,
                            value: key.value.clone(),
                        };
                        parts.insert(0, copy);
                    }
                }
                field.value = encode(&parts);
                out.push(field);
            }
            Kind::Message(nested) => {
                let value = rewrite(&nested, &field.value, rng);
                let nested_fields = fields(&value);
                if !field_desc.is_list() && nested_fields.len() >= 2 && rng.chance(40) {
                    // Split in two occurrences, which merge back.
                    let cut = 1 + rng.below(nested_fields.len() - 1);
                    out.push(Field {
                        number: field.number,
                        wire_type: 2,
                        value: encode(&nested_fields[..cut]),
                    });
                    field.value = encode(&nested_fields[cut..]);
                } else {
                    field.value = value;
                }
                oneof_noise(&field_desc, &field, &mut out, rng);
                out.push(field);
            }
            kind if field_desc.is_list() && field.wire_type == 2 => match packed_width(&kind) {
                Some(width) => {
                    let elements = unpack(&field.value, width);
                    let element_wire_type = match width {
                        8 => 1,
                        4 => 5,
                        _ => 0,
                    };
                    match rng.below(3) {
                        0 => out.extend(elements.into_iter().map(|value| Field {
                            number: field.number,
                            wire_type: element_wire_type,
                            value,
                        })),
                        1 if elements.len() >= 2 => {
                            let cut = rng.below(elements.len() + 1);
                            out.push(Field {
                                number: field.number,
                                wire_type: 2,
                                value: elements[..cut].concat(),
                            });
                            out.push(Field {
                                number: field.number,
                                wire_type: 2,
                                value: elements[cut..].concat(),
                            });
                        }
                        _ => out.push(field),
                    }
                }
                None => out.push(field),
            },
            kind => {
                if !field_desc.is_list() && rng.chance(25) {
                    // An earlier value, which the last one replaces.
                    let earlier = match kind {
                        Kind::String | Kind::Bytes => b"earlier".to_vec(),
                        _ => field.value.clone(),
                    };
                    out.push(Field {
                        number: field.number,
                        wire_type: field.wire_type,
                        value: earlier,
                    });
                }
                oneof_noise(&field_desc, &field, &mut out, rng);
                out.push(field);
            }
        }
    }
    if rng.chance(30) {
        // Unknown fields, of every wire type.
        let number = (1..).find(|n| desc.get_field(*n).is_none()).unwrap_or(1);
        let unknown = match rng.below(4) {
            0 => (0, vec![0x96, 0x01]),
            1 => (1, vec![1; 8]),
            2 => (2, b"unknown".to_vec()),
            _ => (5, vec![2; 4]),
        };
        let at = rng.below(out.len() + 1);
        out.insert(
            at,
            Field {
                number,
                wire_type: unknown.0,
                value: unknown.1,
            },
        );
    }
    if out.len() >= 2 && rng.chance(60) {
        // Another order. Occurrences of one field keep their order (they merge or replace in
        // order); the fields are interleaved.
        let mut shuffled: Vec<Field> = Vec::new();
        let mut rest = out;
        while !rest.is_empty() {
            let pick = rng.below(rest.len());
            let number = rest[pick].number;
            let first = rest.iter().position(|f| f.number == number).unwrap();
            shuffled.push(rest.remove(first));
        }
        out = shuffled;
    }
    encode(&out)
}

/// Sometimes, before a oneof member: the same member, then another member, which clears it
/// (and which the member clears in turn).
fn oneof_noise(
    field_desc: &prost_reflect::FieldDescriptor,
    field: &Field,
    out: &mut Vec<Field>,
    rng: &mut SplitMix64,
) {
    let Some(oneof) = field_desc.containing_oneof() else {
        return;
    };
    if oneof.is_synthetic() || !rng.chance(30) {
        return;
    }
    let others: Vec<_> = oneof
        .fields()
        .filter(|other| other.number() != field.number)
        .collect();
    if others.is_empty() {
        return;
    }
    let other = &others[rng.below(others.len())];
    let (wire_type, value) = match other.kind() {
        Kind::Double | Kind::Fixed64 | Kind::Sfixed64 => (1, vec![0; 8]),
        Kind::Float | Kind::Fixed32 | Kind::Sfixed32 => (5, vec![0; 4]),
        Kind::String | Kind::Bytes => (2, b"x".to_vec()),
        Kind::Message(_) => (2, Vec::new()),
        _ => (0, vec![0x01]),
    };
    out.push(Field {
        number: field.number,
        wire_type: field.wire_type,
        value: field.value.clone(),
    });
    out.push(Field {
        number: other.number(),
        wire_type,
        value,
    });
}

/// Bytes broken in one place.
fn corrupt(bytes: &[u8], rng: &mut SplitMix64) -> Vec<u8> {
    let mut broken = bytes.to_vec();
    if broken.is_empty() {
        return vec![rng.next_u64() as u8];
    }
    let at = rng.below(broken.len());
    match rng.below(4) {
        0 => broken[at] = rng.next_u64() as u8,
        1 => broken.insert(at, rng.next_u64() as u8),
        2 => {
            broken.remove(at);
        }
        _ => broken.truncate(at),
    }
    broken
}

fn samples() -> impl Strategy<Value = (&'static str, Sample, Sample, u64)> {
    let per_type: Vec<_> = TABLE
        .iter()
        .map(|&name| {
            (
                Just(name),
                random_messages(name),
                random_messages(name),
                any::<u64>(),
            )
        })
        .collect();
    Union::new(per_type)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 3000,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/wire_writer.txt",
        ))),
        max_shrink_iters: 4096,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_writer_writes_what_the_full_decode_writes(
        (name, first, second, seed) in samples()
    ) {
        let message_type = MessageType::named(name).unwrap();
        let desc = descriptor(name);
        let mut rng = SplitMix64(seed);
        let bytes = first.0.encode_to_vec();
        check(&message_type, &bytes, true).map_err(TestCaseError::fail)?;

        let rewritten = rewrite(&desc, &bytes, &mut rng);
        check(&message_type, &rewritten, true).map_err(TestCaseError::fail)?;

        // Two messages one after the other merge.
        let mut merged = rewritten.clone();
        merged.extend_from_slice(&rewrite(&desc, &second.0.encode_to_vec(), &mut rng));
        check(&message_type, &merged, true).map_err(TestCaseError::fail)?;

        for _ in 0..4 {
            let broken = corrupt(&merged, &mut rng);
            check(&message_type, &broken, false).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn any_bytes_are_written_as_the_full_decode_writes_them(
        name in select(TABLE),
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let message_type = MessageType::named(name).unwrap();
        check(&message_type, &bytes, false).map_err(TestCaseError::fail)?;
    }
}
