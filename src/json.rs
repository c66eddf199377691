//! The canonical proto3 JSON mapping of every Turms message, in both directions.
//!
//! # Which call
//!
//! A [`MessageType`] names a message type of the schema ([`NOTIFICATION`], [`REQUEST`],
//! [`MessageType::named`], [`MessageType::of`]) and converts between its three forms: JSON
//! text, a [`serde_json::Value`], and protobuf bytes. Typed prost messages have generic
//! helpers shaped like `serde_json`'s.
//!
//! | you have | you want | call |
//! |---|---|---|
//! | a prost message (`TurmsRequest`, `UserInfo`, …) | JSON text / a `Value` | [`to_string`] / [`to_value`] |
//! | JSON text / a `Value` | a prost message | [`from_str`] / [`from_value`] |
//! | a frame body or other protobuf bytes | JSON text / a `Value` | [`NOTIFICATION`]`.`[`bytes_to_json`](MessageType::bytes_to_json) / [`bytes_to_value`](MessageType::bytes_to_value) (or [`REQUEST`], or any [`MessageType`]) |
//! | protobuf bytes | JSON text to embed in a larger document | [`MessageType::bytes_to_raw_json`] |
//! | JSON text / a `Value` | protobuf bytes | [`MessageType::json_to_bytes`] / [`MessageType::value_to_bytes`] |
//! | JSON text / a `Value` | a reflected [`DynamicMessage`] | [`MessageType::json_to_dynamic`] / [`MessageType::value_to_dynamic`] |
//! | a [`DynamicMessage`] | JSON text / a `Value` | [`dynamic_to_string`] / [`dynamic_to_value`] |
//! | a type name known only at run time | its [`MessageType`] | [`MessageType::named`]`("im.turms.proto.UserInfo")` |
//!
//! Prefer text to a `Value` where either will do: a `Value` is built by reading back the text,
//! and it widens a `float` to `f64` digits when printed again (`0.10000000149011612`).
//!
//! # The mapping
//!
//! Output is what Google's `json_format.MessageToDict(msg, preserving_proto_field_name=True)`
//! produces, compared as values: proto field names (`request_id`, not `requestId`), 64-bit
//! integers as strings, `bytes` as standard base64 with padding, enums by name (numbers the
//! schema does not know stay numbers), `NaN`/`Infinity`/`-Infinity` as strings, fields without
//! presence omitted when they hold their default, unknown fields dropped. `float` fields keep
//! the shortest decimal form that round-trips through `f32` (`0.1`, not `0.10000000149011612`).
//! Keys are written in field-number order.
//!
//! **`-0.0`.** A plain (no presence) `float` or `double` holding `-0.0` is written, as `-0.0`,
//! as Google writes it: its bits are not zero, so it was on the wire and is present. prost's
//! encoder (the generated code) and prost-reflect's still treat it as the default: they compare
//! with `== 0.0` and leave it out of the bytes. So the mapping keeps it from bytes to JSON
//! ([`MessageType::bytes_to_json`]) and from JSON to a [`DynamicMessage`], but whatever is
//! encoded on the way loses it: [`to_string`] and [`to_value`] encode the prost message first,
//! [`MessageType::json_to_bytes`] and [`from_str`] encode the message they read.
//!
//! One spelling differs from Google's without differing in value: a subnormal `float` is
//! written with the fewest digits that round-trip (`1e-45`) where Google writes at least six
//! (`1.4013e-45`).
//!
//! Input accepts proto or lowerCamelCase field names, 64-bit integers as strings or numbers,
//! enums by name or number. Unknown field names and unknown enum names are errors, as in
//! Google's parser. A `float` written as a number just beyond `f32::MAX` in magnitude that still
//! rounds to `±f32::MAX` (Google writes `f32::MAX` as `3.4028235e+38`) is read as `±f32::MAX`,
//! as Google's parsers do; prost-reflect alone would call it out of range.
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
//! use turms_wire::json::{self, NOTIFICATION};
//! use turms_wire::proto::{TurmsNotification, TurmsRequest};
//!
//! let frame = TurmsNotification { request_id: Some(42), code: Some(1000), ..Default::default() }
//!     .encode_to_vec();
//! assert_eq!(NOTIFICATION.bytes_to_json(&frame)?, r#"{"request_id":"42","code":1000}"#);
//!
//! let request: TurmsRequest = json::from_str(r#"{"request_id":"7","delete_session_request":{}}"#)?;
//! assert_eq!(request.request_id, Some(7));
//! assert_eq!(json::to_value(&request)?, serde_json::json!({
//!     "request_id": "7",
//!     "delete_session_request": {}
//! }));
//! # Ok::<(), turms_wire::json::JsonError>(())
//! ```

mod deprecated;
mod error;
mod message_type;
mod read;
mod ser;
mod typed;
mod wire;

use std::sync::OnceLock;

use prost_reflect::DescriptorPool;
#[cfg(doc)]
use prost_reflect::DynamicMessage;

#[allow(deprecated)]
pub use deprecated::{
    dynamic_to_json, from_json, json_str_to_message, json_to_message, json_to_notification,
    json_to_request, message_descriptor, message_to_json, message_to_raw_json,
    notification_to_json, notification_to_raw_json, request_to_json, request_to_raw_json, to_json,
    NOTIFICATION_TYPE, REQUEST_TYPE,
};
pub use error::JsonError;
pub use message_type::{MessageType, NOTIFICATION, REQUEST};
pub use typed::{dynamic_to_string, dynamic_to_value, from_str, from_value, to_string, to_value};
pub(crate) use wire::write_str;

use crate::proto::FILE_DESCRIPTOR_SET;

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

#[cfg(test)]
mod tests;
