//! JSON of typed prost messages and of reflected ones.

use prost::{Message, Name};
use prost_reflect::DynamicMessage;
use serde_json::Value;

use super::{ser, JsonError, MessageType};

/// Writes a prost message of the schema as proto3 JSON text.
///
/// The message is encoded first, and prost's encoder leaves out a plain `float` or `double`
/// holding `-0.0` (see [the module docs](super)).
pub fn to_string<M: Message + Name>(message: &M) -> Result<String, JsonError> {
    MessageType::of::<M>()?.bytes_to_json(&message.encode_to_vec())
}

/// Maps a prost message of the schema to a proto3 JSON value, like [`to_string`].
pub fn to_value<M: Message + Name>(message: &M) -> Result<Value, JsonError> {
    MessageType::of::<M>()?.bytes_to_value(&message.encode_to_vec())
}

/// Reads proto3 JSON text as a prost message of the schema.
pub fn from_str<M: Message + Name + Default>(text: &str) -> Result<M, JsonError> {
    let message_type = MessageType::of::<M>()?;
    let bytes = message_type.json_to_bytes(text)?;
    decode(&message_type, &bytes)
}

/// Reads a proto3 JSON value as a prost message of the schema.
pub fn from_value<M: Message + Name + Default>(json: &Value) -> Result<M, JsonError> {
    let message_type = MessageType::of::<M>()?;
    let bytes = message_type.value_to_bytes(json)?;
    decode(&message_type, &bytes)
}

/// Writes a reflected message as proto3 JSON text.
pub fn dynamic_to_string(message: &DynamicMessage) -> Result<String, JsonError> {
    ser::to_string(message)
}

/// Maps a reflected message to a proto3 JSON value.
pub fn dynamic_to_value(message: &DynamicMessage) -> Result<Value, JsonError> {
    ser::to_value(message)
}

pub(super) fn decode<M: Message + Default>(
    message_type: &MessageType,
    bytes: &[u8],
) -> Result<M, JsonError> {
    M::decode(bytes).map_err(|source| JsonError::Decode {
        message_type: message_type.full_name().to_owned(),
        source,
    })
}
