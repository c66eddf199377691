//! Frames and events made readable: one record per line, as a JSON object or a line of text.
//!
//! This is what `turms-wire decode`, `tap`, `probe` and `gateway` print. A [`FrameRecord`] holds
//! what classification says about a frame (its class, request id, code, close status, kind) and
//! the whole message in the canonical proto3 JSON mapping ([`crate::json`]), or the error that
//! spoiled the frame, at the layer where it happened ([`ErrorLayer`]).
//!
//! A [`Record`] is one line: a frame record or a named event, with the fields every line may
//! carry (`time`, `conn`, `dir`, the pairing of a response with its request, the file) and an
//! event's own fields. [`RecordWriter`] writes records to any [`std::io::Write`] in either
//! [`OutputFormat`]; the text of a frame is rendered from the record (the message's JSON text
//! is split at its top-level keys, never parsed back).
//!
//! [`FrameReader`] drives the framing [`Decoder`](tokio_util::codec::Decoder) over any
//! [`std::io::Read`], one read at a time, so a record is ready as soon as its frame has arrived
//! and memory stays bounded by the largest frame, whatever the input size.
//!
//! ```
//! use bytes::Bytes;
//! use turms_wire::inspect::{inspect_notification, ErrorLayer};
//!
//! // request_id 1, code 1000
//! let record = inspect_notification(0, Bytes::from_static(&[0x20, 0x01, 0x28, 0xe8, 0x07]));
//! let json = serde_json::to_value(&record).unwrap();
//! assert_eq!(json["class"], "response");
//! assert_eq!(json["request_id"], 1);
//! assert_eq!(json["code_name"], "OK");
//! assert_eq!(json["message"]["request_id"], "1");
//!
//! let bad = inspect_notification(1, Bytes::from_static(&[0x0e]));
//! assert_eq!(bad.error().unwrap().layer, ErrorLayer::Message);
//! ```

mod input;
mod reader;
mod record;
mod text;
mod writer;

use std::io::{self, Write};

use bytes::Bytes;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

pub use input::{InputEncoding, InputError, TextDecoder};
pub use reader::{Boundaries, FrameReader, ReaderOptions};
pub use record::{FieldValue, Record};
pub use writer::{OutputFormat, RecordWriter};

use crate::codec::FramingError;
use crate::frame::{ClassifyError, ClientFrame, DataKind, FrameClass, RequestKind, ServerFrame};
use crate::json::{self, JsonError};
use crate::role::RoleKind;
use crate::status::{ResponseStatusCode, SessionCloseStatus};

/// Where a frame went wrong; the layers differ in what follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorLayer {
    /// The text encoding of the input (hex or base64) is broken. Nothing after it can be read.
    Input,
    /// A length prefix (or a WebSocket frame header) is wrong or cut off. No later frame
    /// boundary can be trusted, so the stream ends here.
    Framing,
    /// The frame is intact but its body is not a valid message. Only this frame is lost.
    Message,
    /// A UDP signal datagram is not a valid one ([`crate::udp`]). Only this datagram is lost.
    Udp,
    /// A packet capture cannot be read further (truncated, malformed). Nothing after it is
    /// read.
    Capture,
}

impl ErrorLayer {
    /// The name printed in the `layer` key.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorLayer::Input => "input",
            ErrorLayer::Framing => "framing",
            ErrorLayer::Message => "message",
            ErrorLayer::Udp => "udp",
            ErrorLayer::Capture => "capture",
        }
    }
}

/// Why a frame could not be shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameError {
    /// Where it went wrong.
    pub layer: ErrorLayer,
    /// A stable snake_case identifier of the error variant (e.g. `frame_too_large`,
    /// `truncated_varint`, `invalid_payload`).
    pub kind: &'static str,
    /// The error's text.
    pub detail: String,
}

impl FrameError {
    /// A framing error (the stream ends).
    pub fn framing(error: &FramingError) -> FrameError {
        FrameError {
            layer: ErrorLayer::Framing,
            kind: error.kind_name(),
            detail: error.to_string(),
        }
    }

    /// A broken hex or base64 input (the stream ends).
    pub fn input(error: &InputError) -> FrameError {
        FrameError {
            layer: ErrorLayer::Input,
            kind: error.kind_name(),
            detail: error.to_string(),
        }
    }

    /// An envelope that does not classify (only this frame is lost).
    pub fn malformed(error: &ClassifyError) -> FrameError {
        FrameError {
            layer: ErrorLayer::Message,
            kind: error.kind().as_str(),
            detail: error.to_string(),
        }
    }

    /// A frame whose envelope classifies but whose full decode fails: an error inside `data`,
    /// `relayed_request`, `custom_attributes` or a request body (kind `invalid_payload`).
    fn undecodable(error: JsonError) -> FrameError {
        let (kind, detail) = match error {
            JsonError::Decode { source, .. } => ("invalid_payload", source.to_string()),
            other => ("json_mapping", other.to_string()),
        };
        FrameError {
            layer: ErrorLayer::Message,
            kind,
            detail,
        }
    }
}

impl Serialize for FrameError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("layer", self.layer.as_str())?;
        map.serialize_entry("kind", self.kind)?;
        map.serialize_entry("detail", &self.detail)?;
        map.end()
    }
}

/// A message in proto3 JSON, kept as the text the JSON mapping wrote (keys in field order): a
/// record is printed many times more often than it is looked into, and the text embeds in a
/// line as is.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageJson(Vec<u8>);

impl MessageJson {
    /// The JSON text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("the JSON writers write UTF-8")
    }

    /// The JSON text's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The JSON as a value to look into.
    pub fn to_value(&self) -> Value {
        let mut reader = serde_json::Deserializer::from_slice(&self.0);
        // Written from a message decoded within the recursion limit: its depth is bounded.
        reader.disable_recursion_limit();
        Value::deserialize(&mut reader).unwrap_or(Value::Null)
    }

    /// The text as a [`RawValue`], for serde to embed as is.
    fn to_raw(&self) -> Result<&RawValue, serde_json::Error> {
        let mut reader = serde_json::Deserializer::from_slice(&self.0);
        reader.disable_recursion_limit();
        <&RawValue>::deserialize(&mut reader)
    }
}

impl Serialize for MessageJson {
    /// Embeds the text as it is (checked to be JSON on the way: [`RecordWriter`] copies the
    /// text without this step).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_raw()
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

/// What a `TurmsNotification` frame holds, from its envelope, plus the whole message.
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationSummary {
    /// The class, tested in the order heartbeat, heartbeat failure, close, push, response, session info, other.
    pub class: FrameClass,
    /// `request_id`, when present (`-100` for a heartbeat failure).
    pub request_id: Option<i64>,
    /// `requester_id`, when present.
    pub requester_id: Option<i64>,
    /// `code`, when present.
    pub code: Option<ResponseStatusCode>,
    /// `close_status`, when present.
    pub close_status: Option<SessionCloseStatus>,
    /// `reason`, when present.
    pub reason: Option<String>,
    /// The kind of the relayed request of a push.
    pub relayed_kind: Option<RequestKind>,
    /// The kind of `data`.
    pub data_kind: Option<DataKind>,
    /// The frame's length in bytes (without its length prefix).
    pub size: usize,
    /// The message in proto3 JSON; `None` for a heartbeat ack.
    pub message: Option<MessageJson>,
}

/// What a `TurmsRequest` frame holds, from its envelope, plus the whole message.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestSummary {
    /// `request_id`, when present.
    pub request_id: Option<i64>,
    /// Which request it is; `None` for a heartbeat or a request without a kind.
    pub kind: Option<RequestKind>,
    /// Why the real gateway would refuse it (`TurmsRequestParser`), if it would; always
    /// `None` for a heartbeat.
    pub gateway_rejection: Option<String>,
    /// The frame's length in bytes (without its length prefix); 0 for a heartbeat.
    pub size: usize,
    /// The message in proto3 JSON; `None` for a heartbeat.
    pub message: Option<MessageJson>,
}

impl RequestSummary {
    /// An empty frame: the client's heartbeat.
    pub fn is_heartbeat(&self) -> bool {
        self.size == 0
    }

    /// `heartbeat` or `request`.
    pub fn class_name(&self) -> &'static str {
        if self.is_heartbeat() {
            "heartbeat"
        } else {
            "request"
        }
    }
}

/// What one frame turned out to be.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A notification (or heartbeat ack).
    Notification(NotificationSummary),
    /// A request (or heartbeat).
    Request(RequestSummary),
    /// The frame could not be shown.
    Error(FrameError),
}

/// One frame of a stream, numbered from 0; an error uses up a number too.
///
/// Serializes (with serde) to the JSON object `turms-wire decode --json` prints: for
/// notifications `index`, `class`, `request_id`, `requester_id`, `code`, `code_name`,
/// `code_category`, `close_status`, `close_status_name`, `reason`, `relayed_kind`, `data_kind`,
/// `size`, `message`; for requests `index`, `class`, `request_id`, `kind`, `gateway_rejection`,
/// `size`, `message`; for errors `index` and `error` (`layer`, `kind`, `detail`). Absent values
/// are `null`; request ids are JSON numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameRecord {
    /// The frame's position in its stream (or connection direction), from 0.
    pub index: u64,
    /// What it held.
    pub outcome: Outcome,
}

impl FrameRecord {
    /// A record for an error at `index`.
    pub fn failed(index: u64, error: FrameError) -> FrameRecord {
        FrameRecord {
            index,
            outcome: Outcome::Error(error),
        }
    }

    /// The error, if the frame could not be shown.
    pub fn error(&self) -> Option<&FrameError> {
        match &self.outcome {
            Outcome::Error(error) => Some(error),
            _ => None,
        }
    }

    /// Whether the frame could not be shown.
    pub fn is_error(&self) -> bool {
        matches!(self.outcome, Outcome::Error(_))
    }

    /// Writes the record as one line of JSON, as [`RecordWriter`] writes [`Record::frame`].
    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        RecordWriter::new(out, OutputFormat::Json).write(&Record::frame(self))
    }

    /// Writes the record as one readable line (its [`Display`](std::fmt::Display) form): index,
    /// class, code name and category, close status name, request id, kind, and a compact view
    /// of the rest of the message.
    pub fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        RecordWriter::new(out, OutputFormat::Text).write(&Record::frame(self))
    }

    /// Writes the record's keys and values into a line or a map being serialized: its JSON
    /// object without the braces, for lines that add keys of their own around it.
    pub(crate) fn entries<E: Entries>(&self, map: &mut E) -> Result<(), E::Error> {
        map.uint("index", Some(self.index))?;
        match &self.outcome {
            Outcome::Notification(n) => {
                map.str("class", Some(n.class.as_str()))?;
                map.int("request_id", n.request_id)?;
                map.int("requester_id", n.requester_id)?;
                map.int("code", n.code.map(|c| i64::from(c.as_i32())))?;
                map.str("code_name", n.code.and_then(ResponseStatusCode::name))?;
                map.str(
                    "code_category",
                    n.code
                        .and_then(ResponseStatusCode::category)
                        .map(|c| c.en()),
                )?;
                map.int(
                    "close_status",
                    n.close_status.map(|s| i64::from(s.as_i32())),
                )?;
                map.str(
                    "close_status_name",
                    n.close_status.and_then(SessionCloseStatus::name),
                )?;
                map.str("reason", n.reason.as_deref())?;
                map.str("relayed_kind", n.relayed_kind.and_then(RequestKind::name))?;
                map.str("data_kind", n.data_kind.and_then(DataKind::name))?;
                map.uint("size", Some(n.size as u64))?;
                map.message("message", n.message.as_ref())
            }
            Outcome::Request(r) => {
                map.str("class", Some(r.class_name()))?;
                map.int("request_id", r.request_id)?;
                map.str("kind", r.kind.and_then(RequestKind::name))?;
                map.str("gateway_rejection", r.gateway_rejection.as_deref())?;
                map.uint("size", Some(r.size as u64))?;
                map.message("message", r.message.as_ref())
            }
            Outcome::Error(error) => map.entry("error", error),
        }
    }
}

/// Where a record's keys and values go: a JSON line being written, or a map being serialized.
/// Absent values are `null`.
pub(crate) trait Entries {
    type Error;

    /// One key and its value.
    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Self::Error>;

    /// A key and an integer.
    fn int(&mut self, key: &str, value: Option<i64>) -> Result<(), Self::Error> {
        self.entry(key, &value)
    }

    /// A key and an unsigned integer.
    fn uint(&mut self, key: &str, value: Option<u64>) -> Result<(), Self::Error> {
        self.entry(key, &value)
    }

    /// A key and a string.
    fn str(&mut self, key: &str, value: Option<&str>) -> Result<(), Self::Error> {
        self.entry(key, &value)
    }

    /// A key and a message's JSON text.
    fn message(&mut self, key: &str, message: Option<&MessageJson>) -> Result<(), Self::Error> {
        self.entry(key, &message)
    }
}

/// The entries of a map being serialized.
pub(crate) struct MapEntries<'m, M>(pub(crate) &'m mut M);

impl<M: SerializeMap> Entries for MapEntries<'_, M> {
    type Error = M::Error;

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), M::Error> {
        self.0.serialize_entry(key, value)
    }
}

/// Classifies and fully decodes a `TurmsNotification` frame (an empty one is a heartbeat ack).
pub fn inspect_notification(index: u64, body: Bytes) -> FrameRecord {
    let outcome = match notification_summary(body) {
        Ok(summary) => Outcome::Notification(summary),
        Err(error) => Outcome::Error(error),
    };
    FrameRecord { index, outcome }
}

/// Classifies and fully decodes a `TurmsRequest` frame (an empty one is a heartbeat).
pub fn inspect_request(index: u64, body: Bytes) -> FrameRecord {
    let outcome = match request_summary(body) {
        Ok(summary) => Outcome::Request(summary),
        Err(error) => Outcome::Error(error),
    };
    FrameRecord { index, outcome }
}

/// A frame as the end `receiver` receives it: [`inspect_notification`] for a client,
/// [`inspect_request`] for a gateway.
pub fn inspect_frame(receiver: RoleKind, index: u64, body: Bytes) -> FrameRecord {
    match receiver {
        RoleKind::Client => inspect_notification(index, body),
        RoleKind::Gateway => inspect_request(index, body),
    }
}

/// A frame a client received, classified beforehand (as a capture's decoder does), fully
/// decoded: the same record as [`inspect_notification`] of its bytes.
pub fn inspect_server_frame(index: u64, frame: &ServerFrame) -> FrameRecord {
    let outcome = match server_frame_summary(frame) {
        Ok(summary) => Outcome::Notification(summary),
        Err(error) => Outcome::Error(error),
    };
    FrameRecord { index, outcome }
}

/// A frame the gateway received, classified beforehand, fully decoded: the same record as
/// [`inspect_request`] of its bytes.
pub fn inspect_client_frame(index: u64, frame: &ClientFrame) -> FrameRecord {
    let outcome = match client_frame_summary(frame) {
        Ok(summary) => Outcome::Request(summary),
        Err(error) => Outcome::Error(error),
    };
    FrameRecord { index, outcome }
}

fn notification_summary(body: Bytes) -> Result<NotificationSummary, FrameError> {
    let frame = ServerFrame::classify(body).map_err(|e| FrameError::malformed(&e))?;
    server_frame_summary(&frame)
}

fn server_frame_summary(frame: &ServerFrame) -> Result<NotificationSummary, FrameError> {
    let size = frame.bytes().len();
    let class = frame.class();
    let Some(envelope) = frame.envelope() else {
        return Ok(NotificationSummary {
            class,
            request_id: None,
            requester_id: None,
            code: None,
            close_status: None,
            reason: None,
            relayed_kind: None,
            data_kind: None,
            size,
            message: None,
        });
    };
    let reason = match envelope.reason() {
        None => None,
        Some(Ok(reason)) => Some(reason.to_owned()),
        Some(Err(error)) => {
            return Err(FrameError {
                layer: ErrorLayer::Message,
                kind: "invalid_utf8",
                detail: format!("reason (field 6) is not valid UTF-8: {error}"),
            })
        }
    };
    let message = message_json(&json::NOTIFICATION, envelope.bytes())?;
    Ok(NotificationSummary {
        class,
        request_id: envelope.request_id(),
        requester_id: envelope.requester_id(),
        code: envelope.code(),
        close_status: envelope.close_status(),
        reason,
        relayed_kind: envelope.relayed_kind(),
        data_kind: envelope.data_kind(),
        size,
        message: Some(MessageJson(message)),
    })
}

fn request_summary(body: Bytes) -> Result<RequestSummary, FrameError> {
    let frame = ClientFrame::classify(body).map_err(|e| FrameError::malformed(&e))?;
    client_frame_summary(&frame)
}

fn client_frame_summary(frame: &ClientFrame) -> Result<RequestSummary, FrameError> {
    let size = frame.bytes().len();
    let ClientFrame::Request(request) = frame else {
        return Ok(RequestSummary {
            request_id: None,
            kind: None,
            gateway_rejection: None,
            size,
            message: None,
        });
    };
    let message = message_json(&json::REQUEST, request.bytes())?;
    Ok(RequestSummary {
        request_id: request.request_id(),
        kind: request.kind(),
        gateway_rejection: request.gateway_accepts().err().map(|e| e.to_string()),
        size,
        message: Some(MessageJson(message)),
    })
}

/// The JSON text of a frame's message.
fn message_json(message_type: &json::MessageType, bytes: &[u8]) -> Result<Vec<u8>, FrameError> {
    // JSON takes about four times the bytes of the message; a little more for small ones.
    let mut text = Vec::with_capacity(bytes.len() * 4 + 64);
    message_type
        .bytes_to_json_into(bytes, &mut text)
        .map_err(FrameError::undecodable)?;
    Ok(text)
}

impl Serialize for FrameRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.entries(&mut MapEntries(&mut map))?;
        map.end()
    }
}

#[cfg(test)]
mod tests;
