//! Frame classification: what a frame is, read from its envelope without decoding payloads.
//!
//! A client receives [`Frame`]s (each a `TurmsNotification`, or an empty heartbeat ack); a
//! gateway receives [`ClientFrame`]s (each a `TurmsRequest`, or an empty heartbeat).
//! Classification scans only the envelope fields, wherever they are in the frame, keeps the
//! frame's one [`Bytes`] and records where `reason`, `data` and `relayed_request` lie; it
//! allocates nothing. Payloads are sliced, checked or decoded only when asked for, and every
//! answer is what a full prost decode of the frame would give.
//!
//! ```
//! use bytes::Bytes;
//! use turms_wire::frame::{Frame, FrameClass};
//!
//! // timestamp 1700000000000, request_id 1, code 1000 (OK)
//! let frame = Bytes::from_static(&[
//!     0x08, 0x80, 0xd0, 0x95, 0xff, 0xbc, 0x31, 0x20, 0x01, 0x28, 0xe8, 0x07,
//! ]);
//! let frame = Frame::classify(frame)?;
//! assert_eq!(frame.class(), FrameClass::Response);
//! let Frame::Response(response) = frame else { unreachable!() };
//! assert_eq!(response.request_id(), 1);
//! assert!(response.is_success());
//! # Ok::<(), turms_wire::frame::ClassifyError>(())
//! ```

mod error;
mod kind;
mod notification;
mod request;
mod scan;

use bytes::Bytes;
use prost::{DecodeError, Message};

pub use error::{ClassifyError, ClassifyErrorKind, GatewayRejection, Scope, WireType};
pub use kind::{DataKind, RequestKind};
pub use notification::{Closed, Notification, NotificationEnvelope, Push, Response, SessionInfo};
pub use request::{GatewayReading, RequestFrame};

use crate::proto::{TurmsNotification, TurmsRequest};

/// The `request_id` of a heartbeat failure (`ClientRequestDispatcher.HEARTBEAT_FAILURE_REQUEST_ID`).
pub const HEARTBEAT_FAILURE_REQUEST_ID: i64 = -100;

/// The bytes of every heartbeat: none.
static EMPTY: Bytes = Bytes::new();

/// A frame a client receives, by what it means to the client.
///
/// The variants are tested in this order, the order the official clients use, so a frame
/// belongs to the first that fits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// An empty frame: the server's answer to a heartbeat. (An empty `TurmsNotification`
    /// encodes to no bytes too, so emptiness is decided before anything is decoded.)
    HeartbeatAck,
    /// `request_id == -100`: a heartbeat the server refused, with code 2104 (no session) or
    /// 1201 (server unavailable, with a reason).
    HeartbeatFailure(Response),
    /// `close_status` present: the server closes the session.
    Closed(Closed),
    /// `relayed_request` present: another user's request, relayed.
    Push(Push),
    /// `request_id` present: the answer to a request.
    Response(Response),
    /// `data.user_session` present, no `request_id`: the session-info push after login.
    SessionInfo(SessionInfo),
    /// Anything else.
    Notification(Notification),
}

/// The class of a [`Frame`], without its contents: for counting, logging and routing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FrameClass {
    /// [`Frame::HeartbeatAck`]
    Heartbeat,
    /// [`Frame::HeartbeatFailure`]
    HeartbeatFailure,
    /// [`Frame::Closed`]
    Close,
    /// [`Frame::Push`]
    Push,
    /// [`Frame::Response`]
    Response,
    /// [`Frame::SessionInfo`]
    SessionInfo,
    /// [`Frame::Notification`]
    Notification,
}

impl FrameClass {
    /// A stable lower-case name, e.g. for metrics labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            FrameClass::Heartbeat => "heartbeat",
            FrameClass::HeartbeatFailure => "heartbeat_failure",
            FrameClass::Close => "close",
            FrameClass::Push => "push",
            FrameClass::Response => "response",
            FrameClass::SessionInfo => "session_info",
            FrameClass::Notification => "notification",
        }
    }
}

impl core::fmt::Display for FrameClass {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Frame {
    /// Classifies one frame body (without its length prefix).
    ///
    /// Refuses only what breaks the envelope's own structure (bad keys and wire types,
    /// truncation, lengths past the end, unmatched groups, a declared field with the wrong wire
    /// type). What lies inside `data`, `relayed_request` and `custom_attributes`, and the UTF-8
    /// of `reason`, is left to the moment it is read or decoded, so a frame classified here may
    /// still fail [`decode`](Frame::decode). The reverse never happens: a frame that decodes
    /// classifies, and every accessor agrees with the decoded message.
    #[inline]
    pub fn classify(frame: Bytes) -> Result<Frame, ClassifyError> {
        Frame::try_classify(frame).map_err(|(error, _)| error)
    }

    /// [`classify`](Frame::classify), handing the frame's bytes back when it cannot be
    /// classified.
    ///
    /// For callers that keep a malformed frame's bytes (to log them, or to answer as the
    /// gateway does): they need not clone the `Bytes` beforehand, which costs an atomic
    /// reference-count increment and decrement on every frame, malformed or not.
    #[inline]
    pub fn try_classify(frame: Bytes) -> Result<Frame, (ClassifyError, Bytes)> {
        if frame.is_empty() {
            return Ok(Frame::HeartbeatAck);
        }
        if let Err(error) = check_len(frame.len(), Scope::Notification) {
            return Err((error, frame));
        }
        let mut env = scan::Envelope::default();
        if let Err(error) = scan::notification(&frame, &mut env) {
            return Err((error, frame));
        }
        let merged = NotificationEnvelope::merged(&frame, &env);
        let class = if env.has(scan::REQUEST_ID) && env.request_id == HEARTBEAT_FAILURE_REQUEST_ID {
            FrameClass::HeartbeatFailure
        } else if env.has(scan::CLOSE_STATUS) {
            FrameClass::Close
        } else if env.has(scan::RELAYED) {
            FrameClass::Push
        } else if env.has(scan::REQUEST_ID) {
            FrameClass::Response
        } else if u32::from(env.data_kind) == DataKind::USER_SESSION.number() {
            FrameClass::SessionInfo
        } else {
            FrameClass::Notification
        };
        // The class is settled before the envelope is wrapped, so that every arm wraps the same
        // value and the envelope is written into the frame once.
        let envelope = NotificationEnvelope::new(frame, env, merged);
        Ok(match class {
            FrameClass::HeartbeatFailure => Frame::HeartbeatFailure(Response(envelope)),
            FrameClass::Close => Frame::Closed(Closed(envelope)),
            FrameClass::Push => Frame::Push(Push(envelope)),
            FrameClass::Response => Frame::Response(Response(envelope)),
            FrameClass::SessionInfo => Frame::SessionInfo(SessionInfo(envelope)),
            FrameClass::Notification | FrameClass::Heartbeat => {
                Frame::Notification(Notification(envelope))
            }
        })
    }

    /// The frame's class.
    #[inline]
    pub fn class(&self) -> FrameClass {
        match self {
            Frame::HeartbeatAck => FrameClass::Heartbeat,
            Frame::HeartbeatFailure(_) => FrameClass::HeartbeatFailure,
            Frame::Closed(_) => FrameClass::Close,
            Frame::Push(_) => FrameClass::Push,
            Frame::Response(_) => FrameClass::Response,
            Frame::SessionInfo(_) => FrameClass::SessionInfo,
            Frame::Notification(_) => FrameClass::Notification,
        }
    }

    /// The whole frame body (empty for a heartbeat ack).
    #[inline]
    pub fn bytes(&self) -> &Bytes {
        match self.envelope() {
            Some(envelope) => envelope.bytes(),
            None => &EMPTY,
        }
    }

    /// The whole frame body, for forwarding it unchanged.
    #[inline]
    pub fn into_bytes(self) -> Bytes {
        match self {
            Frame::HeartbeatAck => Bytes::new(),
            Frame::HeartbeatFailure(v) | Frame::Response(v) => v.into_bytes(),
            Frame::Closed(v) => v.into_bytes(),
            Frame::Push(v) => v.into_bytes(),
            Frame::SessionInfo(v) => v.into_bytes(),
            Frame::Notification(v) => v.into_bytes(),
        }
    }

    /// Every envelope field (`None` for a heartbeat ack, which has none).
    #[inline]
    pub fn envelope(&self) -> Option<&NotificationEnvelope> {
        match self {
            Frame::HeartbeatAck => None,
            Frame::HeartbeatFailure(v) | Frame::Response(v) => Some(v.envelope()),
            Frame::Closed(v) => Some(v.envelope()),
            Frame::Push(v) => Some(v.envelope()),
            Frame::SessionInfo(v) => Some(v.envelope()),
            Frame::Notification(v) => Some(v.envelope()),
        }
    }

    /// Decodes the whole frame (a heartbeat ack decodes to the empty notification).
    pub fn decode(&self) -> Result<TurmsNotification, DecodeError> {
        TurmsNotification::decode(self.bytes().clone())
    }
}

/// A frame a gateway receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientFrame {
    /// An empty frame: a heartbeat. The gateway answers with an empty frame.
    Heartbeat,
    /// Any other frame: a `TurmsRequest`.
    Request(RequestFrame),
}

impl ClientFrame {
    /// Classifies one frame body (without its length prefix), reading `request_id`, the kind
    /// and `custom_attributes` but not the request body.
    #[inline]
    pub fn classify(frame: Bytes) -> Result<ClientFrame, ClassifyError> {
        ClientFrame::try_classify(frame).map_err(|(error, _)| error)
    }

    /// [`classify`](ClientFrame::classify), handing the frame's bytes back when it cannot be
    /// classified (see [`Frame::try_classify`]).
    #[inline]
    pub fn try_classify(frame: Bytes) -> Result<ClientFrame, (ClassifyError, Bytes)> {
        if frame.is_empty() {
            return Ok(ClientFrame::Heartbeat);
        }
        if let Err(error) = check_len(frame.len(), Scope::Request) {
            return Err((error, frame));
        }
        RequestFrame::scan(frame).map(ClientFrame::Request)
    }

    /// The whole frame body (empty for a heartbeat).
    #[inline]
    pub fn bytes(&self) -> &Bytes {
        match self {
            ClientFrame::Heartbeat => &EMPTY,
            ClientFrame::Request(request) => request.bytes(),
        }
    }

    /// Decodes the whole frame (a heartbeat decodes to the empty request).
    pub fn decode(&self) -> Result<TurmsRequest, DecodeError> {
        TurmsRequest::decode(self.bytes().clone())
    }
}

#[inline]
fn check_len(len: usize, scope: Scope) -> Result<(), ClassifyError> {
    if len > u32::MAX as usize {
        return Err(ClassifyError::new(
            ClassifyErrorKind::FrameTooLarge { len },
            0,
            scope,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Truncated varint, wire type 7, a length past the end, field number 0.
    const MALFORMED: [&[u8]; 4] = [&[0x08, 0x80], &[0x0f], &[0x32, 0x05, 0x41], &[0x00, 0x01]];

    #[test]
    fn try_classify_hands_back_the_very_bytes_it_refuses() {
        for bad in MALFORMED {
            let bytes = Bytes::copy_from_slice(bad);
            let (error, back) = Frame::try_classify(bytes.clone()).unwrap_err();
            assert_eq!(Some(&error), Frame::classify(bytes.clone()).err().as_ref());
            assert_eq!(back, bytes);
            assert_eq!(back.as_ptr(), bytes.as_ptr(), "not a copy");

            let (error, back) = ClientFrame::try_classify(bytes.clone()).unwrap_err();
            assert_eq!(
                Some(&error),
                ClientFrame::classify(bytes.clone()).err().as_ref()
            );
            assert_eq!(back.as_ptr(), bytes.as_ptr(), "not a copy");
            assert_eq!(back, bytes);
        }
    }

    /// Every frame a client receives is moved out of the codec, through its `Result`s and into
    /// the caller: a larger `Frame` makes every frame cost more.
    #[test]
    fn a_frame_stays_small_to_move() {
        assert!(
            core::mem::size_of::<Frame>() <= 120,
            "{} bytes",
            core::mem::size_of::<Frame>()
        );
        assert!(core::mem::size_of::<scan::Envelope>() <= 72);
    }

    #[test]
    fn try_classify_agrees_with_classify() {
        // Field 1 = 1 (a notification's timestamp, a request's request_id); a heartbeat.
        for good in [&[0x08, 0x01][..], &[]] {
            let bytes = Bytes::copy_from_slice(good);
            assert_eq!(
                Frame::try_classify(bytes.clone()).unwrap(),
                Frame::classify(bytes.clone()).unwrap()
            );
            assert_eq!(
                ClientFrame::try_classify(bytes.clone()).unwrap(),
                ClientFrame::classify(bytes).unwrap()
            );
        }
    }
}
