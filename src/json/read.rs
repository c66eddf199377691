//! Reading protobuf bytes and proto3 JSON into a reflected message, within the depth limits.

use prost::Message;
use prost_reflect::{DeserializeOptions, DynamicMessage, Kind, MessageDescriptor};
use serde::Deserialize;
use serde_json::Value;

use super::{JsonError, MAX_JSON_DEPTH};

/// Decodes `bytes` as a message of type `descriptor`, within prost's recursion limit.
pub(super) fn bytes_to_dynamic(
    descriptor: &MessageDescriptor,
    bytes: &[u8],
) -> Result<DynamicMessage, JsonError> {
    DynamicMessage::decode(descriptor.clone(), bytes).map_err(|source| JsonError::Decode {
        message_type: descriptor.full_name().to_owned(),
        source,
    })
}

/// Reads proto3 JSON text as a message of type `descriptor`, like [`value_to_dynamic`].
pub(super) fn str_to_dynamic(
    descriptor: &MessageDescriptor,
    text: &str,
) -> Result<DynamicMessage, JsonError> {
    check_text_depth(text.as_bytes())?;
    let mut reader = serde_json::Deserializer::from_str(text);
    // Depth was bounded above; serde_json's own limit (128) is below what valid messages need.
    reader.disable_recursion_limit();
    let json = Value::deserialize(&mut reader)
        .and_then(|json| reader.end().map(|()| json))
        .map_err(|source| JsonError::Deserialize {
            message_type: descriptor.full_name().to_owned(),
            source,
        })?;
    value_to_dynamic(descriptor, &json)
}

/// Reads proto3 JSON as a message of type `descriptor`. The result is guaranteed to encode to
/// bytes that prost decodes (nesting within the recursion limit).
pub(super) fn value_to_dynamic(
    descriptor: &MessageDescriptor,
    json: &Value,
) -> Result<DynamicMessage, JsonError> {
    check_value_depth(json)?;
    let mut rounded = Vec::new();
    find_rounded_float_extremes(descriptor, json, &mut String::new(), &mut rounded);
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
    let options = DeserializeOptions::new().deny_unknown_fields(true);
    let message = DynamicMessage::deserialize_with_options(descriptor.clone(), json, &options)
        .map_err(|source| JsonError::Deserialize {
            message_type: descriptor.full_name().to_owned(),
            source,
        })?;
    // Nesting beyond the recursion limit is refused here rather than by whoever receives the
    // bytes. The message read is returned, not the one decoded again: the encoding drops a
    // plain `-0.0`, which the message read still holds.
    bytes_to_dynamic(descriptor, &message.encode_to_vec())?;
    Ok(message)
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
pub(super) fn check_value_depth(json: &Value) -> Result<(), JsonError> {
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
pub(super) fn check_text_depth(text: &[u8]) -> Result<(), JsonError> {
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
