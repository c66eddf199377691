//! The proto3 JSON writer for reflected messages.
//!
//! It writes what prost-reflect's serializer writes with our options (proto field names,
//! 64-bit integers as strings, enums by name, defaults skipped), but it visits only the fields
//! a message holds. prost-reflect's visits every field the message's type declares and looks
//! each up: `TurmsRequest` declares over 150 (its `kind` members), `TurmsNotification.Data`
//! over 60, so a small frame cost the display more in lookups than in writing.

use base64::display::Base64Display;
use base64::prelude::BASE64_STANDARD;
use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MapKey, ReflectMessage, SerializeOptions, Value,
};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::JsonError;

/// The proto3 JSON text of a message, to embed as is.
pub(super) fn to_raw_json(message: &DynamicMessage) -> Result<Box<RawValue>, JsonError> {
    serde_json::value::to_raw_value(&ProtoJson(message)).map_err(|e| serialize_error(message, e))
}

/// The proto3 JSON text of a message.
pub(super) fn to_string(message: &DynamicMessage) -> Result<String, JsonError> {
    serde_json::to_string(&ProtoJson(message)).map_err(|e| serialize_error(message, e))
}

/// The proto3 JSON of a message as a value, read back from its text: serde_json's text writer
/// prints an `f32` in its own shortest form, whereas serializing straight into a `Value` would
/// widen it to `f64` digits.
pub(super) fn to_value(message: &DynamicMessage) -> Result<serde_json::Value, JsonError> {
    let text = to_raw_json(message)?;
    // The text came from a message decoded within the recursion limit, so its depth is bounded.
    let mut reader = serde_json::Deserializer::from_str(text.get());
    reader.disable_recursion_limit();
    serde_json::Value::deserialize(&mut reader).map_err(|e| serialize_error(message, e))
}

fn serialize_error(message: &DynamicMessage, source: serde_json::Error) -> JsonError {
    JsonError::Serialize {
        message_type: message.descriptor().full_name().to_owned(),
        source,
    }
}

/// A message, serialized as proto3 JSON.
struct ProtoJson<'a>(&'a DynamicMessage);

impl Serialize for ProtoJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let message = self.0;
        let descriptor = message.descriptor();
        if descriptor.full_name().starts_with("google.protobuf.") {
            // Well-known types have mappings of their own (the Turms schema uses none, but a
            // caller's message may).
            let options = SerializeOptions::new().use_proto_field_name(true);
            return message.serialize_with_options(serializer, &options);
        }
        let mut map = serializer.serialize_map(None)?;
        // The fields that are set (as prost-reflect's `has_field` says), in number order.
        for (field, value) in message.fields() {
            write_field(&mut map, &field, value)?;
        }
        map.end()
    }
}

fn write_field<M: SerializeMap>(
    map: &mut M,
    field: &FieldDescriptor,
    value: &Value,
) -> Result<(), M::Error> {
    map.serialize_entry(
        field.name(),
        &Field {
            value,
            kind: &field.kind(),
        },
    )
}

/// A field's value (or one element of a repeated field) with its type.
struct Field<'a> {
    value: &'a Value,
    kind: &'a Kind,
}

impl Serialize for Field<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::Bool(value) => serializer.serialize_bool(*value),
            Value::I32(value) => serializer.serialize_i32(*value),
            Value::I64(value) => serializer.collect_str(value),
            Value::U32(value) => serializer.serialize_u32(*value),
            Value::U64(value) => serializer.collect_str(value),
            Value::F32(value) if value.is_finite() => serializer.serialize_f32(*value),
            Value::F64(value) if value.is_finite() => serializer.serialize_f64(*value),
            Value::F32(value) => serializer.serialize_str(non_finite(f64::from(*value))),
            Value::F64(value) => serializer.serialize_str(non_finite(*value)),
            Value::String(value) => serializer.serialize_str(value),
            Value::Bytes(value) => {
                serializer.collect_str(&Base64Display::new(value, &BASE64_STANDARD))
            }
            Value::EnumNumber(number) => match self.kind {
                Kind::Enum(enum_type) if enum_type.full_name() == "google.protobuf.NullValue" => {
                    serializer.serialize_none()
                }
                Kind::Enum(enum_type) => match enum_type.get_value(*number) {
                    Some(known) => serializer.serialize_str(known.name()),
                    // Numbers the schema does not know stay numbers.
                    None => serializer.serialize_i32(*number),
                },
                _ => serializer.serialize_i32(*number),
            },
            Value::Message(message) => ProtoJson(message).serialize(serializer),
            Value::List(values) => {
                let mut list = serializer.serialize_seq(Some(values.len()))?;
                for value in values {
                    list.serialize_element(&Field {
                        value,
                        kind: self.kind,
                    })?;
                }
                list.end()
            }
            Value::Map(entries) => {
                let value_kind = match self.kind {
                    Kind::Message(entry) if entry.is_map_entry() => {
                        entry.map_entry_value_field().kind()
                    }
                    _ => return Err(serde::ser::Error::custom("a map without a map entry type")),
                };
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(
                        &Key(key),
                        &Field {
                            value,
                            kind: &value_kind,
                        },
                    )?;
                }
                map.end()
            }
        }
    }
}

/// The JSON string of a non-finite float: `NaN`, `Infinity` or `-Infinity`.
fn non_finite(value: f64) -> &'static str {
    if value.is_nan() {
        "NaN"
    } else if value > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

/// A map key: always a JSON string.
struct Key<'a>(&'a MapKey);

impl Serialize for Key<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            MapKey::Bool(value) => serializer.collect_str(value),
            MapKey::I32(value) => serializer.collect_str(value),
            MapKey::I64(value) => serializer.collect_str(value),
            MapKey::U32(value) => serializer.collect_str(value),
            MapKey::U64(value) => serializer.collect_str(value),
            MapKey::String(value) => serializer.serialize_str(value),
        }
    }
}
