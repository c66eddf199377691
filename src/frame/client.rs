//! What a gateway receives: a `TurmsRequest` frame (or an empty heartbeat), classified from
//! its `request_id` and kind.

use bytes::Bytes;
use prost::{DecodeError, Message as _};

use super::class::FrameClass;
use super::error::{ClassifyError, Message};
use super::request::RequestFrame;
use super::{check_len, EMPTY};
use crate::proto::TurmsRequest;

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
    /// classified (see [`ServerFrame::try_classify`](super::ServerFrame::try_classify)).
    #[inline]
    pub fn try_classify(frame: Bytes) -> Result<ClientFrame, (ClassifyError, Bytes)> {
        ClientFrame::try_classify_inlined(frame)
    }

    /// [`try_classify`](ClientFrame::try_classify), always inlined into the codecs (see
    /// [`ServerFrame`](super::ServerFrame)'s).
    #[inline(always)]
    pub(crate) fn try_classify_inlined(
        frame: Bytes,
    ) -> Result<ClientFrame, (ClassifyError, Bytes)> {
        if frame.is_empty() {
            return Ok(ClientFrame::Heartbeat);
        }
        if let Err(error) = check_len(frame.len(), Message::Request) {
            return Err((error, frame));
        }
        RequestFrame::scan(frame).map(ClientFrame::Request)
    }

    /// The frame's class: [`FrameClass::Heartbeat`] or [`FrameClass::Request`].
    #[inline]
    pub fn class(&self) -> FrameClass {
        match self {
            ClientFrame::Heartbeat => FrameClass::Heartbeat,
            ClientFrame::Request(_) => FrameClass::Request,
        }
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
