//! What a client receives: a `TurmsNotification` frame (or an empty heartbeat ack),
//! classified from its envelope alone.

use bytes::Bytes;
use prost::{DecodeError, Message as _};

use super::class::FrameClass;
use super::error::{ClassifyError, Message};
use super::kind::DataKind;
use super::notification::{Close, Notification, NotificationEnvelope, Push, Response, SessionInfo};
use super::{check_len, scan, EMPTY, HEARTBEAT_FAILURE_REQUEST_ID};
use crate::proto::TurmsNotification;

/// A frame a client receives, by what it means to the client.
///
/// The variants are tested in this order, the order the official clients use, so a frame
/// belongs to the first that fits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerFrame {
    /// An empty frame: the server's answer to a heartbeat. (An empty `TurmsNotification`
    /// encodes to no bytes too, so emptiness is decided before anything is decoded.)
    HeartbeatAck,
    /// `request_id == -100`: a heartbeat the server refused, with code 2104 (no session) or
    /// 1201 (server unavailable, with a reason).
    HeartbeatFailure(Response),
    /// `close_status` present: the server closes the session.
    Close(Close),
    /// `relayed_request` present: another user's request, relayed.
    Push(Push),
    /// `request_id` present: the answer to a request.
    Response(Response),
    /// `data.user_session` present, no `request_id`: the session-info push after login.
    SessionInfo(SessionInfo),
    /// Anything else.
    Notification(Notification),
}

impl ServerFrame {
    /// Classifies one frame body (without its length prefix).
    ///
    /// Refuses only what breaks the envelope's own structure (bad keys and wire types,
    /// truncation, lengths past the end, unmatched groups, a declared field with the wrong wire
    /// type). What lies inside `data`, `relayed_request` and `custom_attributes`, and the UTF-8
    /// of `reason`, is left to the moment it is read or decoded, so a frame classified here may
    /// still fail [`decode`](ServerFrame::decode). The reverse never happens: a frame that decodes
    /// classifies, and every accessor agrees with the decoded message.
    #[inline]
    pub fn classify(frame: Bytes) -> Result<ServerFrame, ClassifyError> {
        ServerFrame::try_classify(frame).map_err(|(error, _)| error)
    }

    /// [`classify`](ServerFrame::classify), handing the frame's bytes back when it cannot be
    /// classified.
    ///
    /// For callers that keep a malformed frame's bytes (to log them, or to answer as the
    /// gateway does): they need not clone the `Bytes` beforehand, which costs an atomic
    /// reference-count increment and decrement on every frame, malformed or not.
    #[inline]
    pub fn try_classify(frame: Bytes) -> Result<ServerFrame, (ClassifyError, Bytes)> {
        ServerFrame::try_classify_inlined(frame)
    }

    /// [`try_classify`](ServerFrame::try_classify), always inlined: the codecs call this, one
    /// copy per role and transport. Called out of line, the 120-byte frame comes back through
    /// memory, written field by field and read back right away in wider pieces, which the
    /// processor cannot forward from its store buffer: that stall cost more than the scan.
    #[inline(always)]
    pub(crate) fn try_classify_inlined(
        frame: Bytes,
    ) -> Result<ServerFrame, (ClassifyError, Bytes)> {
        if frame.is_empty() {
            return Ok(ServerFrame::HeartbeatAck);
        }
        if let Err(error) = check_len(frame.len(), Message::Notification) {
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
            FrameClass::HeartbeatFailure => ServerFrame::HeartbeatFailure(Response(envelope)),
            FrameClass::Close => ServerFrame::Close(Close(envelope)),
            FrameClass::Push => ServerFrame::Push(Push(envelope)),
            FrameClass::Response => ServerFrame::Response(Response(envelope)),
            FrameClass::SessionInfo => ServerFrame::SessionInfo(SessionInfo(envelope)),
            FrameClass::Notification | FrameClass::Heartbeat | FrameClass::Request => {
                ServerFrame::Notification(Notification(envelope))
            }
        })
    }

    /// The frame's class.
    #[inline]
    pub fn class(&self) -> FrameClass {
        match self {
            ServerFrame::HeartbeatAck => FrameClass::Heartbeat,
            ServerFrame::HeartbeatFailure(_) => FrameClass::HeartbeatFailure,
            ServerFrame::Close(_) => FrameClass::Close,
            ServerFrame::Push(_) => FrameClass::Push,
            ServerFrame::Response(_) => FrameClass::Response,
            ServerFrame::SessionInfo(_) => FrameClass::SessionInfo,
            ServerFrame::Notification(_) => FrameClass::Notification,
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
            ServerFrame::HeartbeatAck => Bytes::new(),
            ServerFrame::HeartbeatFailure(v) | ServerFrame::Response(v) => v.into_bytes(),
            ServerFrame::Close(v) => v.into_bytes(),
            ServerFrame::Push(v) => v.into_bytes(),
            ServerFrame::SessionInfo(v) => v.into_bytes(),
            ServerFrame::Notification(v) => v.into_bytes(),
        }
    }

    /// Every envelope field (`None` for a heartbeat ack, which has none).
    #[inline]
    pub fn envelope(&self) -> Option<&NotificationEnvelope> {
        match self {
            ServerFrame::HeartbeatAck => None,
            ServerFrame::HeartbeatFailure(v) | ServerFrame::Response(v) => Some(v.envelope()),
            ServerFrame::Close(v) => Some(v.envelope()),
            ServerFrame::Push(v) => Some(v.envelope()),
            ServerFrame::SessionInfo(v) => Some(v.envelope()),
            ServerFrame::Notification(v) => Some(v.envelope()),
        }
    }

    /// Decodes the whole frame (a heartbeat ack decodes to the empty notification).
    pub fn decode(&self) -> Result<TurmsNotification, DecodeError> {
        TurmsNotification::decode(self.bytes().clone())
    }
}
