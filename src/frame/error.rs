//! Why a frame could not be classified, and why the real gateway would refuse a request.

use core::fmt;

/// A protobuf wire type, as the low three bits of a field key carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WireType {
    /// 0: a varint (int32, int64, enums, bool, …).
    Varint,
    /// 1: eight little-endian bytes (fixed64, double, …).
    I64,
    /// 2: a varint length, then that many bytes (strings, bytes, messages, packed fields).
    Len,
    /// 3: the start of a group (proto2; only ever skipped here).
    StartGroup,
    /// 4: the end of a group.
    EndGroup,
    /// 5: four little-endian bytes (fixed32, float, …).
    I32,
}

impl WireType {
    /// The wire type a key's low three bits name, if they name one (6 and 7 do not).
    #[inline]
    pub const fn from_bits(bits: u8) -> Option<WireType> {
        Some(match bits {
            0 => WireType::Varint,
            1 => WireType::I64,
            2 => WireType::Len,
            3 => WireType::StartGroup,
            4 => WireType::EndGroup,
            5 => WireType::I32,
            _ => return None,
        })
    }

    /// The name the protobuf encoding guide gives this wire type.
    pub const fn as_str(self) -> &'static str {
        match self {
            WireType::Varint => "VARINT",
            WireType::I64 => "I64",
            WireType::Len => "LEN",
            WireType::StartGroup => "SGROUP",
            WireType::EndGroup => "EGROUP",
            WireType::I32 => "I32",
        }
    }
}

impl fmt::Display for WireType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The message whose bytes were being read when classification failed (the receiving end
/// decides it: a client reads `TurmsNotification`s, a gateway `TurmsRequest`s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Message {
    Notification,
    Request,
}

impl Message {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Message::Notification => "TurmsNotification",
            Message::Request => "TurmsRequest",
        }
    }
}

/// What was wrong with the bytes.
///
/// Each of these makes a full protobuf decode of the frame fail too: classification never
/// refuses a frame that decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ClassifyErrorKind {
    /// A varint ran into the end of its message.
    #[error("truncated varint")]
    TruncatedVarint,
    /// A varint longer than 10 bytes, or one whose value does not fit in 64 bits.
    #[error("varint longer than 10 bytes or above 64 bits")]
    OverlongVarint,
    /// A field key whose value does not fit in 32 bits (so its field number exceeds 2^29 - 1).
    #[error("field key {key:#x} exceeds 32 bits")]
    KeyTooLarge {
        /// The key's value.
        key: u64,
    },
    /// Wire type 6 or 7, which protobuf does not define.
    #[error("invalid wire type {wire_type} for field {field}")]
    InvalidWireType {
        /// The key's low three bits.
        wire_type: u8,
        /// The key's field number.
        field: u32,
    },
    /// A key with field number 0, which protobuf reserves.
    #[error("field number 0")]
    FieldNumberZero,
    /// A field the schema declares, sent with a wire type its type cannot have.
    #[error("field {field} sent as {found}, its type needs {expected}")]
    WrongWireType {
        /// The field number.
        field: u32,
        /// The wire type on the wire.
        found: WireType,
        /// The wire type the field's type is encoded with.
        expected: WireType,
    },
    /// A length-delimited field claiming more bytes than its message has left.
    #[error("field {field} claims {len} bytes, only {available} remain")]
    LengthOverrun {
        /// The field number.
        field: u32,
        /// The claimed length (as read, so a negative int32 length shows as a huge number).
        len: u64,
        /// What was left of the enclosing message after the length.
        available: u32,
    },
    /// A fixed32 or fixed64 value cut off by the end of its message.
    #[error("field {field} needs {width} bytes, only {available} remain")]
    TruncatedFixed {
        /// The field number.
        field: u32,
        /// 4 or 8.
        width: u8,
        /// What was left of the enclosing message.
        available: u32,
    },
    /// An end-group key with no group open.
    #[error("end of group {field} without a start")]
    UnexpectedEndGroup {
        /// The end key's field number.
        field: u32,
    },
    /// An end-group key closing a different group than the one open.
    #[error("group {open} closed by end of group {found}")]
    MismatchedEndGroup {
        /// The field number of the group that is open.
        open: u32,
        /// The field number of the end key.
        found: u32,
    },
    /// A group still open at the end of its message.
    #[error("group {field} never closed")]
    UnterminatedGroup {
        /// The field number of the outermost unclosed group.
        field: u32,
    },
    /// Groups nested deeper than protobuf's limit of 100 nested messages.
    #[error("nesting exceeds the recursion limit of 100")]
    RecursionLimit,
    /// A frame too large for the u32 offsets classification records.
    #[error("frame of {len} bytes exceeds the 4 GiB a frame can span")]
    FrameTooLarge {
        /// The frame's length.
        len: usize,
    },
}

impl ClassifyErrorKind {
    /// A stable snake_case identifier of the variant, for machine-readable reports (the
    /// [`Display`](fmt::Display) text carries the details).
    pub const fn as_str(&self) -> &'static str {
        match self {
            ClassifyErrorKind::TruncatedVarint => "truncated_varint",
            ClassifyErrorKind::OverlongVarint => "overlong_varint",
            ClassifyErrorKind::KeyTooLarge { .. } => "key_too_large",
            ClassifyErrorKind::InvalidWireType { .. } => "invalid_wire_type",
            ClassifyErrorKind::FieldNumberZero => "field_number_zero",
            ClassifyErrorKind::WrongWireType { .. } => "wrong_wire_type",
            ClassifyErrorKind::LengthOverrun { .. } => "length_overrun",
            ClassifyErrorKind::TruncatedFixed { .. } => "truncated_fixed",
            ClassifyErrorKind::UnexpectedEndGroup { .. } => "unexpected_end_group",
            ClassifyErrorKind::MismatchedEndGroup { .. } => "mismatched_end_group",
            ClassifyErrorKind::UnterminatedGroup { .. } => "unterminated_group",
            ClassifyErrorKind::RecursionLimit => "recursion_limit",
            ClassifyErrorKind::FrameTooLarge { .. } => "frame_too_large",
        }
    }
}

/// A frame whose envelope is not well-formed protobuf: what was wrong, where, and in which message.
///
/// Returned by [`ServerFrame::classify`](super::ServerFrame::classify) and
/// [`ClientFrame::classify`](super::ClientFrame::classify). A malformed frame is a per-frame
/// problem: the stream it came from can go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{kind} at byte {offset} in {}", message.as_str())]
pub struct ClassifyError {
    kind: ClassifyErrorKind,
    offset: u32,
    message: Message,
}

impl ClassifyError {
    #[cold]
    #[inline(never)]
    pub(crate) fn new(kind: ClassifyErrorKind, offset: usize, message: Message) -> ClassifyError {
        ClassifyError {
            kind,
            offset: offset as u32,
            message,
        }
    }

    /// What was wrong.
    pub const fn kind(&self) -> ClassifyErrorKind {
        self.kind
    }

    /// The byte offset in the frame where the offending key, length or value starts.
    pub const fn offset(&self) -> u32 {
        self.offset
    }

    /// The message being read: `"TurmsNotification"` (a frame a client receives) or
    /// `"TurmsRequest"` (a frame a gateway receives).
    pub const fn message(&self) -> &'static str {
        self.message.as_str()
    }
}

/// Why the real Turms gateway would refuse a request before looking at its body.
///
/// The gateway does not decode requests: `TurmsRequestParser.parseSimpleRequest` reads the tags
/// in order, expects `request_id` first and the `kind` field right after it, and stops there.
/// It answers a refused request with `INVALID_REQUEST` (1100, or 1106
/// once logged in), request id -1, and counts a strike towards blocking the client. The
/// [`Display`](fmt::Display) text is the gateway's own message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayRejection {
    /// A second `request_id` tag before the kind.
    #[error("Not a valid TurmsRequest: Duplicate request ID")]
    DuplicateRequestId,
    /// No `request_id` before the first other tag. The gateway marks "not seen" with
    /// `i64::MIN`, so a request id of exactly `i64::MIN` counts as missing too.
    #[error("Not a valid TurmsRequest: No request ID")]
    NoRequestId,
    /// The first tag after `request_id` is not a `kind` member: `custom_attributes`, an unknown
    /// field, or the end of the message.
    #[error("Not a valid TurmsRequest: Unknown request type {}", if *field == 0 { "KIND_NOT_SET" } else { "null" })]
    UnknownRequestType {
        /// The field number of that tag (0 at the end of the message).
        field: u32,
    },
    /// The `CreateSessionRequest` the gateway parses itself does not decode.
    #[error("Not a valid TurmsRequest: {0}")]
    InvalidCreateSessionRequest(prost::DecodeError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_distinct_snake_case() {
        let kinds = [
            ClassifyErrorKind::TruncatedVarint,
            ClassifyErrorKind::OverlongVarint,
            ClassifyErrorKind::KeyTooLarge { key: 1 << 33 },
            ClassifyErrorKind::InvalidWireType {
                wire_type: 6,
                field: 1,
            },
            ClassifyErrorKind::FieldNumberZero,
            ClassifyErrorKind::WrongWireType {
                field: 1,
                found: WireType::Len,
                expected: WireType::Varint,
            },
            ClassifyErrorKind::LengthOverrun {
                field: 6,
                len: 10,
                available: 3,
            },
            ClassifyErrorKind::TruncatedFixed {
                field: 1,
                width: 8,
                available: 2,
            },
            ClassifyErrorKind::UnexpectedEndGroup { field: 1 },
            ClassifyErrorKind::MismatchedEndGroup { open: 1, found: 2 },
            ClassifyErrorKind::UnterminatedGroup { field: 1 },
            ClassifyErrorKind::RecursionLimit,
            ClassifyErrorKind::FrameTooLarge { len: 1 << 33 },
        ];
        let names: std::collections::BTreeSet<&str> = kinds.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), kinds.len());
        for name in names {
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}"
            );
        }
        assert_eq!(
            ClassifyErrorKind::TruncatedVarint.as_str(),
            "truncated_varint"
        );
    }
}
