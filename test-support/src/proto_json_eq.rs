//! Compares two proto3 JSON renderings of one message type as values, guided by the schema.
//!
//! Two encoders may legitimately write the same message differently: a 64-bit integer as a
//! string or a number, a `float` with `f32` or `f64` digits, a plain `float` of `-0.0` present or
//! omitted (it is the default for some implementations and not for others). Everything else must
//! be equal: field sets, enum names (unknown numbers stay numbers), strings, base64, `NaN` and
//! `±Infinity` spelled as Google spells them. Each tolerated difference is recorded as a [`Rule`]
//! so tests can report which vectors needed one.

use std::collections::BTreeSet;

use prost_reflect::{FieldDescriptor, Kind, MessageDescriptor};
use serde_json::{Map, Value};

/// A difference between the two renderings that is not a difference in value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// A 64-bit integer written once as a string and once as a number (or with other digits).
    Int64AsInteger,
    /// A `float` whose two spellings differ as `f64` but are the same normal `f32`.
    FloatAsF32,
    /// A subnormal `float` spelled with different digits: Google prints at least 6 significant
    /// digits (`1.4013e-45`), a shortest-round-trip printer fewer (`1e-45`); same `f32`.
    SubnormalFloatDigits,
    /// A `double` whose spellings differ as text but are the same `f64`.
    DoubleAsF64,
    /// A 32-bit integer or enum number spelled differently (`1` vs `1.0`).
    IntegerSpelling,
    /// A map key spelled differently (`"01"` vs `"1"` for an integer key).
    MapKeySpelling,
    /// A plain (implicit presence) `float`/`double` of `-0.0` present on one side only.
    NegativeZeroDefault,
}

/// The outcome of a comparison: every difference found, and every rule that was needed.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Human-readable differences, each with its JSON path. Empty means equal.
    pub differences: Vec<String>,
    /// The rules that made two different spellings equal.
    pub rules: BTreeSet<Rule>,
}

impl Comparison {
    /// Whether the two renderings hold the same message.
    pub fn is_equal(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Compares `expected` and `actual` as JSON renderings of a message of type `descriptor`.
pub fn compare_message(
    descriptor: &MessageDescriptor,
    expected: &Value,
    actual: &Value,
) -> Comparison {
    let mut comparison = Comparison::default();
    message(descriptor, expected, actual, "$", &mut comparison);
    comparison
}

fn message(
    descriptor: &MessageDescriptor,
    expected: &Value,
    actual: &Value,
    path: &str,
    out: &mut Comparison,
) {
    let (Value::Object(expected), Value::Object(actual)) = (expected, actual) else {
        out.differences.push(format!(
            "{path}: expected a {} object, got {expected} vs {actual}",
            descriptor.full_name()
        ));
        return;
    };
    let keys: BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
    for key in keys {
        let field_path = format!("{path}.{key}");
        let Some(field) = descriptor
            .get_field_by_name(key)
            .or_else(|| descriptor.get_field_by_json_name(key))
        else {
            out.differences.push(format!(
                "{field_path}: no such field in {}",
                descriptor.full_name()
            ));
            continue;
        };
        match (expected.get(key), actual.get(key)) {
            (Some(e), Some(a)) => self::field(&field, e, a, &field_path, out),
            (Some(only), None) | (None, Some(only)) if may_be_omitted(&field, only) => {
                out.rules.insert(Rule::NegativeZeroDefault);
            }
            (Some(e), None) => out
                .differences
                .push(format!("{field_path}: expected {e}, missing")),
            (None, Some(a)) => out
                .differences
                .push(format!("{field_path}: not expected, found {a}")),
            (None, None) => {}
        }
    }
}

/// A plain `float`/`double` of `-0.0`: zero for implementations that compare with `==`.
fn may_be_omitted(field: &FieldDescriptor, value: &Value) -> bool {
    !field.supports_presence()
        && !field.is_list()
        && !field.is_map()
        && matches!(field.kind(), Kind::Float | Kind::Double)
        && value
            .as_f64()
            .is_some_and(|v| v == 0.0 && v.is_sign_negative())
}

fn field(
    field: &FieldDescriptor,
    expected: &Value,
    actual: &Value,
    path: &str,
    out: &mut Comparison,
) {
    if field.is_map() {
        let Kind::Message(entry) = field.kind() else {
            out.differences
                .push(format!("{path}: map without an entry type"));
            return;
        };
        let key_kind = entry.map_entry_key_field().kind();
        let value_kind = entry.map_entry_value_field().kind();
        let (Value::Object(expected), Value::Object(actual)) = (expected, actual) else {
            out.differences.push(format!(
                "{path}: expected map objects, got {expected} vs {actual}"
            ));
            return;
        };
        let expected = normalize_keys(expected, &key_kind, path, out);
        let actual = normalize_keys(actual, &key_kind, path, out);
        let keys: BTreeSet<&String> = expected.keys().chain(actual.keys()).collect();
        for key in keys {
            let entry_path = format!("{path}[{key:?}]");
            match (expected.get(key), actual.get(key)) {
                (Some(e), Some(a)) => scalar_or_message(&value_kind, e, a, &entry_path, out),
                (e, a) => out.differences.push(format!(
                    "{entry_path}: map entry {} vs {}",
                    describe(e.copied()),
                    describe(a.copied())
                )),
            }
        }
    } else if field.is_list() {
        let (Value::Array(expected), Value::Array(actual)) = (expected, actual) else {
            out.differences.push(format!(
                "{path}: expected arrays, got {expected} vs {actual}"
            ));
            return;
        };
        if expected.len() != actual.len() {
            out.differences.push(format!(
                "{path}: {} elements expected, {} found",
                expected.len(),
                actual.len()
            ));
            return;
        }
        let kind = field.kind();
        for (index, (e, a)) in expected.iter().zip(actual).enumerate() {
            scalar_or_message(&kind, e, a, &format!("{path}[{index}]"), out);
        }
    } else {
        scalar_or_message(&field.kind(), expected, actual, path, out);
    }
}

fn describe(value: Option<&Value>) -> String {
    value.map_or_else(|| "absent".to_owned(), Value::to_string)
}

/// Map keys in a canonical spelling: integer keys as their decimal value.
fn normalize_keys<'a>(
    map: &'a Map<String, Value>,
    key_kind: &Kind,
    path: &str,
    out: &mut Comparison,
) -> std::collections::BTreeMap<String, &'a Value> {
    map.iter()
        .map(|(key, value)| {
            let canonical = match key_kind {
                Kind::String | Kind::Bool => key.clone(),
                _ => match key.parse::<i128>() {
                    Ok(number) => number.to_string(),
                    Err(_) => {
                        out.differences
                            .push(format!("{path}: map key {key:?} is not an integer"));
                        key.clone()
                    }
                },
            };
            if canonical != *key {
                out.rules.insert(Rule::MapKeySpelling);
            }
            (canonical, value)
        })
        .collect()
}

fn scalar_or_message(
    kind: &Kind,
    expected: &Value,
    actual: &Value,
    path: &str,
    out: &mut Comparison,
) {
    let equal = match kind {
        Kind::Message(descriptor) => return message(descriptor, expected, actual, path, out),
        Kind::Enum(_)
        | Kind::Int32
        | Kind::Sint32
        | Kind::Sfixed32
        | Kind::Uint32
        | Kind::Fixed32 => {
            // Enums: a name for known numbers, the number itself otherwise; both sides must
            // agree on which.
            match (expected, actual) {
                (Value::String(e), Value::String(a)) => e == a,
                (Value::Number(_), Value::Number(_)) => {
                    let same = integer(expected).is_some() && integer(expected) == integer(actual);
                    if same && expected != actual {
                        out.rules.insert(Rule::IntegerSpelling);
                    }
                    same
                }
                _ => false,
            }
        }
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 | Kind::Uint64 | Kind::Fixed64 => {
            let same = integer(expected).is_some() && integer(expected) == integer(actual);
            if same && expected != actual {
                out.rules.insert(Rule::Int64AsInteger);
            }
            same
        }
        Kind::Float => {
            let as_f32 = |v: &Value| float(v).map(|f| f as f32);
            let same = match (as_f32(expected), as_f32(actual)) {
                (Some(e), Some(a)) => (e.is_nan() && a.is_nan()) || e.to_bits() == a.to_bits(),
                _ => false,
            };
            if same && expected != actual {
                let subnormal = as_f32(expected).is_some_and(f32::is_subnormal);
                out.rules.insert(if subnormal {
                    Rule::SubnormalFloatDigits
                } else {
                    Rule::FloatAsF32
                });
            }
            same
        }
        Kind::Double => {
            let same = match (float(expected), float(actual)) {
                (Some(e), Some(a)) => (e.is_nan() && a.is_nan()) || e.to_bits() == a.to_bits(),
                _ => false,
            };
            if same && expected != actual {
                out.rules.insert(Rule::DoubleAsF64);
            }
            same
        }
        Kind::Bool | Kind::String | Kind::Bytes => expected == actual,
    };
    if !equal {
        out.differences
            .push(format!("{path}: expected {expected}, found {actual}"));
    }
}

/// An integer written as a JSON number or a decimal string.
fn integer(value: &Value) -> Option<i128> {
    match value {
        Value::String(text) => text.parse().ok(),
        Value::Number(number) => number
            .as_i64()
            .map(i128::from)
            .or_else(|| number.as_u64().map(i128::from))
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 2f64.powi(63))
                    .map(|f| f as i128)
            }),
        _ => None,
    }
}

/// A floating-point value written as a JSON number or as Google's non-finite strings.
fn float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => match text.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// Whether the rendering holds a `NaN` in a floating-point field (prost's `PartialEq` follows
/// IEEE 754 there: such a message never equals itself).
pub fn holds_nan(descriptor: &MessageDescriptor, value: &Value) -> bool {
    let Value::Object(fields) = value else {
        return false;
    };
    fields.iter().any(|(key, value)| {
        let Some(field) = descriptor
            .get_field_by_name(key)
            .or_else(|| descriptor.get_field_by_json_name(key))
        else {
            return false;
        };
        let kind = if field.is_map() {
            match field.kind() {
                Kind::Message(entry) => entry.map_entry_value_field().kind(),
                other => other,
            }
        } else {
            field.kind()
        };
        let values: Vec<&Value> = match value {
            Value::Array(items) if field.is_list() => items.iter().collect(),
            Value::Object(entries) if field.is_map() => entries.values().collect(),
            single => vec![single],
        };
        values.into_iter().any(|value| match &kind {
            Kind::Message(nested) => holds_nan(nested, value),
            Kind::Float | Kind::Double => value.as_str() == Some("NaN"),
            _ => false,
        })
    })
}
