//! One end of a TCP connection: the framing, with classification of what arrives and encoding
//! of what the end may send.

use core::marker::PhantomData;

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use super::error::FramingError;
use super::framing::Framing;
use super::outgoing::Outgoing;
use crate::frame::MalformedFrame;
use crate::role::{self, Limits, Role};

/// One end of a TCP connection, for the role `R`: decodes what the peer sends into classified
/// frames ([`Role::Inbound`]), encodes what this end may send ([`Outgoing<R>`]).
///
/// Use it with [`Framed`](tokio_util::codec::Framed). Each item is a classified frame, or a
/// [`MalformedFrame`] for a body that could not be classified (the stream goes on); a
/// [`FramingError`] ends the stream. Defaults: the role's limits ([`Role::LIMITS`]).
///
/// A client's codec ([`ClientCodec`]) decodes [`ServerFrame`](crate::frame::ServerFrame)s and
/// writes requests with `request_id` first and the kind right after it
/// ([`encode_request`](super::encode_request)), heartbeats and pre-encoded bodies; a gateway's
/// ([`GatewayCodec`]) decodes [`ClientFrame`](crate::frame::ClientFrame)s and writes
/// notifications, heartbeat acks and pre-encoded notifications (relayed unmodified, as the
/// real gateway relays pushes). A message that encodes to nothing is refused
/// ([`OutboundError::EmptyMessage`](super::OutboundError::EmptyMessage)), since the peer
/// would take it for a heartbeat.
#[derive(Debug, Clone)]
pub struct Codec<R: Role> {
    framing: Framing,
    role: PhantomData<R>,
}

/// The client end of a TCP connection.
pub type ClientCodec = Codec<role::Client>;

/// The gateway end of a TCP connection.
pub type GatewayCodec = Codec<role::Gateway>;

impl<R: Role> Codec<R> {
    /// A codec with the role's defaults ([`Role::LIMITS`]).
    pub fn new() -> Self {
        Self::with_limits(R::LIMITS)
    }

    /// A codec with explicit limits.
    pub fn with_limits(limits: Limits) -> Self {
        Codec {
            framing: Framing::new(limits),
            role: PhantomData,
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

impl<R: Role> Default for Codec<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Role> Decoder for Codec<R> {
    type Item = Result<R::Inbound, MalformedFrame>;
    type Error = FramingError;

    // Always inlined, with the framing's fast path and the classification: returned from a
    // call, the classified frame would pass through memory once more.
    #[inline(always)]
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, FramingError> {
        Ok(self.framing.decode(src)?.map(R::classify))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, FramingError> {
        Ok(self.framing.decode_eof(src)?.map(R::classify))
    }
}

impl<R: Role, T: Outgoing<R>> Encoder<T> for Codec<R> {
    type Error = FramingError;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), FramingError> {
        self.framing
            .write_frame(item.body_len(), T::MAY_BE_EMPTY, dst, |dst| {
                item.write_body(dst)
            })
    }
}
