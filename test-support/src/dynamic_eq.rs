//! Equality of two decoded messages as protobuf means it, seen through `prost-reflect`.
//!
//! Derived `PartialEq` on generated types says `NaN != NaN`, so a message carrying a NaN float
//! never equals itself; and a map may be encoded in any order (prost-reflect's maps are
//! `HashMap`s), so two encodings of one message may order their entries differently.
//! Comparing reflected views field by field avoids both: NaN equals NaN, maps compare as maps,
//! and the first difference is reported as a field path.

use prost_reflect::{DynamicMessage, ReflectMessage, Value};

/// Where `left` and `right` first differ (a field path and both values), or `None` when they
/// hold the same message.
///
/// Floats compare by value, with NaN equal to NaN and `-0.0` distinct from `0.0`, except in
/// fields without presence (plain proto3 scalars and map values): there `-0.0` is the default
/// and is not written, so it reads back as `0.0`.
pub fn first_difference(left: &DynamicMessage, right: &DynamicMessage) -> Option<String> {
    let desc = left.descriptor();
    if desc != right.descriptor() {
        return Some(format!(
            ": message types {} vs {}",
            desc.full_name(),
            right.descriptor().full_name()
        ));
    }
    let left_unknown: Vec<_> = left.unknown_fields().collect();
    let right_unknown: Vec<_> = right.unknown_fields().collect();
    if left_unknown != right_unknown {
        return Some(format!(
            " (unknown fields): {left_unknown:?} vs {right_unknown:?}"
        ));
    }
    for field in desc.fields() {
        let plain_scalar = !field.supports_presence() && !field.is_list() && !field.is_map();
        if field.supports_presence() && left.has_field(&field) != right.has_field(&field) {
            return Some(format!(
                ".{}: present {} vs {}",
                field.name(),
                left.has_field(&field),
                right.has_field(&field)
            ));
        }
        let difference = value_difference(
            &left.get_field(&field),
            &right.get_field(&field),
            plain_scalar,
        );
        if let Some(difference) = difference {
            return Some(format!(".{}{difference}", field.name()));
        }
    }
    None
}

fn value_difference(left: &Value, right: &Value, signless_zero: bool) -> Option<String> {
    let same = match (left, right) {
        (Value::F32(l), Value::F32(r)) => floats_equal(f64::from(*l), f64::from(*r), signless_zero),
        (Value::F64(l), Value::F64(r)) => floats_equal(*l, *r, signless_zero),
        (Value::List(l), Value::List(r)) => {
            if l.len() != r.len() {
                return Some(format!(": {} vs {} elements", l.len(), r.len()));
            }
            for (index, (l, r)) in l.iter().zip(r).enumerate() {
                if let Some(difference) = value_difference(l, r, false) {
                    return Some(format!("[{index}]{difference}"));
                }
            }
            true
        }
        (Value::Map(l), Value::Map(r)) => {
            if l.len() != r.len() {
                return Some(format!(": {} vs {} entries", l.len(), r.len()));
            }
            for (key, l) in l {
                let Some(r) = r.get(key) else {
                    return Some(format!("[{key:?}]: missing on the right"));
                };
                if let Some(difference) = value_difference(l, r, true) {
                    return Some(format!("[{key:?}]{difference}"));
                }
            }
            true
        }
        (Value::Message(l), Value::Message(r)) => return first_difference(l, r),
        (l, r) => l == r,
    };
    (!same).then(|| format!(": {left:?} vs {right:?}"))
}

fn floats_equal(left: f64, right: f64, signless_zero: bool) -> bool {
    if left.is_nan() || right.is_nan() {
        return left.is_nan() && right.is_nan();
    }
    left == right && (signless_zero || left.is_sign_negative() == right.is_sign_negative())
}
