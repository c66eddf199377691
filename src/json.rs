//! The canonical proto3 JSON mapping of every Turms message, in both directions.
//!
//! Output is what Google's `json_format.MessageToDict(msg, preserving_proto_field_name=True)`
//! produces, compared as values: proto field names (`request_id`, not `requestId`), 64-bit
//! integers as strings, `bytes` as standard base64 with padding, enums by name (numbers the
//! schema does not know stay numbers), `NaN`/`Infinity`/`-Infinity` as strings, fields without
//! presence omitted when they hold their default, unknown fields dropped. `float` fields keep
//! the shortest decimal form that round-trips through `f32` (`0.1`, not `0.10000000149011612`).
//!
//! The mapping is driven by reflection ([`prost_reflect`]) over the descriptor set that the build
//! compiled from `proto/`, so it always matches the generated types.
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

use std::sync::OnceLock;

use prost::Message;
use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, MessageDescriptor, ReflectMessage,
    SerializeOptions,
};
use serde::Deserialize;
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
    let descriptor = message_descriptor(full_name)?;
    let message = DynamicMessage::decode(descriptor, body).map_err(|source| JsonError::Decode {
        message_type: full_name.to_owned(),
        source,
    })?;
    dynamic_to_json(&message)
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
    let message_type = message.descriptor().full_name().to_owned();
    let options = SerializeOptions::new().use_proto_field_name(true);
    // Written as text first: serde_json's text writer prints an `f32` in its own shortest
    // form, whereas serializing straight into a `Value` widens it to `f64` digits.
    let mut text = Vec::new();
    message
        .serialize_with_options(&mut serde_json::Serializer::new(&mut text), &options)
        .map_err(|source| JsonError::Serialize {
            message_type: message_type.clone(),
            source,
        })?;
    // The text came from a message decoded within the recursion limit, so its depth is bounded.
    let mut reader = serde_json::Deserializer::from_slice(&text);
    reader.disable_recursion_limit();
    Value::deserialize(&mut reader).map_err(|source| JsonError::Serialize {
        message_type,
        source,
    })
}

/// Reads proto3 JSON (proto or lowerCamelCase field names) as the message type `full_name`.
///
/// Unknown field names and unknown enum names are errors, as in Google's parser. The result is
/// guaranteed to encode to bytes that prost decodes (nesting within [`RECURSION_LIMIT`]).
pub fn json_to_message(full_name: &str, json: &Value) -> Result<DynamicMessage, JsonError> {
    check_value_depth(json)?;
    let descriptor = message_descriptor(full_name)?;
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
    let descriptor = message_descriptor(full_name)?;
    let deserialize_error = |source| JsonError::Deserialize {
        message_type: full_name.to_owned(),
        source,
    };
    let mut reader = serde_json::Deserializer::from_str(text);
    // Depth was bounded above; serde_json's own limit (128) is below what valid messages need.
    reader.disable_recursion_limit();
    let message = DynamicMessage::deserialize_with_options(
        descriptor.clone(),
        &mut reader,
        &deserialize_options(),
    )
    .map_err(deserialize_error)?;
    reader.end().map_err(deserialize_error)?;
    revalidate(descriptor, &message)
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
}
