//! The two ends of a connection: what each decodes and what each may send.

use bytes::{Bytes, BytesMut};
use prost::Message;
use tokio_util::codec::{Decoder, Encoder};

use super::encode::encode_request_fields;
use super::error::FramingError;
use super::framing::Framing;
use super::limits::Limits;
use crate::frame::{ClassifyError, ClientFrame, Frame};
use crate::proto::{TurmsNotification, TurmsRequest};

/// A frame whose length prefix was sound but whose body is not a valid envelope.
///
/// Only that frame is lost: the next one starts where the prefix said, so the stream goes on.
/// The raw bytes are kept, for logging or for answering as the gateway does (`request_id = -1`,
/// `INVALID_REQUEST`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {}-byte frame: {error}", bytes.len())]
pub struct MalformedFrame {
    /// The frame body as received.
    pub bytes: Bytes,
    /// Why it could not be classified.
    pub error: ClassifyError,
}

/// The client's heartbeat: an empty frame (`00` on TCP, an empty binary message on WebSocket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Heartbeat;

/// The gateway's answer to a heartbeat: an empty frame, like the heartbeat itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct HeartbeatAck;

/// Classification shared by the TCP codecs and the WebSocket adapters.
pub(crate) trait Inbound: Sized {
    fn try_classify(bytes: Bytes) -> Result<Self, (ClassifyError, Bytes)>;
}

impl Inbound for Frame {
    #[inline]
    fn try_classify(bytes: Bytes) -> Result<Self, (ClassifyError, Bytes)> {
        Frame::try_classify(bytes)
    }
}

impl Inbound for ClientFrame {
    #[inline]
    fn try_classify(bytes: Bytes) -> Result<Self, (ClassifyError, Bytes)> {
        ClientFrame::try_classify(bytes)
    }
}

/// Classifies one frame body, keeping the bytes if it is malformed. The bytes come back from
/// the classifier rather than from a clone made beforehand: a clone is an atomic increment and
/// decrement of the reference count on every frame.
#[inline]
pub(crate) fn classify<T: Inbound>(bytes: Bytes) -> Result<T, MalformedFrame> {
    T::try_classify(bytes).map_err(|(error, bytes)| MalformedFrame { bytes, error })
}

/// The body of a message about to be sent, refused when it is empty (it would read as a
/// heartbeat).
fn non_empty_len(len: usize) -> Result<usize, FramingError> {
    if len == 0 {
        return Err(FramingError::EmptyMessage);
    }
    Ok(len)
}

/// What the two ends' codecs share: limits, the decoder (framing, then classification into
/// `$item`), and sending a pre-encoded body unchanged.
macro_rules! role_codec {
    (
        $(#[$meta:meta])* $codec:ident, $item:ty, $limits:path, $end:literal;
        $(#[$bytes_meta:meta])* Encoder<Bytes>
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $codec {
            framing: Framing,
        }

        impl $codec {
            #[doc = concat!(
                "A codec with the ", $end, " defaults ([`", stringify!($limits), "`])."
            )]
            pub fn new() -> Self {
                Self::with_limits($limits)
            }

            /// A codec with explicit limits.
            pub fn with_limits(limits: Limits) -> Self {
                $codec {
                    framing: Framing::new(limits),
                }
            }

            /// The limits in force.
            pub fn limits(&self) -> Limits {
                self.framing.limits()
            }

            /// Changes the limits.
            pub fn set_limits(&mut self, limits: Limits) {
                self.framing.set_limits(limits);
            }
        }

        impl Default for $codec {
            fn default() -> Self {
                Self::new()
            }
        }

        impl Decoder for $codec {
            type Item = Result<$item, MalformedFrame>;
            type Error = FramingError;

            #[inline]
            fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, FramingError> {
                Ok(self.framing.decode(src)?.map(classify))
            }

            fn decode_eof(
                &mut self,
                src: &mut BytesMut,
            ) -> Result<Option<Self::Item>, FramingError> {
                Ok(self.framing.decode_eof(src)?.map(classify))
            }
        }

        $(#[$bytes_meta])*
        impl Encoder<Bytes> for $codec {
            type Error = FramingError;

            fn encode(&mut self, body: Bytes, dst: &mut BytesMut) -> Result<(), FramingError> {
                self.framing.encode(body, dst)
            }
        }
    };
}

role_codec! {
    /// The client end of a TCP connection: decodes what the gateway sends into [`Frame`]s,
    /// encodes requests and heartbeats.
    ///
    /// Use it with [`Framed`](tokio_util::codec::Framed). Each item is a classified frame, or a
    /// [`MalformedFrame`] for a body that could not be classified (the stream goes on); a
    /// [`FramingError`] ends the stream. Defaults: [`Limits::CLIENT`] (accept up to 8 MiB, send
    /// up to the gateway's 16 KiB).
    ///
    /// Requests are written with `request_id` first and the kind right after it
    /// ([`encode_request`](super::encode_request)); a request that encodes to nothing is
    /// refused ([`FramingError::EmptyMessage`]) since the gateway would take it for a
    /// heartbeat.
    ClientCodec, Frame, Limits::CLIENT, "client";
    /// Sends a pre-encoded request body unchanged (an empty one is a heartbeat). The field order
    /// is the caller's: the gateway accepts only `request_id` first and the kind right after.
    Encoder<Bytes>
}

impl Encoder<&TurmsRequest> for ClientCodec {
    type Error = FramingError;

    fn encode(&mut self, request: &TurmsRequest, dst: &mut BytesMut) -> Result<(), FramingError> {
        let len = non_empty_len(request.encoded_len())?;
        self.framing
            .write_frame(len, dst, |dst| encode_request_fields(request, dst))
    }
}

impl Encoder<Heartbeat> for ClientCodec {
    type Error = FramingError;

    fn encode(&mut self, _: Heartbeat, dst: &mut BytesMut) -> Result<(), FramingError> {
        self.framing.encode(&[][..], dst)
    }
}

role_codec! {
    /// The gateway end of a TCP connection: decodes what clients send into [`ClientFrame`]s,
    /// encodes notifications and heartbeat acks.
    ///
    /// Items and errors as for [`ClientCodec`]. Defaults: [`Limits::GATEWAY`] (accept up to
    /// the real gateway's 16 KiB, send up to the 8 MiB clients accept). Pre-encoded
    /// notifications are sent as [`Bytes`], unmodified, as the real gateway relays pushes.
    GatewayCodec, ClientFrame, Limits::GATEWAY, "gateway";
    /// Sends a pre-encoded notification unchanged (an empty one is a heartbeat ack).
    Encoder<Bytes>
}

impl Encoder<&TurmsNotification> for GatewayCodec {
    type Error = FramingError;

    fn encode(
        &mut self,
        notification: &TurmsNotification,
        dst: &mut BytesMut,
    ) -> Result<(), FramingError> {
        let len = non_empty_len(notification.encoded_len())?;
        self.framing
            .write_frame(len, dst, |dst| notification.encode_raw(dst))
    }
}

impl Encoder<HeartbeatAck> for GatewayCodec {
    type Error = FramingError;

    fn encode(&mut self, _: HeartbeatAck, dst: &mut BytesMut) -> Result<(), FramingError> {
        self.framing.encode(&[][..], dst)
    }
}
