//! The canonical proto3 JSON mapping of every Turms message, in both directions.
//!
//! Output is what Google's `json_format.MessageToDict(msg, preserving_proto_field_name=True)`
//! produces, compared as values: proto field names (`request_id`, not `requestId`), 64-bit
//! integers as strings, `bytes` as standard base64 with padding, enums by name (numbers the
//! schema does not know stay numbers), `NaN`/`Infinity`/`-Infinity` as strings, fields without
//! presence omitted when they hold their default, unknown fields dropped. `float` fields keep
//! the shortest decimal form that round-trips through `f32` (`0.1`, not `0.10000000149011612`).
//!
//! Two spellings differ from Google's without differing in value: a plain (implicit presence)
//! `float` of `-0.0` is omitted, because prost (like prost-reflect) treats it as the default and
//! never encodes it, and a subnormal `float` is written with the fewest digits that round-trip
//! (`1e-45`) where Google writes at least six (`1.4013e-45`).
//!
//! The mapping is driven by reflection ([`prost_reflect`]) over the descriptor set that the build
//! compiled from `proto/`, so it always matches the generated types. Messages are read by
//! prost-reflect; the JSON is written by this module, which visits only the fields a message
//! holds (prost-reflect's own serializer, which writes the same JSON, visits every field the
//! type declares: over 150 for `TurmsRequest`).
//!
//! Depth is bounded everywhere: protobuf input is decoded with prost's limit of
//! [`RECURSION_LIMIT`] nested messages, and JSON input deeper than [`MAX_JSON_DEPTH`] is refused
//! before it is parsed, so hostile input yields an error instead of exhausting the stack.
//!
//! ```
//! use prost::Message;
//! use turms_wire::proto::TurmsNotification;
//!
//! let frame = TurmsNotification { request_id: Some(42), code: Some(1000), ..Default::default() }
//!     .encode_to_vec();
//! let json = turms_wire::json::notification_to_json(&frame)?;
//! assert_eq!(json, serde_json::json!({ "request_id": "42", "code": 1000 }));
//!
//! let request = turms_wire::json::json_to_request(&serde_json::json!({
//!     "request_id": "7",
//!     "delete_session_request": {}
//! }))?;
//! assert_eq!(request.request_id, Some(7));
//! # Ok::<(), turms_wire::json::JsonError>(())
//! ```

mod ser;

use std::sync::OnceLock;

use prost::Message;
use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, Kind, MessageDescriptor, ReflectMessage,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::proto::{TurmsNotification, TurmsRequest, FILE_DESCRIPTOR_SET};

/// Full protobuf name of the message a gateway sends.
pub const NOTIFICATION_TYPE: &str = "im.turms.proto.TurmsNotification";

/// Full protobuf name of the message a client sends.
pub const REQUEST_TYPE: &str = "im.turms.proto.TurmsRequest";

/// How many messages may nest below the root: prost's limit, the same as Google's Java and upb
/// decoders. Deeper input is an error in both directions.
pub const RECURSION_LIMIT: usize = 100;

/// The deepest JSON (objects and arrays) accepted as input.
///
/// A message nested `n` levels below the root sits at most `2n + 1` levels deep in JSON (each
/// level is an object, plus an array or map object when the field is repeated or a map), and
/// its own fields may open one more array or object. Anything deeper than that for
/// `n = RECURSION_LIMIT` cannot become a message prost would decode, so it is refused before
/// parsing, which also keeps the recursive parser off hostile depths.
pub const MAX_JSON_DEPTH: usize = 2 * RECURSION_LIMIT + 2;

/// Why a message could not be converted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// The name is not a message of the Turms schema.
    #[error("no message type named `{0}` in the schema")]
    UnknownMessageType(String),
    /// The bytes are not a valid protobuf encoding of the message type (including nesting
    /// deeper than [`RECURSION_LIMIT`]).
    #[error("not a valid `{message_type}` in protobuf encoding: {source}")]
    Decode {
        /// Full name of the expected message type.
        message_type: String,
        /// What prost found wrong.
        #[source]
        source: prost::DecodeError,
    },
    /// The message could not be written as JSON.
    #[error("`{message_type}` could not be written as JSON: {source}")]
    Serialize {
        /// Full name of the message type.
        message_type: String,
        /// What the JSON writer reported.
        #[source]
        source: serde_json::Error,
    },
    /// The JSON is not a valid proto3 JSON encoding of the message type.
    #[error("JSON is not a valid `{message_type}`: {source}")]
    Deserialize {
        /// Full name of the expected message type.
        message_type: String,
        /// What the JSON reader reported (unknown field, wrong type, bad syntax, …).
        #[source]
        source: serde_json::Error,
    },
    /// The JSON nests deeper than [`MAX_JSON_DEPTH`].
    #[error("JSON nests deeper than {limit} levels")]
    TooDeep {
        /// The limit that was exceeded.
        limit: usize,
    },
}

/// The Turms schema (both packages), decoded once from the descriptor set the build produced.
pub fn descriptor_pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        // The bytes were written by build.rs from the same protox compile that generated the
        // Rust types; a failure here is a build defect, not an input error.
        DescriptorPool::decode(FILE_DESCRIPTOR_SET)
            .expect("the descriptor set compiled by build.rs is valid")
    })
}

/// The descriptor of a message type of the schema, by full name (`im.turms.proto.UserInfo`).
pub fn message_descriptor(full_name: &str) -> Result<MessageDescriptor, JsonError> {
    descriptor_pool()
        .get_message_by_name(full_name)
        .ok_or_else(|| JsonError::UnknownMessageType(full_name.to_owned()))
}

/// Decodes `body` as the message type `full_name` and maps it to proto3 JSON.
pub fn message_to_json(full_name: &str, body: &[u8]) -> Result<Value, JsonError> {
    dynamic_to_json(&decode_dynamic(full_name, body)?)
}

/// Decodes `body` as the message type `full_name` and writes its proto3 JSON text once, to be
/// embedded as is in a larger document (no `Value` built, no reparse). Keys are in field order.
pub fn message_to_raw_json(full_name: &str, body: &[u8]) -> Result<Box<RawValue>, JsonError> {
    dynamic_to_raw_json(&decode_dynamic(full_name, body)?)
}

/// Decodes `body` as the message type `full_name`, within prost's recursion limit.
fn decode_dynamic(full_name: &str, body: &[u8]) -> Result<DynamicMessage, JsonError> {
    let descriptor = message_descriptor(full_name)?;
    DynamicMessage::decode(descriptor, body).map_err(|source| JsonError::Decode {
        message_type: full_name.to_owned(),
        source,
    })
}

/// The proto3 JSON text of a reflected message, with the proto field names.
fn dynamic_to_raw_json(message: &DynamicMessage) -> Result<Box<RawValue>, JsonError> {
    // serde_json's text writer prints an `f32` in its own shortest form, whereas serializing
    // straight into a `Value` would widen it to `f64` digits.
    serde_json::value::to_raw_value(&ser::ProtoJson(message)).map_err(|source| {
        JsonError::Serialize {
            message_type: message.descriptor().full_name().to_owned(),
            source,
        }
    })
}

/// [`message_to_raw_json`] for a `TurmsNotification` body (no length prefix).
pub fn notification_to_raw_json(body: &[u8]) -> Result<Box<RawValue>, JsonError> {
    message_to_raw_json(NOTIFICATION_TYPE, body)
}

/// [`message_to_raw_json`] for a `TurmsRequest` body (no length prefix).
pub fn request_to_raw_json(body: &[u8]) -> Result<Box<RawValue>, JsonError> {
    message_to_raw_json(REQUEST_TYPE, body)
}

/// Decodes a `TurmsNotification` body (no length prefix) and maps it to proto3 JSON.
pub fn notification_to_json(body: &[u8]) -> Result<Value, JsonError> {
    message_to_json(NOTIFICATION_TYPE, body)
}

/// Decodes a `TurmsRequest` body (no length prefix) and maps it to proto3 JSON.
pub fn request_to_json(body: &[u8]) -> Result<Value, JsonError> {
    message_to_json(REQUEST_TYPE, body)
}

/// Maps a typed message to proto3 JSON; `full_name` names its protobuf type.
pub fn to_json<M: Message>(full_name: &str, message: &M) -> Result<Value, JsonError> {
    message_to_json(full_name, &message.encode_to_vec())
}

/// Maps a reflected message to proto3 JSON.
pub fn dynamic_to_json(message: &DynamicMessage) -> Result<Value, JsonError> {
    let text = dynamic_to_raw_json(message)?;
    // The text came from a message decoded within the recursion limit, so its depth is bounded.
    let mut reader = serde_json::Deserializer::from_str(text.get());
    reader.disable_recursion_limit();
    Value::deserialize(&mut reader).map_err(|source| JsonError::Serialize {
        message_type: message.descriptor().full_name().to_owned(),
        source,
    })
}

/// Reads proto3 JSON (proto or lowerCamelCase field names) as the message type `full_name`.
///
/// Unknown field names and unknown enum names are errors, as in Google's parser. The result is
/// guaranteed to encode to bytes that prost decodes (nesting within [`RECURSION_LIMIT`]).
///
/// A `float` written as a number just beyond `f32::MAX` in magnitude that still rounds to
/// `±f32::MAX` (Google writes `f32::MAX` as `3.4028235e+38`) is read as `±f32::MAX`, as Google's
/// parsers do; prost-reflect alone would call it out of range.
pub fn json_to_message(full_name: &str, json: &Value) -> Result<DynamicMessage, JsonError> {
    check_value_depth(json)?;
    let descriptor = message_descriptor(full_name)?;
    let mut rounded = Vec::new();
    find_rounded_float_extremes(&descriptor, json, &mut String::new(), &mut rounded);
    let fixed;
    let json = if rounded.is_empty() {
        json
    } else {
        let mut copy = json.clone();
        for (pointer, extreme) in rounded {
            if let Some(number) = copy.pointer_mut(&pointer) {
                *number = Value::from(extreme);
            }
        }
        fixed = copy;
        &fixed
    };
    let message =
        DynamicMessage::deserialize_with_options(descriptor.clone(), json, &deserialize_options())
            .map_err(|source| JsonError::Deserialize {
                message_type: full_name.to_owned(),
                source,
            })?;
    revalidate(descriptor, &message)
}

/// Reads proto3 JSON text as the message type `full_name`, like [`json_to_message`].
pub fn json_str_to_message(full_name: &str, text: &str) -> Result<DynamicMessage, JsonError> {
    check_text_depth(text.as_bytes())?;
    let mut reader = serde_json::Deserializer::from_str(text);
    // Depth was bounded above; serde_json's own limit (128) is below what valid messages need.
    reader.disable_recursion_limit();
    let json = Value::deserialize(&mut reader)
        .and_then(|json| reader.end().map(|()| json))
        .map_err(|source| JsonError::Deserialize {
            message_type: full_name.to_owned(),
            source,
        })?;
    json_to_message(full_name, &json)
}

/// Reads proto3 JSON as a typed message; `full_name` names its protobuf type.
pub fn from_json<M: Message + Default>(full_name: &str, json: &Value) -> Result<M, JsonError> {
    let message = json_to_message(full_name, json)?;
    M::decode(message.encode_to_vec().as_slice()).map_err(|source| JsonError::Decode {
        message_type: full_name.to_owned(),
        source,
    })
}

/// Reads a `TurmsRequest` from proto3 JSON.
pub fn json_to_request(json: &Value) -> Result<TurmsRequest, JsonError> {
    from_json(REQUEST_TYPE, json)
}

/// Reads a `TurmsNotification` from proto3 JSON.
pub fn json_to_notification(json: &Value) -> Result<TurmsNotification, JsonError> {
    from_json(NOTIFICATION_TYPE, json)
}

fn deserialize_options() -> DeserializeOptions {
    DeserializeOptions::new().deny_unknown_fields(true)
}

/// Encodes and decodes again, so that nesting beyond the recursion limit is refused here rather
/// than by whoever receives the bytes.
fn revalidate(
    descriptor: MessageDescriptor,
    message: &DynamicMessage,
) -> Result<DynamicMessage, JsonError> {
    DynamicMessage::decode(descriptor.clone(), message.encode_to_vec().as_slice()).map_err(
        |source| JsonError::Decode {
            message_type: descriptor.full_name().to_owned(),
            source,
        },
    )
}

/// Collects (JSON pointer, `±f32::MAX`) for every `float` field written as a number beyond
/// `f32::MAX` in magnitude that rounds to it rather than to infinity. Recursion follows the
/// message structure and the depth was checked before.
fn find_rounded_float_extremes(
    descriptor: &MessageDescriptor,
    json: &Value,
    pointer: &mut String,
    found: &mut Vec<(String, f64)>,
) {
    let Value::Object(fields) = json else {
        return;
    };
    for (key, value) in fields {
        let Some(field) = descriptor
            .get_field_by_json_name(key)
            .or_else(|| descriptor.get_field_by_name(key))
        else {
            continue;
        };
        let kind = match field.kind() {
            Kind::Message(entry) if field.is_map() => entry.map_entry_value_field().kind(),
            kind => kind,
        };
        let len = pointer.len();
        push_pointer_token(pointer, key);
        let elements: Box<dyn Iterator<Item = (String, &Value)>> = match value {
            Value::Array(items) if field.is_list() => Box::new(
                items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| (index.to_string(), item)),
            ),
            Value::Object(entries) if field.is_map() => {
                Box::new(entries.iter().map(|(key, item)| (key.clone(), item)))
            }
            _ if field.is_list() || field.is_map() => Box::new(std::iter::empty()),
            single => Box::new(std::iter::once((String::new(), single))),
        };
        for (token, element) in elements {
            let element_len = pointer.len();
            if field.is_list() || field.is_map() {
                push_pointer_token(pointer, &token);
            }
            match &kind {
                Kind::Message(nested) => {
                    find_rounded_float_extremes(nested, element, pointer, found);
                }
                Kind::Float => {
                    if let Some(number) = element.as_f64() {
                        let magnitude = number.abs();
                        if magnitude > f64::from(f32::MAX) && (number as f32).is_finite() {
                            found.push((pointer.clone(), f64::from(f32::MAX).copysign(number)));
                        }
                    }
                }
                _ => {}
            }
            pointer.truncate(element_len);
        }
        pointer.truncate(len);
    }
}

/// Appends `/token` to a JSON pointer (RFC 6901 escaping).
fn push_pointer_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    pointer.push_str(&token.replace('~', "~0").replace('/', "~1"));
}

/// Measures the nesting of a `Value` without recursion.
fn check_value_depth(json: &Value) -> Result<(), JsonError> {
    let mut stack: Vec<(&Value, usize)> = vec![(json, 1)];
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(fields) => Box::new(fields.values()),
            _ => continue,
        };
        if depth > MAX_JSON_DEPTH {
            return Err(JsonError::TooDeep {
                limit: MAX_JSON_DEPTH,
            });
        }
        stack.extend(children.map(|child| (child, depth + 1)));
    }
    Ok(())
}

/// Measures the nesting of JSON text by its brackets outside strings. It never undercounts what
/// the parser would recurse into: wherever the parser opens an object or array, so does this.
fn check_text_depth(text: &[u8]) -> Result<(), JsonError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in text {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(JsonError::TooDeep {
                        limit: MAX_JSON_DEPTH,
                    });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `custom_attributes` holding a chain of `values` nested `Value`s; the last one is `last`.
    fn value_chain(values: usize, last: &str) -> String {
        let mut text = String::from("[");
        for _ in 1..values {
            text.push_str("{\"list_value\":[");
        }
        text.push_str(last);
        for _ in 1..values {
            text.push_str("]}");
        }
        text.push(']');
        text
    }

    #[test]
    fn text_depth_ignores_brackets_in_strings() {
        let deep = "[".repeat(MAX_JSON_DEPTH + 1);
        let quoted = format!("{{\"reason\":\"{deep}\\\"{deep}\"}}");
        assert!(check_text_depth(quoted.as_bytes()).is_ok());
        assert!(matches!(
            check_text_depth(deep.as_bytes()),
            Err(JsonError::TooDeep { .. })
        ));
    }

    #[test]
    fn value_depth_counts_objects_and_arrays() {
        let mut value = Value::Null;
        for _ in 0..MAX_JSON_DEPTH {
            value = Value::Array(vec![value]);
        }
        assert!(check_value_depth(&value).is_ok());
        let value = Value::Array(vec![value]);
        assert!(matches!(
            check_value_depth(&value),
            Err(JsonError::TooDeep { .. })
        ));
    }

    #[test]
    fn the_deepest_valid_message_is_within_the_json_limit() {
        // 100 Values below the root: prost's limit exactly, and the deepest JSON it allows.
        let chain = value_chain(RECURSION_LIMIT, "{\"list_value\":[]}");
        let text = format!("{{\"custom_attributes\":{chain}}}");
        let message = json_str_to_message(NOTIFICATION_TYPE, &text).expect("100 levels are valid");
        let json = dynamic_to_json(&message).expect("maps back to JSON");
        // The empty innermost list is a default and is omitted on the way out.
        let expected = format!(
            "{{\"custom_attributes\":{}}}",
            value_chain(RECURSION_LIMIT, "{}")
        );
        let mut reader = serde_json::Deserializer::from_str(&expected);
        reader.disable_recursion_limit();
        assert_eq!(json, Value::deserialize(&mut reader).expect("valid JSON"));
        assert!(json_to_notification(&json).is_ok());

        // One more Value is deeper than the JSON limit.
        let chain = value_chain(RECURSION_LIMIT + 1, "{\"list_value\":[]}");
        let text = format!("{{\"custom_attributes\":{chain}}}");
        assert!(matches!(
            json_str_to_message(NOTIFICATION_TYPE, &text),
            Err(JsonError::TooDeep { .. })
        ));

        // Within the JSON limit but 101 messages deep (relayed_request adds one level): prost's
        // limit refuses it.
        let chain = value_chain(RECURSION_LIMIT, "{}");
        let text = format!("{{\"relayed_request\":{{\"custom_attributes\":{chain}}}}}");
        let json: Value = {
            let mut reader = serde_json::Deserializer::from_str(&text);
            reader.disable_recursion_limit();
            Value::deserialize(&mut reader).expect("valid JSON")
        };
        assert!(matches!(
            json_str_to_message(NOTIFICATION_TYPE, &text),
            Err(JsonError::Decode { .. })
        ));
        assert!(matches!(
            json_to_notification(&json),
            Err(JsonError::Decode { .. })
        ));
    }

    #[test]
    fn hostile_depth_is_an_error() {
        let text = format!("{{\"custom_attributes\":{}}}", value_chain(100_000, "{}"));
        assert!(matches!(
            json_str_to_message(NOTIFICATION_TYPE, &text),
            Err(JsonError::TooDeep { .. })
        ));
        let text = "[".repeat(1_000_000);
        assert!(matches!(
            json_str_to_message(REQUEST_TYPE, &text),
            Err(JsonError::TooDeep { .. })
        ));
    }

    #[test]
    fn output_follows_the_proto3_mapping() {
        use crate::proto::{turms_request, value, CreateMessageRequest, Value as ProtoValue};
        let request = TurmsRequest {
            request_id: Some(i64::MAX),
            custom_attributes: vec![
                ProtoValue {
                    kind: Some(value::Kind::FloatValue(0.1)),
                    list_value: vec![],
                },
                ProtoValue {
                    kind: Some(value::Kind::DoubleValue(f64::NAN)),
                    list_value: vec![],
                },
                ProtoValue {
                    kind: Some(value::Kind::FloatValue(f32::NEG_INFINITY)),
                    list_value: vec![],
                },
                ProtoValue {
                    kind: Some(value::Kind::BytesValue(vec![0xff, 0xfe].into())),
                    list_value: vec![],
                },
            ],
            kind: Some(turms_request::Kind::CreateMessageRequest(
                CreateMessageRequest {
                    recipient_id: Some(0),
                    records: vec![vec![1, 2, 3].into()],
                    ..Default::default()
                },
            )),
        };
        let json = to_json(REQUEST_TYPE, &request).expect("maps");
        assert_eq!(
            json,
            serde_json::json!({
                "request_id": "9223372036854775807",
                "custom_attributes": [
                    { "float_value": 0.1 },
                    { "double_value": "NaN" },
                    { "float_value": "-Infinity" },
                    { "bytes_value": "//4=" }
                ],
                "create_message_request": { "recipient_id": "0", "records": ["AQID"] }
            })
        );
        // The f32 keeps its own shortest digits in text too.
        assert!(json.to_string().contains("\"float_value\":0.1}"), "{json}");
    }

    #[test]
    fn enums_by_name_and_unknown_numbers_as_numbers() {
        use crate::proto::{turms_request, UpdateUserOnlineStatusRequest};
        let request = TurmsRequest {
            kind: Some(turms_request::Kind::UpdateUserOnlineStatusRequest(
                UpdateUserOnlineStatusRequest {
                    device_types: vec![2, 77],
                    user_status: 3,
                    ..Default::default()
                },
            )),
            ..Default::default()
        };
        let json = to_json(REQUEST_TYPE, &request).expect("maps");
        let expected = serde_json::json!({
            "update_user_online_status_request": { "device_types": ["IOS", 77], "user_status": "BUSY" }
        });
        assert_eq!(json, expected);
        assert_eq!(json_to_request(&expected).expect("reads back"), request);
    }

    #[test]
    fn input_accepts_camel_case_and_numbers_for_int64() {
        let request = json_to_request(&serde_json::json!({
            "requestId": 12,
            "createMessageRequest": { "recipientId": "9007199254740993", "text": "hi" }
        }))
        .expect("valid proto3 JSON");
        assert_eq!(request.request_id, Some(12));
        let Some(crate::proto::turms_request::Kind::CreateMessageRequest(create)) = request.kind
        else {
            panic!("kind: {:?}", request.kind);
        };
        assert_eq!(create.recipient_id, Some(9_007_199_254_740_993));
        assert_eq!(create.text.as_deref(), Some("hi"));
    }

    #[test]
    fn input_errors_are_typed() {
        let error = |json: Value| json_to_request(&json).expect_err("invalid");
        assert!(matches!(
            error(serde_json::json!({ "no_such_field": 1 })),
            JsonError::Deserialize { .. }
        ));
        assert!(matches!(
            error(serde_json::json!({ "request_id": "x" })),
            JsonError::Deserialize { .. }
        ));
        assert!(matches!(
            error(
                serde_json::json!({ "update_user_online_status_request": { "user_status": "NOPE" } })
            ),
            JsonError::Deserialize { .. }
        ));
        assert!(matches!(
            error(serde_json::json!([])),
            JsonError::Deserialize { .. }
        ));
        assert!(matches!(
            json_str_to_message(REQUEST_TYPE, "{\"request_id\": \"1\"} trailing"),
            Err(JsonError::Deserialize { .. })
        ));
        assert!(matches!(
            json_to_message("im.turms.proto.Nope", &serde_json::json!({})),
            Err(JsonError::UnknownMessageType(_))
        ));
        assert!(matches!(
            message_to_json(NOTIFICATION_TYPE, &[0x0f]),
            Err(JsonError::Decode { .. })
        ));
    }

    #[test]
    fn float_extremes_round_as_google_reads_them() {
        let read = |number: f64| {
            let json = serde_json::json!({ "custom_attributes": [{ "float_value": number }] });
            json_to_request(&json).map(|request| request.custom_attributes[0].kind.clone())
        };
        use crate::proto::value::Kind::FloatValue;
        // How Google writes f32::MAX, and the largest decimals that still round to it.
        assert_eq!(
            read(3.402_823_5e38).expect("rounds"),
            Some(FloatValue(f32::MAX))
        );
        assert_eq!(
            read(-3.402_823_5e38).expect("rounds"),
            Some(FloatValue(f32::MIN))
        );
        assert_eq!(
            read(f64::from(f32::MAX)).expect("exact"),
            Some(FloatValue(f32::MAX))
        );
        // Beyond the midpoint to 2^128 a float would be infinite: out of range.
        assert!(matches!(
            read(3.402_823_7e38),
            Err(JsonError::Deserialize { .. })
        ));
        assert!(matches!(read(-1e39), Err(JsonError::Deserialize { .. })));
        // Inside a map value and a list, too (pointer paths).
        let json = serde_json::json!({
            "update_conversation_settings_request": {
                "settings": { "a/b~c": { "list_value": [{ "float_value": 3.402_823_5e38 }] } }
            }
        });
        let request = json_to_request(&json).expect("rounds inside maps");
        let Some(crate::proto::turms_request::Kind::UpdateConversationSettingsRequest(update)) =
            request.kind
        else {
            panic!("kind");
        };
        assert_eq!(
            update.settings["a/b~c"].list_value[0].kind,
            Some(FloatValue(f32::MAX))
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = notification_to_json(&body);
            let _ = request_to_json(&body);
        }

        #[test]
        fn arbitrary_json_text_never_panics(text in "[\\[\\]{}\",:a-z_0-9.eE+-]{0,200}") {
            let _ = json_str_to_message(NOTIFICATION_TYPE, &text);
            let _ = json_str_to_message(REQUEST_TYPE, &text);
        }

        #[test]
        fn decoded_bytes_survive_json(body in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            // Whatever decodes maps to JSON and reads back to the same encoding.
            if let Ok(json) = request_to_json(&body) {
                let request = json_to_request(&json).expect("JSON of a decoded request reads back");
                let again = request_to_json(&request.encode_to_vec()).expect("re-encoding maps");
                proptest::prop_assert_eq!(json, again);
            }
        }
    }
}
