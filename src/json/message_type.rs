//! A message type of the schema, and the conversions of its three forms.

use std::fmt;
use std::sync::OnceLock;

use prost_reflect::{DynamicMessage, MessageDescriptor};
use serde_json::value::RawValue;
use serde_json::Value;

use super::wire::{self, MessageIndex};
use super::{descriptor_pool, read, ser, JsonError};

const NOTIFICATION_NAME: &str = "im.turms.proto.TurmsNotification";
const REQUEST_NAME: &str = "im.turms.proto.TurmsRequest";

/// `TurmsNotification`: what a gateway sends.
pub const NOTIFICATION: MessageType = MessageType(Repr::Notification);

/// `TurmsRequest`: what a client sends.
pub const REQUEST: MessageType = MessageType(Repr::Request);

/// A message type of the Turms schema, and the conversions between its JSON text, its
/// [`serde_json::Value`] and its protobuf bytes.
///
/// The two envelopes are the constants [`NOTIFICATION`] and [`REQUEST`]; any other type is
/// found by name ([`MessageType::named`]) or by its prost type ([`MessageType::of`]).
///
/// ```
/// use turms_wire::json::{MessageType, REQUEST};
///
/// let bytes = REQUEST.json_to_bytes(r#"{"request_id":"7","delete_session_request":{}}"#)?;
/// assert_eq!(REQUEST.bytes_to_json(&bytes)?, r#"{"request_id":"7","delete_session_request":{}}"#);
///
/// let user = MessageType::named("im.turms.proto.UserInfo")?;
/// assert_eq!(user.bytes_to_value(&[0x08, 0x01])?, serde_json::json!({ "id": "1" }));
/// # Ok::<(), turms_wire::json::JsonError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageType(Repr);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Repr {
    Notification,
    Request,
    /// Any other type; never one of the two envelopes, so that equal types compare equal.
    Other(MessageDescriptor),
}

impl MessageType {
    /// The message type with this full protobuf name (`im.turms.proto.UserInfo`,
    /// `im.turms.proto.TurmsNotification.Data`).
    pub fn named(full_name: &str) -> Result<MessageType, JsonError> {
        Ok(match full_name {
            NOTIFICATION_NAME => NOTIFICATION,
            REQUEST_NAME => REQUEST,
            _ => MessageType(Repr::Other(
                descriptor_pool()
                    .get_message_by_name(full_name)
                    .ok_or_else(|| JsonError::UnknownMessageType(full_name.to_owned()))?,
            )),
        })
    }

    /// The message type of a prost message: `MessageType::of::<UserInfo>()`. An error only
    /// for a type outside the Turms schema.
    pub fn of<M: prost::Name>() -> Result<MessageType, JsonError> {
        MessageType::named(&M::full_name())
    }

    /// The full protobuf name (`im.turms.proto.TurmsRequest`).
    pub fn full_name(&self) -> &str {
        match &self.0 {
            Repr::Notification => NOTIFICATION_NAME,
            Repr::Request => REQUEST_NAME,
            Repr::Other(descriptor) => descriptor.full_name(),
        }
    }

    /// The type's descriptor, for reflection ([`prost_reflect`]).
    pub fn descriptor(&self) -> &MessageDescriptor {
        static NOTIFICATION: OnceLock<MessageDescriptor> = OnceLock::new();
        static REQUEST: OnceLock<MessageDescriptor> = OnceLock::new();
        let envelope = |cell: &'static OnceLock<MessageDescriptor>, name| {
            cell.get_or_init(|| {
                descriptor_pool()
                    .get_message_by_name(name)
                    .expect("the schema has both envelopes")
            })
        };
        match &self.0 {
            Repr::Notification => envelope(&NOTIFICATION, NOTIFICATION_NAME),
            Repr::Request => envelope(&REQUEST, REQUEST_NAME),
            Repr::Other(descriptor) => descriptor,
        }
    }

    /// Decodes protobuf bytes (a frame body, without its length prefix) and writes the
    /// message's proto3 JSON text.
    pub fn bytes_to_json(&self, bytes: &[u8]) -> Result<String, JsonError> {
        let mut out = Vec::with_capacity(bytes.len().saturating_mul(4).saturating_add(2));
        self.bytes_to_json_into(bytes, &mut out)?;
        Ok(String::from_utf8(out).expect("the JSON writers write UTF-8"))
    }

    /// Decodes protobuf bytes and appends the message's proto3 JSON text to `out`, the same
    /// text as [`bytes_to_json`](MessageType::bytes_to_json): for callers that reuse one
    /// buffer for many messages. On an error, `out` is left as it was.
    ///
    /// The JSON is written straight from the bytes, without building the message, whenever
    /// the bytes allow it (the rules of a full decode are followed: repeated fields, the last
    /// value of a scalar, merged messages, the last member of a oneof, the last entry of a map
    /// key, unknown fields); anything else (an error, groups, extreme nesting) is decoded in
    /// full, and errors are reported as the full decode reports them.
    pub fn bytes_to_json_into(&self, bytes: &[u8], out: &mut Vec<u8>) -> Result<(), JsonError> {
        if let Some(index) = self.wire_index() {
            if wire::write(index, bytes, out) {
                return Ok(());
            }
        }
        ser::write_to(&self.bytes_to_dynamic(bytes)?, out)
    }

    /// Decodes protobuf bytes and writes the message's proto3 JSON text once, to embed as is in
    /// a larger document (serde serializes a [`RawValue`] verbatim: nothing is built or read
    /// back).
    pub fn bytes_to_raw_json(&self, bytes: &[u8]) -> Result<Box<RawValue>, JsonError> {
        ser::to_raw_json(&self.bytes_to_dynamic(bytes)?)
    }

    /// The JSON written from the bytes alone, or `None` where [`bytes_to_json_into`] would
    /// decode the message in full. For the tests that compare the two ways.
    ///
    /// [`bytes_to_json_into`]: MessageType::bytes_to_json_into
    #[doc(hidden)]
    pub fn bytes_to_json_without_decoding(&self, bytes: &[u8]) -> Option<String> {
        let mut out = Vec::new();
        wire::write(self.wire_index()?, bytes, &mut out)
            .then(|| String::from_utf8(out).expect("the wire writer writes UTF-8"))
    }

    /// The wire writer's plan of this type.
    fn wire_index(&self) -> Option<MessageIndex> {
        static NOTIFICATION: OnceLock<Option<MessageIndex>> = OnceLock::new();
        static REQUEST: OnceLock<Option<MessageIndex>> = OnceLock::new();
        match &self.0 {
            Repr::Notification => {
                *NOTIFICATION.get_or_init(|| wire::message_index(self.descriptor()))
            }
            Repr::Request => *REQUEST.get_or_init(|| wire::message_index(self.descriptor())),
            Repr::Other(descriptor) => wire::message_index(descriptor),
        }
    }

    /// Decodes protobuf bytes and maps the message to a proto3 JSON value.
    pub fn bytes_to_value(&self, bytes: &[u8]) -> Result<Value, JsonError> {
        ser::to_value(&self.bytes_to_dynamic(bytes)?)
    }

    /// Reads proto3 JSON text and encodes the message as protobuf bytes.
    pub fn json_to_bytes(&self, text: &str) -> Result<Vec<u8>, JsonError> {
        self.json_to_dynamic(text)
            .map(|message| prost::Message::encode_to_vec(&message))
    }

    /// Reads a proto3 JSON value and encodes the message as protobuf bytes.
    pub fn value_to_bytes(&self, json: &Value) -> Result<Vec<u8>, JsonError> {
        self.value_to_dynamic(json)
            .map(|message| prost::Message::encode_to_vec(&message))
    }

    /// Reads proto3 JSON text as a reflected message. The message is guaranteed to encode to
    /// bytes that prost decodes (nesting within [`RECURSION_LIMIT`](super::RECURSION_LIMIT)).
    pub fn json_to_dynamic(&self, text: &str) -> Result<DynamicMessage, JsonError> {
        read::str_to_dynamic(self.descriptor(), text)
    }

    /// Reads a proto3 JSON value as a reflected message, like
    /// [`json_to_dynamic`](MessageType::json_to_dynamic).
    pub fn value_to_dynamic(&self, json: &Value) -> Result<DynamicMessage, JsonError> {
        read::value_to_dynamic(self.descriptor(), json)
    }

    fn bytes_to_dynamic(&self, bytes: &[u8]) -> Result<DynamicMessage, JsonError> {
        read::bytes_to_dynamic(self.descriptor(), bytes)
    }
}

impl fmt::Display for MessageType {
    /// The full protobuf name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.full_name())
    }
}
