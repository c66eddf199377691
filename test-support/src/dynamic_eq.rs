//! Equality of two messages as protobuf means it, seen through `prost-reflect`.
//!
//! Derived `PartialEq` on generated types says `NaN != NaN`, so a message carrying a NaN float
//! never equals itself; and a map may be encoded in any order (prost-reflect's maps are
//! `HashMap`s), so two encodings of one message may order their entries differently.
//! Comparing reflected views field by field avoids both: a NaN equals the same NaN, maps compare
//! as maps, and the first difference is reported as a field path.
//!
//! [`first_difference`] compares reflected views; [`difference`], [`assert_same`] and
//! [`assert_same_opt`] do the same for generated types (re-encoded and read back through the
//! schema), for the classification oracle and the fuzz checks alike.

use std::fmt::Debug;

use prost::Message;
use prost_reflect::{DynamicMessage, ReflectMessage, Value};
use turms_wire::proto::turms_notification::Data;
use turms_wire::proto::{TurmsNotification, TurmsRequest};

/// Where `left` and `right` first differ (a field path and both values), or `None` when they
/// hold the same message.
///
/// Floats compare by value, with a NaN equal to the same NaN (bit for bit) and `-0.0` distinct
/// from `0.0`, except in fields without presence (plain proto3 scalars and map values): there
/// `-0.0` is the default and is not written, so it reads back as `0.0`.
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
        (Value::F32(l), Value::F32(r)) => same_float(
            l.to_bits() == r.to_bits(),
            f64::from(*l),
            f64::from(*r),
            signless_zero,
        ),
        (Value::F64(l), Value::F64(r)) => {
            same_float(l.to_bits() == r.to_bits(), *l, *r, signless_zero)
        }
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

/// Two floats of one width (`same_bits`: their bits are equal): a NaN equals only the same NaN;
/// other values are equal by value, and of the same sign unless `signless_zero`.
fn same_float(same_bits: bool, left: f64, right: f64, signless_zero: bool) -> bool {
    if left.is_nan() || right.is_nan() {
        return same_bits;
    }
    left == right && (signless_zero || left.is_sign_negative() == right.is_sign_negative())
}

/// The schema's full name of a generated message (the build does not generate `prost::Name`).
pub trait Named {
    /// `im.turms.proto.…`
    const FULL_NAME: &'static str;
}

impl Named for Data {
    const FULL_NAME: &'static str = "im.turms.proto.TurmsNotification.Data";
}

impl Named for TurmsRequest {
    const FULL_NAME: &'static str = "im.turms.proto.TurmsRequest";
}

impl Named for TurmsNotification {
    const FULL_NAME: &'static str = "im.turms.proto.TurmsNotification";
}

/// A generated message as prost-reflect reads prost's encoding of it.
pub fn reflect<M: Message + Named>(message: &M) -> DynamicMessage {
    let desc = crate::message_descriptor(M::FULL_NAME);
    DynamicMessage::decode(desc, message.encode_to_vec().as_slice())
        .unwrap_or_else(|e| panic!("{}: prost-reflect rejects prost's bytes: {e}", M::FULL_NAME))
}

/// Where two generated messages first differ, or `None` when they are the same message:
/// derived `PartialEq` first, and where it says "different" (a NaN, say), the reflected views
/// decide ([`first_difference`]).
pub fn difference<M: Message + Named + PartialEq>(left: &M, right: &M) -> Option<String> {
    if left == right {
        return None;
    }
    first_difference(&reflect(left), &reflect(right))
}

/// Asserts that `left` and `right` are the same message ([`difference`]); the panic names
/// `what`, the message type, the field path of the first difference and both messages.
#[track_caller]
pub fn assert_same<M: Message + Named + PartialEq + Debug>(left: &M, right: &M, what: &str) {
    if let Some(difference) = difference(left, right) {
        panic!(
            "{what}: {}{difference}\n left: {left:?}\nright: {right:?}",
            M::FULL_NAME
        );
    }
}

/// [`assert_same`] for optional messages: both absent, or both present and the same.
#[track_caller]
pub fn assert_same_opt<M: Message + Named + PartialEq + Debug>(
    left: &Option<M>,
    right: &Option<M>,
    what: &str,
) {
    match (left, right) {
        (None, None) => {}
        (Some(left), Some(right)) => assert_same(left, right, what),
        _ => panic!("{what}: {left:?} != {right:?}"),
    }
}
