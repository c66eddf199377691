//! The proto3 JSON writer for reflected messages.
//!
//! It writes what prost-reflect's serializer writes with our options (proto field names,
//! 64-bit integers as strings, enums by name, defaults skipped), but it visits only the fields
//! a message holds. prost-reflect's visits every field the message's type declares and looks
//! each up: `TurmsRequest` declares over 150 (its `kind` members), `TurmsNotification.Data`
//! over 60, so a small frame cost the display more in lookups than in writing.
//!
//! Unlike prost-reflect's, it writes a plain `float` or `double` holding `-0.0`, as Google's
//! printer does: prost-reflect counts it as the default, so `DynamicMessage::fields` hides it,
//! and the few fields that can hold one are looked up by type.

use std::borrow::Cow;
use std::sync::OnceLock;

use base64::display::Base64Display;
use base64::prelude::BASE64_STANDARD;
use prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, ReflectMessage,
    SerializeOptions, Value,
};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{descriptor_pool, JsonError};

/// The proto3 JSON text of a message, to embed as is.
pub(super) fn to_raw_json(message: &DynamicMessage) -> Result<Box<RawValue>, JsonError> {
    serde_json::value::to_raw_value(&ProtoJson(message)).map_err(|e| serialize_error(message, e))
}

/// Appends the proto3 JSON text of a message to `out` (left as it was on an error).
pub(super) fn write_to(message: &DynamicMessage, out: &mut Vec<u8>) -> Result<(), JsonError> {
    let start = out.len();
    serde_json::to_writer(&mut *out, &ProtoJson(message)).map_err(|e| {
        out.truncate(start);
        serialize_error(message, e)
    })
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
        let plain = plain_floats(&descriptor);
        let mut negative_zeros = plain
            .iter()
            .filter_map(|field| negative_zero(message, field).map(|zero| (field, zero)))
            .peekable();
        // The fields that are set (as prost-reflect's `has_field` says), in number order, and
        // the plain `-0.0`s it does not count among them in their places.
        for (field, value) in message.fields() {
            while let Some((zero_field, zero)) =
                negative_zeros.next_if(|(zero_field, _)| zero_field.number() < field.number())
            {
                write_field(&mut map, zero_field, &zero)?;
            }
            write_field(&mut map, &field, value)?;
        }
        for (zero_field, zero) in negative_zeros {
            write_field(&mut map, zero_field, &zero)?;
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

/// The value of a plain `float` or `double` field when it holds `-0.0`.
fn negative_zero(message: &DynamicMessage, field: &FieldDescriptor) -> Option<Value> {
    match *message.get_field(field) {
        Value::F32(value) if value == 0.0 && value.is_sign_negative() => Some(Value::F32(value)),
        Value::F64(value) if value == 0.0 && value.is_sign_negative() => Some(Value::F64(value)),
        _ => None,
    }
}

/// The singular `float` and `double` fields without presence of a message type, in number
/// order: the only fields whose value may be present although prost-reflect calls it the
/// default. A handful of the schema's types have any, so they are listed once and the list is
/// scanned (comparing descriptors is comparing two indexes); a type from another pool is looked
/// at on each call.
fn plain_floats(descriptor: &MessageDescriptor) -> Cow<'static, [FieldDescriptor]> {
    static SCHEMA: OnceLock<Vec<(MessageDescriptor, Vec<FieldDescriptor>)>> = OnceLock::new();
    if descriptor.parent_pool() != descriptor_pool() {
        return Cow::Owned(plain_float_fields(descriptor));
    }
    let schema = SCHEMA.get_or_init(|| {
        descriptor_pool()
            .all_messages()
            .map(|message| {
                let fields = plain_float_fields(&message);
                (message, fields)
            })
            .filter(|(_, fields)| !fields.is_empty())
            .collect()
    });
    match schema.iter().find(|(message, _)| message == descriptor) {
        Some((_, fields)) => Cow::Borrowed(fields),
        None => Cow::Borrowed(&[]),
    }
}

fn plain_float_fields(descriptor: &MessageDescriptor) -> Vec<FieldDescriptor> {
    let mut fields: Vec<FieldDescriptor> = descriptor
        .fields()
        .filter(|field| {
            matches!(field.kind(), Kind::Float | Kind::Double)
                && !field.supports_presence()
                && !field.is_list()
        })
        .collect();
    fields.sort_by_key(FieldDescriptor::number);
    fields
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
                // prost-reflect keeps a map in a `HashMap`, whose order changes from run to
                // run; in key order the same bytes print the same JSON every time (and in the
                // order the generated types, which keep `BTreeMap`s, encode them).
                let mut sorted: Vec<_> = entries.iter().collect();
                sorted.sort_unstable_by_key(|(key, _)| *key);
                let mut map = serializer.serialize_map(Some(sorted.len()))?;
                for (key, value) in sorted {
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
