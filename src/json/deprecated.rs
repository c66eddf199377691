//! The functions of the first release, kept for one more as wrappers of [`MessageType`] and the
//! typed helpers.

use prost::Message;
use prost_reflect::{DynamicMessage, MessageDescriptor};
use serde_json::value::RawValue;
use serde_json::Value;

use super::{typed, JsonError, MessageType, NOTIFICATION, REQUEST};
use crate::proto::{TurmsNotification, TurmsRequest};

/// Full protobuf name of the message a gateway sends.
#[deprecated(
    since = "0.2.0",
    note = "use `json::NOTIFICATION` (`.full_name()` for the name)"
)]
pub const NOTIFICATION_TYPE: &str = "im.turms.proto.TurmsNotification";

/// Full protobuf name of the message a client sends.
#[deprecated(
    since = "0.2.0",
    note = "use `json::REQUEST` (`.full_name()` for the name)"
)]
pub const REQUEST_TYPE: &str = "im.turms.proto.TurmsRequest";

/// The descriptor of a message type of the schema, by full name (`im.turms.proto.UserInfo`).
#[deprecated(
    since = "0.2.0",
    note = "use `MessageType::named(full_name)?.descriptor()`"
)]
pub fn message_descriptor(full_name: &str) -> Result<MessageDescriptor, JsonError> {
    MessageType::named(full_name).map(|message_type| message_type.descriptor().clone())
}

/// Decodes `body` as the message type `full_name` and maps it to proto3 JSON.
#[deprecated(
    since = "0.2.0",
    note = "use `MessageType::named(full_name)?.bytes_to_value(body)`"
)]
pub fn message_to_json(full_name: &str, body: &[u8]) -> Result<Value, JsonError> {
    MessageType::named(full_name)?.bytes_to_value(body)
}

/// Decodes `body` as the message type `full_name` and writes its proto3 JSON text once.
#[deprecated(
    since = "0.2.0",
    note = "use `MessageType::named(full_name)?.bytes_to_raw_json(body)`"
)]
pub fn message_to_raw_json(full_name: &str, body: &[u8]) -> Result<Box<RawValue>, JsonError> {
    MessageType::named(full_name)?.bytes_to_raw_json(body)
}

/// The proto3 JSON text of a `TurmsNotification` body.
#[deprecated(
    since = "0.2.0",
    note = "use `json::NOTIFICATION.bytes_to_raw_json(body)`"
)]
pub fn notification_to_raw_json(body: &[u8]) -> Result<Box<RawValue>, JsonError> {
    NOTIFICATION.bytes_to_raw_json(body)
}

/// The proto3 JSON text of a `TurmsRequest` body.
#[deprecated(since = "0.2.0", note = "use `json::REQUEST.bytes_to_raw_json(body)`")]
pub fn request_to_raw_json(body: &[u8]) -> Result<Box<RawValue>, JsonError> {
    REQUEST.bytes_to_raw_json(body)
}

/// Decodes a `TurmsNotification` body and maps it to proto3 JSON.
#[deprecated(
    since = "0.2.0",
    note = "use `json::NOTIFICATION.bytes_to_value(body)`"
)]
pub fn notification_to_json(body: &[u8]) -> Result<Value, JsonError> {
    NOTIFICATION.bytes_to_value(body)
}

/// Decodes a `TurmsRequest` body and maps it to proto3 JSON.
#[deprecated(since = "0.2.0", note = "use `json::REQUEST.bytes_to_value(body)`")]
pub fn request_to_json(body: &[u8]) -> Result<Value, JsonError> {
    REQUEST.bytes_to_value(body)
}

/// Maps a typed message to proto3 JSON; `full_name` names its protobuf type.
#[deprecated(
    since = "0.2.0",
    note = "use `json::to_value(message)` (or `MessageType::bytes_to_value`)"
)]
pub fn to_json<M: Message>(full_name: &str, message: &M) -> Result<Value, JsonError> {
    MessageType::named(full_name)?.bytes_to_value(&message.encode_to_vec())
}

/// Maps a reflected message to proto3 JSON.
#[deprecated(since = "0.2.0", note = "use `json::dynamic_to_value(message)`")]
pub fn dynamic_to_json(message: &DynamicMessage) -> Result<Value, JsonError> {
    typed::dynamic_to_value(message)
}

/// Reads proto3 JSON as the message type `full_name`.
#[deprecated(
    since = "0.2.0",
    note = "use `MessageType::named(full_name)?.value_to_dynamic(json)`"
)]
pub fn json_to_message(full_name: &str, json: &Value) -> Result<DynamicMessage, JsonError> {
    MessageType::named(full_name)?.value_to_dynamic(json)
}

/// Reads proto3 JSON text as the message type `full_name`.
#[deprecated(
    since = "0.2.0",
    note = "use `MessageType::named(full_name)?.json_to_dynamic(text)`"
)]
pub fn json_str_to_message(full_name: &str, text: &str) -> Result<DynamicMessage, JsonError> {
    MessageType::named(full_name)?.json_to_dynamic(text)
}

/// Reads proto3 JSON as a typed message; `full_name` names its protobuf type.
#[deprecated(since = "0.2.0", note = "use `json::from_value::<M>(json)`")]
pub fn from_json<M: Message + Default>(full_name: &str, json: &Value) -> Result<M, JsonError> {
    let message_type = MessageType::named(full_name)?;
    typed::decode(&message_type, &message_type.value_to_bytes(json)?)
}

/// Reads a `TurmsRequest` from proto3 JSON.
#[deprecated(since = "0.2.0", note = "use `json::from_value::<TurmsRequest>(json)`")]
pub fn json_to_request(json: &Value) -> Result<TurmsRequest, JsonError> {
    typed::from_value(json)
}

/// Reads a `TurmsNotification` from proto3 JSON.
#[deprecated(
    since = "0.2.0",
    note = "use `json::from_value::<TurmsNotification>(json)`"
)]
pub fn json_to_notification(json: &Value) -> Result<TurmsNotification, JsonError> {
    typed::from_value(json)
}
